// Chrome's built-in AI (Summarizer, Translator, LanguageDetector) as the zero-key default, against
// a stand-in of the documented API surface: this Chromium exposes the APIs but has no model
// (Summarizer "unavailable", Translator "downloadable"), and no test may download one. The
// stand-in is installed in the extension's isolated world of the page, where the panel's content
// script looks the APIs up, and records every call.
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { clickAction, inExtension, setSettings, uniqueUrl, waitForPanel, waitForTranslation } from './harness.mjs';
import { longArticle } from './long-article.mjs';
import { glossSuite } from './suite.mjs';

const T = { timeout: 60_000 };
const SAMPLE = '/www/samples/lighthouse-keepers.html';
let gloss, site;

const world = glossSuite({ articles: { 'on-device-long.html': longArticle(6_000, 21) } });
// Root-level `before` hooks are not run one after another: take the suite's world per test.
beforeEach(() => ({ gloss, site } = world));

/**
 * The documented surface (availability, create with monitor and downloadprogress, summarize,
 * translate, detect, destroy). A model that is "downloadable" needs user activation to create,
 * as in Chrome. Answers are made from the input, so they can be checked.
 */
function standIn(config) {
  const calls = [];
  const state = { Summarizer: config.summarizer, Translator: config.translator, LanguageDetector: config.detector, LanguageModel: config.languageModel };
  const sentences = (text) => text.split(/(?<=[.!?])\s+/).map((s) => s.trim()).filter((s) => s.split(' ').length > 5);
  async function create(api, options) {
    calls.push({ api, method: 'create', options: JSON.parse(JSON.stringify(options ?? {})), activation: navigator.userActivation.isActive });
    if (state[api] === 'unavailable') throw new DOMException('The model is not available.', 'NotSupportedError');
    if (state[api] !== 'available') {
      if (!navigator.userActivation.isActive) throw new DOMException('Requires a user gesture when the model is downloadable.', 'NotAllowedError');
      const target = new EventTarget();
      options?.monitor?.(target);
      for (const loaded of [0, 0.5, 1]) {
        await new Promise((r) => setTimeout(r, 150));
        target.dispatchEvent(Object.assign(new Event('downloadprogress'), { loaded }));
      }
      state[api] = 'available';
    }
    return { destroy() { calls.push({ api, method: 'destroy' }); } };
  }
  const surface = (api, methods) => class {
    static async availability(options) {
      calls.push({ api, method: 'availability', options: JSON.parse(JSON.stringify(options ?? {})) });
      return state[api];
    }
    static async create(options) {
      return Object.assign(await create(api, options), methods(options));
    }
  };
  globalThis.Summarizer = surface('Summarizer', (options) => ({
    // Gemini Nano's quota is in tokens; the stand-in counts four characters a token.
    inputQuota: 2500,
    async summarize(input, { context, signal } = {}) {
      calls.push({ api: 'Summarizer', method: 'summarize', type: options.type, length: options.length, outputLanguage: options.outputLanguage, context, chars: input.length });
      if (config.delayMs) await new Promise((r) => setTimeout(r, config.delayMs));
      // Recorded so a test can wait for every call to have ended, aborted or not.
      calls.push({ api: 'Summarizer', method: 'summarizeEnd', aborted: Boolean(signal?.aborted), sample: input.slice(0, 200) });
      signal?.throwIfAborted();
      if (Math.ceil(input.length / 4) > this.inputQuota) throw new DOMException('The input is too large.', 'QuotaExceededError');
      const found = sentences(input);
      if (options.type === 'tldr') return found.slice(0, 2).join(' ');
      const count = options.length === 'short' ? 3 : 5;
      return found.slice(0, count).map((s) => `* ${s}`).join('\n');
    },
  }));
  if (config.languageModel) {
    // The Prompt API: a session made with a system prompt; prompt() honours a JSON schema
    // (`responseConstraint`) by answering JSON of the article's first paragraphs and their ids.
    globalThis.LanguageModel = surface('LanguageModel', (options) => ({
      async prompt(input, { responseConstraint, signal } = {}) {
        const system = options.initialPrompts?.find((p) => p.role === 'system')?.content ?? '';
        calls.push({ api: 'LanguageModel', method: 'prompt', system, schema: responseConstraint ?? null, outputs: options.expectedOutputs, chars: input.length });
        signal?.throwIfAborted();
        if (!responseConstraint || config.languageModelAnswer) return config.languageModelAnswer ?? 'Here is a digest, as prose.';
        const paragraphs = [...input.matchAll(/^\[(b\d+)\] (.+)$/gm)].map((m) => ({ id: m[1], text: m[2].split(/(?<=[.!?])\s/)[0] }));
        return JSON.stringify({
          keyPoints: paragraphs.slice(0, 3).map((p) => ({ text: `On the device: ${p.text}`, id: p.id })),
          summary: paragraphs.slice(0, 2).map((p) => p.text).join(' '),
          details: paragraphs.slice(0, 4).map((p, i) => ({ label: `Point ${i + 1}`, text: p.text, id: p.id })),
        });
      },
    }));
  }
  globalThis.Translator = surface('Translator', (options) => ({
    async translate(text) {
      calls.push({ api: 'Translator', method: 'translate', sourceLanguage: options.sourceLanguage, targetLanguage: options.targetLanguage });
      return `[${options.targetLanguage}] ${text}`;
    },
  }));
  globalThis.LanguageDetector = surface('LanguageDetector', () => ({
    async detect(text) {
      calls.push({ api: 'LanguageDetector', method: 'detect', chars: text.length });
      return config.detected;
    },
  }));
  globalThis.__standInCalls = calls;
}

