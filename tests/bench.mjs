#!/usr/bin/env node
// `npm run bench`: Gloss measured in one real headless Chromium run, pages on 127.0.0.1 only.
//   1. extraction time over Mozilla's Readability test pages, Gloss next to Readability.js, and
//      where Gloss's time goes (serialise, the Ports, the parse in WASM, dom_smoothie, blocks, reply);
//   2. click to first LLM request (mock LLM), next to extraction alone on the same page;
//   3. a long article's Full Translation against a mock with a fixed speed: wall time / ideal;
//   4. sizes of the WASM core and its JS glue, raw and gzipped.
// Args: --runs N (per page, default 3), --limit N (first N pages), --pages a,b (named pages).
// Human-readable lines on stdout, progress on stderr, the same figures in tests/artifacts/bench.json.
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { EXTENSION, ROOT, frameOf, inExtension, launch, setSettings, uniqueUrl } from './harness.mjs';
import { longArticle } from './long-article.mjs';
import { startMockLlm } from './mock-llm.mjs';
import { startServer } from './server.mjs';

const PAGES_DIR = process.env.GLOSS_READABILITY_PAGES
  ?? join(ROOT, '..', 'shared', 'fixtures', 'readability-test-pages');
const READABILITY_JS = join(ROOT, 'node_modules', '@mozilla', 'readability', 'Readability.js');
const SAMPLE = '/www/samples/lighthouse-keepers.html';
const ARTIFACT = join(ROOT, 'tests', 'artifacts', 'bench.json');
/** Upper bound for any single step (a navigation, the panel's answer, a request to arrive). */
const STEP_MS = 15_000;
const CLICK_RUNS = 5;
/** What the worker logs when a click was not granted the page, and how often to click again then. */
const REFUSED = 'Gloss: cannot run on this page';
const MAX_RECLICKS = 3;

/** @typedef {{ median: number, p90: number }} Spread */
/**
 * The path of one extraction, from the content script reading the page to the article extracted
 * in the worker, in the order it runs: each phase's span in ms, from the stamps the content
 * script, the panel and the core report (`data-extract-timing` on the panel's root; every clock
 * is `performance.timeOrigin + performance.now()` in its context). A panel's first start reads
 * the page the content script sent ahead as it opened the panel's frame (`ahead`): the page is
 * serialised, carried to the worker and extracted while the frame loads. A start without it (the
 * core asked for the page: `pageNeeded`) carries the page through the panel.
 */
const PHASES = [
  ['serialise', 'readAt', 'readDoneAt', 'the page\'s HTML serialised'],
  ['carry', 'readDoneAt', 'carried', 'to the core: content script → worker (sent ahead), or through the panel'],
  ['decode', 'carried', 'decoded', 'the message read into WASM'],
  ['parse', 'decoded', 'parsed', 'HTML parsed in WASM'],
  ['readability', 'parsed', 'readability', 'dom_smoothie'],
  ['blocks', 'readability', 'blocks', 'the block pass'],
];
/** The panel's side: from its start to the article on screen (the frame's load is before it). */
const PANEL_PHASES = [
  ['post', 'startedAt', 'postedAt', 'panel start → the start frame posted (asked: after the page came through the channel)'],
  ['port', 'postedAt', 'started', 'panel → worker → the core (runtime Port)'],
  ['wait', 'started', 'blocks', 'the start waited for the extraction (negative: the article was ready first)'],
  ['reply', 'shownFrom', 'arrivedAt', 'the article back to the panel'],
  ['frameStart', 'appendedAt', 'navigatedAt', 'the frame appended → its navigation starts (sent ahead: the page was read just before)'],
  ['frameLoad', 'navigatedAt', 'startedAt', 'panel.html, its styles and scripts loaded, up to its start'],
  ['pageToShown', 'readAt', 'arrivedAt', 'the content script reads the page → the article in the panel (the frame\'s load included)'],
];

/** One run's stamps, the same names on either path. */
function stampsOf(timing) {
  const ahead = timing.ahead;
  const page = ahead ? { readAt: ahead.readAt, readDoneAt: ahead.readDoneAt } : { readAt: timing.readAt, readDoneAt: timing.readDoneAt };
  const started = ahead ? (timing.started ?? timing.entered) : timing.entered;
  return {
    ...page, carried: timing.entered, decoded: timing.decoded, parsed: timing.parsed, readability: timing.readability,
    blocks: timing.blocks, startedAt: timing.startedAt, postedAt: timing.postedAt, started,
    appendedAt: ahead ? ahead.readDoneAt : undefined, navigatedAt: timing.navigatedAt,
    shownFrom: Math.max(started, timing.blocks), arrivedAt: timing.arrivedAt,
  };
}

