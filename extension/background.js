// Gloss's service worker: every network call and every chrome.* call that needs privileges.
// Decisions (what to request, how to read the answer, whether to retry) are made by the Rust
// core in ./pkg; this file moves bytes between fetch, the core and the panel's Port.
import './protocol.js';
import init, * as core from './pkg/gloss.js';

const { PORT_NAME, T, SECTION, CODE } = globalThis.GlossProtocol;

// MV3 workers may not use top-level await: one memoised promise, awaited by every handler.
const ready = init({ module_or_path: chrome.runtime.getURL('pkg/gloss_bg.wasm') });
// The WASM heap's size, read by `npm run bench` from the worker (it is not in the JS heap).
globalThis.glossWasmBytes = async () => (await ready).memory.buffer.byteLength;

// Settings hold the API key: keep chrome.storage.local out of content scripts' reach.
chrome.storage.local.setAccessLevel?.({ accessLevel: 'TRUSTED_CONTEXTS' }).catch(() => {});

// Listeners are registered synchronously so that a worker woken by an event receives it.
chrome.action.onClicked.addListener((tab) => { openPanel(tab); });
// The context menu grants activeTab like the toolbar button; with a selection, the panel reads it.
chrome.runtime.onInstalled.addListener(() => {
  chrome.contextMenus.create({ id: 'gloss-page', title: chrome.i18n.getMessage('menuDigestPage'), contexts: ['page'] });
  chrome.contextMenus.create({ id: 'gloss-selection', title: chrome.i18n.getMessage('menuTranslateSelection'), contexts: ['selection'] });
});
chrome.contextMenus.onClicked.addListener((info, tab) => {
  if (tab) openPanel(tab, info.menuItemId === 'gloss-selection' ? 'selection' : 'page');
});
chrome.runtime.onConnect.addListener((port) => { if (port.name === PORT_NAME) servePanel(port); });
chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (sender.id !== chrome.runtime.id) return false;
  if (message?.type === T.TEST_CONNECTION) {
    testConnection(message.settings).then(sendResponse);
    return true;
  }
  if (message?.type === T.CLEAR_CACHE) {
    ready.then(evictAll).then(() => sendResponse({ ok: true }));
    return true;
  }
  return false;
});

/**
 * Injects the panel into the active tab (the click granted activeTab). `intent` 'selection'
 * (the context menu's "Translate selection") makes any selection, however short, what is read.
 */
async function openPanel(tab, intent = 'page') {
  const target = { tabId: tab.id };
  const inject = async () => {
    await chrome.scripting.executeScript({ target, func: (i) => { globalThis.__glossIntent = i; }, args: [intent] });
    await chrome.scripting.executeScript({ target, files: ['content.js'] });
  };
  // Right after a click Chromium sometimes refuses the first injection, then allows it a moment
  // later (measured: up to one click in five on a loaded machine): try again briefly.
  for (const wait of [0, 100, 400]) {
    if (wait) await new Promise((resolve) => setTimeout(resolve, wait));
    try {
      await inject();
      await chrome.action.setBadgeText({ tabId: tab.id, text: '' });
      return;
    } catch (err) {
      if (wait === 400) {
        // Browser pages, the web store and other extensions' pages cannot be scripted.
        console.warn('Gloss: cannot run on this page', err);
        await chrome.action.setBadgeText({ tabId: tab.id, text: '!' });
        await chrome.action.setTitle({ tabId: tab.id, title: chrome.i18n.getMessage('error_unscriptable') });
      }
    }
  }
}

/** The settings in force, and what of the stored ones had to be reset (`Reset[]`, for a notice). */
async function readSettings() {
  const { settings } = await chrome.storage.local.get('settings');
  if (settings !== undefined) return core.readSettings(settings);
  // Nothing saved yet: the built-in default, in the browser's language.
  const ui = chrome.i18n.getUILanguage().split('-')[0];
  return { settings: { ...core.defaultSettings(), digestLang: ui, translateLang: ui }, resets: [] };
}

async function loadSettings() {
  return (await readSettings()).settings;
}

