// End-to-end: the built extension in real headless Chromium, pages on 127.0.0.1 and a mock LLM
// that speaks the providers' wire formats. Each test is one thing a reader does or meets.
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, clickAction, inExtension, openWithGloss as open, panelFrame, setSettings, uniqueUrl, waitForPanel, waitForTranslation } from './harness.mjs';
import { SAMPLE_KEY_POINTS, SAMPLE_SUMMARY } from './sample-digest.mjs';
import { glossSuite } from './suite.mjs';

const T = { timeout: 60_000 };
let gloss, mock, site;

const SAMPLE = '/www/samples/lighthouse-keepers.html';
const HOSTILE = '/fixtures/pages/hostile.html';
const SEARCH = '/fixtures/pages/search-results.html';

const openai = () => ({ provider: 'openai', apiKey: 'test-key', model: 'gpt-4o-mini', baseUrl: `${mock.url}/v1`, digestLang: 'ja', translateLang: 'ja' });
const anthropic = () => ({ provider: 'anthropic', apiKey: 'test-key', model: 'claude-haiku-4-5', baseUrl: mock.url, digestLang: 'ja', translateLang: 'ja' });

// localhost:9 is the unreachable host Test connection is tried against.
const world = glossSuite({ hosts: ['http://localhost:9'] });
// Root-level `before` hooks are not run one after another: take the suite's world per test.
beforeEach(() => ({ gloss, mock, site } = world));

const openWithGloss = (path) => open(gloss, site.url + path);
const unique = (path) => uniqueUrl(site.url + path);

const digestRequests = () => mock.requests((e) => e.kind === 'digest');
const translateRequests = () => mock.requests((e) => e.kind === 'translate');
/** The `[[n]]` numbers a translation request asked for. */
const blockNumbersOf = (entry) => (entry.body.messages.at(-1).content.match(/^\[\[\d+\]\]/gm) ?? []);