/** One run's phases (those it has stamps for), its path, and its extraction time; null without stamps. */
function splitOf(timing) {
  if (!timing) return null;
  const stamps = stampsOf(timing);
  const split = { path: timing.ahead ? 'ahead' : 'asked' };
  for (const [name, from, to] of [...PHASES, ...PANEL_PHASES]) {
    if (typeof stamps[from] === 'number' && typeof stamps[to] === 'number') split[name] = stamps[to] - stamps[from];
  }
  return split;
}

/** Content script reads the page → article extracted in the worker; null without the stamps. */
function extractionMs(timing) {
  if (!timing) return null;
  const { readAt, blocks } = stampsOf(timing);
  return typeof readAt === 'number' && typeof blocks === 'number' ? blocks - readAt : null;
}

const PHASE_NAMES = [...PHASES, ...PANEL_PHASES].map(([name]) => name);

/** Per phase, the median and p90 over `splits` (one per page) that have it, and how many do. */
function splitSpread(splits) {
  const present = splits.filter(Boolean);
  return Object.fromEntries(PHASE_NAMES.map((name) => {
    const values = present.map((s) => s[name]).filter((v) => typeof v === 'number');
    return [name, { ...spread(values), pages: values.length }];
  }));
}

/** Per phase, the median over one page's runs that have it. */
function pageSplit(splits) {
  const entries = PHASE_NAMES.map((name) => [name, median(splits.map((t) => t[name]).filter((v) => typeof v === 'number'))]);
  return Object.fromEntries(entries.filter(([, v]) => v != null));
}
/**
 * One test page's figures; `*Ms` are medians over the runs, null when that side failed.
 * `glossMs`: the page read → the article extracted in the worker; `shownMs`: the panel's start → the
 * article in the panel (`data-extract-ms`).
 * @typedef {{ page: string, bytes: number, glossMs: number | null, glossRuns: number[], shownMs: number | null, shownRuns: number[],
 *   paths: string[], glossError: string | null,
 *   reclicks: number, glossSplits: (Record<string, number> | null)[], glossSplit: Record<string, number> | null,
 *   readabilityMs: number | null, readabilityRuns: number[], readabilityError: string | null,
 *   readabilityFound: boolean | null }} PageRecord
 */

// ---- arguments and inputs ----

