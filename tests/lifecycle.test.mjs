// Hardening, continued: what happens to the requests when the tab goes away, what happens
// when storage is full, and which parts of a page Gloss reads (frames, shadow roots).
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inExtension, openWithGloss, panelFrame, setSettings } from './harness.mjs';
import { longArticle } from './long-article.mjs';
import { roundTrip } from './markers.mjs';
import { glossSuite } from './suite.mjs';

const T = { timeout: 90_000 };
const SECRET = 'sk-test-lifecycle';
let gloss, mock, site;

const settings = (extra = {}) => ({
  schemaVersion: 2, provider: 'openai', apiKeys: { openai: SECRET }, model: 'gpt-4o-mini', baseUrl: `${mock.url}/v1`,
  digestLang: 'ja', translateLang: 'ja', ...extra,
});
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const generations = () => mock.requests();

const world = glossSuite({ mock: { validKey: SECRET }, articles: { 'lifecycle-article.html': longArticle(2_000, 31) } });
// Root-level `before` hooks are not run one after another: take the suite's world per test.
beforeEach(() => ({ gloss, mock, site } = world));

describe('a tab that goes away mid-stream', () => {
  /**
   * Opens a 2,000-word article with slow answers, waits until the digest and the translation
   * stream, then does `leave(page)`. The mock's log must show the open streams aborted and no
   * request started afterwards.
   */
  async function leaveMidStream(leave) {
    await setSettings(gloss, settings({ concurrency: 2 }));
    mock.setDefault({ chunkDelayMs: 250 });
    const { page, p } = await openWithGloss(gloss, `${site.url}/artifacts/lifecycle-article.html`);
    await p.digest.locator('ul.key-points li').first().waitFor({ timeout: 30_000 });
    await p.translation.locator('[data-block].partial, [data-block]:not(.pending)').first().waitFor({ timeout: 30_000 });
    const open = generations().filter((e) => !e.completed);
    assert.ok(open.some((e) => e.kind === 'digest') && open.some((e) => e.kind === 'translate'),
      `the digest and a translation are streaming: ${generations().map((e) => `${e.kind}:${e.completed}`)}`);
    await leave(page);
    // Every stream that was open is closed by the client, within a generous bound.
    const deadline = Date.now() + 10_000;
    while (open.some((e) => !e.aborted && !e.completed) && Date.now() < deadline) await sleep(100);
    for (const e of open) assert.ok(e.aborted || e.completed, `the ${e.kind} stream was aborted`);
    assert.ok(open.filter((e) => e.aborted).length >= 2, 'the streams were cut, not left to finish');
    const sent = generations().length;
    // A positive marker instead of a sleep: the worker serves another page, and nothing for the
    // one that went away came before or with it.
    const isMarker = await roundTrip(gloss, site, mock);
    assert.deepEqual(generations().slice(sent).filter((e) => !isMarker(e)).map((e) => e.kind), [], 'no request starts after the tab went away');
    assert.ok(generations().filter((e) => !isMarker(e)).every((e) => e.aborted || e.completed), 'and none is left open');
    return page;
  }

  test('closing the tab aborts the digest and the translation, and sends nothing more', T, async () => {
    await leaveMidStream((page) => page.close());
  });

  test('navigating the tab elsewhere aborts them too', T, async () => {
    const page = await leaveMidStream((page) => page.goto(`${site.url}/www/samples/lighthouse-keepers.html?elsewhere`));
    assert.equal(await page.locator('#gloss-extension-root').count(), 0, 'the new page has no panel');
    await page.close();
  });
});