describe('the panel', () => {
  test('appears with three sections labelled with what produced them', T, async () => {
    await setSettings(gloss, openai());
    const { page, p } = await openWithGloss(SAMPLE);
    await assert.doesNotReject(p.original.locator('dl.meta').waitFor());
    assert.match(await p.original.locator('dl.meta').innerText(), /The Last Lighthouse Keepers of the North Sea/);
    assert.match(await p.original.locator('dl.meta').innerText(), /Maren Holt/);
    assert.equal(await p.digest.locator('.provenance').innerText(), 'openai · ja · gpt-4o-mini');
    assert.equal(await p.translation.locator('.provenance').innerText(), 'en → openai · ja · gpt-4o-mini');
    await p.digest.locator('ul.details li').nth(3).waitFor();
    assert.equal(await p.digest.locator('ul.key-points li').count(), 3);
    assert.match(await p.digest.locator('ul.details li').first().innerText(), /^Context: /);
    await page.close();
  });

  test('shows the digest partially before its stream ends', T, async () => {
    await setSettings(gloss, anthropic());
    mock.setDefault({ chunkDelayMs: 120, match: (e) => e.kind === 'digest' });
    const { page, p } = await openWithGloss(SAMPLE);
    await p.digest.locator('ul.key-points li').first().waitFor();
    const entry = digestRequests()[0];
    assert.ok(entry, 'the digest was requested');
    assert.equal(entry.completed, false, 'a key point is on screen while the answer is still streaming');
    await p.digest.locator('ul.details li').nth(3).waitFor({ timeout: 30_000 });
    assert.equal(await p.digest.locator('.provenance').innerText(), 'anthropic · ja · claude-haiku-4-5');
    await page.close();
  });

  test('translates every block, in order, and keeps the code block as it is without sending it', T, async () => {
    await setSettings(gloss, openai());
    const { page, p } = await openWithGloss(SAMPLE);
    await waitForTranslation(page);
    const source = await p.original.locator('[data-block]').allTextContents();
    const isCode = await p.original.locator('[data-block]').evaluateAll((nodes) => nodes.map((n) => n.classList.contains('code')));
    const translated = await p.translation.locator('[data-block]').allTextContents();
    assert.equal(translated.length, source.length);
    const code = source.findIndex((text, i) => isCode[i] && text.includes('voltage = read_sensor'));
    assert.ok(code >= 0, 'the sample has its code block');
    for (let i = 0; i < source.length; i++) {
      const want = isCode[i] ? source[i] : `(ja) ${source[i]}`;
      assert.equal(translated[i], want, `block ${i + 1} is in its place${isCode[i] ? ', untranslated code' : ''}`);
    }
    const sent = translateRequests();
    assert.ok(sent.length > 0, 'the prose was sent for translation');
    const withCode = sent.filter((e) => JSON.stringify(e.body).includes('voltage = read_sensor'));
    assert.equal(withCode.length, 0, 'the code block is in no request the model received');
    assert.equal(await p.translation.locator('.error').count(), 0);
    await page.close();
  });

  test('collapses to a tab, expands, closes, and a second click re-opens it', T, async () => {
    const { page, p } = await openWithGloss(SAMPLE);
    await p.root.locator('button[aria-label="Collapse Gloss"]').click();
    assert.equal(await p.aside.isVisible(), false);
    assert.equal(await p.tab.isVisible(), true);
    await p.tab.click();
    assert.equal(await p.aside.isVisible(), true);
    const toggle = p.digest.locator('button.toggle');
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    assert.equal(await p.digest.locator('.content').isVisible(), false);
    await p.root.locator('button[aria-label="Close Gloss"]').click();
    await p.host.waitFor({ state: 'detached' });
    await clickAction(gloss, page);
    await waitForPanel(gloss, page);
    await page.close();
  });

  test('does not move or restyle the page', T, async () => {
    const page = await gloss.context.newPage();
    await page.goto(unique(SAMPLE));
    const before = await page.evaluate(() => {
      const h1 = document.querySelector('h1');
      return { box: JSON.stringify(h1.getBoundingClientRect()), font: getComputedStyle(h1).fontFamily, scroll: document.documentElement.scrollHeight };
    });
    await clickAction(gloss, page);
    await waitForPanel(gloss, page);
    const after = await page.evaluate(() => {
      const h1 = document.querySelector('h1');
      return { box: JSON.stringify(h1.getBoundingClientRect()), font: getComputedStyle(h1).fontFamily, scroll: document.documentElement.scrollHeight };
    });
    assert.deepEqual(after, before);
    await page.close();
  });

  test('follows the system colour scheme, unless the reader chose one', T, async () => {
    const background = (p) => p.aside.evaluate((node) => getComputedStyle(node).backgroundColor);
    await setSettings(gloss, { schemaVersion: 2, theme: 'auto' });
    const light = await openWithGloss(SAMPLE);
    await light.p.digest.locator('ul.key-points li').first().waitFor();
    assert.equal(await background(light.p), 'rgb(255, 255, 255)');
    await light.page.emulateMedia({ colorScheme: 'dark' });
    assert.equal(await background(light.p), 'rgb(27, 31, 35)', 'the system turned dark');
    await light.page.close();
    await setSettings(gloss, { schemaVersion: 2, theme: 'dark' });
    const dark = await openWithGloss(SAMPLE);
    await dark.p.digest.locator('ul.key-points li').first().waitFor();
    assert.equal(await background(dark.p), 'rgb(27, 31, 35)', 'dark by choice on a light system');
    await dark.page.close();
  });

  test('works on a page with a strict Content-Security-Policy', T, async () => {
    await setSettings(gloss, openai());
    const { page, p } = await openWithGloss(`${SAMPLE}?csp=strict`);
    const response = await page.request.get(site.url + `${SAMPLE}?csp=strict`);
    assert.match(response.headers()['content-security-policy'], /default-src 'none'/);
    await p.digest.locator('ul.key-points li').nth(2).waitFor();
    assert.match(await p.original.locator('dl.meta').innerText(), /Lighthouse Keepers/);
    // The panel's frame loads, and is styled from the extension's stylesheet, despite the page's CSP.
    const display = await p.aside.evaluate((node) => getComputedStyle(node).display);
    assert.equal(display, 'flex');
    await page.close();
  });
});

