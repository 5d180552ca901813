// The content script: injected on the reader's click, it opens the panel's frame and serves it
// what only the page's side can do (read the page, show a paragraph, call Chrome's built-in AI).
// It runs no WASM and never sees the API key. Its one piece of state lives under a Symbol in
// this isolated world, so no element id of the page (named access on window) can stand in for it.
import { openFrame } from './frame.js';

const STATE = Symbol.for('gloss.panel');
const intent = typeof globalThis.__glossIntent === 'string' ? globalThis.__glossIntent : 'page';
delete globalThis.__glossIntent;

const existing = globalThis[STATE];
if (existing && !existing.closed()) {
  // A second click on a page that already has the panel re-opens it.
  existing.show();
} else {
  globalThis[STATE] = openFrame(intent, () => { delete globalThis[STATE]; });
}