/** Serves one panel: extraction, then the digest and the translation side by side. */
function servePanel(port) {
  let aborter = new AbortController();
  /** The translation's own controller, so Cancel stops it and leaves the digest alone. */
  let translationAborter = new AbortController();
  /** @type {{session: any, plan: Plan, startedAt: {digest: number, translation: number}} | null} */
  let state = null;
  let connected = true;
  const post = (frame) => { if (connected) port.postMessage(frame); };

  port.onDisconnect.addListener(() => {
    connected = false;
    aborter.abort();
    translationAborter.abort();
    state?.session.free();
    state = null;
  });

  const translate = (only) => {
    translationAborter = new AbortController();
    const signal = AbortSignal.any([aborter.signal, translationAborter.signal]);
    if (state) runTranslation(state.session, only, post, signal);
  };

  const handle = async (msg) => {
    await ready;
    switch (msg.type) {
      case T.START: {
        aborter.abort(); // a restart ("digest anyway") replaces whatever was running
        aborter = new AbortController();
        state?.session.free();
        state = null;
        // Settings and the cache are read while the article is extracted, and the Original
        // section is sent before either is needed.
        const settingsRead = readSettings();
        let session;
        try {
          const options = { readerableGate: msg.readerableGate, selectionHtml: msg.selectionHtml ?? null };
          session = new core.Session(msg.html, msg.url, options);
        } catch (error) {
          post({ type: T.ERROR, section: SECTION.ORIGINAL, error: asErrorInfo(error) });
          return;
        }
        post({ type: T.ARTICLE, article: session.article() });
        const { settings, resets } = await settingsRead;
        // The panel may ask for another target language for this page only.
        if (msg.translateLang) settings.translateLang = msg.translateLang;
        try {
          session.configure(settings);
          session.setOnDevice(msg.onDevice ?? null);
          session.applyCache(await cacheLookup(session.cacheKeys()));
        } catch (error) {
          session.free();
          post({ type: T.ERROR, section: SECTION.DIGEST, error: asErrorInfo(error) });
          return;
        }
        // When each section started, for the elapsed time its header shows.
        state = { session, plan: session.plan(), startedAt: { digest: Date.now(), translation: Date.now() } };
        const { digest, translation } = state.plan;
        post({ type: T.PLAN, plan: summarise(state.plan), bilingual: Boolean(settings.bilingual), theme: settings.theme, settingsResets: resets });
        runDigest(session, digest, post, aborter.signal);
        if (translation.cached.length) post({ type: T.DELTA, section: SECTION.TRANSLATION, blocks: translation.cached, partial: null });
        if (translation.onDevice) post({ type: T.ON_DEVICE, section: SECTION.TRANSLATION, step: translation.onDevice });
        if (translation.unavailable) break;
        if (translation.needsConfirmation) post({ type: T.CONFIRM, section: SECTION.TRANSLATION, estimate: translation.estimate });
        else translate(null);
        break;
      }
      case T.CONFIRM:
        if (state) translate(null);
        break;
      case T.CANCEL:
        state?.session.cancel();
        translationAborter.abort();
        break;
      case T.RETRY:
        if (!state) return;
        if (msg.section === SECTION.DIGEST) {
          state.startedAt.digest = Date.now();
          runDigest(state.session, state.plan.digest, post, aborter.signal);
        } else {
          translate(msg.blockIds);
        }
        break;
      case T.PREFERENCE:
        await savePreference(msg.name, msg.value);
        break;
      case T.EXPORT:
        if (state) post({ type: T.EXPORTED, purpose: msg.purpose, ...state.session.exportMarkdown(new Date().toISOString().slice(0, 10)) });
        break;
      case T.OPEN_OPTIONS:
        chrome.runtime.openOptionsPage();
        break;
      case T.ON_DEVICE:
        if (state) onDeviceAnswer(state, msg, post);
        break;
      case T.KEEPALIVE:
        break; // receiving it is the point: the browser keeps a worker with a busy Port

      case T.ON_DEVICE_UNAVAILABLE: {
        // The Summarizer's model is not ready: the extractive digest stands in, labelled as such.
        if (!state) return;
        const { provenance, digest } = state.session.onDeviceFallback();
        post({ type: T.DONE, section: SECTION.DIGEST, digest, provenance, usage: {} });
        break;
      }
    }
  };
  // A frame the core refuses (a bad shape, a late one) is said in its section, not dropped silently.
  port.onMessage.addListener((msg) => handle(msg).catch((error) => {
    post({ type: T.ERROR, section: msg.section ?? SECTION.DIGEST, error: asErrorInfo(error) });
  }));
}

