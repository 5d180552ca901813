// Gloss's service worker: the host of the Rust core (./pkg). The core decides everything (what
// to request and when, retries, timeouts, what to show, what to cache); this file feeds it every
// event it sees, stamped with the time, and carries out the effects it returns: fetch, timers,
// chrome.storage, Port posts. The `run` switch below is the only logic here.
import './protocol.js';
import init, { Core } from './pkg/gloss.js';

const { PORT_NAME } = globalThis.GlossProtocol;

// MV3 workers may not use top-level await: one memoised promise for the WASM module.
const wasm = init({ module_or_path: chrome.runtime.getURL('pkg/gloss_bg.wasm') });
// The WASM heap's size, read by `npm run bench` from the worker (it is not in the JS heap).
globalThis.glossWasmBytes = async () => (await wasm).memory.buffer.byteLength;

// Settings hold the API key: keep chrome.storage.local out of content scripts' reach.
chrome.storage.local.setAccessLevel?.({ accessLevel: 'TRUSTED_CONTEXTS' }).catch(() => {});

/** @type {any} The core, once the module is ready; events seen before then wait in `early`. */
let core = null;
/** @type {Stamped[]} */
const early = [];
wasm.then(() => {
  /** @type {Host} */
  const host = {
    extensionId: chrome.runtime.id,
    extensionUrl: chrome.runtime.getURL(''),
    uiLanguage: chrome.i18n.getUILanguage(),
    quotaBytes: chrome.storage.local.QUOTA_BYTES ?? null,
  };
  core = new Core(host);
  for (const event of early.splice(0)) dispatch(event);
});

/** What the core's ids stand for here. */
const ports = new Map();
const fetches = new Map();
const timers = new Map();
const replies = new Map();
let nextId = 1;

/**
 * Hands the core one event, stamped with the time it happened.
 * @param {CoreEvent} event
 */
function feed(event) {
  const stamped = /** @type {Stamped} */ ({ ...event, now: Date.now() });
  if (core) dispatch(stamped);
  else early.push(stamped);
}

/** @param {Stamped} event */
function dispatch(event) {
  /** @type {Effect[]} */
  let effects;
  try {
    effects = core.handle(event);
  } catch (error) {
    console.warn('Gloss: the core could not read an event', event.type, error);
    return;
  }
  for (const effect of effects) run(effect);
}

/**
 * @param {number} req
 * @param {Uint8Array} bytes
 */
function feedBytes(req, bytes) {
  for (const effect of /** @type {Effect[]} */ (core.bytes(req, bytes, Date.now()))) run(effect);
}

/** @param {Effect} effect */
function run(effect) {
  switch (effect.type) {
    case 'post':
      ports.get(effect.port)?.postMessage(effect.frame);
      break;
    case 'disconnect':
      ports.get(effect.port)?.disconnect();
      ports.delete(effect.port);
      break;
    case 'fetch':
      send(effect.req, effect.request);
      break;
    case 'abort':
      fetches.get(effect.req)?.abort();
      fetches.delete(effect.req);
      break;
    case 'armTimer':
      timers.set(effect.timer, setTimeout(() => {
        timers.delete(effect.timer);
        feed({ type: 'timerFired', timer: effect.timer });
      }, effect.ms));
      break;
    case 'cancelTimer':
      clearTimeout(timers.get(effect.timer));
      timers.delete(effect.timer);
      break;
    case 'storageGet':
      storage(effect.area).get(effect.keys).then(
        (items) => feed({ type: 'storageRead', op: effect.op, items }),
        () => feed({ type: 'storageRead', op: effect.op, items: {} }));
      break;
    case 'storageSet':
      storage(effect.area).set(effect.items).then(
        () => feed({ type: 'storageWritten', op: effect.op, ok: true }),
        (error) => feed({ type: 'storageWritten', op: effect.op, ok: false, error: String(error?.message ?? error) }));
      break;
    case 'storageRemove':
      storage(effect.area).remove(effect.keys).catch((error) => console.warn('Gloss: storage', error));
      break;
    case 'reply':
      replies.get(effect.msg)?.(effect.value);
      replies.delete(effect.msg);
      break;
    case 'inject':
      inject(effect.tab, effect.intent).then(
        () => feed({ type: 'injectDone', tab: effect.tab, ok: true }),
        (error) => feed({ type: 'injectDone', tab: effect.tab, ok: false, message: String(error?.message ?? error) }));
      break;
    case 'openReader':
      chrome.tabs.update(effect.tab, { url: effect.url }).catch((error) => console.warn('Gloss: the reader page', error));
      break;
    case 'badge':
      chrome.action.setBadgeText({ tabId: effect.tab, text: effect.text }).catch(() => {});
      if (effect.titleKey) chrome.action.setTitle({ tabId: effect.tab, title: chrome.i18n.getMessage(effect.titleKey) }).catch(() => {});
      break;
    case 'openOptions':
      chrome.runtime.openOptionsPage();
      break;
    case 'registerSite':
      // Persistent across browser restarts; an earlier registration of the id is replaced.
      chrome.scripting.unregisterContentScripts({ ids: [effect.id] }).catch(() => {})
        .then(() => chrome.scripting.registerContentScripts([{ id: effect.id, matches: effect.matches, js: effect.js, runAt: 'document_idle', persistAcrossSessions: true }]))
        .catch((error) => console.warn('Gloss: scripting', error));
      break;
    case 'unregisterSite':
      chrome.scripting.unregisterContentScripts({ ids: [effect.id] }).catch(() => {});
      break;
    case 'dropPermission':
      // A permission the manifest grants cannot be given back: nothing to do then.
      chrome.permissions.remove({ origins: effect.origins }).catch(() => {});
      break;
    case 'warn':
      console.warn(`Gloss: ${effect.message}`);
      break;
  }
}

