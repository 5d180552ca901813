// Full Translation at scale, end to end: long articles, rate limits, closing, caching and a
// service worker that dies mid-way. The mock's request log is the witness of what was sent.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { clickAction, openWithGloss, setSettings, uniqueUrl, waitForPanel, waitForTranslation } from './harness.mjs';
import { longArticle } from './long-article.mjs';
import { roundTrip } from './markers.mjs';
import { glossSuite } from './suite.mjs';

const T = { timeout: 120_000 };
let gloss, mock, site;

const settings = (extra = {}) => ({
  provider: 'openai', apiKey: 'test-key', model: 'gpt-4o-mini', baseUrl: `${mock.url}/v1`, digestLang: 'ja', translateLang: 'ja', ...extra,
});
const translations = () => mock.requests((e) => e.kind === 'translate');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const world = glossSuite({
  articles: {
    'long-article.html': longArticle(10_000),
    'medium-article.html': longArticle(2_000, 11),
    'huge-article.html': longArticle(30_000, 13),
  },
});
// Root-level `before` hooks are not run one after another: take the suite's world per test.
beforeEach(() => ({ gloss, mock, site } = world));
/** When the last model request of the earlier tests was sent (the mock's log is emptied per test). */
let lastSentAt = 0;
afterEach(() => { lastSentAt = Math.max(lastSentAt, ...mock.requests().map((e) => e.at)); });

const LONG = () => `${site.url}/artifacts/long-article.html`;
const MEDIUM = () => `${site.url}/artifacts/medium-article.html`;
const HUGE = () => `${site.url}/artifacts/huge-article.html`;
const digests = () => mock.requests((e) => e.kind === 'digest');

describe('long articles', () => {
  test('a 10,000-word article shows its cost, waits, then translates completely and in order', T, async () => {
    await setSettings(gloss, settings({ concurrency: 4 }));
    mock.setDefault({ chunkDelayMs: 2, chunkSize: 40 });
    const page = await gloss.context.newPage();
    await page.goto(uniqueUrl(LONG()));
    // Long tasks on the page's main thread, where the content script runs (reported below).
    await page.evaluate(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => window.__longTasks.push(...list.getEntries().map((e) => e.duration))).observe({ type: 'longtask' });
    });
    await clickAction(gloss, page);
    const p = await waitForPanel(gloss, page);
    const confirm = p.translation.locator('.confirm');
    await confirm.waitFor();
    assert.match(await confirm.innerText(), /tokens in, ≈ [\d,]+ out · ≈ \$\d+\.\d+/);
    assert.equal(translations().length, 0, 'nothing is sent before the go-ahead');
    await page.evaluate(() => { window.__longTasks.length = 0; });
    await confirm.locator('button').click();
    await waitForTranslation(page, 90_000);
    const source = await p.original.locator('[data-block]').allTextContents();
    const translated = await p.translation.locator('[data-block]').allTextContents();
    assert.ok(source.length > 80, `${source.length} blocks`);
    assert.deepEqual(translated, source.map((text) => `(ja) ${text}`));
    assert.match(await p.translation.locator('.progress').innerText(), new RegExp(`^${source.length} / ${source.length} sections`));
    // Reported, not asserted: a task's length is a speed figure, and this machine is shared
    // (the page's main thread only relays layout notes while the panel's own process renders).
    const longTasks = await page.evaluate(() => window.__longTasks);
    console.log(`long tasks on the page during the translation: ${longTasks.length ? longTasks.map((d) => d.toFixed(0)).join(', ') + ' ms' : 'none'}`);
    await page.close();
  });
});