/** The content script's report from the browser's built-in AI; the core says what comes next. */
function onDeviceAnswer({ session, plan, startedAt }, msg, post) {
  if (msg.section === SECTION.DIGEST) {
    const step = session.onDeviceDigest(msg.answers);
    if (step.type === 'done') {
      // The label again: an extractive stand-in may have been shown while the model downloaded.
      post({ type: T.DONE, section: SECTION.DIGEST, digest: step.digest, provenance: plan.digest.provenance, usage: {},
        spend: step.spend, elapsedMs: Date.now() - startedAt.digest });
    } else {
      post({ type: T.ON_DEVICE, section: SECTION.DIGEST, step });
    }
  } else if (msg.detected) {
    post({ type: T.ON_DEVICE, section: SECTION.TRANSLATION, step: session.onDeviceDetected(msg.detected) });
  } else {
    if (msg.start) startedAt.translation = Date.now(); // after any language-pack download
    const { blocks, spend } = session.onDeviceTranslated(msg.blocks);
    if (blocks.length) post({ type: T.DELTA, section: SECTION.TRANSLATION, blocks, partial: null });
    if (msg.done) post({ type: T.DONE, section: SECTION.TRANSLATION, failedBlockIds: [], error: null, spend, elapsedMs: Date.now() - startedAt.translation });
  }
}

/**
 * What the panel needs to know of the plan (never the requests: they carry the key).
 * @param {Plan} plan
 * @returns {PlanSummary}
 */
function summarise(plan) {
  const d = plan.digest;
  const t = plan.translation;
  return {
    digest: d.provenance,
    digestMode: d.mode,
    digestParts: d.mode === 'parts' ? d.calls.length : null,
    digestNotice: d.mode === 'offline' ? d.notice : null,
    translation: t.provenance,
    sourceLang: t.sourceLang,
    targetLang: t.targetLang,
    translationUnavailable: t.unavailable,
    translationOnDevice: Boolean(t.onDevice),
    total: t.cached.length + t.pending.length,
  };
}

async function runDigest(session, plan, post, signal) {
  if (plan.mode === 'parts') return runDigestInParts(session, plan.calls, post, signal);
  if (plan.mode === 'onDevice') {
    // The content script runs the browser's Summarizer (it exists only in windows) step by step.
    post({ type: T.ON_DEVICE, section: SECTION.DIGEST, step: plan.step });
    return;
  }
  if (plan.mode !== 'model') {
    post({ type: T.DONE, section: SECTION.DIGEST, digest: plan.digest, usage: {}, cached: plan.mode === 'cached' });
    return;
  }
  const reader = session.digestReader();
  const startedAt = Date.now();
  try {
    await streamDigest(plan.call, reader, post, signal);
    finishDigest(session, reader, post, startedAt);
  } catch (error) {
    if (signal.aborted) return;
    if (error?.code === 'context_too_long') {
      // The provider's context is smaller than Gloss assumed: go again in smaller parts.
      return runDigestInParts(session, session.digestPartCalls(4000), post, signal);
    }
    // Whatever arrived stays on screen; the error says what happened and offers a retry.
    post({ type: T.DELTA, section: SECTION.DIGEST, digest: reader.partial().digest });
    post({ type: T.ERROR, section: SECTION.DIGEST, error: asErrorInfo(error) });
  } finally {
    reader.free();
  }
}

async function streamDigest(call, reader, post, signal) {
  await streamCall(call, signal, (bytes) => {
    const update = reader.push(bytes);
    if (update) post({ type: T.DELTA, section: SECTION.DIGEST, digest: update.digest });
  });
}

function finishDigest(session, reader, post, startedAt, parts = null) {
  const end = reader.finish();
  post({ type: T.DONE, section: SECTION.DIGEST, digest: end.digest, usage: end.usage, spend: end.spend, elapsedMs: Date.now() - startedAt, parts });
  session.recordDigest(end.digest);
  cacheStore([session.digestEntry(end.digest)].filter(Boolean));
}

/** A digest of each part, two at a time, then one request that merges them. */
async function runDigestInParts(session, calls, post, signal) {
  const startedAt = Date.now();
  const answers = new Array(calls.length);
  let done = 0;
  post({ type: T.PROGRESS, section: SECTION.DIGEST, parts: { done, total: calls.length } });
  const queue = calls.map((call, index) => ({ call, index }));
  const worker = async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      const reader = session.digestReader();
      try {
        await streamCall(item.call, signal, (bytes) => reader.push(bytes));
        reader.finish();
        answers[item.index] = reader.answer();
      } finally {
        reader.free();
      }
      done += 1;
      post({ type: T.PROGRESS, section: SECTION.DIGEST, parts: { done, total: calls.length } });
    }
  };
  const reader = session.digestReader();
  try {
    await Promise.all([worker(), worker()]);
    await streamDigest(session.combineCall(answers), reader, post, signal);
    finishDigest(session, reader, post, startedAt, calls.length);
  } catch (error) {
    if (signal.aborted) return;
    post({ type: T.ERROR, section: SECTION.DIGEST, error: asErrorInfo(error) });
  } finally {
    reader.free();
  }
}