describe('key points link back to the article', () => {
  /** Clicks a point's ¶ button; returns the paragraph of the page it showed and highlighted. */
  async function followSource(page, button) {
    const blockId = await button.getAttribute('data-source');
    // From the end of the article, so that the paragraph is out of view until the click.
    const before = await page.evaluate(() => { window.scrollTo(0, document.documentElement.scrollHeight); return scrollY; });
    await button.click();
    const shown = await page.waitForFunction(() => {
      const lit = document.getAnimations().map((a) => a.effect?.target).find((t) => t && !t.closest('#gloss-extension-root'));
      if (!lit) return null;
      const box = lit.getBoundingClientRect();
      return box.bottom > 0 && box.top < innerHeight ? { text: lit.textContent.replace(/\s+/g, ' ').trim(), scrollY } : null;
    }, null, { timeout: 10_000 });
    return { blockId, before, ...(await shown.jsonValue()) };
  }

  const blockText = (page, id) => panelFrame(page).evaluate((blockId) => {
    return document.querySelector(`section[data-section="original"] [data-block="${blockId}"]`).textContent.replace(/\s+/g, ' ').trim();
  }, id);

  test('a model-cited key point scrolls the page to its paragraph and highlights it', T, async () => {
    await setSettings(gloss, openai());
    const { page, p } = await openWithGloss(SAMPLE);
    await p.digest.locator('ul.details li').nth(3).waitFor();
    const prompt = digestRequests()[0].body.messages.map((m) => m.content).join('\n');
    assert.match(prompt, /^\[b\d+\] /m, 'the prompt numbers the paragraphs');
    const buttons = p.digest.locator('ul.key-points button.source');
    assert.equal(await buttons.count(), 3, 'each cited key point has a link');
    assert.equal(await p.digest.locator('ul.details button.source').count(), 2, 'only the cited details have one');
    assert.doesNotMatch(await p.digest.innerText(), /\[b\d+\]/, 'the ids themselves are not shown');
    const third = await followSource(page, buttons.nth(2));
    assert.ok(third.scrollY < third.before, `the page scrolled back up to it (${third.before} → ${third.scrollY})`);
    assert.ok(third.text.startsWith((await blockText(page, third.blockId)).slice(0, 60)), `${third.text} is block ${third.blockId}`);
    await page.close();
  });

  test('the offline digest links each key point to the sentence it took', T, async () => {
    const { page, p } = await openWithGloss(SAMPLE);
    const buttons = p.digest.locator('ul.key-points button.source');
    await buttons.first().waitFor();
    const points = await p.digest.locator('ul.key-points li').allInnerTexts();
    assert.equal(await buttons.count(), points.length);
    const first = await followSource(page, buttons.first());
    assert.ok(first.scrollY < first.before, `the page scrolled back up to it (${first.before} → ${first.scrollY})`);
    const sentence = points[0].replace(/\s*¶$/, '');
    assert.ok(first.text.includes(sentence), `the highlighted paragraph holds "${sentence}"`);
    await page.close();
  });
});

describe('what the reader asked for', () => {
  test('a substantial selection is digested instead of the whole page, and the panel says so', T, async () => {
    await setSettings(gloss, anthropic());
    const page = await gloss.context.newPage();
    await page.goto(unique(SAMPLE));
    await page.evaluate(() => {
      const paragraphs = document.querySelectorAll('article p');
      const range = document.createRange();
      range.setStartBefore(paragraphs[3]);
      range.setEndAfter(paragraphs[4]);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
    });
    await clickAction(gloss, page);
    const p = await waitForPanel(gloss, page);
    await p.digest.locator('ul.key-points li').first().waitFor();
    assert.match(await p.original.locator('.status').innerText(), /your selection/);
    assert.equal(await p.original.locator('[data-block]').count(), 2);
    const sent = digestRequests()[0].body.messages[0].content;
    assert.match(sent, /Satellite navigation has made most coastal lights redundant/);
    assert.ok(!sent.includes('eleven miles off the coast'), 'the rest of the article is not sent');
    await page.close();
  });

  test('a page that is not an article says so and can be digested anyway', T, async () => {
    const { page, p } = await openWithGloss(SEARCH);
    const error = p.original.locator('.error');
    await error.waitFor();
    assert.equal(await error.getAttribute('data-code'), 'not_readerable');
    assert.equal(await p.digest.isVisible(), false);
    await error.locator('button.retry', { hasText: 'Digest anyway' }).click();
    await p.original.locator('dl.meta').waitFor();
    assert.match(await p.original.locator('dl.meta').innerText(), /Search results/);
    assert.equal(await p.digest.isVisible(), true);
    await page.close();
  });
});