describe('articles longer than the model\'s context', () => {
  test('a 30,000-word article is digested in parts that each fit a small local model', T, async () => {
    await setSettings(gloss, { schemaVersion: 2, provider: 'ollama', model: 'llama3.2', baseUrl: mock.url, digestLang: 'ja', translateLang: 'ja' });
    const { p } = await openWithGloss(gloss, HUGE());
    await p.digest.locator('.spend').waitFor({ timeout: 90_000 });
    assert.equal(await p.digest.locator('ul.details li').count(), 4);
    // Ollama's /api/show says llama3.2 takes 131,072 tokens: Gloss asks for its own 16,384.
    assert.match(await p.digest.locator('.provenance').innerText(), /^ollama · ja · llama3\.2 · context 16,384 \(from the server\) · in \d+ parts$/);
    assert.equal(mock.log.filter((e) => e.path === '/api/show').length, 1, 'the server was asked once');
    const requests = digests();
    assert.ok(requests.length >= 5, `${requests.length} digest requests`);
    assert.ok(requests.every((e) => e.body.options?.num_ctx === 16_384), 'each asks for the context it was sized for');
    // 16,384 tokens of context: about 64,000 characters.
    assert.ok(requests.every((e) => e.promptChars < 64_000), requests.map((e) => e.promptChars).join());
    assert.match(requests.at(-1).body.messages.at(-1).content, /Digest of part 1/);
  });

  test('a llama.cpp server that says it runs with 2,048 tokens gets parts and chunks that fit them', T, async () => {
    const llamacpp = { provider: 'llamacpp', apiKey: 'test-key', model: 'gpt-4o-mini', baseUrl: `${mock.url}/v1`, digestLang: 'ja', translateLang: 'ja' };
    /** The source text of a translation request, in Gloss's estimate of tokens (four characters each). */
    const chunkTokens = (e) => Math.ceil(e.body.messages.at(-1).content.split('\n\n').slice(1).join('\n\n').length / 4);
    const run = async (nCtx) => {
      await setSettings(gloss, null);
      mock.reset();
      mock.setServer({ nCtx });
      mock.setDefault({ chunkDelayMs: 1, chunkSize: 80 });
      await setSettings(gloss, llamacpp);
      const { page, p } = await openWithGloss(gloss, MEDIUM());
      await p.digest.locator('.spend').waitFor({ timeout: 60_000 });
      await waitForTranslation(page, 60_000);
      const label = await p.digest.locator('.provenance').innerText();
      await page.close();
      return { label, log: [...mock.log], digests: digests(), chunks: translations() };
    };
    const small = await run(2_048);
    assert.match(small.label, /^llamacpp · ja · gpt-4o-mini · context 2,048 \(from the server\) · in \d+ parts$/);
    const props = small.log.filter((e) => e.path === '/props');
    assert.equal(props.length, 1, 'the server was asked once');
    assert.ok(small.log.filter((e) => 'kind' in e).every((e) => e.at >= props[0].endedAt), 'before anything was sent to the model');
    assert.ok(small.digests.length >= 3, `parts and their merge: ${small.digests.length}`);
    for (const e of small.digests) assert.ok(e.promptChars / 4 < 2_048, `a digest request of ~${Math.round(e.promptChars / 4)} tokens fits 2,048`);
    for (const e of small.chunks) assert.ok(chunkTokens(e) * 3 + 500 <= 2_048, `a chunk of ~${chunkTokens(e)} tokens and its answer fit 2,048`);

    // The same server started with 8,192 tokens: one digest request, and the reader's chunk size.
    const large = await run(8_192);
    assert.match(large.label, /^llamacpp · ja · gpt-4o-mini · context 8,192 \(from the server\)$/);
    assert.equal(large.digests.length, 1);
    const biggest = (chunks) => Math.max(...chunks.map(chunkTokens));
    assert.ok(biggest(large.chunks) > biggest(small.chunks), `chunks of up to ${biggest(large.chunks)} tokens, not ${biggest(small.chunks)}`);
    assert.ok(large.chunks.length < small.chunks.length, `${large.chunks.length} chunks, not ${small.chunks.length}`);
  });

  test('a provider that says the context is exceeded gets the article again in parts', T, async () => {
    await setSettings(gloss, settings());
    const limit = 60_000;
    mock.setDefault({
      match: (e) => e.kind === 'digest' && e.promptChars > limit,
      status: 400,
      body: { error: { message: "This model's maximum context length is 16385 tokens.", type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } },
    });
    const { p } = await openWithGloss(gloss, HUGE());
    await p.digest.locator('ul.details li').nth(3).waitFor({ timeout: 90_000 });
    const requests = digests();
    assert.equal(requests[0].status, 400, 'the whole article was too long');
    assert.ok(requests.slice(1).every((e) => e.status === 200 && e.promptChars <= limit));
    assert.equal(await p.digest.locator('.error').count(), 0);
  });
});

describe('rate limits and stopping', () => {
  test('a provider that answers 429 forever is given up on, and nothing fires afterwards', T, async () => {
    await setSettings(gloss, settings({ concurrency: 2 }));
    mock.setDefault({ match: (e) => e.kind === 'translate', status: 429, headers: { 'retry-after': '0.2' } });
    const { page, p } = await openWithGloss(gloss, MEDIUM());
    const error = p.translation.locator('.error[data-code="rate_limited"]');
    await error.waitFor({ timeout: 60_000 });
    const sent = translations().length;
    assert.ok(sent >= 4 && sent <= 6, `${sent} requests before stopping (4 rate limits in a row, 2 at once)`);
    const isMarker = await roundTrip(gloss, site, mock);
    assert.deepEqual(translations().slice(sent).filter((e) => !isMarker(e)).map((e) => e.status), [], 'no request after the stop');
    assert.ok(await p.translation.locator('[data-block].failed').count() > 0, 'the untranslated blocks are marked, not lost');
    await page.close();
  });

  test('closing the panel aborts the requests in flight and sends no more', T, async () => {
    await setSettings(gloss, settings({ concurrency: 2 }));
    mock.setDefault({ match: (e) => e.kind === 'translate', chunkDelayMs: 200 });
    const { page, p } = await openWithGloss(gloss, MEDIUM());
    await p.translation.locator('[data-block]:not(.pending)').first().waitFor({ timeout: 30_000 });
    const streaming = translations().filter((e) => !e.completed);
    assert.ok(streaming.length > 0, 'a translation is streaming when the panel closes');
    await p.root.locator('button[aria-label="Close Gloss"]').click();
    // Positive events first: every open stream is closed by the client…
    for (const end = Date.now() + 10_000; streaming.some((e) => e.endedAt === undefined) && Date.now() < end;) await sleep(100);
    assert.ok(streaming.every((e) => e.aborted || e.completed) && streaming.some((e) => e.aborted), 'the streaming requests were aborted');
    const sent = translations().length;
    // …then the worker serves another page; nothing for the closed one came before or with it.
    const isMarker = await roundTrip(gloss, site, mock);
    assert.deepEqual(translations().slice(sent).filter((e) => !isMarker(e)).length, 0, 'no request after closing');
    await page.close();
  });
});

