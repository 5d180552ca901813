// Gloss's reader page for a PDF (reader.html?src=URL), opened by the worker when the core says
// the tab shows one. It fetches the PDF, has pdf.js read its text items page by page (showing
// the progress), and hands them to the panel, which sends them to the core like a page's HTML:
// the core lays them out into the article (src/pdf/). The article comes back from the panel
// and is shown here, built as DOM nodes with textContent. The panel is the usual panel.html, in
// a frame, served over the same private channel as in a web page (panel/channel.js).
import { OP } from '../panel/channel.js';
import * as onDevice from '../content/on-device.js';
// @ts-expect-error pdf.js is copied into the build (extension/build.mjs), not kept in the source
import * as pdfjs from '../pdfjs/pdf.min.mjs';
import { readPdf } from './pdf-text.js';

const { el, renderBlock } = globalThis.GlossRender;
const msg = (key, subs) => chrome.i18n.getMessage(key, subs) || key;

const src = new URLSearchParams(location.search).get('src') ?? '';
const main = /** @type {HTMLElement} */ (document.getElementById('article'));
const status = /** @type {HTMLElement} */ (document.getElementById('status'));
document.title = `${msg('readerTitle')} · ${src.split(/[?#]/)[0].split('/').pop() || src}`;
pdfjs.GlobalWorkerOptions.workerSrc = chrome.runtime.getURL('pdfjs/pdf.worker.min.mjs');

/** The PDF's bytes; what went wrong is reported as facts (the core says what they mean). */
async function fetchBytes() {
  // A host pattern without a port: Firefox's patterns cannot name one (Chrome's match any port).
  const origin = /^https?:/i.test(src) ? `${new URL(src).protocol}//${new URL(src).hostname}/*` : null;
  /** @type {(message: unknown, status?: number | null) => Promise<object>} */
  const facts = async (message, status = null) => ({
    kind: 'fetch', message: String(message), status,
    granted: origin ? await chrome.permissions.contains({ origins: [origin] }).catch(() => false) : true,
    fileAccess: await chrome.extension.isAllowedFileSchemeAccess().catch(() => false),
  });
  try {
    if (/^file:/i.test(src)) return { bytes: await readFile(src) };
    const response = await fetch(src, { credentials: 'include' });
    if (!response.ok) return { failure: await facts(`HTTP ${response.status}`, response.status) };
    return { bytes: new Uint8Array(await response.arrayBuffer()) };
  } catch (error) {
    return { failure: await facts(error?.message ?? error) };
  }
}

/** fetch() does not read file: URLs; XMLHttpRequest does, where the browser allows Gloss files. */
function readFile(url) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('GET', url);
    xhr.responseType = 'arraybuffer';
    xhr.onload = () => resolve(new Uint8Array(xhr.response));
    xhr.onerror = () => reject(new Error('the file could not be read'));
    xhr.send();
  });
}

/** What the panel's `page` call answers: the PDF's items, or why there are none. */
const reading = (async () => {
  status.textContent = msg('readerFetching');
  const { bytes, failure } = await fetchBytes();
  if (failure) return { pdf: null, pdfFailure: failure };
  try {
    const pdf = await readPdf(pdfjs, bytes, (done, total) => {
      status.textContent = msg('readerReading', [String(done), String(total)]);
    }, { cMapUrl: chrome.runtime.getURL('pdfjs/cmaps/'), cMapPacked: true });
    return { pdf, pdfFailure: null };
  } catch (error) {
    return { pdf: null, pdfFailure: { kind: 'unreadable', name: String(error?.name ?? ''), message: String(error?.message ?? error) } };
  } finally {
    status.textContent = '';
  }
})();

/** The article as the core laid it out: its blocks, footnotes and all. */
function showArticle(article) {
  const head = [el('h1', {}, article.title || src)];
  if (article.byline) head.push(el('p', { class: 'byline' }, article.byline));
  head.push(el('p', { class: 'source' }, src));
  main.replaceChildren(...head, ...article.blocks.map((block) => renderBlock(block)));
}

const normalize = (text) => String(text ?? '').replace(/\s+/g, ' ').trim();

/** Scrolls to the block a digest point links to, and highlights it. */
function showSource(text) {
  const needle = normalize(text).slice(0, 80);
  const target = needle && [...main.querySelectorAll('.block')].find((node) => normalize(node.textContent).includes(needle));
  if (!target) return false;
  const still = matchMedia('(prefers-reduced-motion: reduce)').matches;
  target.scrollIntoView({ behavior: still ? 'auto' : 'smooth', block: 'center' });
  target.classList.remove('shown');
  void (/** @type {HTMLElement} */ (target)).offsetWidth;
  target.classList.add('shown');
  return true;
}

// ---- the panel's frame and its private channel (as content/frame.js serves it in a page) ----
const secret = [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
const frame = /** @type {HTMLIFrameElement} */ (el('iframe', { class: 'panel', title: msg('panelLabel') || 'Gloss' }));
frame.src = `${chrome.runtime.getURL('panel.html')}#${secret}`;
const channel = new MessageChannel();
const port = channel.port1;
let loads = 0;
const onDeviceRun = { controller: new AbortController() };
frame.addEventListener('load', () => {
  loads += 1;
  // Anything but the first load is not the panel: the reader page ends with it.
  if (loads > 1) { frame.remove(); port.close(); return; }
  frame.contentWindow?.postMessage({ token: secret }, location.origin, [channel.port2]);
});

const reply = (id, work) => {
  Promise.resolve().then(work).then(
    (result) => port.postMessage({ id, result }),
    (error) => port.postMessage({ id, error: String(error?.message ?? error) }),
  );
};
const progress = (id) => (value) => port.postMessage({ id, progress: value });

port.onmessage = ({ data }) => {
  if (!data || typeof data !== 'object') return undefined;
  const { id, op } = data;
  switch (op) {
    case OP.PAGE:
      return reply(id, async () => ({
        html: '', url: src, selectionHtml: null, onDevice: onDevice.apis(), pageDark: false, intent: 'page',
        platform: String(/** @type {any} */ (navigator).userAgentData?.platform ?? navigator.platform ?? ''),
        ...(await reading),
      }));
    case OP.ARTICLE: return showArticle(data.article);
    case OP.SHOW_SOURCE: return reply(id, () => showSource(data.text));
    case OP.VERIFY: return reply(id, () => ({ ok: true }));
    case OP.COPY: return reply(id, () => navigator.clipboard.writeText(String(data.text ?? '')));
    case OP.CLOSE: frame.remove(); port.close(); return undefined;
    case OP.RELOAD_PAGE: return location.reload();
  }
  onDevice.answerOp(op, id, data, reply, progress, onDeviceRun);
  return undefined;
};
document.body.append(frame);