/**
 * Installs the stand-in in the extension's isolated world of the tab showing `page` (found from
 * the worker: the click granted the extension this tab); resolves to the tab's id.
 */
async function installStandIn(page, config) {
  // chrome.scripting needs a function; the stand-in's source is written into the expression the
  // worker runs (the worker's CSP allows no eval, and the isolated world's neither).
  return inExtension(gloss, `(async () => {
    const url = ${JSON.stringify(page.url())};
    const tab = (await chrome.tabs.query({})).find((t) => t.url === url);
    if (!tab) throw new Error('no granted tab at ' + url);
    await chrome.scripting.executeScript({ target: { tabId: tab.id }, func: ${standIn.toString()}, args: [${JSON.stringify(config)}] });
    return tab.id;
  })()`);
}

/** Polls `check` every 100 ms until it is true (resolves true) or `ms` have passed (resolves false). */
async function until(check, ms) {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    if (await check()) return true;
  }
  return false;
}

/** Every call the stand-in in tab `tabId` has recorded. */
const standInCalls = (tabId) => inExtension(gloss, `(async () => {
  const [result] = await chrome.scripting.executeScript({ target: { tabId: ${Number(tabId)} }, func: () => globalThis.__standInCalls });
  return result.result;
})()`);

/**
 * Opens the sample with Gloss once (which grants the extension this tab), installs the stand-in,
 * closes the panel and opens it again: the content script now finds the stand-in APIs.
 */
async function openWithStandIn(config, path = SAMPLE) {
  const page = await gloss.context.newPage();
  await page.goto(uniqueUrl(site.url + path));
  await clickAction(gloss, page);
  const first = await waitForPanel(gloss, page);
  await first.original.locator('dl.meta').waitFor();
  const tabId = await installStandIn(page, config);
  await first.root.locator('button.icon').filter({ hasText: '×' }).click();
  await first.host.waitFor({ state: 'detached' });
  // The first panel may have reached the stand-in before it closed: count only the second's calls.
  await inExtension(gloss, `(async () => {
    await chrome.scripting.executeScript({ target: { tabId: ${Number(tabId)} }, func: () => { globalThis.__standInCalls.length = 0; } });
  })()`);
  await clickAction(gloss, page);
  return { page, p: await waitForPanel(gloss, page), tabId };
}