/** `chrome.storage.local` or `.session` (a browser without the session area reads nothing). */
function storage(area) {
  return chrome.storage[area] ?? { get: async () => ({}), set: async () => {}, remove: async () => {} };
}

/** Sends a request as the core built it, and reports its head, each body chunk, and its end. */
async function send(req, { url, method, headers, body, redirect }) {
  const controller = new AbortController();
  fetches.set(req, controller);
  const { signal } = controller;
  try {
    const response = await fetch(url, { method, headers, body, redirect, credentials: 'omit', signal });
    feed({ type: 'responseHead', req, status: response.status, headers: [...response.headers] });
    const reader = response.body?.getReader();
    for (;;) {
      const { value, done } = reader ? await reader.read() : { done: true };
      if (done || !value || signal.aborted) break;
      feedBytes(req, value);
    }
    if (!signal.aborted) feed({ type: 'responseEnd', req });
  } catch (error) {
    if (!signal.aborted) feed({ type: 'responseFailed', req, message: String(error?.message ?? error) });
  } finally {
    if (fetches.get(req) === controller) fetches.delete(req);
  }
}

/** The panel's scripts, in `tab`; `intent` 'selection' makes any selection, however short, what is read. */
async function inject(tab, intent) {
  const target = { tabId: tab };
  await chrome.scripting.executeScript({ target, func: (i) => { globalThis.__glossIntent = i; }, args: [intent] });
  await chrome.scripting.executeScript({ target, files: ['content.js'] });
}

/** What the core needs of a `runtime.MessageSender`. */
const senderOf = (s) => ({ id: s?.id ?? null, url: s?.url ?? null, tab: s?.tab ? { id: s.tab.id } : null, frameId: s?.frameId ?? null });

// Listeners are registered synchronously so that a worker woken by an event receives it.
// A click grants activeTab; the core asks for the panel's injection (`inject`).
// The click lets the worker see the tab's address: the core opens a PDF in the reader page.
chrome.action.onClicked.addListener((tab) => { if (tab.id != null) feed({ type: 'clicked', tab: tab.id, intent: 'page', url: tab.url ?? null }); });
// The context menu grants activeTab like the toolbar button; with a selection, the panel reads it.
chrome.runtime.onInstalled.addListener(() => {
  chrome.contextMenus.create({ id: 'gloss-page', title: chrome.i18n.getMessage('menuDigestPage'), contexts: ['page'] });
  chrome.contextMenus.create({ id: 'gloss-selection', title: chrome.i18n.getMessage('menuTranslateSelection'), contexts: ['selection'] });
});
chrome.contextMenus.onClicked.addListener((info, tab) => {
  if (tab?.id != null) feed({ type: 'clicked', tab: tab.id, intent: info.menuItemId === 'gloss-selection' ? 'selection' : 'page', url: tab.url ?? null });
});
chrome.runtime.onConnect.addListener((port) => {
  if (port.name !== PORT_NAME) return;
  const id = nextId++;
  ports.set(id, port);
  port.onMessage.addListener((frame) => feed({ type: 'frame', port: id, frame }));
  port.onDisconnect.addListener(() => {
    ports.delete(id);
    feed({ type: 'disconnected', port: id });
  });
  feed({ type: 'connected', port: id, sender: senderOf(port.sender) });
});
chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  const msg = nextId++;
  replies.set(msg, sendResponse);
  feed({ type: 'message', msg, sender: senderOf(sender), message });
  return true; // the core answers with a `reply` effect
});