/**
 * Runs the core's scheduler: it says which chunk to request and when (concurrency, rate
 * limits, backoff, splitting, hard stops); this loop only sends, waits and reports back.
 */
async function runTranslation(session, only, post, outer) {
  // A hard stop by the scheduler aborts the requests still streaming, without touching the digest.
  const stopper = new AbortController();
  const signal = AbortSignal.any([outer, stopper.signal]);
  session.startTranslation(only);
  const startedAt = Date.now();
  const running = new Set();
  const progress = () => post({ type: T.PROGRESS, section: SECTION.TRANSLATION, progress: session.progress() });
  /** @type {(() => void) | null} */
  let wake = null;
  const nudge = () => { wake?.(); };
  progress();
  for (;;) {
    if (outer.aborted) { session.cancel(); break; }
    const step = session.nextStep(Date.now());
    if (step.type === 'start') {
      const job = translateChunk(session, step, post, signal).then((end) => {
        session.report(step.job, end, Date.now());
        running.delete(job);
        progress();
        nudge();
      });
      running.add(job);
      continue;
    }
    if (step.type === 'finished' || step.type === 'stopped') {
      if (step.type === 'stopped') stopper.abort();
      await Promise.allSettled(running);
      if (!outer.aborted) {
        post({
          type: T.DONE, section: SECTION.TRANSLATION, failedBlockIds: step.failed, error: step.type === 'stopped' ? step.error : null,
          spend: session.progress()?.spend ?? null, elapsedMs: Date.now() - startedAt,
        });
      }
      break;
    }
    // 'wait' or 'idle': until the time passes, a running job ends, or the reader cancels.
    await new Promise((/** @type {(value?: unknown) => void} */ resolve) => {
      wake = resolve;
      const timer = step.type === 'wait' ? setTimeout(resolve, step.ms) : undefined;
      signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
    });
  }
  await Promise.allSettled(running);
}

/** Streams one chunk; resolves to the core's account of how it ended (never rejects). */
async function translateChunk(session, { blockIds, call }, post, signal) {
  const reader = session.translationReader(call.wire, blockIds);
  let streamError = null;
  try {
    await streamCall(call, signal, (bytes) => {
      const update = reader.push(bytes);
      if (update.completed.length || update.partial) {
        post({ type: T.DELTA, section: SECTION.TRANSLATION, blocks: update.completed, partial: update.partial });
      }
    }, { retry: false });
  } catch (error) {
    streamError = signal.aborted ? { code: 'cancelled', message: '', retryable: false } : asErrorInfo(error);
  }
  const end = reader.finish(streamError);
  reader.free();
  if (signal.aborted) return end;
  post({ type: T.DELTA, section: SECTION.TRANSLATION, blocks: end.outcome.translated, partial: null });
  session.recordTranslated(end.outcome.translated);
  cacheStore(session.blockEntries(end.outcome.translated));
  if (end.error && end.outcome.failed.length) {
    post({ type: T.ERROR, section: SECTION.TRANSLATION, error: end.error, blockIds: end.outcome.failed, transient: end.error.retryable });
  }
  return end;
}

/**
 * Sends a call built by the core and feeds the body's bytes to `onBytes`. Failures before the
 * body are judged by the core, which says whether (and when) to try again. The call's timeouts
 * end an answer that does not start, or stops mid-way.
 */
/** Slots for answers streaming at once, shared by every tab (the core sets how many). */
/** @type {{free: number | null, waiting: {resolve: () => void}[]}} */
const streamSlots = { free: null, waiting: [] };

async function acquireSlot(signal) {
  streamSlots.free ??= /** @type {number} */ (core.globalMaxStreams());
  if (streamSlots.free > 0) {
    streamSlots.free -= 1;
    return;
  }
  await new Promise((/** @type {(value?: unknown) => void} */ resolve, reject) => {
    const waiter = { resolve };
    streamSlots.waiting.push(waiter);
    signal.addEventListener('abort', () => {
      streamSlots.waiting = streamSlots.waiting.filter((w) => w !== waiter);
      reject(signal.reason ?? new Error('aborted'));
    }, { once: true });
  });
}