/** Reads --runs, --limit and --pages. */
function options() {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '3' }, limit: { type: 'string' }, pages: { type: 'string' } },
  });
  const count = (name, text) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} wants a positive integer, got ${text}`);
    return n;
  };
  return {
    runs: count('runs', values.runs),
    limit: values.limit == null ? Infinity : count('limit', values.limit),
    pages: values.pages ? values.pages.split(',').map((p) => p.trim()).filter(Boolean) : null,
  };
}

/** The test pages (folders holding a source.html), sorted, narrowed by --pages and --limit. */
function listPages(dir, { pages, limit }) {
  if (!existsSync(dir)) throw new Error(`no Readability test pages at ${dir} (set GLOSS_READABILITY_PAGES)`);
  const all = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'source.html')))
    .map((d) => d.name)
    .sort();
  const unknown = (pages ?? []).filter((p) => !all.includes(p));
  if (unknown.length) throw new Error(`unknown test pages: ${unknown.join(', ')}`);
  return (pages ? all.filter((p) => pages.includes(p)) : all).slice(0, limit);
}

// ---- small helpers ----

/** Linear-interpolated quantile (q = 0.5 is the usual median); null for no values. */
function quantile(values, q) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

const median = (values) => quantile(values, 0.5);
/** @returns {Spread} */
const spread = (values) => ({ median: median(values), p90: quantile(values, 0.9) });
const ratio = (a, b) => (a == null || !b ? null : a / b);
const fmt = (n, digits = 1) => (n == null ? 'n/a' : n.toFixed(digits));
const kb = (bytes) => bytes / 1024;
const log = (line) => process.stderr.write(`[bench] ${line}\n`);

/** Rejects with `what` when `promise` has not settled within `ms`. */
async function bounded(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms); });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `use(page)` on a fresh tab, always closing it. */
async function withPage(gloss, use) {
  const page = await gloss.context.newPage();
  try {
    return await use(page);
  } finally {
    await page.close().catch(() => {});
  }
}

/** Aborts every request a page makes beyond 127.0.0.1 (the test pages link to their original sites). */
async function keepPagesLocal(context) {
  const external = (url) => !['127.0.0.1', 'localhost'].includes(url.hostname) && /^(https?|wss?):$/.test(url.protocol);
  await context.route(external, (route) => route.abort('blockedbyclient'));
  return () => context.unroute(external);
}

/**
 * Clicks the Gloss toolbar button for `page`, as harness.mjs `clickAction` does, and returns
 * Date.now() taken just before the CDP call.
 */
async function clickActionTimed(gloss, page) {
  await page.bringToFront();
  const { targetInfos } = await gloss.cdp.send('Target.getTargets', { filter: [{ type: 'tab' }] });
  const tab = targetInfos.find((t) => t.url === page.url());
  if (!tab) throw new Error(`no tab target for ${page.url()}`);
  const clickedAt = Date.now();
  await gloss.cdp.send('Extensions.triggerAction', { id: gloss.extensionId, targetId: tab.targetId });
  return clickedAt;
}

/**
 * Clicks until the panel's host is in the page. Many clicks in this Chromium lose a race (more under
 * load): the worker's executeScript runs before the activeTab grant holds, it logs "Gloss: cannot run
 * on this page", and a second click works. Extraction is timed from the content script's start, so a
 * re-click does not change it; the click-to-request time counts from the click that worked.
 * @returns {Promise<{clickedAt: number, reclicks: number}>}
 */
async function clickUntilInjected(gloss, page) {
  for (let reclicks = 0; ; reclicks++) {
    const logged = gloss.logs.length;
    const clickedAt = await clickActionTimed(gloss, page);
    const refused = () => gloss.logs.slice(logged).some((line) => line.includes(REFUSED));
    const host = page.locator('#gloss-extension-root');
    const deadline = Date.now() + STEP_MS;
    while (!refused() && Date.now() < deadline) {
      if (await host.count()) return { clickedAt, reclicks };
      await sleep(5);
    }
    if (reclicks === MAX_RECLICKS || !refused()) {
      throw new Error(`the panel was not injected after ${reclicks + 1} click(s) (worker: ${gloss.logs.at(-1) ?? 'no log'})`);
    }
  }
}

/**
 * In the panel's frame: its extraction time (`data-extract-ms` on its root, set when the article
 * arrives), or the error the Original section shows instead; null while it has neither.
 */
function panelOutcome() {
  const root = document.documentElement;
  if (root.dataset.extractMs) return { ms: Number(root.dataset.extractMs), timing: JSON.parse(root.dataset.extractTiming ?? 'null') };
  const error = document.querySelector('section[data-section="original"] .error');
  return error ? { error: `${error.dataset.code}: ${(error.querySelector('.detail') ?? error.querySelector('p')).textContent}` } : null;
}

/** Waits for {@link panelOutcome} on `page`. */
async function waitForExtraction(page) {
  const frame = await frameOf(page, STEP_MS);
  const handle = await frame.waitForFunction(panelOutcome, null, { polling: 10, timeout: STEP_MS });
  return handle.jsonValue();
}

// ---- 1. extraction over the test pages ----

/** One Gloss extraction on a fresh navigation: {ms, reclicks} or {error}. */
async function glossOnce(gloss, url) {
  return withPage(gloss, async (page) => {
    try {
      await page.goto(uniqueUrl(url), { waitUntil: 'load', timeout: STEP_MS });
      const { reclicks } = await clickUntilInjected(gloss, page);
      return { ...await waitForExtraction(page), reclicks };
    } catch (error) {
      return { error: error.message.split('\n')[0] };
    }
  });
}

/** Loads `url` in `page` and adds Readability.js to the page world. */
async function loadReadability(page, url) {
  await page.goto(url, { waitUntil: 'load', timeout: STEP_MS });
  await page.addScriptTag({ path: READABILITY_JS });
  if (!await page.evaluate(() => typeof Readability === 'function')) throw new Error('Readability is not defined after the script tag');
}

/** One Readability.js parse in the page world, timed there (its clone included; Gloss serialises the page as its frame loads, reported beside). */
function readabilityOnce(page) {
  return bounded(page.evaluate(() => {
    const start = performance.now();
    const article = new Readability(document.cloneNode(true)).parse();
    return { ms: performance.now() - start, found: article != null };
  }), STEP_MS, 'Readability.parse');
}

/**
 * Measures one test page, interleaving the sides run by run: Gloss on a fresh navigation, then
 * Readability.js again in its own tab (loaded once; every tab has a unique URL, so the click finds
 * the Gloss tab).
 * A side stops at its first failure; the page then counts as that side's failure.
 * @returns {Promise<PageRecord>}
 */
async function measurePage(gloss, baseUrl, name, runs) {
  const url = `${baseUrl}/pages/${encodeURIComponent(name)}/source.html`;
  const record = {
    page: name, bytes: statSync(join(PAGES_DIR, name, 'source.html')).size,
    glossMs: null, glossRuns: [], shownMs: null, shownRuns: [], paths: [], glossError: null, reclicks: 0, glossSplits: [], glossSplit: null,
    readabilityMs: null, readabilityRuns: [], readabilityError: null, readabilityFound: null,
  };
  const reader = await gloss.context.newPage();
  try {
    await loadReadability(reader, uniqueUrl(url)).catch((error) => {
      record.readabilityError = `script tag: ${error.message.split('\n')[0]}`;
    });
    for (let run = 0; run < runs; run++) {
      if (!record.glossError) {
        const outcome = await glossOnce(gloss, url);
        const ms = outcome.error ? null : extractionMs(outcome.timing);
        if (outcome.error || ms == null) record.glossError = outcome.error ?? 'the panel reported no extraction stamps';
        else {
          record.glossRuns.push(ms);
          record.shownRuns.push(outcome.ms);
          const split = splitOf(outcome.timing);
          record.glossSplits.push(split);
          record.paths.push(split?.path ?? 'unknown');
        }
        record.reclicks += outcome.reclicks ?? 0;
      }
      if (!record.readabilityError) {
        try {
          const { ms, found } = await readabilityOnce(reader);
          record.readabilityRuns.push(ms);
          record.readabilityFound = found;
        } catch (error) {
          record.readabilityError = error.message.split('\n')[0];
        }
      }
    }
  } finally {
    await reader.close().catch(() => {});
  }
  if (!record.glossError) {
    record.glossMs = median(record.glossRuns);
    record.shownMs = median(record.shownRuns);
    const splits = record.glossSplits.filter(Boolean);
    if (splits.length) record.glossSplit = pageSplit(splits);
  }
  if (!record.readabilityError) record.readabilityMs = median(record.readabilityRuns);
  return record;
}

/** Both sides over every page, after one uncounted warm-up page. */
async function measureExtraction(gloss, baseUrl, pages, runs) {
  await setSettings(gloss, null); // built-in, no key: nothing is sent to any model
  log(`warm-up on ${pages[0]}`);
  await measurePage(gloss, baseUrl, pages[0], 1);
  const records = [];
  const started = Date.now();
  for (const [i, name] of pages.entries()) {
    records.push(await measurePage(gloss, baseUrl, name, runs));
    if ((i + 1) % 10 === 0 || i + 1 === pages.length) {
      log(`${i + 1}/${pages.length} pages, ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
  }
  return summarizeExtraction(records, runs);
}