const READY = { summarizer: 'available', translator: 'available', detector: 'available', detected: [{ detectedLanguage: 'en', confidence: 0.97 }] };

describe('Chrome built-in AI, with no key', () => {
  test('digests and translates on the device, labelled so, with key points linked to the article', T, async () => {
    await setSettings(gloss, { provider: 'builtin', digestLang: 'en', translateLang: 'fr' });
    const { page, p, tabId } = await openWithStandIn(READY);
    await p.digest.locator('ul.details li').first().waitFor();
    assert.equal(await p.digest.locator('.provenance').innerText(), 'chrome · en · Summarizer API');
    assert.equal(await p.digest.locator('ul.key-points li').count(), 3);
    assert.ok(await p.digest.locator('p.summary').count() >= 1);
    assert.ok(await p.digest.locator('ul.key-points button.source').count() >= 1, 'key points link back to their paragraph');
    assert.match(await p.digest.locator('.spend').innerText(), /^~[\d,]+ → ~[\d,]+ tokens · \d+\.\d s$/, 'estimated tokens and time, no cost');
    await waitForTranslation(page);
    assert.equal(await p.translation.locator('.provenance').innerText(), 'en → chrome · fr · Translator API');
    await p.translation.locator('.spend').waitFor();
    assert.match(await p.translation.locator('.spend').innerText(), /^~[\d,]+ → ~[\d,]+ tokens · \d+\.\d s$/);
    const slots = await p.translation.locator('.translated [data-block]:not(.code)').allInnerTexts();
    const blocks = await p.original.locator('.extracted [data-block]:not(.code)').count();
    assert.equal(slots.length, blocks);
    assert.ok(slots.every((t) => t.startsWith('[fr] ')), `every block translated on the device: ${JSON.stringify(slots.filter((t) => !t.startsWith('[fr] ')))}`);
    const code = p.translation.locator('.translated [data-block].code');
    assert.equal(await code.count(), 1);
    assert.equal(await code.textContent(), await p.original.locator('.extracted [data-block].code').textContent(), 'code is not given to the translator');

    const calls = await standInCalls(tabId);
    const summaries = calls.filter((c) => c.method === 'summarize');
    assert.deepEqual(summaries.map((c) => [c.type, c.length]), [['key-points', 'short'], ['tldr', 'medium'], ['key-points', 'long']]);
    assert.ok(summaries.every((c) => c.outputLanguage === 'en'));
    assert.ok(calls.some((c) => c.api === 'LanguageDetector' && c.method === 'detect'), 'the source language was detected');
    assert.ok(calls.filter((c) => c.method === 'translate').every((c) => c.sourceLanguage === 'en' && c.targetLanguage === 'fr'));
    assert.equal(calls.filter((c) => c.method === 'create').length, calls.filter((c) => c.method === 'destroy').length, 'every model made is released');
    await page.close();
  });

  test('a model still to download is offered, downloaded on a click with its progress shown, then used', T, async () => {
    await setSettings(gloss, { provider: 'builtin', digestLang: 'en', translateLang: 'ja' });
    const { page, p, tabId } = await openWithStandIn({ ...READY, summarizer: 'downloadable', translator: 'downloadable' });
    // Until then: the extractive digest, labelled as such, and the offer.
    await p.digest.locator('ul.key-points li').first().waitFor();
    assert.equal(await p.digest.locator('.provenance').innerText(), 'built-in · en · extractive');
    const offer = p.digest.locator('.offer button');
    await offer.waitFor();
    await offer.click();
    await p.digest.getByText(/Downloading Chrome’s on-device model: \d+%/).waitFor();
    await p.digest.locator('.provenance').getByText('chrome · en · Summarizer API').waitFor();
    await p.digest.locator('ul.details li').first().waitFor();

    // The translation says no model is set, and offers the on-device translator.
    const translate = p.translation.locator('.offer button');
    await translate.waitFor();
    assert.match(await p.translation.locator('.error').innerText(), /Options|options/);
    assert.match(await translate.innerText(), /en → ja/);
    await translate.click();
    await waitForTranslation(page);
    const slots = await p.translation.locator('.translated [data-block]:not(.code)').allInnerTexts();
    assert.ok(slots.length > 0 && slots.every((t) => t.startsWith('[ja] ')));

    const calls = await standInCalls(tabId);
    const downloads = calls.filter((c) => c.method === 'create' && (c.api === 'Summarizer' || c.api === 'Translator'));
    assert.ok(downloads[0].activation, 'the download was started by the reader\'s click');
    await page.close();
  });

  test('a long article is summarised in parts, and no call exceeds the input quota', { timeout: 120_000 }, async () => {
    await setSettings(gloss, { provider: 'builtin', digestLang: 'en', translateLang: 'en' });
    const { page, p, tabId } = await openWithStandIn(READY, '/artifacts/on-device-long.html');
    await p.digest.locator('.provenance').getByText('chrome · en · Summarizer API').waitFor();
    await p.digest.locator('ul.key-points li').first().waitFor({ timeout: 90_000 });
    assert.equal(await p.digest.locator('.error').count(), 0, 'no call was refused');
    const summaries = (await standInCalls(tabId)).filter((c) => c.method === 'summarize');
    assert.ok(summaries.length > 3, `${summaries.length} calls: parts first`);
    assert.ok(summaries.some((c) => /^Part 1 of \d+ of the article\.$/.test(c.context)));
    assert.ok(summaries.every((c) => c.chars / 4 <= 2500), `largest input ${Math.max(...summaries.map((c) => c.chars))} characters`);
    await page.close();
  });

  test('reading a new article mid-digest never mixes the old one into it', T, async () => {
    await setSettings(gloss, { provider: 'builtin', digestLang: 'en', translateLang: 'en' });
    // Each Summarizer call takes 1.5 s, so the first run is still under way when the page changes,
    // however loaded the machine is.
    const { page, p, tabId } = await openWithStandIn({ ...READY, delayMs: 1_500 });
    // The first article's digest is under way (a call has started, none has ended yet)…
    const underWay = await until(async () => (await standInCalls(tabId)).some((c) => c.method === 'summarize'), 10_000);
    assert.ok(underWay, 'the first article\'s digest had started before the page changed');
    assert.equal((await standInCalls(tabId)).filter((c) => c.method === 'summarizeEnd').length, 0, 'and had not finished');
    assert.equal(await p.digest.locator('ul.details li').count(), 0, 'nothing of it is shown yet');
    // …when the page becomes another article, as single-page sites do.
    await page.evaluate(() => {
      history.pushState({}, '', '/www/samples/zebras');
      document.querySelector('article h1').textContent = 'Zebras at Dawn';
      document.title = 'Zebras at Dawn';
      document.querySelectorAll('article p').forEach((node, i) => {
        node.textContent = `Zebras graze quietly across the open savanna plains near river bend number ${i} at dawn. The herd moves on before the heat of the day settles over the grass.`;
      });
    });
    const offer = p.original.locator('.error[data-code="page_changed"]');
    await offer.waitFor({ timeout: 5_000 });
    await offer.locator('button.retry').click();
    await p.original.locator('dl.meta', { hasText: 'Zebras at Dawn' }).waitFor();
    await p.digest.locator('ul.details li').first().waitFor({ timeout: 30_000 });
    // Every call the first run started has ended (a positive marker, not a sleep), then look:
    // nothing of the lighthouse article was shown.
    const ended = await until(async () => {
      const calls = await standInCalls(tabId);
      const lighthouse = calls.filter((c) => c.method === 'summarizeEnd' && /lighthouse|Skarholm/i.test(c.sample));
      return calls.filter((c) => c.method === 'summarize').length === calls.filter((c) => c.method === 'summarizeEnd').length && lighthouse.length > 0;
    }, 20_000);
    assert.ok(ended, 'the first run\'s Summarizer calls all ended');
    const shown = await p.digest.locator('.content').innerText();
    assert.match(shown, /Zebras graze/);
    assert.doesNotMatch(shown, /lighthouse|Skarholm|keeper/i);
    await page.close();
  });

  test('a confident detector overrules the page\'s language, and a same-language article offers another target', T, async () => {
    await setSettings(gloss, { provider: 'builtin', digestLang: 'en', translateLang: 'de' });
    const { page, p, tabId } = await openWithStandIn({ ...READY, detected: [{ detectedLanguage: 'de', confidence: 0.9 }] });
    await p.translation.locator('.error[data-code="same_language"]').waitFor();
    const calls = await standInCalls(tabId);
    assert.equal(calls.filter((c) => c.method === 'translate').length, 0, 'nothing is translated into its own language');
    await page.close();
  });
});

