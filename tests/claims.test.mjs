// What the README promises, each checked where the reader meets it: the panel's buttons, the
// Options page's fields reaching the behaviour (request times and open streams in the mock's
// log), the error a reader sees, the key's reach, the preset table, the Ollama fix per system.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, clickAction, inExtension, launch, openWithGloss as open, setSettings, uniqueUrl, waitForPanel, waitForTranslation } from './harness.mjs';
import { longArticle } from './long-article.mjs';
import { glossSuite } from './suite.mjs';

const T = { timeout: 90_000 };
const SAMPLE = '/www/samples/lighthouse-keepers.html';
const LONG = '/artifacts/claims-long.html';
const SECRET = 'sk-claims-secret-key';
let gloss, mock, site;

/** A page nested deeper than the 512 levels Gloss reads. */
const deepPage = `<!doctype html><html><head><title>Deep</title></head><body><article>${'<div>'.repeat(600)}<p>${'A sentence deep inside. '.repeat(40)}</p>${'</div>'.repeat(600)}</article></body></html>`;

const world = glossSuite({
  mock: { validKey: SECRET },
  articles: {
    'claims-long.html': longArticle(2_500, 7), 'claims-long-1.html': longArticle(2_500, 8), 'claims-long-4.html': longArticle(2_500, 9),
    'claims-deep.html': deepPage,
  },
});
// Root-level `before` hooks are not run one after another: take the suite's world per test.
beforeEach(() => ({ gloss, mock, site } = world));
/** When the last model request of the earlier tests was sent (the mock's log is emptied per test). */
let lastSentAt = 0;
afterEach(() => { lastSentAt = Math.max(lastSentAt, ...mock.requests().map((e) => e.at)); });

const openai = (extra = {}) => ({
  schemaVersion: 2, provider: 'openai', apiKeys: { openai: SECRET }, model: 'gpt-4o-mini', baseUrl: `${mock.url}/v1`,
  digestLang: 'ja', translateLang: 'ja', ...extra,
});
const openWithGloss = (path) => open(gloss, site.url + path);
const translations = () => mock.requests((e) => e.kind === 'translate');

async function openOptions() {
  const page = await gloss.context.newPage();
  await page.goto(`chrome-extension://${gloss.extensionId}/options.html`);
  await page.locator('#settings:not([aria-busy])').waitFor();
  return page;
}

/** Sets one of the translation tunables on the Options page, as a reader would, and saves. */
async function setInOptions(fields) {
  const page = await openOptions();
  for (const [id, value] of Object.entries(fields)) await page.fill(`#${id}`, String(value));
  await page.click('#save');
  await page.locator('#status.ok').waitFor();
  await page.close();
  const { settings } = await inExtension(gloss, () => chrome.storage.local.get('settings'));
  for (const [id, value] of Object.entries(fields)) assert.equal(settings[id], value, `Options saved ${id}`);
}

/** Resolves once every request the mock has seen has ended (its connection closed). */
async function allEnded(timeout = 30_000) {
  for (const end = Date.now() + timeout; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    if (mock.requests().every((e) => e.endedAt !== undefined)) return;
  }
  throw new Error('requests still open');
}