/** Medians and p90s over the pages both sides handled, so the ratio compares the same pages. */
function summarizeExtraction(records, runs) {
  const both = records.filter((r) => r.glossMs != null && r.readabilityMs != null);
  const gloss = spread(both.map((r) => r.glossMs));
  const shown = spread(both.map((r) => r.shownMs));
  const readability = spread(both.map((r) => r.readabilityMs));
  const paths = records.flatMap((r) => r.paths);
  return {
    runsPerPage: runs,
    pages: records.length,
    measured: both.length,
    failures: {
      gloss: records.filter((r) => r.glossError).map((r) => ({ page: r.page, error: r.glossError })),
      readability: records.filter((r) => r.readabilityError).map((r) => ({ page: r.page, error: r.readabilityError })),
    },
    clicks: records.reduce((n, r) => n + r.glossRuns.length + (r.glossError ? 1 : 0), 0),
    reclicks: records.reduce((n, r) => n + r.reclicks, 0),
    readabilityNoArticle: records.filter((r) => r.readabilityFound === false).map((r) => r.page),
    gloss,
    shown,
    readability,
    ratio: { median: ratio(gloss.median, readability.median), p90: ratio(gloss.p90, readability.p90) },
    shownRatio: { median: ratio(shown.median, readability.median), p90: ratio(shown.p90, readability.p90) },
    paths: { ahead: paths.filter((p) => p === 'ahead').length, asked: paths.filter((p) => p === 'asked').length },
    split: splitSpread(both.map((r) => r.glossSplit)),
    splitPages: both.filter((r) => r.glossSplit).length,
    slowestGloss: [...both].sort((a, b) => b.glossMs - a.glossMs).slice(0, 5)
      .map(({ page, bytes, glossMs, readabilityMs, glossSplit }) => ({ page, bytes, glossMs, readabilityMs, glossSplit })),
    perPage: records,
  };
}

