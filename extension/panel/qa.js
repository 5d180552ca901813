// Ask the article: the question box under the Quick Digest, and the conversation above it. The
// core decides what is sent (the article as delimited data, the earlier turns that fit the
// model's context), what each answer says and where it cites; this file shows its frames and
// posts the reader's question, from a real click or a real Enter on a panel in plain view only.
import { sourceButton } from './digest.js';
import { spending } from './guard.js';
import { button, digest, link, msg, needsOptions, optionsLink, section, showError, showSpend } from './view.js';

const { el, renderSpans } = globalThis.GlossRender;
const { T, SECTION } = globalThis.GlossProtocol;

export const qa = section(SECTION.QA, msg('sectionQa'));
digest.node.after(qa.node);
qa.node.hidden = true;

const conversation = el('div', { class: 'conversation' });
const dropped = el('p', { class: 'notice', 'data-role': 'qa-dropped', hidden: true });
const box = /** @type {HTMLTextAreaElement} */ (el('textarea', {
  class: 'question-box', rows: '2', placeholder: msg('qaPlaceholder'), 'aria-label': msg('qaQuestionLabel'),
}));
const ask = spending(() => link.post({ type: T.ASK, question: box.value }));
const askButton = /** @type {HTMLButtonElement} */ (el('button', { class: 'retry ask', type: 'button', onclick: ask }, msg('qaAsk')));
// Enter asks (Shift+Enter is a new line); the guard takes only a trusted key press.
box.addEventListener('keydown', (event) => {
  if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
  event.preventDefault();
  if (!askButton.disabled) ask(event);
});
const form = el('div', { class: 'ask-form' }, box, askButton);
qa.content.replaceChildren(conversation, dropped, form);

/** The answer's node of each turn, by turn number. */
const answers = new Map();

function setBusy(busy) {
  askButton.disabled = busy;
  box.setAttribute('aria-busy', String(busy));
}

/** Shows or hides the box, as the plan says (a model is needed). */
export function planQa(plan) {
  // A new run of the panel: its conversation is the core's again (the cache's, which follows).
  conversation.replaceChildren();
  answers.clear();
  dropped.hidden = true;
  qa.label.textContent = '';
  qa.label.parentElement?.querySelector('.spend')?.remove();
  setBusy(false);
  qa.node.hidden = false;
  box.maxLength = plan.questionMaxChars;
  const unavailable = plan.qaUnavailable;
  form.hidden = Boolean(unavailable);
  if (unavailable) {
    qa.status.replaceChildren(el('p', { class: 'note', 'data-code': unavailable.code }, msg('qaNeedsModel'), ' ', optionsLink()));
  } else {
    qa.status.textContent = '';
  }
}

function turnNode(turn, question) {
  const answer = el('div', { class: 'answer', 'aria-live': 'polite' });
  answers.set(turn, answer);
  return el('div', { class: 'turn', 'data-turn': String(turn) }, el('p', { class: 'question', dir: 'auto' }, question), answer);
}

/** An answer as paragraphs of claims, each claim followed by the ¶ of the paragraph it cites. */
function renderAnswer(turn, answer) {
  const node = answers.get(turn);
  if (!node) return;
  const nodes = [];
  if (answer.notInArticle) nodes.push(el('p', { class: 'notice', 'data-role': 'not-in-article' }, msg('qaNotInArticle')));
  for (const claims of answer.paragraphs) {
    nodes.push(el('p', { class: 'claims', dir: 'auto' }, claims.flatMap((claim, i) => [
      i ? ' ' : null, el('span', { class: 'claim' }, renderSpans(claim.text)), sourceButton(claim.source, qa.status),
    ])));
  }
  node.replaceChildren(...nodes);
}

export function onAsked({ turn, question, dropped: left }) {
  // A retried question takes the place of its failed turn.
  conversation.querySelector(`[data-turn="${turn}"]`)?.remove();
  conversation.append(turnNode(turn, question));
  box.value = '';
  setBusy(true);
  qa.status.textContent = msg('qaAnswering');
  dropped.hidden = left === 0;
  dropped.textContent = left ? msg('qaDropped', [String(left)]) : '';
}

export const onAnswerDelta = ({ turn, answer }) => renderAnswer(turn, answer);

export function onAnswered(frame) {
  renderAnswer(frame.turn, frame.answer);
  showSpend(qa, frame);
  qa.status.textContent = '';
  setBusy(false);
}

/** The page's earlier questions, from the cache. */
export function onConversation({ turns }) {
  conversation.replaceChildren(...turns.map((t, i) => turnNode(i, t.question)));
  turns.forEach((t, i) => renderAnswer(i, t.answer));
  qa.label.textContent = msg('fromCache');
}

export function onQaError(error) {
  setBusy(false);
  const actions = [];
  if (error.retryable) {
    actions.push(button(msg('retry'), spending(() => {
      qa.status.textContent = msg('qaAnswering');
      link.post({ type: T.RETRY, section: SECTION.QA });
    })));
  }
  if (needsOptions(error.code)) actions.push(optionsLink());
  showError(qa, error, actions);
}
