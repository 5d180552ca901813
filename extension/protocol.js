// The one description of every message between Gloss's parts. Loaded as a classic script
// (injected before content.js) and imported for its side effect by the module worker, so it
// defines a frozen global instead of exports.
//
// Frames on the `gloss` Port, a discriminated union on `type`:
//
// content → worker
//   {type: 'start', html: string, url: string, readerableGate: boolean, selectionHtml?: string, onDevice: OnDeviceApis}
//   {type: 'retry', section: 'digest'}
//   {type: 'retry', section: 'translation', blockIds: string[]}
//   {type: 'confirm', section: 'translation'}            go ahead after seeing the estimate
//   {type: 'cancel', section: 'translation'}
//   {type: 'preference', name: 'bilingual', value: boolean}
//   {type: 'export', purpose: 'copy' | 'download'}
//   {type: 'openOptions'}
//   {type: 'onDevice', section: 'digest', answers: string[]}           every Summarizer answer so far
//   {type: 'onDevice', section: 'translation', detected: Detected[]}   what the LanguageDetector said
//   {type: 'onDevice', section: 'translation', blocks: BlockText[], done: boolean, start?: true}   translated on this device
//   {type: 'onDeviceUnavailable', section: 'digest'}                   the Summarizer's model is not ready
//   {type: 'keepalive'}                          still busy on the device (a silent Port lets the worker stop)
//   {type: 'close'}                              the reader closed the panel: its session ends for good
//
// worker → content
//   {type: 'article', article: Article}                      as soon as it is extracted
//   {type: 'plan', plan: PlanSummary, bilingual: boolean, theme: string, settingsResets: Reset[]}   what each
//                                                            section will show; settingsResets: stored settings that were reset
//   {type: 'confirm', section: 'translation', estimate: ?Estimate}   long article: wait for a click
//   {type: 'progress', section: 'translation', progress: ?{total, done, failed, spend}}
//   {type: 'progress', section: 'digest', parts: {done, total}}        a digest in parts
//   {type: 'progress', section: 'digest' | 'translation', readingSeconds: number}   a local model has not answered yet
//   {type: 'exported', purpose: 'copy' | 'download', markdown: string, fileName: string}
//   {type: 'delta', section: 'digest', digest: Digest}
//   {type: 'delta', section: 'translation', blocks: TranslatedBlock[], partial: TranslatedBlock | null}
//   {type: 'done', …Done}                                    a section is finished (one shape for both)
//   {type: 'error', section: 'original' | 'digest' | 'translation', error: ErrorInfo, blockIds?: string[], transient?: boolean}
//   {type: 'onDevice', section: 'digest', step: DigestStep}             run these Summarizer calls
//   {type: 'onDevice', section: 'translation', step: TranslationStep}   detect, translate, or say why not
//
// Every frame is made by the Rust core (src/session/effect.rs), which reads the panel's frames
// (src/session/event.rs); background.js only carries them.
//
// One-off messages (chrome.runtime.sendMessage), options page → worker
//   {type: 'testConnection', settings: Settings} → {ok: true, report: ConnectionReport} | {ok: false, error: ErrorInfo}
//   {type: 'clearCache'} → {ok: true}
//
// Shapes (serde structs in src/, all camelCase):
/** @typedef {{code: string, message: string, retryable: boolean, retryAfterMs?: number}} ErrorInfo */
/** @typedef {{text: string, bold?: boolean, italic?: boolean, code?: boolean, href?: string}} Span */
/** @typedef {{id: string, kind: 'heading'|'paragraph'|'listItem'|'quote'|'code'|'tableRow'|'caption', level?: number, text: string, spans: Span[]}} Block */
/** @typedef {{title: string, byline: ?string, siteName: ?string, publishedTime: ?string, lang: string, dir: ?string, excerpt: ?string, url: ?string, wordCount: number, readingMinutes: number, readerable: boolean, fromSelection: boolean, blocks: Block[]}} Article */
/** @typedef {{keyPoints: Span[][], keyPointSources: (string|null)[], summary: Span[][], details: {label: string, text: Span[], source?: string}[]}} Digest */
/** @typedef {{id: string, spans: Span[]}} TranslatedBlock */
/** @typedef {{provider: string, lang: string, model: string}} Provenance */
/** @typedef {{digest: Provenance, digestMode: 'model'|'parts'|'cached'|'offline'|'onDevice', digestParts: ?number, digestNotice: ?ErrorInfo,
 *   translation: ?Provenance, sourceLang: string, targetLang: string, translationUnavailable: ?ErrorInfo,
 *   translationOnDevice: boolean, total: number}} PlanSummary */
/** @typedef {{inputTokens: number, outputTokens: number, costUsd: ?number}} Estimate */
/** `failedBlockIds` and `error` are the translation's (error: it stopped early; `cancelled` by the reader).
 * @typedef {{section: 'digest'|'translation', digest: ?Digest, provenance: ?Provenance, spend: ?Spend, elapsedMs: ?number,
 *   parts: ?number, cached: boolean, failedBlockIds: string[], error: ?ErrorInfo}} Done */
