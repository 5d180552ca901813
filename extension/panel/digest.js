// The Original section (what was extracted) and the Quick Digest, whose points link back to the
// paragraph of the page they come from.
import { OP } from './channel.js';
import { call } from './page.js';
import { digest, msg, original } from './view.js';

const { el, renderSpans, renderBlock } = globalThis.GlossRender;

/** The article on screen, for the digest's links back. */
/** @type {{ article: Article | null }} */
export const shown = { article: null };

/** An ISO 8601 date, with or without a time: what `<meta property="article:published_time">` holds. */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * The published date as the reader's UI language writes it (`2026年10月14日 17:00`), in a
 * `<time>` that keeps the page's value; a value that is no ISO date is shown as it is.
 */
export function publishedDate(value) {
  const text = String(value).trim();
  const parts = ISO_DATE.exec(text);
  const date = parts ? new Date(parts[4] ? text.replace(' ', 'T') : `${text}T00:00:00Z`) : null;
  if (!parts || !date || Number.isNaN(date.getTime())) return el('span', { dir: 'auto' }, text);
  // A date alone names a day, not an instant: shown as that day wherever the reader is.
  const options = parts[4] ? { dateStyle: 'long', timeStyle: 'short' } : { dateStyle: 'long', timeZone: 'UTC' };
  const shownAs = new Intl.DateTimeFormat(chrome.i18n.getUILanguage(), /** @type {Intl.DateTimeFormatOptions} */ (options)).format(date);
  return el('time', { datetime: text, title: text }, shownAs);
}

export function renderOriginal(article) {
  const meta = el('dl', { class: 'meta' });
  const row = (key, value) => { if (value) meta.append(el('dt', {}, msg(key)), el('dd', { dir: key === 'metaLength' ? null : 'auto' }, value instanceof Node ? value : String(value))); };
  row('metaTitle', article.title);
  row('metaByline', article.byline);
  row('metaSite', article.siteName);
  row('metaDate', article.publishedTime ? publishedDate(article.publishedTime) : null);
  row('metaLanguage', article.lang);
  row('metaLength', msg('lengthValue', [String(article.wordCount), String(article.readingMinutes)]));
  // Only the article's own text takes the page's direction.
  const text = el('div', { class: 'extracted', dir: article.dir || null, lang: article.lang }, article.blocks.map((block) => renderBlock(block)));
  const details = el('details', { class: 'sent' }, el('summary', {}, msg('extractedText', [String(article.blocks.length)])), text);
  original.content.replaceChildren(meta, details);
  original.status.textContent = '';
}

export function renderDigest(d) {
  const nodes = [];
  if (d.keyPoints.length) {
    nodes.push(el('ul', { class: 'key-points' }, d.keyPoints.map((p, i) => el('li', { dir: 'auto' }, renderSpans(p), sourceButton(d.keyPointSources?.[i])))));
  }
  // A model that wrote prose instead of the sections: its answer is the summary, and the panel says so.
  if (d.formatMissed) nodes.push(el('p', { class: 'notice', 'data-role': 'format-missed' }, msg('digestFormatMissed')));
  for (const p of d.summary) nodes.push(el('p', { class: 'summary', dir: 'auto' }, renderSpans(p)));
  if (d.details.length) {
    nodes.push(el('ul', { class: 'details' }, d.details.map((p) =>
      el('li', { dir: 'auto' }, p.label ? el('strong', {}, p.label) : null, p.label ? ': ' : null, renderSpans(p.text), sourceButton(p.source)))));
  }
  digest.content.replaceChildren(...nodes);
}

/**
 * A small button after a point that shows the paragraph it comes from, in the page; `status` is
 * where it says the paragraph was not found.
 */
export function sourceButton(blockId, status = digest.status) {
  const block = blockId && shown.article?.blocks.find((b) => b.id === blockId);
  if (!block) return null;
  return el('button', {
    type: 'button', class: 'source', 'data-source': blockId, title: msg('showSource'), 'aria-label': msg('showSource'),
    onclick: async () => {
      const found = await call(OP.SHOW_SOURCE, { text: block.text }).catch(() => false);
      if (!found) status.textContent = msg('sourceNotFound');
    },
  }, '¶');
}