/** The most translation requests open at the same time, from their start and end times. */
function mostAtOnce(entries) {
  const edges = entries.flatMap((e) => [[e.at, 1], [e.endedAt, -1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0, most = 0;
  for (const [, step] of edges) most = Math.max(most, open += step);
  return most;
}

describe('the panel\'s buttons', () => {
  test('Show original puts each source block above its translation, and hides it again', T, async () => {
    await setSettings(gloss, openai());
    const { page, p } = await openWithGloss(SAMPLE);
    await waitForTranslation(page);
    const toggle = p.translation.locator('button', { hasText: 'Show original' });
    const sources = p.translation.locator('.pair .source');
    assert.equal(await sources.first().isVisible(), false, 'hidden at first');
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
    const original = await p.original.locator('[data-block]').allTextContents();
    assert.deepEqual(await sources.allTextContents(), original, 'each pair starts with its own source block');
    assert.equal(await sources.first().isVisible(), true);
    const pairs = await p.translation.locator('.pair').evaluateAll((nodes) => nodes.map((n) => {
      const [source, slot] = n.children;
      return source.getBoundingClientRect().bottom <= slot.getBoundingClientRect().top + 1;
    }));
    assert.ok(pairs.length === original.length && pairs.every(Boolean), 'each source sits above its translation');
    await toggle.click();
    assert.equal(await sources.first().isVisible(), false, 'hidden again');
    await page.close();
  });

  test('Copy puts the digest and translation on the clipboard as Markdown', T, async () => {
    await setSettings(gloss, openai());
    await gloss.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site.url });
    const { page, p } = await openWithGloss(SAMPLE);
    await p.digest.locator('.spend').waitFor({ timeout: 30_000 });
    await waitForTranslation(page);
    await page.evaluate(() => navigator.clipboard.writeText('before'));
    await p.root.locator('header button', { hasText: 'Copy' }).click();
    await p.root.locator('header button', { hasText: 'Copied' }).waitFor();
    const text = await page.evaluate(() => navigator.clipboard.readText());
    assert.match(text, /^# The Last Lighthouse Keepers of the North Sea\n\nSource: <http:\/\/127\.0\.0\.1:\d+\/www\/samples\/lighthouse-keepers\.html/);
    assert.match(text, /## Quick Digest\n\n_openai · ja · gpt-4o-mini_\n\n- First key point/);
    assert.match(text, /## Full Translation\n\n_en → openai · ja · gpt-4o-mini_/);
    assert.match(text, /\(ja\) On a granite rock eleven miles off the coast/);
    await page.close();
  });
});

describe('the cache', () => {
  test('re-opening a page sends nothing; after Clear cache in Options it is asked for again', T, async () => {
    await setSettings(gloss, openai());
    const url = `${site.url}${SAMPLE}`;
    const first = await open(gloss, url);
    await first.p.digest.locator('.spend').waitFor({ timeout: 30_000 });
    await waitForTranslation(first.page);
    await first.page.close();
    await allEnded();
    const sent = mock.requests().length;
    assert.ok(sent >= 2, 'the first visit asked for the digest and the translation');

    const again = await open(gloss, url);
    await again.p.digest.locator('.provenance', { hasText: 'cached' }).waitFor({ timeout: 30_000 });
    await waitForTranslation(again.page);
    await again.p.translation.locator('.provenance', { hasText: 'cached' }).waitFor({ timeout: 30_000 });
    assert.equal(await again.p.translation.locator('.spend').count(), 0, 'a cached translation cost nothing: no spend line');
    assert.equal(mock.requests().length, sent, 'the second visit came from the cache');
    await again.page.close();

    const options = await openOptions();
    await options.click('#clearCache');
    await options.locator('#status.ok').waitFor();
    await options.close();
    const third = await open(gloss, url);
    await third.p.digest.locator('.spend').waitFor({ timeout: 30_000 });
    assert.ok(mock.requests((e) => e.kind === 'digest').length >= 2, 'after Clear cache the digest is asked for again');
    await third.page.close();
  });
});

describe('Options fields reach the behaviour', () => {
  test('"ask first above N words": the translation waits for a click, and nothing is sent before it', T, async () => {
    await setSettings(gloss, openai());
    await setInOptions({ confirmAboveWords: 100 });
    const { page, p } = await openWithGloss(SAMPLE);
    const confirm = p.translation.locator('.confirm');
    await confirm.waitFor();
    assert.match(await confirm.innerText(), /tokens/, 'it shows the estimate');
    await p.digest.locator('.spend').waitFor({ timeout: 30_000 }); // a positive marker: the digest went through
    assert.equal(translations().length, 0, 'no translation was sent before the click');
    await confirm.locator('button').click();
    await waitForTranslation(page);
    assert.ok(translations().length > 0);
    assert.equal(await p.translation.locator('.failed').count(), 0);
    await page.close();
  });

  // The mock is on this machine, which Gloss serves one request at a time until the reader raises
  // "requests at once" above its default: 4 is such a raise.
  test('"requests at once": 1 keeps translation requests one at a time, 4 lets them overlap', { timeout: 180_000 }, async () => {
    await setSettings(gloss, openai());
    mock.setDefault({ chunkDelayMs: 20, match: (e) => e.kind === 'translate' });
    const most = {};
    for (const concurrency of [1, 4]) {
      await setInOptions({ concurrency });
      mock.reset();
      mock.setDefault({ chunkDelayMs: 20, match: (e) => e.kind === 'translate' });
      // Another article each time, so the second is not served from the cache.
      const { page } = await open(gloss, `${site.url}/artifacts/claims-long-${concurrency}.html`);
      await waitForTranslation(page, 120_000);
      await allEnded();
      const sent = translations();
      assert.ok(sent.length >= 3, `${sent.length} chunks`);
      most[concurrency] = mostAtOnce(sent);
      await page.close();
    }
    assert.equal(most[1], 1, `one at a time with 1 (${JSON.stringify(most)})`);
    assert.ok(most[4] >= 2 && most[4] <= 4, `overlapping, at most 4, with 4 (${JSON.stringify(most)})`);
  });

  // The cap holds for every request a page sends: the digest (and its parts) count as well, and
  // the panel says what it waits for meanwhile. (This test once failed for want of its own start
  // rule: the mock's log is emptied before each test, so it started at once, with the worker's
  // window still full of the earlier test's requests; the third came 98 s after the page opened.)
  test('the requests-per-minute cap spaces requests a minute apart, and the panel says it waits', { timeout: 240_000 }, async () => {
    await setSettings(gloss, openai());
    await setInOptions({ requestsPerMinute: 2 });
    // The cap is the provider's, so it counts every request of the last minute, the earlier
    // tests' too: start once the last of those has left the window.
    if (lastSentAt) await new Promise((r) => setTimeout(r, Math.max(0, lastSentAt + 61_000 - Date.now())));
    const { page, p } = await openWithGloss(LONG);
    const generations = () => mock.requests((e) => e.kind === 'digest' || e.kind === 'translate');
    const waiting = p.root.locator('.status', { hasText: /per-minute limit: \d+ s/ }).first();
    await waiting.waitFor({ timeout: 60_000 });
    assert.equal(generations().length, 2, 'the panel waits once the window is full');
    const [, said] = /: (\d+) s/.exec(await waiting.innerText()) ?? [];
    assert.ok(Number(said) > 30 && Number(said) <= 60, `it says how long (${said} s)`);
    // The third request is the first the cap holds back: wait for it (a positive event).
    for (const end = Date.now() + 100_000; generations().length < 3 && Date.now() < end;) await new Promise((r) => setTimeout(r, 250));
    const starts = generations().map((e) => e.at);
    assert.ok(starts.length >= 3, `a third request came (${starts.length})`);
    assert.ok(starts[1] - starts[0] < 30_000, 'the first two went at once');
    assert.ok(starts[2] - starts[0] >= 59_000, `no third within the minute (${starts[2] - starts[0]} ms)`);
    assert.ok(starts[2] - starts[0] < 75_000, `the third went when the window had room (${starts[2] - starts[0]} ms)`);
    assert.equal(await p.original.locator('.error').count(), 0, 'the worker was there all along');
    await page.close();
  });

  test('the token budget stops the translation with budget_reached and keeps what was translated', { timeout: 120_000 }, async () => {
    await setSettings(gloss, openai());
    await setInOptions({ pageBudgetTokens: 1000, concurrency: 1 });
    const { page, p } = await openWithGloss(LONG);
    const error = p.translation.locator('.error[data-code="budget_reached"]');
    await error.waitFor({ timeout: 60_000 });
    const shownAt = Date.now();
    assert.match(await error.innerText(), /budget/);
    await allEnded();
    assert.ok(await p.translation.locator('[data-block]:not(.pending):not(.failed)').count() > 0, 'what was translated is kept');
    assert.ok(await p.translation.locator('[data-block].pending, [data-block].failed').count() > 0, 'the rest was not translated');
    assert.deepEqual(translations().filter((e) => e.at > shownAt).map((e) => e.at - shownAt), [], 'nothing was sent after the stop');
    await page.close();
  });
});

describe('failures the reader sees', () => {
  test('a quota error on a translation chunk stops the page at once', T, async () => {
    await setSettings(gloss, openai({ concurrency: 1 }));
    mock.setDefault({ chunkDelayMs: 5 });
    mock.enqueue({ status: 429, quota: true, match: (e) => e.kind === 'translate' && translations().length >= 2 });
    const { p } = await openWithGloss(LONG);
    const error = p.translation.locator('.error[data-code="quota"]');
    await error.waitFor({ timeout: 60_000 });
    await allEnded();
    const sent = translations();
    const quota = sent.find((e) => e.status === 429);
    assert.ok(quota, 'the quota error was answered');
    assert.deepEqual(sent.filter((e) => e.at > quota.endedAt).map((e) => e.status), [], 'nothing was sent after it arrived');
    assert.ok(await p.translation.locator('[data-block].pending, [data-block].failed').count() > 0, 'the rest stays untranslated');
    assert.equal(await error.locator('button.link').count(), 1, 'it links to Options');
  });

  test('a page nested too deep says it is too large', T, async () => {
    const { page, p } = await openWithGloss('/artifacts/claims-deep.html');
    const error = p.original.locator('.error[data-code="too_large"]');
    await error.waitFor({ timeout: 30_000 });
    assert.match(await error.innerText(), /too large/);
    assert.equal(mock.log.length, 0, 'nothing was sent');
    await page.close();
  });

  test('Test connection says the model is unknown', T, async () => {
    const page = await openOptions();
    await page.selectOption('#provider', 'openai');
    await page.fill('#apiKey', SECRET);
    await page.fill('#baseUrl', `${mock.url}/v1`);
    await page.fill('#model', 'gpt-nope');
    await page.click('#test');
    await page.locator('#status.error').waitFor();
    // Then the context Gloss will use for it, and where that number comes from.
    const said = await page.locator('#status').innerText();
    assert.ok(said.startsWith('Connected (4 models), but the model "gpt-nope" is not among them. Context: '), said);
    assert.match(said, /Context: [\d,]+ tokens \(assumed/);
    await page.close();
  });
});

describe('the key stays in the worker', () => {
  test('no Port frame carries the key, and the content script\'s world cannot read it', T, async () => {
    await setSettings(gloss, openai());
    const page = await gloss.context.newPage();
    await page.goto(uniqueUrl(site.url + SAMPLE));
    await clickAction(gloss, page); // grants the tab, so a reader can be put in the content script's world
    const first = await waitForPanel(gloss, page);
    await first.original.locator('dl.meta').waitFor();
    await first.root.locator('button[aria-label="Close Gloss"]').click();
    await first.host.waitFor({ state: 'detached' });
    const tabId = await inExtension(gloss, `(async () => {
      const tab = (await chrome.tabs.query({})).find((t) => t.url === ${JSON.stringify(page.url())});
      await chrome.scripting.executeScript({ target: { tabId: tab.id }, func: ${readStorage.toString()} });
      return tab.id;
    })()`);
    // The Port is the panel's frame's (panel.html): the recorder goes in before its script runs.
    await page.addInitScript(recordPort);
    await clickAction(gloss, page);
    const p = await waitForPanel(gloss, page);
    // The first panel may have finished the digest: it can come from the cache, with no spend line.
    await p.digest.locator('ul.key-points li').first().waitFor({ timeout: 30_000 });
    await waitForTranslation(page);
    const storage = await inExtension(gloss, `(async () => {
      const [r] = await chrome.scripting.executeScript({ target: { tabId: ${tabId} }, func: async () => globalThis.__storageRead });
      return r.result;
    })()`);
    const seen = { ...(await p.frame.evaluate(() => globalThis.__portLog)), storage };
    assert.ok(seen.frames.length > 5 && seen.frames.some((f) => f.includes('"done"')), `the recorder saw the frames (${seen.frames.length})`);
    assert.deepEqual(seen.frames.filter((f) => f.includes(SECRET)), [], 'no frame holds the key');
    assert.ok(!JSON.stringify(seen.storage).includes(SECRET), `the content script's world cannot read it: ${JSON.stringify(seen.storage).slice(0, 200)}`);
    await page.close();
  });
});

/** Runs in the content script's isolated world: tries to read the storage. */
function readStorage() {
  globalThis.__storageRead = chrome.storage.local.get(null).then((all) => all, (err) => ({ refused: String(err?.message ?? err) }));
}

/** Runs in the panel's frame before its own script: records every frame of every Gloss Port, both ways. */
function recordPort() {
  if (location.protocol !== 'chrome-extension:') return;
  const log = { frames: [] };
  globalThis.__portLog = log;
  const connect = chrome.runtime.connect.bind(chrome.runtime);
  chrome.runtime.connect = (...args) => {
    const port = connect(...args);
    port.onMessage.addListener((frame) => log.frames.push(JSON.stringify(frame)));
    const post = port.postMessage.bind(port);
    port.postMessage = (frame) => { log.frames.push(JSON.stringify(frame)); post(frame); };
    return port;
  };
}

describe('what the README lists', () => {
  test('the default base URLs in the README\'s table are the ones Options uses', T, async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    // That table only: it ends at the first line that is not a table row.
    const from = readme.slice(readme.indexOf('| Provider | Default base URL |'));
    const table = from.slice(0, from.search(/\n(?!\|)/));
    const rows = Object.fromEntries([...table.matchAll(/^\| ([^|]+) \| `([^`]+)` \|/gm)].map((m) => [m[1].trim(), m[2]]));
    const ids = {
      Anthropic: 'anthropic', OpenAI: 'openai', 'Google Gemini': 'gemini', OpenRouter: 'openrouter', Mistral: 'mistral',
      DeepSeek: 'deepseek', Groq: 'groq', 'Ollama (native API)': 'ollama', 'Ollama (OpenAI-compatible)': 'ollama-openai',
      'LM Studio': 'lmstudio', 'llama.cpp server': 'llamacpp',
    };
    assert.deepEqual(Object.keys(rows).sort(), Object.keys(ids).sort(), 'the README lists every preset with a URL');
    const page = await openOptions();
    const shown = {};
    for (const [name, id] of Object.entries(ids)) {
      await page.selectOption('#provider', id);
      await page.fill('#baseUrl', '');
      shown[name] = await page.locator('#baseUrl').getAttribute('placeholder');
    }
    assert.deepEqual(shown, rows);
    await page.close();
  });

  for (const [platform, key, pattern] of [
    ['macOS', 'ollamaFixMac', /^launchctl setenv OLLAMA_ORIGINS/],
    ['Windows', 'ollamaFixWindows', /^setx OLLAMA_ORIGINS/],
    ['Linux', 'ollamaFixLinux', /systemctl edit ollama\.service/],
  ]) {
    test(`Ollama's 403 shows the fix command for ${platform}`, T, async () => {
      await setSettings(gloss, { schemaVersion: 2, provider: 'ollama', model: 'llama3.2', baseUrl: mock.url, digestLang: 'ja', translateLang: 'ja' });
      mock.setDefault({ status: 403, body: '' });
      const page = await gloss.context.newPage();
      const cdp = await gloss.context.newCDPSession(page);
      const ua = await page.evaluate(() => navigator.userAgent);
      await cdp.send('Emulation.setUserAgentOverride', {
        userAgent: ua, platform: platform === 'macOS' ? 'MacIntel' : platform === 'Windows' ? 'Win32' : 'Linux x86_64',
        userAgentMetadata: { platform, platformVersion: '1.0', architecture: 'x86', model: '', mobile: false, brands: [{ brand: 'Chromium', version: '140' }] },
      });
      await page.goto(uniqueUrl(site.url + SAMPLE));
      await clickAction(gloss, page);
      const p = await waitForPanel(gloss, page);
      const fix = p.digest.locator('.error[data-code="ollama_origin"] pre.fix');
      await fix.waitFor();
      assert.equal(await fix.getAttribute('data-os'), key);
      const text = await fix.innerText();
      assert.match(text, pattern);
      assert.match(text, /chrome-extension:\/\/\*,moz-extension:\/\/\*/, 'both browsers\' origins');
      await page.close();
    });
  }
});

/** Debian's Chromium has only en-US until `chromium-l10n` is installed; then LANGUAGE picks the UI language. */
const JA_PAK = '/usr/lib/chromium/locales/ja.pak';
const noJapanese = existsSync(JA_PAK) ? false : `${JA_PAK} is missing: install Debian's chromium-l10n to run this test`;

describe('a non-English browser', () => {
  test('Chromium in Japanese shows the panel in Japanese', { ...T, skip: noJapanese }, async () => {
    const ja = await launch({ env: { LANGUAGE: 'ja' } });
    try {
      const ui = await inExtension(ja, () => chrome.i18n.getUILanguage());
      assert.match(ui, /^ja/, `the browser's language is ${ui}`);
      const messages = JSON.parse(readFileSync(join(ROOT, 'extension', '_locales', 'ja', 'messages.json'), 'utf8'));
      const { page, p } = await open(ja, site.url + SAMPLE);
      await p.digest.locator('ul.key-points li').first().waitFor();
      assert.equal(await p.original.locator('button.toggle').innerText(), messages.sectionOriginal.message);
      assert.equal(await p.digest.locator('button.toggle').innerText(), messages.sectionDigest.message);
      assert.equal(await p.translation.locator('button.toggle').innerText(), messages.sectionTranslation.message);
      assert.equal(await p.aside.getAttribute('aria-label'), messages.panelLabel.message);
      // The offline digest is the article's own sentences, so it stays in the article's language.
      assert.equal(await p.digest.locator('.provenance').innerText(), 'built-in · en · extractive');
      await page.close();
    } finally {
      await ja.close();
    }
  });
});