/** @typedef {{inputTokens: number, outputTokens: number, estimated: boolean, costUsd: ?number}} Spend */
/** @typedef {{model: string, contextTokens?: number, inputPerMtok?: number, outputPerMtok?: number}} ModelOverride */
/** @typedef {{schemaVersion: number, provider: string, apiKeys: Object<string, string>, model: string, baseUrl: string,
 *   digestLang: string, translateLang: string, concurrency: number, requestsPerMinute: number, chunkTokens: number,
 *   confirmAboveWords: number, pageBudgetTokens: number, bilingual: boolean, theme: 'auto'|'light'|'dark',
 *   firstByteTimeoutMs: number, stallTimeoutMs: number, modelOverrides: ModelOverride[]}} Settings */
/** A stored setting that was reset to its default; `field` is null when nothing could be read.
 * @typedef {{field: ?string, reason: 'unreadable'|'wrong_type'|'out_of_range'|'unknown_provider'|'newer_schema'}} Reset */
/** @typedef {{settings: Settings, resets: Reset[]}} ReadSettings                      core.readSettings(stored) */
/** @typedef {{model: string, prefix: boolean, contextTokens: number, inputPerMtok: ?number, outputPerMtok: ?number}} BuiltinRow */
/** @typedef {{rows: BuiltinRow[], defaultContextTokens: number}} BuiltinModels       core.builtinModels() */
/** @typedef {{model: string, contextTokens: string, inputPerMtok: string, outputPerMtok: string}} ModelRowInput   as typed */
/** @typedef {{row: number, field: string, code: 'required'|'duplicate'|'not_a_number'|'not_whole'|'out_of_range', min: ?number, max: ?number}} FieldError */
/** @typedef {{rows: ModelOverride[], errors: FieldError[]}} RowsCheck                core.checkModelRows(inputs) */
/** @typedef {{modelCount: number, modelFound: boolean, model: string, models: string[]}} ConnectionReport */
/** @typedef {{summarizer: boolean, translator: boolean, languageDetector: boolean}} OnDeviceApis */
/** @typedef {{type: string, length: string, format: string, expectedInputLanguages: string[], outputLanguage: string, sharedContext: string}} SummarizerOptions */
/** @typedef {{type: 'summarize', calls: {options: SummarizerOptions, input: string, context: string}[], done: number, total: number} | {type: 'done', digest: Digest, spend: Spend}} DigestStep */
/** @typedef {{type: 'detect', sample: string} | {type: 'translate', sourceLang: string, targetLang: string, blocks: BlockText[], unchanged: BlockText[]} | {type: 'unavailable', error: ErrorInfo}} TranslationStep */
/** @typedef {{id: string, text: string}} BlockText */
/** @typedef {{detectedLanguage: string, confidence: number}} Detected */

globalThis.GlossProtocol = Object.freeze({
  PORT_NAME: 'gloss',
  /** Frame and message types. */
  T: Object.freeze({
    START: 'start',
    RETRY: 'retry',
    OPEN_OPTIONS: 'openOptions',
    CONFIRM: 'confirm',
    CANCEL: 'cancel',
    PREFERENCE: 'preference',
    PROGRESS: 'progress',
    CLEAR_CACHE: 'clearCache',
    EXPORT: 'export',
    EXPORTED: 'exported',
    ARTICLE: 'article',
    PLAN: 'plan',
    DELTA: 'delta',
    DONE: 'done',
    ERROR: 'error',
    TEST_CONNECTION: 'testConnection',
    ON_DEVICE: 'onDevice',
    ON_DEVICE_UNAVAILABLE: 'onDeviceUnavailable',
    KEEPALIVE: 'keepalive',
    CLOSE: 'close',
  }),
  SECTION: Object.freeze({ ORIGINAL: 'original', DIGEST: 'digest', TRANSLATION: 'translation' }),
  /** The options page's label (a message key) for each stored setting a notice may name. */
  SETTING_LABELS: Object.freeze({
    provider: 'optionsProvider',
    apiKeys: 'optionsApiKey',
    model: 'optionsModel',
    baseUrl: 'optionsBaseUrl',
    digestLang: 'optionsDigestLang',
    translateLang: 'optionsTranslateLang',
    concurrency: 'optionsConcurrency',
    requestsPerMinute: 'optionsRpm',
    chunkTokens: 'optionsChunkTokens',
    firstByteTimeoutMs: 'optionsFirstByteTimeout',
    stallTimeoutMs: 'optionsStallTimeout',
    confirmAboveWords: 'optionsConfirmWords',
    pageBudgetTokens: 'optionsBudget',
    bilingual: 'optionsBilingual',
    theme: 'optionsTheme',
    modelOverrides: 'optionsModelsTitle',
  }),
  /** Error codes the panel makes itself (everything else comes from Rust's GlossError::code). */
  CODE: Object.freeze({ INTERNAL: 'internal', ON_DEVICE_FAILED: 'on_device_failed' }),
});
