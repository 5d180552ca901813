// Gloss's service worker: every network call and every chrome.* call that needs privileges.
// Decisions (what to request, how to read the answer, whether to retry) are made by the Rust
// core in ./pkg; this file moves bytes between fetch, the core and the panel's Port.
import './protocol.js';
import init, * as core from './pkg/gloss.js';

const { PORT_NAME, T, SECTION, CODE } = globalThis.GlossProtocol;

// MV3 workers may not use top-level await: one memoised promise, awaited by every handler.
const ready = init({ module_or_path: chrome.runtime.getURL('pkg/gloss_bg.wasm') });

// Listeners are registered synchronously so that a worker woken by an event receives it.
chrome.action.onClicked.addListener((tab) => { openPanel(tab); });
chrome.runtime.onConnect.addListener((port) => { if (port.name === PORT_NAME) servePanel(port); });
chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (sender.id !== chrome.runtime.id) return false;
  if (message?.type === T.TEST_CONNECTION) {
    testConnection(message.settings).then(sendResponse);
    return true;
  }
  return false;
});

/** Injects the panel into the active tab (the click granted activeTab). */
async function openPanel(tab) {
  try {
    await chrome.scripting.executeScript({ target: { tabId: tab.id }, files: ['protocol.js', 'content.js'] });
    await chrome.action.setBadgeText({ tabId: tab.id, text: '' });
  } catch (err) {
    // Browser pages, the web store and other extensions' pages cannot be scripted.
    console.warn('Gloss: cannot run on this page', err);
    await chrome.action.setBadgeText({ tabId: tab.id, text: '!' });
    await chrome.action.setTitle({ tabId: tab.id, title: chrome.i18n.getMessage('error_unscriptable') });
  }
}

async function loadSettings() {
  const { settings } = await chrome.storage.local.get('settings');
  if (settings) return core.migrateSettings(settings);
  // Nothing saved yet: the built-in default, in the browser's language.
  const ui = chrome.i18n.getUILanguage().split('-')[0];
  return { ...core.defaultSettings(), digestLang: ui, translateLang: ui };
}

/** Serves one panel: extraction, then the digest and the translation side by side. */
function servePanel(port) {
  let aborter = new AbortController();
  /** @type {{session: any, plan: any} | null} */
  let state = null;
  let connected = true;
  const post = (frame) => { if (connected) port.postMessage(frame); };

  port.onDisconnect.addListener(() => {
    connected = false;
    aborter.abort();
    state?.session.free();
    state = null;
  });

  port.onMessage.addListener(async (msg) => {
    await ready;
    switch (msg.type) {
      case T.START: {
        aborter.abort(); // a restart ("digest anyway") replaces whatever was running
        aborter = new AbortController();
        state?.session.free();
        state = null;
        try {
          const options = { readerableGate: msg.readerableGate, selectionHtml: msg.selectionHtml ?? null };
          const session = new core.Session(msg.html, msg.url, await loadSettings(), options);
          state = { session, plan: session.plan() };
        } catch (error) {
          post({ type: T.ERROR, section: SECTION.ORIGINAL, error: asErrorInfo(error) });
          return;
        }
        post({ type: T.ARTICLE, article: state.session.article(), plan: summarise(state.plan) });
        runDigest(state.plan.digest, post, aborter.signal);
        runTranslation(state.session, state.plan.translation, post, aborter.signal);
        break;
      }
      case T.RETRY:
        if (!state) return;
        if (msg.section === SECTION.DIGEST) runDigest(state.plan.digest, post, aborter.signal);
        else runTranslation(state.session, state.session.retryPlan(msg.blockIds), post, aborter.signal);
        break;
      case T.OPEN_OPTIONS:
        chrome.runtime.openOptionsPage();
        break;
    }
  });
}