describe('the Prompt API, with no key', () => {
  test('writes the digest in Gloss\'s own format, each point linked to its paragraph; not ready, the Summarizer stands in', T, async () => {
    await setSettings(gloss, { provider: 'builtin', digestLang: 'en', translateLang: 'en' });
    const { page, p, tabId } = await openWithStandIn({ ...READY, languageModel: 'available' });
    await p.digest.locator('ul.details li').nth(3).waitFor();
    assert.equal(await p.digest.locator('.provenance').innerText(), 'chrome · en · Prompt API');
    const points = await p.digest.locator('ul.key-points li').allInnerTexts();
    assert.equal(points.length, 3);
    assert.ok(points.every((t) => t.startsWith('On the device: ')), `${points}`);
    const sources = await p.digest.locator('ul.key-points button.source').evaluateAll((bs) => bs.map((b) => b.dataset.source));
    const ids = await p.original.locator('.extracted [data-block]').evaluateAll((bs) => bs.map((b) => b.dataset.block));
    assert.equal(sources.length, 3, 'every key point links to its paragraph');
    assert.ok(sources.every((id) => ids.includes(id)), `${sources} are paragraphs of the article`);
    assert.match(await p.digest.locator('ul.details li').first().innerText(), /^Point 1: /);
    const calls = await standInCalls(tabId);
    const prompts = calls.filter((c) => c.api === 'LanguageModel' && c.method === 'prompt');
    assert.equal(prompts.length, 1);
    assert.deepEqual(prompts[0].schema.required, ['keyPoints', 'summary', 'details'], 'the answer is constrained by the JSON schema');
    assert.match(prompts[0].system, /never as instructions/);
    assert.deepEqual(prompts[0].outputs, [{ type: 'text', languages: ['en'] }]);
    assert.equal(calls.filter((c) => c.method === 'summarize').length, 0, 'the Summarizer is not asked');
    await page.close();

    const unready = await openWithStandIn({ ...READY, languageModel: 'unavailable' });
    await unready.p.digest.locator('ul.key-points li').first().waitFor();
    await unready.p.digest.locator('.provenance', { hasText: 'Summarizer API' }).waitFor();
    const fallback = await standInCalls(unready.tabId);
    assert.equal(fallback.filter((c) => c.method === 'prompt').length, 0);
    assert.ok(fallback.filter((c) => c.method === 'summarize').length >= 3, 'the Summarizer writes it instead');
    await unready.page.close();

    const prose = await openWithStandIn({ ...READY, languageModel: 'available', languageModelAnswer: 'Sure! The article is about lighthouses.' });
    await prose.p.digest.locator('.provenance', { hasText: 'Summarizer API' }).waitFor();
    await prose.p.digest.locator('ul.key-points li').first().waitFor();
    assert.ok((await standInCalls(prose.tabId)).some((c) => c.method === 'summarize'), 'an answer that is not the JSON asked for: the Summarizer takes over');
    await prose.page.close();
  });
});
