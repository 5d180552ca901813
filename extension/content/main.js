// The content script: injected on the reader's click, it opens the panel's frame and serves it
// what only the page's side can do (read the page, show a paragraph, call Chrome's built-in AI).
// It runs no WASM and never sees the API key. Its one piece of state lives under a Symbol in
// this isolated world, so no element id of the page (named access on window) can stand in for it.
import { openFrame } from './frame.js';
import { pageHtml } from './page.js';

const STATE = Symbol.for('gloss.panel');
const intent = typeof globalThis.__glossIntent === 'string' ? globalThis.__glossIntent : 'page';
delete globalThis.__glossIntent;

const existing = globalThis[STATE];
const open = (/** @type {string} */ how) => { globalThis[STATE] = openFrame(how, () => { delete globalThis[STATE]; }); };
if (intent === 'visit') {
  // Registered for an always-on site (site.js ran first): the worker says whether this page
  // opens the panel, and how, from the page's HTML (its readerable gate) and the site's list.
  if (!existing) {
    chrome.runtime.sendMessage({ type: 'siteVisit', html: pageHtml(null) }).then((answer) => {
      if (answer?.open && !globalThis[STATE]) open(String(answer.intent));
    }, () => {});
  }
} else if (existing && !existing.closed()) {
  // A second click on a page that already has the panel re-opens it.
  existing.show();
} else {
  open(intent);
}
