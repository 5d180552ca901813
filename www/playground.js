// The playground: what Gloss's core extracts from a pasted page or a sample, run by the same
// WASM as the extension. Like the panel, it builds everything as DOM nodes with textContent:
// page text never becomes HTML.
import init, * as core from './pkg/gloss.js';

/** @typedef {import('../extension/types/gloss').Article} Article */
/** @typedef {import('../extension/types/gloss').Block} Block */
/** @typedef {import('../extension/types/gloss').Digest} Digest */
/** @typedef {import('../extension/types/gloss').DigestPlan} DigestPlan */
/** @typedef {import('../extension/types/gloss').Plan} Plan */

/** Sample pages, relative to this page. */
const SAMPLES = ['samples/lighthouse-keepers.html'];

/** An element of index.html (all are there: a missing one is a bug that throws at once). */
const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const form = $('input');
const sample = /** @type {HTMLSelectElement} */ ($('sample'));
const html = /** @type {HTMLTextAreaElement} */ ($('html'));
const url = /** @type {HTMLInputElement} */ ($('url'));
const status = $('status');

// The panel's own renderer (extension/render.js, copied into pkg/ by the build).
const { el, renderSpans, renderBlock: panelBlock } = globalThis.GlossRender;

/**
 * Renders a block as the panel does, labelled with its id, kind and level.
 * @param {Block} block
 */
function renderBlock(block) {
  const node = panelBlock(block);
  node.dataset.kind = block.kind;
  const label = [block.id, block.kind, block.level].filter((v) => v != null).join(' · ');
  return el('div', { class: 'row' }, el('span', { class: 'tag' }, label), node);
}

/**
 * The article's metadata as a definition list; missing values show as a dash.
 * @param {Article} article
 */
function renderMeta(article) {
  /** @type {[string, string | number | null][]} */
  const rows = [
    ['Title', article.title], ['Byline', article.byline], ['Site', article.siteName],
    ['Published', article.publishedTime], ['Language', article.lang], ['Direction', article.dir],
    ['Words', article.wordCount], ['Reading time', `${article.readingMinutes} min`],
  ];
  return rows.flatMap(([key, value]) => [el('dt', {}, key), el('dd', {}, value == null || value === '' ? '—' : String(value))]);
}

/**
 * The offline digest: key points, then the summary.
 * @param {Digest} digest
 */
function renderDigest(digest) {
  return [
    el('ul', { class: 'key-points' }, digest.keyPoints.map((p) => el('li', {}, renderSpans(p)))),
    ...digest.summary.map((p) => el('p', { class: 'summary' }, renderSpans(p))),
  ];
}

/**
 * Shows an extracted article, the text a digest request would carry, and the offline digest.
 * @param {Article} article
 * @param {{provenance: Provenance, digest: Digest}} offline   the offline digest and its label
 */
function showResult(article, { provenance, digest }) {
  const sent = article.blocks.map((b) => b.text).join('\n\n');
  $('meta').replaceChildren(...renderMeta(article));
  $('block-count').textContent = String(article.blocks.length);
  $('blocks').replaceChildren(...article.blocks.map(renderBlock));
  $('blocks').lang = article.lang;
  $('blocks').dir = article.dir ?? '';
  $('sent').textContent = sent;
  $('tokens').textContent = String(core.estimateTokens(sent));
  $('provenance').textContent = [provenance.provider, provenance.lang, provenance.model].join(' · ');
  $('digest').replaceChildren(...renderDigest(digest));
  $('error').replaceChildren();
  $('result').hidden = false;
}

/**
 * Shows an error: a `{code, message}` from the core, or anything else that was thrown.
 * @param {any} error
 */
function showError(error) {
  const code = error?.code ?? 'internal';
  const message = error?.message ?? String(error);
  $('error').replaceChildren(el('div', { class: 'error', 'data-code': code },
    el('p', {}, el('strong', {}, 'Could not extract an article'), ' ', el('code', {}, code)),
    el('p', { class: 'detail' }, message)));
  $('result').hidden = true;
  status.textContent = '';
}

/** Runs the core's extraction on the form's HTML and URL, timing it. */
function extract() {
  const started = performance.now();
  try {
    const { article, provenance, digest } = core.preview(html.value, url.value.trim() || undefined);
    showResult(article, { provenance, digest });
    status.textContent = `${article.blocks.length} blocks in ${(performance.now() - started).toFixed(1)} ms`;
  } catch (error) {
    showError(error);
  }
}

/**
 * Fetches a sample into the form, with its own address as the page URL, and extracts it.
 * @param {string} path
 */
async function loadSample(path) {
  try {
    const response = await fetch(path);
    if (!response.ok) throw { code: 'network', message: `${path}: HTTP ${response.status}` };
    html.value = await response.text();
    url.value = response.url;
    extract();
  } catch (error) {
    showError(error);
  }
}

sample.append(...SAMPLES.map((path) => el('option', { value: path }, path)));
sample.addEventListener('change', () => { if (sample.value) loadSample(sample.value); });
html.addEventListener('input', () => { sample.value = ''; });
form.addEventListener('submit', (event) => { event.preventDefault(); extract(); });

try {
  await init();
  sample.disabled = false;
  /** @type {HTMLButtonElement} */ ($('extract')).disabled = false;
  status.textContent = 'Ready';
} catch (error) {
  showError({ code: 'internal', message: `The WASM core did not load: ${error instanceof Error ? error.message : error}` });
}