function releaseSlot() {
  const next = streamSlots.waiting.shift();
  if (next) next.resolve();
  else streamSlots.free = (streamSlots.free ?? 0) + 1;
}

async function streamCall(call, signal, onBytes, options = {}) {
  await acquireSlot(signal);
  try {
    return await streamCallInSlot(call, signal, onBytes, options);
  } finally {
    releaseSlot();
  }
}

async function streamCallInSlot(call, signal, onBytes, { retry = true } = {}) {
  const { url, method, headers, body, redirect } = call.request;
  // Without `retry` the first failure is thrown, for a caller with its own retry policy.
  const attemptsFrom = retry ? 1 : 1000;
  for (let attempt = attemptsFrom; ; attempt++) {
    const attemptAbort = new AbortController();
    const stop = () => attemptAbort.abort();
    signal.addEventListener('abort', stop, { once: true });
    /** @type {string | null} */
    let timedOut = null;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let timer;
    const arm = (ms, what) => {
      clearTimeout(timer);
      timer = setTimeout(() => { timedOut = what; attemptAbort.abort(); }, ms);
    };
    const seconds = (ms) => `${Math.round(ms / 100) / 10} s`;
    arm(call.firstByteTimeoutMs, `no answer after ${seconds(call.firstByteTimeoutMs)}`);
    try {
      let response;
      try {
        response = await fetch(url, { method, headers, body, redirect, signal: attemptAbort.signal, credentials: 'omit' });
      } catch (err) {
        if (signal.aborted) throw err;
        const failure = timedOut ? core.timeoutFailure(timedOut, attempt) : core.networkFailure(String(err?.message ?? err), attempt);
        if (failure.retryInMs == null) throw failure.error;
        await sleep(failure.retryInMs, signal);
        continue;
      }
      if (!response.ok) {
        const text = await response.text().catch(() => '');
        const failure = core.httpFailure(call, response.status, [...response.headers], text, attempt);
        if (failure.retryInMs == null) throw failure.error;
        await sleep(failure.retryInMs, signal);
        continue;
      }
      const reader = response.body.getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          arm(call.stallTimeoutMs, `the answer stopped for ${seconds(call.stallTimeoutMs)}`);
          onBytes(value);
        }
      } catch (err) {
        // The answer started, so what arrived is kept and the readers report the rest; a
        // timeout or a broken connection here is not retried automatically.
        if (timedOut && !signal.aborted) throw core.timeoutFailure(timedOut, 1000).error;
        if (signal.aborted || typeof err?.code === 'string') throw err;
        throw { code: 'stream_cut', message: String(err?.message ?? err), retryable: true };
      }
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', stop);
    }
  }
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(timer); reject(new Error('aborted')); }, { once: true });
  });
}

/** Normalises anything thrown to `{code, message, retryable}`. */
function asErrorInfo(error) {
  if (error && typeof error.code === 'string' && 'retryable' in error) return error;
  return { code: CODE.INTERNAL, message: String(error?.message ?? error), retryable: false };
}

// ---- the cache: chrome.storage.local entries under keys the core makes, with an LRU index ----

const CACHE_INDEX = 'gloss-cache-index';

/**
 * Reads whatever the cache holds for these keys, in the shape `Session.applyCache` takes.
 * @param {CacheKeys} keys
 * @returns {Promise<CacheHits>}
 */
async function cacheLookup(keys) {
  const wanted = /** @type {string[]} */ ([keys.digest, ...keys.blocks.map(([, key]) => key)].filter(Boolean));
  if (!wanted.length) return { digest: null, blocks: {} };
  // What the cache stored under its keys (`CacheEntry.value`): a digest, or a block's spans.
  const found = /** @type {Record<string, any>} */ (await chrome.storage.local.get(wanted));
  /** @type {CacheHits['blocks']} */
  const blocks = {};
  for (const [, key] of keys.blocks) if (found[key]) blocks[key] = found[key];
  const hits = Object.keys(found);
  if (hits.length) touchIndex(hits.map((key) => ({ key, bytes: storedBytes(key, found[key]) })));
  return { digest: keys.digest ? found[keys.digest] ?? null : null, blocks };
}