// ---- 2. click to first request ----

/** Polls the mock's log for the first generation request made at or after `since`. */
async function firstRequestAt(mock, since) {
  const deadline = Date.now() + STEP_MS;
  while (Date.now() < deadline) {
    const times = mock.requests((e) => e.at >= since).map((e) => e.at);
    if (times.length) return Math.min(...times);
    await sleep(2);
  }
  throw new Error(`no generation request reached the mock LLM within ${STEP_MS} ms`);
}

/** Click → first request at the mock LLM, and extraction alone, on the sample article. */
async function measureClickToRequest(gloss, baseUrl, mock) {
  const settings = {
    provider: 'openai', apiKey: 'test-key', model: 'gpt-4o-mini', baseUrl: `${mock.url}/v1`, digestLang: 'ja', translateLang: 'ja',
  };
  const runs = [];
  for (let run = 0; run < CLICK_RUNS; run++) {
    await setSettings(gloss, null); // empties the result cache too, so every run asks the model
    await setSettings(gloss, settings);
    mock.reset();
    runs.push(await withPage(gloss, async (page) => {
      await page.goto(uniqueUrl(baseUrl + SAMPLE), { waitUntil: 'load', timeout: STEP_MS });
      const { clickedAt, reclicks } = await clickUntilInjected(gloss, page);
      const requestAt = await firstRequestAt(mock, clickedAt);
      const outcome = await waitForExtraction(page);
      if (outcome.error) throw new Error(`Gloss failed on the sample: ${outcome.error}`);
      return { clickToRequestMs: requestAt - clickedAt, extractMs: outcome.ms, reclicks };
    }));
  }
  const clickToRequest = median(runs.map((r) => r.clickToRequestMs));
  const extraction = median(runs.map((r) => r.extractMs));
  return { page: SAMPLE, runs, clickToRequestMs: clickToRequest, extractMs: extraction, ratio: ratio(clickToRequest, extraction) };
}

// ---- 2b. a click that starts the worker ----

/** The extension's running service workers, as CDP targets. */
async function workerTargets(gloss) {
  const { targetInfos } = await gloss.cdp.send('Target.getTargets');
  return targetInfos.filter((t) => t.type === 'service_worker' && t.url.includes(gloss.extensionId));
}

/** Stops the extension's worker, as the browser does after 30 s idle; resolves once it is gone. */
async function stopWorker(gloss) {
  for (const target of await workerTargets(gloss)) await gloss.cdp.send('Target.closeTarget', { targetId: target.targetId });
  const deadline = Date.now() + STEP_MS;
  while ((await workerTargets(gloss)).length) {
    if (Date.now() > deadline) throw new Error('the worker did not stop');
    await sleep(20);
  }
}

/**
 * A reader who reads an article for more than 30 seconds clicks Gloss on the next one with the
 * worker stopped: it starts, loads the WASM, and extracts in code the engine has not compiled
 * yet. Interleaved on the sample: a click on a stopped worker, then one on the running worker,
 * each from a fresh tab; Readability.js on the same page, in a fresh tab each time, beside.
 */
async function measureColdClick(gloss, baseUrl) {
  await setSettings(gloss, null); // built-in, no key
  const once = (cold) => withPage(gloss, async (page) => {
    await page.goto(uniqueUrl(baseUrl + SAMPLE), { waitUntil: 'load', timeout: STEP_MS });
    if (cold) await stopWorker(gloss);
    const { clickedAt, reclicks } = await clickUntilInjected(gloss, page);
    const outcome = await waitForExtraction(page);
    if (outcome.error) throw new Error(`Gloss failed on the sample: ${outcome.error}`);
    const shownAt = stampsOf(outcome.timing).arrivedAt;
    return { extractionMs: extractionMs(outcome.timing), clickToShownMs: typeof shownAt === 'number' ? shownAt - clickedAt : null, reclicks };
  });
  const runs = { cold: [], warm: [], readability: [] };
  for (let run = 0; run < CLICK_RUNS; run++) {
    runs.cold.push(await once(true));
    runs.warm.push(await once(false));
    runs.readability.push((await withPage(gloss, async (page) => {
      await loadReadability(page, uniqueUrl(baseUrl + SAMPLE));
      return readabilityOnce(page);
    })).ms);
  }
  const of = (list, key) => median(list.map((r) => r[key]).filter((v) => typeof v === 'number'));
  return {
    page: SAMPLE, runs,
    cold: { extractionMs: of(runs.cold, 'extractionMs'), clickToShownMs: of(runs.cold, 'clickToShownMs') },
    warm: { extractionMs: of(runs.warm, 'extractionMs'), clickToShownMs: of(runs.warm, 'clickToShownMs') },
    readabilityMs: median(runs.readability),
  };
}