describe('a full storage quota', () => {
  const SAMPLE = '/www/samples/lighthouse-keepers.html';
  const INDEX = 'gloss-cache-index';

  /**
   * Fills chrome.storage.local the way the cache does (keys under the cache's prefix, spans as
   * values, each listed in the LRU index with its size and last use) with ~100 kB entries,
   * oldest first, after `ballast` bytes of data that is not cache, until less than `margin`
   * bytes of the quota are left. Resolves to the fillers' keys, oldest first, and the quota.
   */
  async function fill({ ballast = 0, margin }) {
    return inExtension(gloss, async ({ ballast, margin, INDEX }) => {
      const quota = chrome.storage.local.QUOTA_BYTES;
      const utf8 = new TextEncoder();
      const size = (key, value) => utf8.encode(key).length + utf8.encode(JSON.stringify(value)).length;
      if (ballast) await chrome.storage.local.set({ ballast: 'b'.repeat(ballast) });
      const keys = [];
      const index = {};
      const base = Date.now() - 30 * 86_400_000;
      const entry = (i) => {
        const key = `gloss-cache:translation:${i.toString(16).padStart(32, 'f')}`;
        return [key, [{ text: `灯台守の記録 ${i}。`.repeat(2_800) }, { text: ' 続き', bold: true }]];
      };
      // Room the index will take once it lists every filler.
      const indexRoom = (n) => n * 130 + 200;
      for (let i = 0; ; i++) {
        const [key, value] = entry(i);
        const bytes = size(key, value);
        const used = await chrome.storage.local.getBytesInUse(null);
        if (used + bytes + indexRoom(keys.length + 1) > quota - margin) break;
        await chrome.storage.local.set({ [key]: value });
        index[key] = { bytes, usedAt: base + i * 1000 };
        keys.push(key);
      }
      await chrome.storage.local.set({ [INDEX]: index });
      // The last filler tops the storage up to the margin (less its own line in the index).
      const room = quota - margin - await chrome.storage.local.getBytesInUse(null) - 110;
      const [key] = entry(keys.length);
      const last = [{ text: 'x'.repeat(Math.max(0, room - size(key, [{ text: '' }]))) }];
      if (room > 200) {
        await chrome.storage.local.set({ [key]: last });
        index[key] = { bytes: size(key, last), usedAt: base + keys.length * 1000 };
        keys.push(key);
      }
      if (keys.length) await chrome.storage.local.set({ [INDEX]: index });
      return { keys, quota, free: quota - await chrome.storage.local.getBytesInUse(null) };
    }, { ballast, margin, INDEX });
  }

  const storage = () => inExtension(gloss, async () => ({
    all: await chrome.storage.local.get(null), used: await chrome.storage.local.getBytesInUse(null),
  }));

  /** Reads the sample with Gloss and waits for both the digest and the whole translation. */
  async function readSample() {
    const { page, p } = await openWithGloss(gloss, site.url + SAMPLE);
    await p.digest.locator('.spend').waitFor({ timeout: 45_000 });
    await p.translation.locator('.spend').waitFor({ timeout: 45_000 });
    assert.equal(await p.digest.locator('.error').count(), 0, 'the digest shows no error');
    assert.equal(await p.translation.locator('.error').count(), 0, 'the translation shows no error');
    assert.ok(await p.digest.locator('ul.key-points li').count() >= 1, 'the digest is shown');
    assert.ok(await p.translation.locator('[data-block]:not(.pending):not(.failed)').count() >= 3, 'the translation is shown');
    return page;
  }

  /** Waits (bounded) for the digest's cache entry; the cache is written after the panel shows. */
  async function waitForDigestEntry(fillers) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { all, used } = await storage();
      const fresh = Object.keys(all).filter((k) => k.startsWith('gloss-cache:') && !fillers.includes(k));
      if (fresh.some((k) => k.startsWith('gloss-cache:digest:')) || Date.now() > deadline) return { all, used, fresh };
      await sleep(200);
    }
  }

  /** The digest and translation were cached and indexed, and the oldest filler entry made room. */
  function assertCachedAfterEviction(all, fresh, keys) {
    assert.ok(fresh.some((k) => k.startsWith('gloss-cache:digest:')), 'the digest was cached');
    assert.ok(fresh.some((k) => k.startsWith('gloss-cache:translation:')), 'the translation was cached');
    for (const k of fresh) assert.ok(all[INDEX][k], `the new entry ${k} is in the index`);
    assert.ok(!(keys[0] in all) && !(keys[0] in all[INDEX]), 'the oldest entry was evicted');
  }

  test('a cache left over its bound near the quota: the oldest entries go, the new ones are written', T, async () => {
    const saved = settings();
    await setSettings(gloss, saved);
    const { keys, quota, free } = await fill({ margin: 2_000 });
    assert.ok(free < 10_000 && keys.length > 50, `storage is full (${keys.length} entries, ${free} bytes free of ${quota})`);
    const page = await readSample();
    const { all, used, fresh } = await waitForDigestEntry(keys);
    assertCachedAfterEviction(all, fresh, keys);
    assert.ok(keys.at(-2) in all, 'the most recent ones were kept');
    assert.deepEqual(all.settings, saved, 'the settings survived');
    assert.ok(used <= quota * 0.75, `the cache is back under its bound: ${used} of ${quota} bytes`);
    await page.close();
  });

  test('a write refused for quota evicts the oldest entries and is retried', T, async () => {
    const saved = settings();
    await setSettings(gloss, saved);
    // 5 MB that is not cache, then cache up to ~300 bytes short of the quota: under the cache's
    // own bound, so only the refused write can make room.
    const { keys, quota, free } = await fill({ ballast: 5 * 1024 * 1024, margin: 300 });
    assert.ok(free < 1_000 && keys.length > 20, `storage is full (${keys.length} entries, ${free} bytes free of ${quota})`);
    const page = await readSample();
    const { all, used, fresh } = await waitForDigestEntry(keys);
    assertCachedAfterEviction(all, fresh, keys);
    const kept = keys.filter((k) => k in all);
    assert.ok(kept.length >= keys.length - 3, `only as many as needed went (${keys.length - kept.length} of ${keys.length})`);
    assert.ok(keys.at(-2) in all, 'the most recent ones were kept');
    assert.equal(all.ballast.length, 5 * 1024 * 1024, 'what is not cache is untouched');
    assert.deepEqual(all.settings, saved, 'the settings survived');
    assert.ok(used <= quota, `${used} of ${quota} bytes`);
    await page.close();
  });

  test('storage full of what is not cache: the digest and the translation are still shown, only caching is skipped', T, async () => {
    const saved = settings();
    await setSettings(gloss, saved);
    const { quota, free } = await inExtension(gloss, async () => {
      const quota = chrome.storage.local.QUOTA_BYTES;
      const used = await chrome.storage.local.getBytesInUse(null);
      await chrome.storage.local.set({ ballast: 'b'.repeat(quota - used - 'ballast'.length - 2 - 150) });
      return { quota, free: quota - await chrome.storage.local.getBytesInUse(null) };
    });
    assert.ok(free < 500, `storage is full (${free} bytes free)`);
    const page = await readSample();
    await sleep(2_000);
    const { all, used } = await storage();
    assert.ok(!Object.keys(all).some((k) => k.startsWith('gloss-cache:digest:')), 'the digest could not be cached');
    assert.deepEqual(all.settings, saved, 'the settings survived');
    assert.ok(all.ballast.length > quota - 1_000, 'what is not cache is untouched');
    assert.ok(used <= quota);
    await page.close();
  });
});

