// Chrome's built-in AI: the Summarizer, Translator and LanguageDetector APIs. They exist only in a
// window (not in the extension's service worker), so the content script calls them for the
// panel's frame. Every decision (whether to use them, what to ask, in which language, what the
// answers mean) is the Rust core's, made in the worker; this file only detects the APIs, calls
// them and reports.

import { OP } from '../panel/channel.js';

/** @typedef {import('../types/globals').OnDeviceCalls} OnDeviceCalls */
/** The built-in AI APIs Gloss calls. */
const APIS = ['Summarizer', 'Translator', 'LanguageDetector', 'LanguageModel'];

/**
 * Which APIs this window has (presence only; readiness is asked per use).
 * @type {OnDeviceCalls['apis']}
 */
export function apis() {
  return {
    summarizer: 'Summarizer' in self, translator: 'Translator' in self, languageDetector: 'LanguageDetector' in self, languageModel: 'LanguageModel' in self,
  };
}

/**
 * `available`, `downloadable`, `downloading` or `unavailable` for `api` with `options`; an API
 * that throws (a permissions policy, an unsupported option), or one Gloss does not call, counts
 * as unavailable.
 * @type {OnDeviceCalls['availability']}
 */
export async function availability(api, options) {
  try {
    if (!APIS.includes(api)) return 'unavailable';
    return await self[api].availability(options);
  } catch {
    return 'unavailable';
  }
}

/**
 * `monitor` for create(): reports model-download progress as a fraction (0–1).
 * @param {((loaded: number) => void) | undefined} onProgress
 * @returns {(m: { addEventListener(type: 'downloadprogress', listener: (event: { loaded: number }) => void): void }) => void}
 */
const monitor = (onProgress) => (m) => m.addEventListener('downloadprogress', (event) => onProgress?.(event.loaded));

/**
 * Creates (and, where needed, downloads) a model, then releases it: the download step alone.
 * @type {OnDeviceCalls['download']}
 */
export async function download(api, options, onProgress) {
  if (!APIS.includes(api)) throw new Error(`unknown API ${api}`);
  const model = await self[api].create({ ...options, monitor: monitor(onProgress) });
  model.destroy?.();
}

/**
 * Makes `calls` in order (one summarizer per set of options); resolves to their answers.
 * @type {OnDeviceCalls['summarize']}
 */
export async function summarize(calls, { signal, onProgress, onAnswer } = {}) {
  /** @type {Map<string, Awaited<ReturnType<typeof Summarizer.create>>>} */
  const made = new Map();
  const answers = [];
  try {
    for (const call of calls) {
      // A run the panel abandoned (a new article, a restart) starts no further call.
      signal?.throwIfAborted();
      const key = JSON.stringify(call.options);
      if (!made.has(key)) made.set(key, await Summarizer.create({ ...call.options, signal, monitor: monitor(onProgress) }));
      answers.push(await /** @type {Awaited<ReturnType<typeof Summarizer.create>>} */ (made.get(key)).summarize(call.input, { context: call.context, signal }));
      onAnswer?.(answers.length);
    }
  } finally {
    for (const summarizer of made.values()) summarizer.destroy?.();
  }
  return answers;
}

/**
 * One Prompt API call as the core built it: a session with its system prompt, then the prompt
 * with the JSON schema the answer must follow. Resolves to the answer's text.
 * @type {OnDeviceCalls['prompt']}
 */
export async function prompt(call, signal) {
  const model = await LanguageModel.create({
    initialPrompts: [{ role: 'system', content: call.system }],
    expectedInputs: [{ type: 'text', languages: call.expectedInputLanguages }],
    expectedOutputs: [{ type: 'text', languages: [call.outputLanguage] }],
    signal,
  });
  try {
    return await model.prompt(call.user, { responseConstraint: call.schema, signal });
  } finally {
    model.destroy?.();
  }
}

/**
 * The LanguageDetector's guesses for `sample`: `[{detectedLanguage, confidence}]`.
 * @type {OnDeviceCalls['detect']}
 */
export async function detect(sample, signal) {
  const detector = await LanguageDetector.create({ signal });
  try {
    const results = await detector.detect(sample, { signal });
    return results.map(({ detectedLanguage, confidence }) => ({ detectedLanguage, confidence }));
  } finally {
    detector.destroy?.();
  }
}

/**
 * Translates `blocks` in order, handing each `{id, text}` to `onBlock` as it is done.
 * @type {OnDeviceCalls['translate']}
 */
export async function translate({ sourceLang, targetLang, blocks }, { signal, onProgress, onBlock }) {
  const translator = await Translator.create({ sourceLanguage: sourceLang, targetLanguage: targetLang, signal, monitor: monitor(onProgress) });
  try {
    for (const block of blocks) {
      signal?.throwIfAborted();
      onBlock({ id: block.id, text: await translator.translate(block.text, { signal }) });
    }
  } finally {
    translator.destroy?.();
  }
}

/**
 * Answers the panel's on-device ops, the same wherever the panel is framed (an article's page,
 * the PDF reader page); returns whether `op` was one of them. `run.controller` is the current
 * run's: an abort ends it and starts the next.
 * @param {string} op
 * @param {number} id
 * @param {any} data
 * @param {(id: number, work: () => unknown) => void} reply
 * @param {(id: number) => (value: unknown) => void} progress
 * @param {{ controller: AbortController }} run
 */
export function answerOp(op, id, data, reply, progress, run) {
  const { signal } = run.controller;
  switch (op) {
    case OP.ABORT_ON_DEVICE:
      run.controller.abort();
      run.controller = new AbortController();
      return true;
    case OP.AVAILABILITY: reply(id, () => availability(data.api, data.options)); return true;
    case OP.DOWNLOAD: reply(id, () => download(data.api, data.options, progress(id))); return true;
    case OP.SUMMARIZE: reply(id, () => summarize(data.calls, { signal, onAnswer: progress(id) })); return true;
    case OP.PROMPT: reply(id, () => prompt(data.call, signal)); return true;
    case OP.DETECT: reply(id, () => detect(data.sample, signal)); return true;
    case OP.TRANSLATE: reply(id, () => translate(data.step, { signal, onBlock: progress(id) })); return true;
  }
  return false;
}
