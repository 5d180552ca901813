// The one description of every message between Gloss's parts. Loaded as a classic script
// (by the panel's page, panel.html) and imported for its side effect by the module worker, so it
// defines a frozen global instead of exports.
//
// Frames on the `gloss` Port, a discriminated union on `type`:
//
// panel (panel.html in its frame) → worker
//   {type: 'start', html: string, url: string, readerableGate: boolean, selectionHtml: ?string, translateLang: ?string, onDevice: OnDeviceApis}
//   {type: 'start', ahead: true, readerableGate: boolean, translateLang: ?string}   the page is the one its
//                                                content script sent ahead (`pageAhead`, below): the panel's first start
//   {type: 'retry', section: 'digest'}
//   {type: 'retry', section: 'translation', blockIds: string[]}
//   {type: 'confirm', section: 'translation'}            go ahead after seeing the estimate
//   {type: 'cancel', section: 'translation'}
//   {type: 'preference', name: 'bilingual', value: boolean}
//   {type: 'export', purpose: 'copy' | 'download'}
//   {type: 'ask', question: string}               the reader's question about the article (a trusted press)
//   {type: 'retry', section: 'qa'}                ask the question that failed again
//   {type: 'openOptions'}
//   {type: 'onDevice', section: 'digest', answers: string[]}           every Summarizer answer so far
//   {type: 'onDevice', section: 'translation', detected: Detected[]}   what the LanguageDetector said
//   {type: 'onDevice', section: 'translation', blocks: BlockText[], done: boolean, start?: true}   translated on this device
//   {type: 'onDeviceUnavailable', section: 'digest'}                   the Summarizer's model is not ready
//   {type: 'expand'}                             the reader opened a panel that opened by itself (held)
//   {type: 'site', on: boolean, run: boolean, granted: boolean}   the "always on" toggle; granted: the permission
//   {type: 'restyle', style: string}             write the digest again in this style (kept as the reader's)
//   {type: 'keepalive'}                          still busy on the device, or the answer to a `waitingSeconds`
//                                                progress frame (a silent Port lets the worker stop)
//   {type: 'close'}                              the reader closed the panel: end the session for good
//
// worker → panel
//   {type: 'article', article: Article, timing?: ExtractTiming}   as soon as it is extracted; timing: when
//                                                            the core reached each phase (the bench's time split)
//   {type: 'plan', plan: PlanSummary, bilingual: boolean, theme: string, settingsResets: Reset[]}   what each
//                                                            section will show; settingsResets: stored settings that were reset
//   {type: 'confirm', section: 'translation', estimate: ?Estimate}   long article: wait for a click
//   {type: 'progress', section: 'translation', progress: ?{total, done, failed, spend}}
//   {type: 'progress', section: 'digest', parts: {done, total}}        a digest in parts
//   {type: 'progress', section: 'digest' | 'translation', readingSeconds: number}   a local model has not answered yet
//   {type: 'progress', section: 'digest' | 'translation', waitingSeconds: number, waitingFor: 'rateWindow' | 'retry'}
//                                                            nothing in flight until the wait ends; said again every 20 s
//                                                            and answered with `keepalive`, so the worker does not idle out
//   {type: 'exported', purpose: 'copy' | 'download', markdown: string, fileName: string}
//   {type: 'site', origin, pattern, on, run, denied}         the "always on" toggle's state for the page's site
//   {type: 'held'}                                           opened by itself: nothing is sent until 'expand'
//   {type: 'pageNeeded', readerableGate: boolean, translateLang: ?string}   the page sent ahead did not come:
//                                                            start again the usual way, with the page
//   {type: 'restyled', provenance: Provenance}               the digest is being written again in another style
//   {type: 'delta', section: 'digest', digest: Digest}
//   {type: 'delta', section: 'translation', blocks: TranslatedBlock[], partial: TranslatedBlock | null}
//   {type: 'done', …Done}                                    a section is finished (one shape for both)
//   {type: 'error', section: 'original' | 'digest' | 'translation', error: ErrorInfo, blockIds?: string[], transient?: boolean}
//   {type: 'asked', section: 'qa', turn: number, question: string, dropped: number}   sent; `dropped` earlier turns left out
//   {type: 'delta', section: 'qa', turn: number, answer: Answer}                 the answer so far
//   {type: 'answered', section: 'qa', turn: number, answer: Answer, spend: ?Spend, elapsedMs: ?number}
//   {type: 'conversation', section: 'qa', turns: Turn[], cached: true}           the page's earlier questions, from the cache
//   {type: 'onDevice', section: 'digest', step: DigestStep}             run these Summarizer calls
//   {type: 'onDevice', section: 'translation', step: TranslationStep}   detect, translate, or say why not
//
// Every frame is made by the Rust core (src/session/effect.rs), which reads the panel's frames
// (src/session/event.rs); background.js only carries them.
//
// One-off messages (chrome.runtime.sendMessage), options page → worker
//   {type: 'testConnection', settings: Settings} → {ok: true, report: ConnectionReport} | {ok: false, error: ErrorInfo}
//   {type: 'clearCache'} → {ok: true}
//   {type: 'forgetSite', origin: string} → {ok: true}   unregisters the site's content script
//
// One-off message, content script (registered for an always-on site) → worker
//   {type: 'siteVisit', html: string} → {open: false} | {open: true, intent: 'site' | 'siteRun'}
//
// One-off message, content script (as it opens the panel's frame) → worker
//   {type: 'pageAhead', …PageAhead} → null   the page, serialised and carried while the frame loads
//
// Shapes: the serde types in src/, generated into types/gloss.d.ts (`cargo test typescript`), so
// they are defined once, in Rust. The typedefs below name them for the other scripts' JSDoc.
/** @typedef {import('./types/gloss').Article} Article */
/** @typedef {import('./types/gloss').Block} Block */
/** @typedef {import('./types/gloss').Span} Span */
/** @typedef {import('./types/gloss').Digest} Digest */
/** @typedef {import('./types/gloss').TranslatedBlock} TranslatedBlock */
/** @typedef {import('./types/gloss').ErrorInfo} ErrorInfo */
/** @typedef {import('./types/gloss').Usage} Usage */
/** @typedef {import('./types/gloss').Provenance} Provenance */
/** @typedef {import('./types/gloss').Estimate} Estimate */
/** @typedef {import('./types/gloss').Spend} Spend */
/** @typedef {import('./types/gloss').Settings} Settings */
/** @typedef {import('./types/gloss').SettingField} SettingField */
/** @typedef {import('./types/gloss').Reset} Reset */
/** @typedef {import('./types/gloss').Migrated} Migrated                   core.readSettings(stored) */
/** @typedef {import('./types/gloss').ModelOverride} ModelOverride */
/** @typedef {import('./types/gloss').BuiltinTable} BuiltinTable           core.builtinModels() */
/** @typedef {import('./types/gloss').ModelRowInput} ModelRowInput         as typed */
/** @typedef {import('./types/gloss').FieldError} FieldError */
/** @typedef {import('./types/gloss').RowsCheck} RowsCheck                 core.checkModelRows(inputs) */
/** @typedef {import('./types/gloss').ConnectionReport} ConnectionReport */
/** @typedef {import('./types/gloss').Glossaries} Glossaries               core.readGlossaries(stored) */
/** @typedef {import('./types/gloss').GlossaryCsv} GlossaryCsv             core.glossaryFromCsv(text) */
/** @typedef {import('./types/gloss').GlossaryImport} GlossaryImport       core.importGlossary(terms, text) */
/** @typedef {import('./types/gloss').CsvError} CsvError */
/** @typedef {import('./types/gloss').GlossaryNote} GlossaryNote */
/** @typedef {import('./types/gloss').OnDeviceApis} OnDeviceApis */
/** @typedef {import('./types/gloss').SummarizeCall} SummarizeCall */
/** @typedef {import('./types/gloss').DigestStep} DigestStep */
/** @typedef {import('./types/gloss').TranslationStep} TranslationStep */
/** @typedef {import('./types/gloss').BlockText} BlockText */
/** @typedef {import('./types/gloss').Detected} Detected */
/** @typedef {import('./types/gloss').Site} Site                           core.readSites(stored) */
/** @typedef {import('./types/gloss').Plan} Plan */
/** @typedef {import('./types/gloss').CacheKeys} CacheKeys */
/** @typedef {import('./types/gloss').CacheHits} CacheHits */
/** @typedef {import('./types/gloss').CacheEntry} CacheEntry */
/** @typedef {import('./types/gloss').IndexEntry} IndexEntry */
/** @typedef {import('./types/gloss').Call} Call */
/** @typedef {import('./types/gloss').TranslationProgress} TranslationProgress */
/** @typedef {import('./types/gloss').ChunkEnd} ChunkEnd */
/** @typedef {import('./types/gloss').PlanSummary} PlanSummary */
/** @typedef {import('./types/gloss').ContextInfo} ContextInfo */
/** @typedef {import('./types/gloss').Done} Done */
/** @typedef {import('./types/gloss').Answer} Answer */
/** @typedef {import('./types/gloss').Turn} Turn */
// The core's protocol with its host (background.js): events in, effects out.
/** @typedef {import('./types/gloss').Host} Host */
/** @typedef {import('./types/gloss').Stamped} Stamped */
/** @typedef {import('./types/gloss').Event} CoreEvent */
/** @typedef {import('./types/gloss').Effect} Effect */
/** @typedef {import('./types/gloss').PanelFrame} PanelFrame */
/** @typedef {import('./types/gloss').Frame} Frame */
/** @typedef {{id: string, label: string, baseUrl: string, model: string, needsKey: boolean}} Preset   core.presets() */

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
    RESTYLE: 'restyle',
    EXPAND: 'expand',
    SITE: 'site',
    HELD: 'held',
    PAGE_NEEDED: 'pageNeeded',
    FORGET_SITE: 'forgetSite',
    RESTYLED: 'restyled',
    CLOSE: 'close',
    ASK: 'ask',
    ASKED: 'asked',
    ANSWERED: 'answered',
    CONVERSATION: 'conversation',
  }),
  SECTION: Object.freeze({ ORIGINAL: 'original', DIGEST: 'digest', TRANSLATION: 'translation', QA: 'qa' }),
  /** The options page's label (a message key) for each stored setting a notice may name. */
  SETTING_LABELS: Object.freeze({
    schemaVersion: 'settingSchemaVersion',
    provider: 'optionsProvider',
    apiKeys: 'optionsApiKey',
    apiKey: 'optionsApiKey',
    model: 'optionsModel',
    baseUrl: 'optionsBaseUrl',
    baseUrls: 'optionsBaseUrl',
    digestLang: 'optionsDigestLang',
    translateLang: 'optionsTranslateLang',
    concurrency: 'optionsConcurrency',
    requestsPerMinute: 'optionsRpm',
    chunkTokens: 'settingChunkTokens',
    confirmAboveWords: 'optionsConfirmWords',
    pageBudgetTokens: 'optionsBudget',
    bilingual: 'optionsBilingual',
    theme: 'optionsTheme',
    firstByteTimeoutMs: 'settingFirstByteTimeout',
    stallTimeoutMs: 'settingStallTimeout',
    modelOverrides: 'optionsModelsTitle',
    digestStyle: 'optionsDigestStyle',
    digestInstructions: 'optionsDigestInstructions',
  }),
  /** Error codes made in JS (everything else comes from Rust's GlossError::code). */
  CODE: Object.freeze({ INTERNAL: 'internal', ON_DEVICE_FAILED: 'on_device_failed', PANEL_COVERED: 'panel_covered' }),
});
