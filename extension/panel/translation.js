// The Full Translation section: one slot per source block, filled as the worker's deltas come,
// with its progress line, the confirmation for long articles, Cancel and Retry.
import { spending } from './guard.js';
import { button, errorText, hasErrorText, link, msg, needsOptions, optionsLink, showError, showSpend, translation } from './view.js';

const { el, renderSpans, renderBlock } = globalThis.GlossRender;
const { T, SECTION } = globalThis.GlossProtocol;

/** @type {Map<string, HTMLElement>} one slot per source block, in document order */
export const slots = new Map();
let articleBlocks = [];
const failedIds = new Set();
/** The progress line and its buttons, above the blocks. */
const progressLine = el('div', { class: 'progress', role: 'status', 'aria-live': 'polite' });
const bilingualToggle = el('button', {
  class: 'link', type: 'button', 'aria-pressed': 'false',
  onclick: () => setBilingual(bilingualToggle.getAttribute('aria-pressed') !== 'true', true),
}, msg('showOriginal'));
/** @type {HTMLElement | null} */
let list = null;

/** Whether the slots on screen are still those of the current plan. */
export const laidOut = () => Boolean(list?.isConnected);

export function prepareTranslation(article, bilingual) {
  articleBlocks = article.blocks;
  slots.clear();
  failedIds.clear();
  list = el('div', { class: 'translated' });
  for (const block of article.blocks) {
    // A translation's direction is its language's, found from its own text.
    const slot = renderBlock(block, []);
    slot.setAttribute('dir', 'auto');
    slot.classList.add('pending');
    slots.set(block.id, slot);
    // Bilingual view: the original block sits above its translation, shown on demand.
    const source = renderBlock(block);
    source.classList.add('source');
    source.removeAttribute('data-block');
    if (article.dir) source.setAttribute('dir', article.dir);
    list.append(el('div', { class: 'pair' }, source, slot));
  }
  setBilingual(bilingual, false);
  oneBlockPerRequest = false;
  translation.content.replaceChildren(el('div', { class: 'tools' }, progressLine, bilingualToggle), list);
}

/** Whether the scheduler switched to one block per request for this article (it stays switched). */
let oneBlockPerRequest = false;

function setBilingual(on, remember) {
  bilingualToggle.setAttribute('aria-pressed', String(on));
  list?.classList.toggle('bilingual', on);
  if (remember) link.post({ type: T.PREFERENCE, name: 'bilingual', value: on });
}

export function fillBlock(tb, partial = false) {
  const slot = slots.get(tb.id);
  if (!slot) return;
  slot.replaceChildren(...renderSpans(tb.spans));
  slot.classList.remove('pending', 'failed');
  slot.classList.toggle('partial', partial);
  failedIds.delete(tb.id);
  markGlossary(slot, null);
}

/**
 * Marks a translated block that does not follow the reader's glossary (the core checked it), or
 * clears the mark: a note after the block, which the block names as its description.
 * @param {HTMLElement} slot
 * @param {GlossaryNote | null} note
 */
function markGlossary(slot, note) {
  const next = slot.nextElementSibling;
  if (next?.classList.contains('glossary-note')) next.remove();
  slot.classList.toggle('glossary-missed', Boolean(note));
  if (!note) return slot.removeAttribute('aria-describedby');
  const terms = note.missed.map((t) => (t.rendering ? msg('glossaryMissedTerm', [t.term, t.rendering]) : msg('glossaryMissedKept', [t.term])));
  const id = `glossary-note-${note.blockId}`;
  slot.after(el('p', { class: 'glossary-note', id, role: 'note' }, msg('glossaryMissed', [terms.join(msg('glossaryListSeparator'))])));
  slot.setAttribute('aria-describedby', id);
}

