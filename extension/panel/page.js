// The frame's side of the private channel to the content script (described in channel.js): a
// MessagePort accepted once, from a message carrying the token in this frame's URL.
import { OP } from './channel.js';

const secret = location.hash.slice(1);
/** The content script sent the page to the worker as it opened this frame (content/frame.js). */
export const sentAhead = new URLSearchParams(location.search).has('ahead');
// The token is not needed again, and should not sit in the address.
history.replaceState(null, '', location.pathname);

/** @type {MessagePort | null} */
let port = null;
let nextId = 1;
/** @type {Map<number, {resolve: Function, reject: Function, onProgress?: Function}>} */
const pending = new Map();
/** @type {Map<string, Function>} */
const handlers = new Map();

/** Resolves once the content script has handed over its port. */
export const connected = /** @type {Promise<void>} */ (new Promise((resolve) => {
  const accept = (event) => {
    if (port || !secret || event.data?.token !== secret || !(event.ports[0] instanceof MessagePort)) return;
    removeEventListener('message', accept);
    port = event.ports[0];
    port.onmessage = ({ data }) => onMessage(data);
    resolve();
  };
  addEventListener('message', accept);
}));

function onMessage(data) {
  if (!data || typeof data !== 'object') return;
  if (typeof data.type === 'string') {
    handlers.get(data.type)?.(data);
    return;
  }
  const call = pending.get(data.id);
  if (!call) return;
  if ('progress' in data) {
    call.onProgress?.(data.progress);
    return;
  }
  pending.delete(data.id);
  if ('error' in data) call.reject(new Error(data.error));
  else call.resolve(data.result);
}

/** Asks the content script for `op`; `onProgress` receives what it reports before the answer. */
export async function call(op, args = {}, onProgress) {
  await connected;
  const to = /** @type {MessagePort} */ (port);
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, onProgress });
    to.postMessage({ ...args, id, op });
  });
}

/** Tells the content script something that needs no answer. */
export function tell(op, args = {}) {
  connected.then(() => port?.postMessage({ ...args, op }));
}

/** Runs `handler(note)` for the content script's notes of `type`. */
export function onNote(type, handler) {
  handlers.set(type, handler);
}

/** Ends the channel: the content script removes the frame, and this page with it. */
export function closeFrame() {
  tell(OP.CLOSE);
}