// ---- 3. translation of a long article ----

/** The mock's fixed speed for this part: time to first token and characters per piece. */
const TTFT_MS = 300;
const PIECE_CHARS = 16; // about 4 tokens
const PIECE_MS = 4; // so about 1,000 tokens a second
const LONG_WORDS = 8_500;
// The mock listens on 127.0.0.1, and Gloss opens one request at a time to a server on this
// machine unless the reader chose another number than the default (3): a local model serves one
// request at a time. 4 is such a choice, so the lanes measured are the ones asked for.
const CONCURRENCY = 4;

/**
 * Translates an 8,500-word article against a mock with a fixed time to first token and token
 * rate, and compares the wall time with the ideal for the configured concurrency: every
 * request's own streaming time, perfectly packed into `CONCURRENCY` lanes.
 */
async function measureTranslation(gloss, baseUrl, mock) {
  await setSettings(gloss, null);
  await setSettings(gloss, {
    schemaVersion: 2, provider: 'openai', apiKeys: { openai: 'test-key' }, model: 'gpt-4o-mini', baseUrl: `${mock.url}/v1`,
    digestLang: 'en', translateLang: 'ja', concurrency: CONCURRENCY, confirmAboveWords: 1_000_000,
  });
  mock.reset();
  mock.setDefault({ firstByteDelayMs: TTFT_MS, chunkSize: PIECE_CHARS, chunkDelayMs: PIECE_MS, match: (e) => e.kind === 'translate' });
  try {
    return await withPage(gloss, async (page) => {
      await page.goto(uniqueUrl(`${baseUrl}/artifacts/bench-long.html`), { waitUntil: 'load', timeout: STEP_MS });
      const { clickedAt } = await clickUntilInjected(gloss, page);
      // When each translated block first shows text, in the page's clock (the same as the
      // mock's). The panel's frame is observed as soon as it exists, well before the mock's
      // first byte (TTFT_MS after the first request).
      const frame = await frameOf(page, STEP_MS);
      // The frame has navigated; its document may not have a body yet.
      await frame.waitForLoadState('domcontentloaded', { timeout: STEP_MS });
      await frame.evaluate(() => {
        window.__shown = {};
        const root = document.body;
        const note = () => {
          for (const slot of root.querySelectorAll('section[data-section="translation"] [data-block]:not(.pending)')) {
            window.__shown[slot.dataset.block] ??= Date.now();
          }
        };
        new MutationObserver(note).observe(root, { subtree: true, childList: true, attributes: true, characterData: true });
        note();
      });
      await frame.waitForFunction(() => {
        const slots = document.querySelectorAll('section[data-section="translation"] [data-block]');
        return slots.length > 0 && [...slots].every((s) => !s.classList.contains('pending') && !s.classList.contains('partial'));
      }, null, { timeout: 180_000, polling: 50 });
      const doneAt = Date.now();
      const requests = mock.requests((e) => e.kind === 'translate');
      const streamMs = (e) => TTFT_MS + Math.ceil(e.body.messages.at(-1).content.length / PIECE_CHARS) * PIECE_MS;
      const lanesMs = requests.reduce((sum, e) => sum + streamMs(e), 0) / CONCURRENCY;
      const firstStart = Math.min(...requests.map((e) => e.at));
      const ideal = Math.max(lanesMs, ...requests.map(streamMs));
      // The most requests open at once, from the mock's own start and end stamps.
      const edges = requests.flatMap((e) => [[e.at, 1], [e.endedAt ?? doneAt, -1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      let open = 0;
      let mostOpen = 0;
      for (const [, step] of edges) mostOpen = Math.max(mostOpen, open += step);
      const shown = await frame.evaluate(() => window.__shown);
      const firstBlockShown = shown.b1 ?? Math.min(...Object.values(shown));
      const articleChars = await page.evaluate(() => document.querySelector('article').innerText.length);
      const sentChars = requests.reduce((sum, e) => sum + e.promptChars, 0);
      return {
        words: LONG_WORDS, requests: requests.length, concurrency: CONCURRENCY, mostOpen,
        wallMs: doneAt - firstStart, idealMs: ideal, ratio: (doneAt - firstStart) / ideal,
        clickToDoneMs: doneAt - clickedAt,
        firstByteToScreenMs: firstBlockShown - (requests.find((e) => e.at === firstStart).at + TTFT_MS),
        inputOverArticle: sentChars / articleChars,
      };
    });
  } finally {
    mock.setDefault({});
  }
}

// ---- 4. sizes ----

/** Raw and gzip -9 sizes of the shipped WASM core and its JS glue. */
function measureSizes() {
  const size = (file) => {
    const bytes = readFileSync(join(EXTENSION, 'pkg', file));
    return { file: `pkg/${file}`, bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
  };
  return { wasm: size('gloss_bg.wasm'), js: size('gloss.js') };
}

// ---- report ----

/** Prints the figures as the lines a reader scans. */
function print({ chromium, loadAverage, extraction: x, click, coldClick: c, translation: t, sizes, wasmMemory }) {
  const out = (line = '') => process.stdout.write(`${line}\n`);
  out(`Gloss bench · Chromium ${chromium} · ${x.runsPerPage} run(s) per page, median per page`);
  out(`load average (1 min) ${fmt(loadAverage.start, 2)} at start, ${fmt(loadAverage.end, 2)} at end, on ${cpus().length} CPUs`);
  out();
  out('1. Extraction over Mozilla\'s Readability test pages');
  out(`pages: ${x.pages}, measured on both sides: ${x.measured}`);
  out(`failures: Gloss ${x.failures.gloss.length}, Readability.js ${x.failures.readability.length}`);
  for (const f of x.failures.gloss) out(`  Gloss failed on ${f.page}: ${f.error}`);
  for (const f of x.failures.readability) out(`  Readability.js failed on ${f.page}: ${f.error}`);
  out(`re-clicks after a lost activeTab race: ${x.reclicks} in ${x.clicks} Gloss runs`);
  if (x.readabilityNoArticle.length) out(`Readability.js found no article (timed anyway): ${x.readabilityNoArticle.join(', ')}`);
  out(`Gloss runs: ${x.paths.ahead} read the page sent ahead, ${x.paths.asked} asked the panel for it`);
  out(`Gloss           median ${fmt(x.gloss.median, 2)} ms, p90 ${fmt(x.gloss.p90, 2)} ms  (the content script reads the page → the article extracted in the worker)`);
  out(`Readability.js  median ${fmt(x.readability.median, 2)} ms, p90 ${fmt(x.readability.p90, 2)} ms  (cloneNode + parse)`);
  out(`extraction ratio (Gloss / Readability.js, median): ${fmt(x.ratio.median, 2)}`);
  out(`extraction ratio (Gloss / Readability.js, p90): ${fmt(x.ratio.p90, 2)}`);
  out(`Gloss shown     median ${fmt(x.shown.median, 2)} ms, p90 ${fmt(x.shown.p90, 2)} ms  (the panel's start → the article in the panel)`);
  out(`shown ratio (Gloss shown / Readability.js): median ${fmt(x.shownRatio.median, 2)}, p90 ${fmt(x.shownRatio.p90, 2)}`);
  out(`Gloss time split (${x.splitPages} pages; per phase, median and p90 over the pages that have it, ms):`);
  const line = (name, what) => {
    const s = x.split[name];
    if (s.pages) out(`  ${name.padEnd(20)} median ${fmt(s.median, 2).padStart(6)}  p90 ${fmt(s.p90, 2).padStart(6)}  (${String(s.pages).padStart(3)} pages)  ${what}`);
  };
  for (const [name, , , what] of PHASES) line(name, what);
  out('  the panel\'s side:');
  for (const [name, , , what] of PANEL_PHASES) line(name, what);
  out('slowest Gloss pages:');
  for (const s of x.slowestGloss) {
    out(`  ${s.page.padEnd(28)} ${fmt(s.glossMs, 2).padStart(8)} ms  (Readability.js ${fmt(s.readabilityMs, 2)} ms, source ${fmt(kb(s.bytes), 0)} KB)`);
    if (s.glossSplit) out(`    ${PHASE_NAMES.filter((name) => name in s.glossSplit).map((name) => `${name} ${fmt(s.glossSplit[name], 1)}`).join(' · ')}`);
  }
  out();
  out(`2. Click to first request (${click.page}, mock LLM, median of ${click.runs.length})`);
  out(`click → first generation request: ${fmt(click.clickToRequestMs)} ms`);
  out(`panel start → article shown (data-extract-ms): ${fmt(click.extractMs)} ms`);
  out(`click-to-request / article shown: ${fmt(click.ratio, 2)}x`);
  out(`re-clicks after a lost activeTab race: ${click.runs.reduce((n, r) => n + r.reclicks, 0)}`);
  out();
  out(`2b. A click that starts the worker (${c.page}; the browser stops an idle worker after 30 s; median of ${c.runs.cold.length})`);
  out(`stopped worker: click → article in the panel ${fmt(c.cold.clickToShownMs)} ms; the page read → extracted ${fmt(c.cold.extractionMs)} ms`);
  out(`running worker: click → article in the panel ${fmt(c.warm.clickToShownMs)} ms; the page read → extracted ${fmt(c.warm.extractionMs)} ms`);
  out(`Readability.js on the same page, in a fresh tab: ${fmt(c.readabilityMs)} ms; cold extraction ratio ${fmt(ratio(c.cold.extractionMs, c.readabilityMs), 2)}`);
  out();
  out(`3. Full Translation of a ${t.words.toLocaleString()}-word article (mock: ${TTFT_MS} ms to first token, ~1,000 tokens/s; concurrency ${t.concurrency})`);
  out(`requests: ${t.requests}, at most ${t.mostOpen} open at once; wall time ${fmt(t.wallMs / 1000, 2)} s, ideal ${fmt(t.idealMs / 1000, 2)} s`);
  out(`translation ratio (wall / ideal for the concurrency): ${fmt(t.ratio, 2)}`);
  out(`first chunk: first byte → text on screen: ${fmt(t.firstByteToScreenMs)} ms`);
  out(`input sent / article text (characters, prompts included): ${fmt(t.inputOverArticle, 2)}`);
  out();
  out('4. Sizes');
  for (const s of [sizes.wasm, sizes.js]) {
    out(`${s.file.padEnd(18)} ${fmt(kb(s.bytes)).padStart(7)} KB raw, ${fmt(kb(s.gzipBytes)).padStart(6)} KB gzip -9`);
  }
  out();
  out(`5. WASM memory after ${wasmMemory.after}: ${wasmMemory.bytes == null ? 'not readable' : `${fmt(wasmMemory.bytes / 1024 / 1024, 1)} MB`}`);
  out();
  out(`JSON: ${ARTIFACT}`);
}

// ---- main ----

async function main() {
  const opts = options();
  const pages = listPages(PAGES_DIR, opts);
  if (!pages.length) throw new Error('no test pages selected');
  const sizes = measureSizes();
  const loadAtStart = loadavg()[0];
  let site, mock, gloss;
  try {
    mkdirSync(join(ROOT, 'tests', 'artifacts'), { recursive: true });
    writeFileSync(join(ROOT, 'tests', 'artifacts', 'bench-long.html'), longArticle(LONG_WORDS, 21));
    site = await startServer({ '/pages/': PAGES_DIR, '/www/': join(ROOT, 'www'), '/artifacts/': join(ROOT, 'tests', 'artifacts') });
    mock = await startMockLlm();
    gloss = await launch();
    const chromium = gloss.context.browser().version();
    log(`Chromium ${chromium}, ${pages.length} pages × ${opts.runs} run(s)`);

    const allowExternal = await keepPagesLocal(gloss.context);
    const extraction = await measureExtraction(gloss, site.url, pages, opts.runs);
    const wasmBytes = await inExtension(gloss, () => globalThis.glossWasmBytes?.() ?? null).catch(() => null);
    await allowExternal(); // the sample is local; no routing in the way of the timed click
    log('click to first request');
    const click = await measureClickToRequest(gloss, site.url, mock);
    log('a click that starts the worker');
    const coldClick = await measureColdClick(gloss, site.url);
    log('translation of a long article');
    const translation = await measureTranslation(gloss, site.url, mock);

    const results = {
      date: new Date().toISOString(), chromium, loadAverage: { start: loadAtStart, end: loadavg()[0] },
      pagesDir: PAGES_DIR, extraction, click, coldClick, translation, sizes,
      wasmMemory: { bytes: wasmBytes, after: 'every test page, the largest included' },
    };
    mkdirSync(dirname(ARTIFACT), { recursive: true });
    writeFileSync(ARTIFACT, `${JSON.stringify(results, null, 2)}\n`);
    print(results);
  } finally {
    await gloss?.close();
    await site?.close();
    await mock?.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