/** What the panel needs to know of the plan (never the requests: they carry the key). */
function summarise(plan) {
  const d = plan.digest;
  const t = plan.translation;
  return {
    digest: d.provenance,
    digestMode: d.mode,
    digestNotice: d.notice ?? null,
    translation: t.provenance,
    sourceLang: t.sourceLang,
    targetLang: t.targetLang,
    translationUnavailable: t.unavailable,
  };
}

async function runDigest(plan, post, signal) {
  if (plan.mode === 'offline') {
    post({ type: T.DONE, section: SECTION.DIGEST, digest: plan.digest, usage: {} });
    return;
  }
  const reader = new core.DigestReader(plan.call.wire);
  try {
    await streamCall(plan.call, signal, (bytes) => {
      const update = reader.push(bytes);
      if (update) post({ type: T.DELTA, section: SECTION.DIGEST, digest: update.digest });
    });
    const end = reader.finish();
    post({ type: T.DONE, section: SECTION.DIGEST, digest: end.digest, usage: end.usage });
  } catch (error) {
    if (signal.aborted) return;
    // Whatever arrived stays on screen; the error says what happened and offers a retry.
    post({ type: T.DELTA, section: SECTION.DIGEST, digest: reader.partial().digest });
    post({ type: T.ERROR, section: SECTION.DIGEST, error: asErrorInfo(error) });
  } finally {
    reader.free();
  }
}

async function runTranslation(session, plan, post, signal) {
  if (plan.unavailable) return; // the panel explains it from the plan summary
  const failed = [];
  const queue = [...plan.chunks];
  const worker = async () => {
    for (let item = queue.shift(); item && !signal.aborted; item = queue.shift()) {
      failed.push(...await translateChunk(session, item, post, signal));
    }
  };
  await Promise.all(Array.from({ length: Math.min(plan.concurrency, queue.length) }, worker));
  if (!signal.aborted) post({ type: T.DONE, section: SECTION.TRANSLATION, failedBlockIds: failed });
}

/** Streams one chunk; returns the ids of blocks that failed. */
async function translateChunk(session, { chunk, call }, post, signal) {
  const reader = session.translationReader(call.wire, chunk.blockIds);
  let streamError = null;
  try {
    await streamCall(call, signal, (bytes) => {
      const update = reader.push(bytes);
      if (update.completed.length || update.partial) {
        post({ type: T.DELTA, section: SECTION.TRANSLATION, blocks: update.completed, partial: update.partial });
      }
    });
  } catch (error) {
    if (signal.aborted) { reader.free(); return []; }
    streamError = asErrorInfo(error);
  }
  const end = reader.finish(streamError);
  reader.free();
  post({ type: T.DELTA, section: SECTION.TRANSLATION, blocks: end.outcome.translated, partial: null });
  if (end.error) {
    post({ type: T.ERROR, section: SECTION.TRANSLATION, error: end.error, blockIds: end.outcome.failed });
  }
  return end.outcome.failed;
}

/**
 * Sends a call built by the core and feeds the body's bytes to `onBytes`. Failures before the
 * body are judged by the core, which says whether (and when) to try again.
 */
async function streamCall(call, signal, onBytes) {
  const { url, method, headers, body } = call.request;
  for (let attempt = 1; ; attempt++) {
    let response;
    try {
      response = await fetch(url, { method, headers, body, signal, credentials: 'omit' });
    } catch (err) {
      if (signal.aborted) throw err;
      const failure = core.networkFailure(String(err?.message ?? err), attempt);
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
        onBytes(value);
      }
    } catch (err) {
      if (signal.aborted || err?.code) throw err;
      // The connection broke mid-body: the readers report what was cut.
      throw { code: 'stream_cut', message: String(err?.message ?? err), retryable: true };
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

/** Test connection from the options page: the cheapest authenticated call, the model list. */
async function testConnection(settings) {
  await ready;
  let call;
  try {
    call = core.connectionCall(settings);
  } catch (error) {
    return { ok: false, error: asErrorInfo(error) };
  }
  const { url, method, headers } = call.request;
  try {
    const response = await fetch(url, { method, headers, credentials: 'omit', signal: AbortSignal.timeout(15000) });
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