describe('a base URL that would send the key in clear text', () => {
  test('is refused in the panel with its own message, and nothing is sent', T, async () => {
    await setSettings(gloss, { ...openai(), baseUrl: 'http://192.168.1.5:8000/v1', digestLang: 'en' });
    const { page, p } = await openWithGloss(SAMPLE);
    await p.digest.locator('ul.key-points li').first().waitFor();
    assert.equal(await p.digest.locator('.provenance').innerText(), 'built-in · en · extractive');
    const error = p.digest.locator('.error[data-code="insecure_base_url"]');
    await error.waitFor();
    assert.match(await error.innerText(), /only over https:\/\//);
    assert.equal(mock.log.length, 0, 'nothing was sent anywhere');
    await page.close();
  });
});

describe('with no key', () => {
  test('shows the offline extractive digest and says translation needs a model', T, async () => {
    await setSettings(gloss, { provider: 'builtin', digestLang: 'en', translateLang: 'ja' });
    const { page, p } = await openWithGloss(SAMPLE);
    await p.digest.locator('ul.key-points li').first().waitFor();
    assert.equal(await p.digest.locator('.provenance').innerText(), 'built-in · en · extractive');
    const points = (await p.digest.locator('ul.key-points li').allInnerTexts()).map((t) => t.replace(/\s*¶$/, ''));
    assert.deepEqual(points, SAMPLE_KEY_POINTS, 'the key points are the article\'s most central sentences');
    assert.equal(await p.digest.locator('p.summary').innerText(), SAMPLE_SUMMARY, 'the summary is the expected extractive sentences');
    // This Chromium has the Translator API but no model: first that is checked, then this is said.
    const error = p.translation.locator('.error');
    await error.waitFor();
    assert.equal(await error.getAttribute('data-code'), 'missing_key');
    assert.equal(await error.locator('button.link').innerText(), 'Open options');
    assert.equal(mock.log.length, 0, 'nothing was sent anywhere');
    await page.close();
  });
});

describe('the options page', () => {
  async function openOptions() {
    const page = await gloss.context.newPage();
    await page.goto(`chrome-extension://${gloss.extensionId}/options.html`);
    // The form is busy until the stored settings are in it (typing before would be overwritten).
    await page.locator('#settings:not([aria-busy])').waitFor();
    return page;
  }

  test('saves settings that the worker then uses', T, async () => {
    /** Saves provider, key, model, base URL and digest language from the form, then digests the sample. */
    async function saveThenDigest({ provider, key, model, baseUrl, digestLang }) {
      const options = await openOptions();
      await options.selectOption('#provider', provider);
      await options.fill('#apiKey', key);
      await options.fill('#model', model);
      await options.fill('#baseUrl', baseUrl);
      await options.selectOption('#digestLang', digestLang);
      await options.click('#save');
      await options.locator('#status.ok').waitFor();
      await options.close();
      mock.reset();
      const { page, p } = await openWithGloss(SAMPLE);
      await p.digest.locator('.spend').waitFor({ timeout: 30_000 });
      const provenance = await p.digest.locator('.provenance').innerText();
      await page.close();
      return { provenance, sent: digestRequests() };
    }
    const first = await saveThenDigest({ provider: 'anthropic', key: 'test-key', model: 'claude-haiku-4-5', baseUrl: mock.url, digestLang: 'fr' });
    assert.equal(first.provenance, 'anthropic · fr · claude-haiku-4-5');
    assert.equal(first.sent.length, 1, 'one digest request after the first save');
    assert.equal(first.sent[0].wire, 'anthropic');
    assert.equal(first.sent[0].headers['x-api-key'], 'test-key');
    assert.equal(first.sent[0].body.model, 'claude-haiku-4-5');
    assert.match(JSON.stringify(first.sent[0].body), /French|\bfr\b/, 'the prompt asks for the digest language');
    // The mock accepts one key per server; a second key shows by which header carries it.
    const second = await saveThenDigest({ provider: 'openai', key: 'test-key', model: 'gpt-4o-mini', baseUrl: `${mock.url}/v1`, digestLang: 'de' });
    assert.equal(second.provenance, 'openai · de · gpt-4o-mini');
    assert.equal(second.sent.length, 1, 'one digest request after the second save');
    assert.equal(second.sent[0].wire, 'openai', 'the next request goes to the newly saved provider');
    assert.equal(second.sent[0].headers.authorization, 'Bearer test-key');
    assert.equal(second.sent[0].headers['x-api-key'], undefined);
    assert.equal(second.sent[0].body.model, 'gpt-4o-mini');
    assert.match(JSON.stringify(second.sent[0].body), /German|\bde\b/);
  });

  // Each provider family's own model list, key check and errors, from the same options page.
  const connections = [
    ['anthropic', () => mock.url, 'claude-haiku-4-5', true],
    ['openai', () => `${mock.url}/v1`, 'gpt-4o-mini', true],
    ['gemini', () => `${mock.url}/v1beta`, 'gemini-2.5-flash', true],
    ['ollama', () => mock.url, 'llama3.2', false],
  ];
  for (const [provider, baseUrl, model, keyed] of connections) {
    test(`${provider}: Test connection tells OK, a bad key and an unreachable host apart`, T, async () => {
      const page = await openOptions();
      await page.selectOption('#provider', provider);
      await page.fill('#baseUrl', baseUrl());
      await page.fill('#model', model);
      if (keyed) await page.fill('#apiKey', 'test-key');
      await page.click('#test');
      await page.locator('#status.ok').waitFor();
      assert.match(await page.locator('#status').innerText(), /Connection OK: 4 models/);
      assert.ok(mock.log.some((e) => e.path.endsWith(provider === 'ollama' ? '/api/tags' : '/models')), 'the model list was asked for');
      if (keyed) {
        await page.fill('#apiKey', 'wrong-key');
        await page.click('#test');
        await page.locator('#status.error').waitFor();
        assert.match(await page.locator('#status').innerText(), /rejected the API key/);
      }
      await page.fill('#baseUrl', provider === 'ollama' ? 'http://localhost:9' : 'http://localhost:9/v1');
      await page.click('#test');
      await page.locator('#status.error', { hasText: 'Could not reach' }).waitFor();
      await page.close();
    });
  }
});

describe('provider failures', () => {
  test('a rejected key says so in the section and links to options', T, async () => {
    await setSettings(gloss, { ...anthropic(), apiKey: 'wrong-key' });
    const { page, p } = await openWithGloss(SAMPLE);
    const error = p.digest.locator('.error');
    await error.waitFor();
    assert.equal(await error.getAttribute('data-code'), 'bad_key');
    assert.match(await error.innerText(), /rejected the API key/);
    assert.equal(await error.locator('button.link').count(), 1);
    assert.equal(digestRequests().length, 1, 'a 401 is not retried');
    assert.match(await p.original.locator('dl.meta').innerText(), /Lighthouse/, 'the other sections are not blanked');
    await page.close();
  });

  test('a 429 is retried after retry-after and then succeeds', T, async () => {
    await setSettings(gloss, openai());
    mock.enqueue({ status: 429, headers: { 'retry-after': '1' }, match: (e) => e.kind === 'digest' });
    const { page, p } = await openWithGloss(SAMPLE);
    await p.digest.locator('ul.details li').nth(3).waitFor({ timeout: 20_000 });
    const attempts = digestRequests();
    assert.equal(attempts.length, 2);
    assert.deepEqual(attempts.map((e) => e.status), [429, 200]);
    assert.ok(attempts[1].at - attempts[0].at >= 950, 'waited as asked');
    assert.equal(await p.digest.locator('.error').count(), 0);
    await page.close();
  });

  test('a stream cut mid-way keeps the partial digest and offers a retry', T, async () => {
    await setSettings(gloss, anthropic());
    mock.enqueue({ cutAfterChunks: 6, match: (e) => e.kind === 'digest' });
    const { page, p } = await openWithGloss(SAMPLE);
    const error = p.digest.locator('.error');
    await error.waitFor();
    assert.equal(await error.getAttribute('data-code'), 'stream_cut');
    assert.ok(await p.digest.locator('ul.key-points li').count() >= 1, 'the partial digest stays');
    await error.locator('button.retry').click();
    await p.digest.locator('ul.details li').nth(3).waitFor();
    assert.equal(await p.digest.locator('.error').count(), 0);
    assert.equal(digestRequests().length, 2);
    await page.close();
  });

  test('a translation chunk cut mid-way keeps finished blocks and asks again only for the rest', T, async () => {
    await setSettings(gloss, openai());
    mock.enqueue({ cutAfterChunks: 8, match: (e) => e.kind === 'translate' });
    const { page, p } = await openWithGloss(SAMPLE);
    await waitForTranslation(page);
    const requests = translateRequests();
    const cut = requests.find((e) => e.completed === false);
    assert.ok(cut, 'one chunk was cut');
    const cutBlocks = blockNumbersOf(cut);
    const retry = requests.filter((e) => e.at > cut.at && e.completed).find((e) => blockNumbersOf(e).length < cutBlocks.length);
    assert.ok(retry, 'the rest of the cut chunk was asked for again, and only the rest');
    assert.equal(await p.translation.locator('.failed, .pending').count(), 0, 'every block ends translated');
    await page.close();
  });

  test('blocks that stay misaligned are shown as failed with a retry, never pasted', T, async () => {
    await setSettings(gloss, openai());
    // The model always drops one paragraph, including when it is asked for it alone.
    const dropped = 'Satellite navigation has made';
    mock.setDefault({
      transform: (text, ctx) => {
        const block = ctx.blocks?.find((b) => b.text.includes(dropped));
        return block ? text.replace(new RegExp(`^\\[\\[${block.n}\\]\\][^\\n]*\\n?`, 'm'), '') : text;
      },
    });
    const { page, p } = await openWithGloss(SAMPLE);
    await p.translation.locator('.error[data-code="misaligned"]').waitFor({ timeout: 30_000 });
    const failed = p.translation.locator('[data-block].failed');
    assert.equal(await failed.count(), 1);
    assert.match(await failed.textContent(), new RegExp(`^Not translated: ${dropped}`));
    const source = await p.original.locator('[data-block]').allTextContents();
    const isCode = await p.original.locator('[data-block]').evaluateAll((nodes) => nodes.map((n) => n.classList.contains('code')));
    const slots = await p.translation.locator('[data-block]').allTextContents();
    slots.forEach((text, i) => {
      const want = isCode[i] ? source[i] : `(ja) ${source[i]}`;
      if (!text.startsWith('Not translated:')) assert.equal(text, want, `block ${i + 1} holds its own translation`);
    });
    assert.match(await p.translation.locator('.progress').innerText(), /failed/);
    mock.setDefault({});
    await p.translation.locator('.error button.retry').click();
    await waitForTranslation(page);
    assert.equal(await failed.count(), 0, 'the retry filled them in');
    await page.close();
  });
});

describe('export', () => {
  test('downloads the digest and translation as Markdown with source, provider, model and date', T, async () => {
    await setSettings(gloss, anthropic());
    const { page, p } = await openWithGloss(SAMPLE);
    await p.digest.locator('ul.details li').nth(3).waitFor();
    await waitForTranslation(page);
    const download = page.waitForEvent('download');
    await p.root.locator('header button', { hasText: '.md' }).click();
    const file = await download;
    assert.equal(file.suggestedFilename(), 'the-last-lighthouse-keepers-of-the-north-sea.gloss.md');
    const text = await (await import('node:fs/promises')).readFile(await file.path(), 'utf8');
    assert.match(text, /^# The Last Lighthouse Keepers of the North Sea\n\nSource: <http:\/\/127\.0\.0\.1:\d+\/www\/samples\/lighthouse-keepers\.html/);
    assert.match(text, new RegExp(`Exported by Gloss on ${new Date().toISOString().slice(0, 10)}`));
    assert.match(text, /## Quick Digest\n\n_anthropic · ja · claude-haiku-4-5_\n\n- First key point/);
    assert.match(text, /## Full Translation\n\n_en → anthropic · ja · claude-haiku-4-5_/);
    assert.match(text, /\(ja\) On a granite rock eleven miles off the coast/);
    assert.ok(!text.includes('not translated'));
    await page.close();
  });
});

describe('every provider family', () => {
  const families = {
    anthropic: () => anthropic(),
    openai: () => openai(),
    gemini: () => ({ provider: 'gemini', apiKey: 'test-key', model: 'gemini-2.5-flash', baseUrl: `${mock.url}/v1beta`, digestLang: 'ja', translateLang: 'ja' }),
    ollama: () => ({ schemaVersion: 2, provider: 'ollama', model: 'llama3.2', baseUrl: mock.url, digestLang: 'ja', translateLang: 'ja' }),
  };
  const wires = { anthropic: 'anthropic', openai: 'openai', gemini: 'gemini', ollama: 'ollama' };

  for (const [name, settings] of Object.entries(families)) {
    test(`${name}: digest and translation complete with the right provenance`, T, async () => {
      await setSettings(gloss, settings());
      const { page, p } = await openWithGloss(SAMPLE);
      await p.digest.locator('ul.details li').nth(3).waitFor();
      await waitForTranslation(page);
      const model = settings().model;
      // Ollama's /api/show says llama3.2 takes 131,072 tokens; Gloss asks for its own 16,384.
      const context = name === 'ollama' ? ' · context 16,384 (from the server)' : '';
      assert.equal(await p.digest.locator('.provenance').innerText(), `${name} · ja · ${model}${context}`);
      assert.equal(await p.translation.locator('.failed').count(), 0);
      assert.match(await p.translation.locator('[data-block]').first().textContent(), /^\(ja\) /);
      assert.match(await p.digest.locator('.spend').innerText(), /tokens/);
      assert.ok(mock.requests().every((e) => e.wire?.startsWith(wires[name])), mock.requests().map((e) => e.wire).join());
      await page.close();
    });
  }

  test('a local Ollama that refuses the extension shows the OLLAMA_ORIGINS fix', T, async () => {
    await setSettings(gloss, families.ollama());
    mock.setDefault({ status: 403, body: '' });
    const { page, p } = await openWithGloss(SAMPLE);
    const error = p.digest.locator('.error[data-code="ollama_origin"]');
    await error.waitFor();
    assert.match(await error.locator('pre.fix').innerText(), /OLLAMA_ORIGINS.*chrome-extension:\/\/\*/);
    await page.close();
  });
});

/** Inserts a broken image into the page and resolves once its error event has fired. */
async function brokenImageSettled(page) {
  await page.evaluate(() => new Promise((resolve) => {
    const img = document.createElement('img');
    img.onerror = () => { img.remove(); resolve(); };
    img.src = 'x';
    document.body.append(img);
  }));
}

/**
 * Compares two screenshots (PNG buffers) of the same page, decoded by the browser: the share of
 * pixels that differ inside `box` and outside it (past its shadow), and inside it the number of distinct colours and
 * the share of dark pixels (text).
 */
async function comparePictures(gloss, before, after, box) {
  const page = await gloss.context.newPage();
  try {
    return await page.evaluate(async ({ before, after, box }) => {
      const pixels = async (b64) => {
        const image = new Image();
        image.src = `data:image/png;base64,${b64}`;
        await image.decode();
        const canvas = new OffscreenCanvas(image.width, image.height);
        const ctx = canvas.getContext('2d');
        ctx.drawImage(image, 0, 0);
        return ctx.getImageData(0, 0, image.width, image.height);
      };
      const [a, b] = [await pixels(before), await pixels(after)];
      const inBox = (x, y, m = 0) => x >= box.x - m && x < box.x + box.width + m && y >= box.y - m && y < box.y + box.height + m;
      let inside = 0, insideChanged = 0, outside = 0, outsideChanged = 0, insideDark = 0;
      const colours = new Set();
      for (let y = 0; y < b.height; y++) {
        for (let x = 0; x < b.width; x++) {
          const i = (y * b.width + x) * 4;
          const changed = Math.abs(a.data[i] - b.data[i]) + Math.abs(a.data[i + 1] - b.data[i + 1]) + Math.abs(a.data[i + 2] - b.data[i + 2]) > 30;
          if (inBox(x, y)) {
            inside += 1;
            if (changed) insideChanged += 1;
            if (b.data[i] + b.data[i + 1] + b.data[i + 2] < 200) insideDark += 1;
            colours.add((b.data[i] << 16) | (b.data[i + 1] << 8) | b.data[i + 2]);
          } else if (!inBox(x, y, 32)) { // the panel's shadow reaches a little past its box
            outside += 1;
            if (changed) outsideChanged += 1;
          }
        }
      }
      return { insideChanged: insideChanged / inside, outsideChanged: outsideChanged / outside, insideColours: colours.size, insideDark: insideDark / inside };
    }, { before: before.toString('base64'), after: after.toString('base64'), box });
  } finally {
    await page.close();
  }
}

describe('what is sent and shown', () => {
  test('the request carries the article text and none of the navigation', T, async () => {
    await setSettings(gloss, anthropic());
    const { page, p } = await openWithGloss(SAMPLE);
    await p.digest.locator('ul.key-points li').first().waitFor();
    const body = digestRequests()[0].body;
    const sent = body.messages[0].content;
    assert.match(sent, /eleven miles off the coast/);
    assert.match(sent, /Run the backup lamp for ten minutes/);
    for (const boilerplate of ['Subscribe for unlimited access', 'Share on social', 'Ten best coastal walks', 'Cookie settings']) {
      assert.ok(!sent.includes(boilerplate), `"${boilerplate}" stays out`);
    }
    assert.equal(digestRequests()[0].headers['x-api-key'], 'test-key');
    assert.equal(digestRequests()[0].headers['anthropic-dangerous-direct-browser-access'], 'true');
    await page.close();
  });

  test('markup in the page and in model output is shown as text and never runs', T, async () => {
    await setSettings(gloss, openai());
    const payload = '<img src=x onerror=__pwn()><script>__pwn()</script>';
    mock.setDefault({
      transform: (text, ctx) => ctx.kind === 'digest'
        ? text.replace('Second key point.', `Second ${payload} point. ![pixel](${mock.url}/pixel.png) [click](javascript:__pwn())`)
        : text.replace(/\(ja\) /g, `(ja) ${payload} `),
    });
    // The page's own live payloads may fire as it loads; what counts is that Gloss adds none.
    const page = await gloss.context.newPage();
    await page.goto(unique(HOSTILE));
    await brokenImageSettled(page);
    const before = await page.evaluate(() => window.__pwned);
    await clickAction(gloss, page);
    const p = await waitForPanel(gloss, page);
    await p.digest.locator('ul.details li').nth(3).waitFor();
    await waitForTranslation(page);
    // An image Gloss had inserted from the payload would have failed to load by the time one
    // inserted now has: a positive marker instead of a sleep.
    await brokenImageSettled(page);
    assert.equal(await page.evaluate(() => window.__pwned), before, 'no script ran because of Gloss');
    assert.match(await p.digest.locator('ul.key-points').innerText(), /<img src=x onerror=__pwn\(\)><script>__pwn\(\)<\/script>/);
    assert.match(await p.translation.locator('[data-block]').first().innerText(), /<img src=x onerror=__pwn\(\)>/);
    assert.match(await p.original.locator('dl.meta').innerText(), /<img src=x/);
    const shadowCounts = await p.frame.evaluate(() => {
      const root = document.body;
      return {
        img: root.querySelectorAll('img, script, iframe, svg').length,
        hrefs: [...root.querySelectorAll('a')].map((a) => a.getAttribute('href')),
        rels: [...root.querySelectorAll('a')].map((a) => a.rel),
      };
    });
    assert.equal(shadowCounts.img, 0);
    assert.ok(shadowCounts.hrefs.length > 0 && shadowCounts.hrefs.every((h) => /^https?:\/\//.test(h)), shadowCounts.hrefs.join());
    assert.ok(shadowCounts.rels.every((r) => r === 'noopener noreferrer'));
    assert.equal(mock.log.filter((e) => e.path === '/pixel.png').length, 0, 'no URL from model output was fetched');
    await page.close();
  });

  test('saves a screenshot that shows the panel over the sample article', T, async () => {
    await setSettings(gloss, anthropic());
    const page = await gloss.context.newPage();
    await page.goto(unique(SAMPLE));
    const bare = await page.screenshot();
    await clickAction(gloss, page);
    const p = await waitForPanel(gloss, page);
    await p.digest.locator('ul.details li').nth(3).waitFor();
    await waitForTranslation(page);
    mkdirSync(join(ROOT, 'tests', 'artifacts'), { recursive: true });
    const file = join(ROOT, 'tests', 'artifacts', 'panel.png');
    const shot = await page.screenshot({ path: file });
    const box = await p.aside.boundingBox();
    assert.ok(box && box.width > 200 && box.height > 200, `the panel has a size on screen: ${JSON.stringify(box)}`);
    const seen = await comparePictures(gloss, bare, shot, box);
    // Inside the panel's box the picture changed and holds text (many colours, dark pixels on
    // the light panel); outside it, the page looks as it did.
    assert.ok(seen.insideChanged > 0.05, `the panel's area differs from the bare page (${seen.insideChanged})`);
    assert.ok(seen.insideColours > 20 && seen.insideDark > 0.005, `the panel's area is not blank: ${JSON.stringify(seen)}`);
    assert.ok(seen.outsideChanged < 0.01, `the page around the panel is unchanged (${seen.outsideChanged})`);
    await page.close();
  });
});