/** What an entry counts against the storage quota: its key and its JSON, in UTF-8 bytes. */
const utf8 = new TextEncoder();
const storedBytes = (key, value) => utf8.encode(key).length + utf8.encode(JSON.stringify(value)).length;

/**
 * Stores entries; when storage is full, evicts the least recently used entries (as the core
 * picks them) and tries once more. If it is still full (of what is not cache), nothing is
 * cached: the reader already has the result on screen.
 */
async function cacheStore(entries) {
  if (!entries.length) return;
  const items = Object.fromEntries(entries.map((e) => [e.key, e.value]));
  const used = entries.map((e) => ({ key: e.key, bytes: storedBytes(e.key, e.value) }));
  try {
    await chrome.storage.local.set(items);
  } catch {
    const need = used.reduce((sum, e) => sum + e.bytes, 0);
    indexQueue = indexQueue.then(() => evictForRoom(need)).catch((err) => console.warn('Gloss: cache eviction', err));
    await indexQueue;
    try {
      await chrome.storage.local.set(items);
    } catch (err) {
      console.warn('Gloss: storage is full, result not cached', err);
      return;
    }
  }
  await touchIndex(used);
}

/** Frees `need` bytes from the cache, oldest entries first. */
async function evictForRoom(need) {
  /** @type {{[CACHE_INDEX]?: Record<string, {bytes: number, usedAt: number}>}} */
  const { [CACHE_INDEX]: index = {} } = await chrome.storage.local.get(CACHE_INDEX);
  const evict = core.cacheRoom(Object.entries(index).map(([key, e]) => ({ key, bytes: e.bytes, usedAt: e.usedAt })), need);
  for (const key of evict) delete index[key];
  await chrome.storage.local.remove(evict);
  await chrome.storage.local.set({ [CACHE_INDEX]: index }).catch(() => {});
}

/** Index updates are serialised: concurrent chunks would otherwise overwrite each other's. */
let indexQueue = Promise.resolve();
function touchIndex(used) {
  indexQueue = indexQueue.then(async () => {
    /** @type {{[CACHE_INDEX]?: Record<string, {bytes: number, usedAt: number}>}} */
  const { [CACHE_INDEX]: index = {} } = await chrome.storage.local.get(CACHE_INDEX);
    const now = Date.now();
    for (const { key, bytes } of used) index[key] = { bytes, usedAt: now };
    const evict = core.cacheEvictions(Object.entries(index).map(([key, e]) => ({ key, bytes: e.bytes, usedAt: e.usedAt })), chrome.storage.local.QUOTA_BYTES);
    for (const key of evict) delete index[key];
    if (evict.length) await chrome.storage.local.remove(evict);
    await chrome.storage.local.set({ [CACHE_INDEX]: index });
  }).catch((err) => console.warn('Gloss: cache index', err));
  return indexQueue;
}

async function evictAll() {
  /** @type {{[CACHE_INDEX]?: Record<string, {bytes: number, usedAt: number}>}} */
  const { [CACHE_INDEX]: index = {} } = await chrome.storage.local.get(CACHE_INDEX);
  await chrome.storage.local.remove([...Object.keys(index), CACHE_INDEX]);
}

/** Panel preferences (the bilingual view) live in the settings, written here only. */
async function savePreference(name, value) {
  if (name !== 'bilingual') return;
  const settings = await loadSettings();
  await chrome.storage.local.set({ settings: { ...settings, bilingual: Boolean(value) } });
}

/** Test connection from the options page: the cheapest authenticated call, the model list. */
async function testConnection(settings) {
  await ready;
  let call;
  try {
    call = core.connectionCall(settings);
  } catch (error) {
    return { ok: false, error: asErrorInfo(error) };
  }
  const { url, method, headers, redirect } = call.request;
  try {
    const response = await fetch(url, { method, headers, redirect, credentials: 'omit', signal: AbortSignal.timeout(15000) });
    const text = await response.text();
    if (!response.ok) {
      // Attempt number past the retries: the core judges without suggesting another try.
      return { ok: false, error: core.httpFailure(call, response.status, [...response.headers], text, 99).error };
    }
    return { ok: true, report: core.connectionReport(settings, text) };
  } catch (error) {
    if (error && typeof error.code === 'string' && 'retryable' in error) return { ok: false, error };
    return { ok: false, error: core.networkFailure(String(error?.message ?? error), 99).error };
  }
}