describe('what Gloss reads: shadow roots and frames', () => {
  const panelText = (page) => panelFrame(page).evaluate(() => document.body.textContent);
  const sentText = () => generations().map((e) => JSON.stringify(e.body)).join('\n');

  test('an article rendered in an open shadow root is read, slotted light DOM in place; a closed root is not', T, async () => {
    await setSettings(gloss, settings());
    const { page, p } = await openWithGloss(gloss, `${site.url}/fixtures/pages/shadow-article.html`);
    await p.original.locator('dl.meta').waitFor({ timeout: 30_000 });
    const original = await p.original.locator('.extracted').textContent();
    assert.match(original, /Every spring the volunteers of Skarholm print a new book of tide tables/);
    assert.match(original, /When the last copy is sold/);
    assert.match(original, /April\.A standfirst from the light DOM, slotted in after the first paragraph/, 'slotted light DOM is read in its slot');
    assert.equal(await p.original.locator('dl.meta dd').first().textContent(), 'The Tide Tables of Skarholm');
    assert.doesNotMatch(original, /sealed remark/, 'a closed shadow root is not read');
    await p.digest.locator('.spend').waitFor({ timeout: 30_000 });
    assert.match(sentText(), /brass float/, 'the shadow-root text is what the model was sent');
    assert.doesNotMatch(sentText(), /sealed remark/);
    await page.close();
  });

  test('frames are not read: only the top page is, and the frame gets no panel', T, async () => {
    await setSettings(gloss, settings());
    const { page, p } = await openWithGloss(gloss, `${site.url}/fixtures/pages/framed.html`);
    const frame = page.frames().find((f) => f.url().includes('lighthouse-keepers'));
    assert.ok(frame, 'the framed article loaded');
    await frame.locator('h1').waitFor();
    const outcome = await Promise.race([
      p.original.locator('dl.meta').waitFor({ timeout: 30_000 }).then(() => 'article'),
      p.original.locator('.error').waitFor({ timeout: 30_000 }).then(() => p.original.locator('.error').getAttribute('data-code')),
    ]);
    // The top page's one sentence is not an article: Gloss says so rather than reading the frame.
    assert.equal(outcome, 'not_readerable');
    await sleep(1_000);
    assert.doesNotMatch(await panelText(page), /Skarholm|lighthouse/i, 'nothing of the framed article is in the panel');
    assert.doesNotMatch(sentText(), /Skarholm/, 'nor was any of it sent');
    assert.equal(await frame.evaluate(() => Boolean(document.getElementById('gloss-extension-root'))), false, 'the frame has no panel');
    assert.equal(await page.locator('#gloss-extension-root').count(), 1, 'the top page has one');
    await page.close();
  });
});
