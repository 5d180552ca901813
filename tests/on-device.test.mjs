// Chrome's built-in AI (Summarizer, Translator, LanguageDetector) as the zero-key default, against
// a stand-in of the documented API surface: this Chromium exposes the APIs but has no model
// (Summarizer "unavailable", Translator "downloadable"), and no test may download one. The
// stand-in is installed in the extension's isolated world of the page, where the panel's content
// script looks the APIs up, and records every call.
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { clickAction, inExtension, setSettings, uniqueUrl, waitForPanel, waitForTranslation } from './harness.mjs';
import { glossSuite } from './suite.mjs';

const T = { timeout: 60_000 };
const SAMPLE = '/www/samples/lighthouse-keepers.html';
let gloss, site;

const world = glossSuite();
// Root-level `before` hooks are not run one after another: take the suite's world per test.
beforeEach(() => ({ gloss, site } = world));

/**
 * The documented surface (availability, create with monitor and downloadprogress, summarize,
 * translate, detect, destroy). A model that is "downloadable" needs user activation to create,
 * as in Chrome. Answers are made from the input, so they can be checked.
 */
function standIn(config) {
  const calls = [];
  const state = { Summarizer: config.summarizer, Translator: config.translator, LanguageDetector: config.detector };
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
    inputQuota: 6000,
    async summarize(input, { context } = {}) {
      calls.push({ api: 'Summarizer', method: 'summarize', type: options.type, length: options.length, outputLanguage: options.outputLanguage, context, chars: input.length });
      const found = sentences(input);
      if (options.type === 'tldr') return found.slice(0, 2).join(' ');
      const count = options.length === 'short' ? 3 : 5;
      return found.slice(0, count).map((s) => `* ${s}`).join('\n');
    },
  }));
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

/** The tab showing `page`, found from the worker (the click granted the extension this tab). */
const TAB = 'const tab = (await chrome.tabs.query({})).find((t) => t.url === url); if (!tab) throw new Error(`no granted tab at ${url}`);';

/** Installs the stand-in in the extension's isolated world of the tab showing `page`. */
async function installStandIn(page, config) {
  // chrome.scripting needs a function; the stand-in's source is written into the expression the
  // worker runs (the worker's CSP allows no eval, and the isolated world's neither).
  await inExtension(gloss, `(async () => {
    const url = ${JSON.stringify(page.url())};
    ${TAB}
    await chrome.scripting.executeScript({ target: { tabId: tab.id }, func: ${standIn.toString()}, args: [${JSON.stringify(config)}] });
  })()`);
}

const standInCalls = (page) => inExtension(gloss, `(async () => {
  const url = ${JSON.stringify(page.url())};
  ${TAB}
  const [result] = await chrome.scripting.executeScript({ target: { tabId: tab.id }, func: () => globalThis.__standInCalls });
  return result.result;
})()`);

/**
 * Opens the sample with Gloss once (which grants the extension this tab), installs the stand-in,
 * closes the panel and opens it again: the content script now finds the stand-in APIs.
 */
async function openWithStandIn(config) {
  const page = await gloss.context.newPage();
  await page.goto(uniqueUrl(site.url + SAMPLE));
  await clickAction(gloss, page);
  const first = await waitForPanel(gloss, page);
  await first.original.locator('dl.meta').waitFor();
  await installStandIn(page, config);
  await first.root.locator('button.icon').filter({ hasText: '×' }).click();
  await first.root.waitFor({ state: 'detached' });
  await clickAction(gloss, page);
  return { page, p: await waitForPanel(gloss, page) };
}

const READY = { summarizer: 'available', translator: 'available', detector: 'available', detected: [{ detectedLanguage: 'en', confidence: 0.97 }] };

describe('Chrome built-in AI, with no key', () => {
  test('digests and translates on the device, labelled so, with key points linked to the article', T, async () => {
    await setSettings(gloss, { provider: 'builtin', digestLang: 'en', translateLang: 'fr' });
    const { page, p } = await openWithStandIn(READY);
    await p.digest.locator('ul.details li').first().waitFor();
    assert.equal(await p.digest.locator('.provenance').innerText(), 'chrome · en · Summarizer API');
    assert.equal(await p.digest.locator('ul.key-points li').count(), 3);
    assert.ok(await p.digest.locator('p.summary').count() >= 1);
    assert.ok(await p.digest.locator('ul.key-points button.source').count() >= 1, 'key points link back to their paragraph');
    await waitForTranslation(page);
    assert.equal(await p.translation.locator('.provenance').innerText(), 'en → chrome · fr · Translator API');
    const slots = await p.translation.locator('.translated [data-block]').allInnerTexts();
    const blocks = await p.original.locator('.extracted [data-block]').count();
    assert.equal(slots.length, blocks);
    assert.ok(slots.every((t) => t.startsWith('[fr] ')), 'every block translated on the device');

    const calls = await standInCalls(page);
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
    const { page, p } = await openWithStandIn({ ...READY, summarizer: 'downloadable', translator: 'downloadable' });
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
    const slots = await p.translation.locator('.translated [data-block]').allInnerTexts();
    assert.ok(slots.length > 0 && slots.every((t) => t.startsWith('[ja] ')));

    const calls = await standInCalls(page);
    const downloads = calls.filter((c) => c.method === 'create' && (c.api === 'Summarizer' || c.api === 'Translator'));
    assert.ok(downloads[0].activation, 'the download was started by the reader\'s click');
    await page.close();
  });

  test('a confident detector overrules the page\'s language, and a same-language article offers another target', T, async () => {
    await setSettings(gloss, { provider: 'builtin', digestLang: 'en', translateLang: 'de' });
    const { page, p } = await openWithStandIn({ ...READY, detected: [{ detectedLanguage: 'de', confidence: 0.9 }] });
    await p.translation.locator('.error[data-code="same_language"]').waitFor();
    const calls = await standInCalls(page);
    assert.equal(calls.filter((c) => c.method === 'translate').length, 0, 'nothing is translated into its own language');
    await page.close();
  });
});