describe('cache and resume', () => {
  test('re-opening a translated page shows everything from the cache with zero requests', T, async () => {
    await setSettings(gloss, settings());
    const url = MEDIUM();
    const first = await openWithGloss(gloss, url);
    await waitForTranslation(first.page);
    await first.p.digest.locator('ul.details li').nth(3).waitFor();
    const translated = await first.p.translation.locator('[data-block]').allTextContents();
    await first.page.close();
    mock.reset();
    const again = await openWithGloss(gloss, url);
    await waitForTranslation(again.page);
    await again.p.digest.locator('ul.details li').nth(3).waitFor();
    assert.deepEqual(await again.p.translation.locator('[data-block]').allTextContents(), translated);
    assert.equal(mock.log.length, 0, 'nothing was requested');
    await again.page.close();
  });

  test('a service worker stopped mid-way: re-opening requests only the missing chunks', T, async () => {
    await setSettings(gloss, settings({ concurrency: 1 }));
    mock.setDefault({ match: (e) => e.kind === 'translate', chunkDelayMs: 30, chunkSize: 60 });
    const url = LONG();
    const { page, p } = await openWithGloss(gloss, url);
    await p.translation.locator('.confirm button').click();
    // Let a few chunks finish, then stop the worker as the browser does when it is idle.
    await p.translation.locator('[data-block]:not(.pending)').nth(15).waitFor({ timeout: 60_000 });
    const { targetInfos } = await gloss.cdp.send('Target.getTargets');
    const worker = targetInfos.find((t) => t.type === 'service_worker' && t.url.includes(gloss.extensionId));
    await gloss.cdp.send('Target.closeTarget', { targetId: worker.targetId });
    await sleep(500);
    const blockLines = (e) => e.body.messages.at(-1).content.match(/^\[\[\d+\]\] .*$/gm).map((l) => l.replace(/^\[\[\d+\]\] /, ''));
    const finished = translations().filter((e) => e.completed).flatMap(blockLines);
    assert.ok(finished.length > 0, 'some chunks had finished');
    await page.close();
    mock.reset();
    mock.setDefault({ chunkDelayMs: 1, chunkSize: 400 });
    const again = await openWithGloss(gloss, url);
    await again.p.translation.locator('.confirm button').click();
    await waitForTranslation(again.page, 90_000);
    const resent = translations().flatMap(blockLines);
    for (const text of finished) assert.ok(!resent.includes(text), 'a finished block was not asked for again');
    const blocks = await again.p.translation.locator('[data-block]').count();
    assert.equal(resent.length + finished.length, blocks, 'everything else was');
    await again.page.close();
  });

  // The worker is kept from idling out while it waits (it says the wait every 20 s); stopped
  // anyway, the next one still knows what the last minute sent (storage.session).
  test('a service worker stopped during the per-minute wait: after Resume the cap still holds', { timeout: 240_000 }, async () => {
    await setSettings(gloss, settings({ requestsPerMinute: 2, concurrency: 1 }));
    // The cap counts the earlier tests' requests too: start once they have left the window.
    if (lastSentAt) await sleep(Math.max(0, lastSentAt + 61_000 - Date.now()));
    mock.setDefault({ chunkDelayMs: 1 });
    const { p } = await openWithGloss(gloss, MEDIUM());
    const generations = () => mock.requests((e) => e.kind === 'digest' || e.kind === 'translate');
    await p.root.locator('.status', { hasText: /per-minute limit: \d+ s/ }).first().waitFor({ timeout: 60_000 });
    assert.equal(generations().length, 2, 'the window is full');
    const { targetInfos } = await gloss.cdp.send('Target.getTargets');
    const worker = targetInfos.find((t) => t.type === 'service_worker' && t.url.includes(gloss.extensionId));
    await gloss.cdp.send('Target.closeTarget', { targetId: worker.targetId });
    const resume = p.original.locator('.error[data-code="worker_stopped"] button');
    await resume.click({ timeout: 30_000 });
    for (const end = Date.now() + 100_000; generations().length < 3 && Date.now() < end;) await sleep(250);
    const starts = generations().map((e) => e.at);
    assert.ok(starts.length >= 3, `a third request came (${starts.length})`);
    assert.ok(starts[2] - starts[0] >= 59_000, `the new worker kept the window: the third came ${starts[2] - starts[0]} ms after the first`);
  });
});
