// Chrome's built-in AI, driven from the panel: the core (in the worker) decides each step, the
// content script calls the APIs (they live in the page's window), and this shows the steps.
import { OP } from './channel.js';
import { call, tell } from './page.js';
import { shown } from './digest.js';
import { laidOut, prepareTranslation, showProgress, slots } from './translation.js';
import { button, digest, link, msg, optionsLink, provenanceText, showError, translation } from './view.js';

const { el } = globalThis.GlossRender;
const { T, SECTION, CODE } = globalThis.GlossProtocol;

/** The plan on screen and its bilingual choice (set by main.js), for on-device translation. */
/** @type {{ plan: PlanSummary | null, bilingual: boolean }} */
export const planned = { plan: null, bilingual: false };

/** Every Summarizer answer so far for this digest (the core's next step depends on them all). */
let answersSoFar = [];
/** The current article's on-device work; a new start (or closing) abandons it. */
let run = new AbortController();
const errorMessage = (error) => String(error?.message ?? error);
const downloadable = (state) => state === 'downloadable' || state === 'downloading';

export function resetOnDevice() {
  run.abort();
  run = new AbortController();
  answersSoFar = [];
  tell(OP.ABORT_ON_DEVICE);
}

/** Posts to the worker unless the work it reports on was abandoned since. */
const report = (signal, frame) => { if (!signal.aborted) link.post(frame); };

/**
 * Runs `work` while telling the worker every 20 s that the panel is still busy: a model download
 * or a long article's summaries can take minutes (and a long PDF's reading, in the reader page),
 * and a silent Port lets the browser stop it.
 */