function markFailed(ids) {
  for (const id of ids) {
    const slot = slots.get(id);
    if (!slot) continue;
    failedIds.add(id);
    slot.classList.remove('pending', 'partial');
    slot.classList.add('failed');
    const source = articleBlocks.find((b) => b.id === id);
    slot.replaceChildren(el('span', { class: 'failed-note' }, msg('blockFailed')), ' ', source ? source.text : '');
  }
}

function retryTranslation() {
  const ids = [...failedIds];
  if (!ids.length) return;
  for (const id of ids) slots.get(id)?.classList.replace('failed', 'pending');
  failedIds.clear();
  translation.status.textContent = msg('statusTranslating');
  link.post({ type: T.RETRY, section: SECTION.TRANSLATION, blockIds: ids });
}

/** "18 / 42 sections, 1 failed", with Cancel while running and Retry once settled. */
export function showProgress({ total, done, failed, oneBlockPerRequest: switched = false }, running) {
  oneBlockPerRequest ||= switched;
  let text = failed
    ? msg('progressFailed', [String(done), String(total), String(failed)])
    : msg('progress', [String(done), String(total)]);
  // The model lost the block markers: the scheduler now sends one block per request.
  if (oneBlockPerRequest) text += ` · ${msg('translationOneBlock')}`;
  const actions = running
    ? [button(msg('cancel'), () => link.post({ type: T.CANCEL, section: SECTION.TRANSLATION }), 'link')]
    : failedIds.size ? [button(msg('retry'), spending(retryTranslation))] : [];
  progressLine.replaceChildren(el('span', {}, text), ...actions);
}

/** A long article: show what translating it will cost and wait for the reader. */
export function askToConfirm(estimate) {
  const tokens = msg('estimateTokens', [estimate.inputTokens.toLocaleString(), estimate.outputTokens.toLocaleString()]);
  const cost = estimate.costUsd != null ? ` · ${msg('estimateCost', [`$${estimate.costUsd.toFixed(estimate.costUsd < 0.1 ? 3 : 2)}`])}` : '';
  translation.status.replaceChildren(el('div', { class: 'confirm' },
    el('p', {}, msg('confirmTranslate'), ' ', el('span', { class: 'estimate' }, tokens + cost)),
    button(msg('translate'), spending(() => {
      translation.status.textContent = msg('statusTranslating');
      link.post({ type: T.CONFIRM, section: SECTION.TRANSLATION });
    }))));
}

const countPending = () => [...slots.values()].filter((s) => s.classList.contains('pending')).length;

export function onTranslationDelta(frame) {
  for (const b of frame.blocks) fillBlock(b);
  if (frame.partial) fillBlock(frame.partial, true);
  for (const note of frame.glossary ?? []) {
    const slot = slots.get(note.blockId);
    if (slot) markGlossary(slot, note);
  }
}

export function onTranslationDone(frame) {
  showSpend(translation, frame);
  const cached = ` · ${msg('fromCache')}`;
  if (frame.cached && !translation.label.textContent.endsWith(cached)) translation.label.textContent += cached;
  markFailed(frame.failedBlockIds);
  showProgress({ total: articleBlocks.length, done: articleBlocks.length - failedIds.size - countPending(), failed: failedIds.size }, false);
  if (frame.error && frame.error.code !== 'cancelled') {
    const actions = needsOptions(frame.error.code) ? [optionsLink()] : [];
    showError(translation, frame.error, actions);
  } else if (frame.failedBlockIds.length) {
    showError(translation, { code: 'misaligned', message: msg('blocksFailed', [String(frame.failedBlockIds.length)]) },
      [button(msg('retry'), spending(retryTranslation))]);
  } else {
    translation.status.textContent = '';
  }
}

/**
 * A chunk failed; the scheduler may still retry it, so this is news, not the verdict (that
 * comes with `done`).
 */
export function onTranslationError(error) {
  const text = hasErrorText(error.code) ? errorText(error.code) : error.message;
  translation.status.replaceChildren(el('p', { class: 'note' }, text));
}