export async function keepingAlive(work) {
  const timer = setInterval(() => link.post({ type: T.KEEPALIVE }), 20_000);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/**
 * An offer to download a built-in model: the reader's click is the user activation Chrome asks
 * for (it reaches the page's window, where the content script creates the model). Shows the
 * download's progress, then calls `then`.
 */
function offerDownload(section, label, api, options, then) {
  const { signal } = run;
  const offer = /** @type {HTMLButtonElement} */ (button(label, async () => {
    offer.disabled = true;
    const progress = (loaded) => { section.status.replaceChildren(el('p', { class: 'offer' }, msg('onDeviceDownloading', [String(Math.round(loaded * 100))]))); };
    progress(0);
    try {
      await keepingAlive(() => call(OP.DOWNLOAD, { api, options }, progress));
      if (signal.aborted) return;
      section.status.textContent = '';
      then();
    } catch (error) {
      showError(section, { code: CODE.ON_DEVICE_FAILED, message: errorMessage(error), retryable: false });
    }
  }));
  return el('div', { class: 'offer' }, offer);
}

const availability = (api, options) => call(OP.AVAILABILITY, { api, options }).catch(() => 'unavailable');

/** The Prompt API's digest: one call; not ready, or failing, the core says what stands in. */
async function promptDigest(step) {
  const { signal } = run;
  const { call: request } = step;
  const state = await availability('LanguageModel', {
    expectedInputs: [{ type: 'text', languages: request.expectedInputLanguages }],
    expectedOutputs: [{ type: 'text', languages: [request.outputLanguage] }],
  });
  if (signal.aborted) return;
  if (state !== 'available') {
    report(signal, { type: T.ON_DEVICE_UNAVAILABLE, section: SECTION.DIGEST });
    return;
  }
  digest.status.textContent = msg('statusOnDevice');
  try {
    const answer = await keepingAlive(() => call(OP.PROMPT, { call: request }));
    answersSoFar = [answer];
    report(signal, { type: T.ON_DEVICE, section: SECTION.DIGEST, answers: answersSoFar });
  } catch {
    report(signal, { type: T.ON_DEVICE_UNAVAILABLE, section: SECTION.DIGEST });
  }
}

export async function onDeviceDigest(step) {
  if (step.type === 'prompt') return promptDigest(step);
  const { signal } = run;
  if (step.done === 0) answersSoFar = [];
  const options = step.calls[0].options;
  const state = await availability('Summarizer', options);
  if (state !== 'available') {
    // The extractive digest stands in; a model that can be downloaded is offered.
    report(signal, { type: T.ON_DEVICE_UNAVAILABLE, section: SECTION.DIGEST });
    if (downloadable(state) && !signal.aborted) {
      digest.status.replaceChildren(offerDownload(digest, msg('onDeviceDownload'), 'Summarizer', options, () => {
        digest.status.textContent = msg('statusOnDevice');
        link.post({ type: T.RETRY, section: SECTION.DIGEST });
      }));
    }
    return;
  }
  const progress = (n) => { if (!signal.aborted) digest.status.textContent = msg('onDeviceProgress', [String(step.done + n), String(step.total)]); };
  progress(0);
  try {
    const answers = await keepingAlive(() => call(OP.SUMMARIZE, { calls: step.calls }, progress));
    if (signal.aborted) return;
    answersSoFar.push(...answers);
    report(signal, { type: T.ON_DEVICE, section: SECTION.DIGEST, answers: answersSoFar });
  } catch (error) {
    if (signal.aborted) return;
    report(signal, { type: T.ON_DEVICE_UNAVAILABLE, section: SECTION.DIGEST });
    showError(digest, { code: CODE.ON_DEVICE_FAILED, message: errorMessage(error), retryable: false });
  }
}

/** Same language as the target: offer another target instead (set by main.js). */
/** @type {{ otherTarget: () => HTMLElement | null }} */
export const pickers = { otherTarget: () => null };

export async function onDeviceTranslation(step) {
  const { signal } = run;
  if (step.type === 'detect') {
    let detected = [];
    if (await availability('LanguageDetector', {}) === 'available') {
      detected = await call(OP.DETECT, { sample: step.sample }).catch(() => []);
    }
    report(signal, { type: T.ON_DEVICE, section: SECTION.TRANSLATION, detected });
    return;
  }
  if (step.type === 'unavailable') {
    showError(translation, step.error, [pickers.otherTarget()]);
    return;
  }
  const options = { sourceLanguage: step.sourceLang, targetLanguage: step.targetLang };
  const state = await availability('Translator', options);
  if (signal.aborted) return;
  if (state === 'available') {
    translateOnDevice(step);
    return;
  }
  // No model, and no on-device translator ready: say so, and offer its download if there is one.
  translation.status.textContent = '';
  const offer = downloadable(state)
    ? [offerDownload(translation, msg('onDeviceTranslate', [step.sourceLang, step.targetLang]), 'Translator', options, () => translateOnDevice(step))]
    : [];
  // The plan frame always comes before an on-device step.
  showError(translation, /** @type {PlanSummary} */ (planned.plan).translationUnavailable, [optionsLink(), ...offer]);
}

async function translateOnDevice(step) {
  const { signal } = run;
  translation.label.textContent = `${step.sourceLang} → ${provenanceText(/** @type {PlanSummary} */ (planned.plan).translation)}`;
  translation.status.textContent = msg('statusTranslating');
  // A new plan (a restart, Resume) cleared the section: lay its slots out again.
  if (!laidOut()) prepareTranslation(shown.article, planned.bilingual);
  // Code and empty blocks are shown as they are, as the core says.
  report(signal, { type: T.ON_DEVICE, section: SECTION.TRANSLATION, blocks: step.unchanged, done: false, start: true });
  const todo = step.blocks.filter((b) => slots.get(b.id)?.classList.contains('pending') ?? true);
  const total = step.blocks.length;
  let done = total - todo.length;
  showProgress({ total, done, failed: 0 }, false);
  try {
    await keepingAlive(() => call(OP.TRANSLATE, { step: { ...step, blocks: todo } }, (block) => {
      report(signal, { type: T.ON_DEVICE, section: SECTION.TRANSLATION, blocks: [block], done: false });
      done += 1;
      showProgress({ total, done, failed: 0 }, false);
    }));
    report(signal, { type: T.ON_DEVICE, section: SECTION.TRANSLATION, blocks: [], done: true });
  } catch (error) {
    if (signal.aborted) return;
    // What was translated stays; the rest can be tried again.
    showError(translation, { code: CODE.ON_DEVICE_FAILED, message: errorMessage(error), retryable: true }, [button(msg('retry'), () => translateOnDevice(step))]);
  }
}
