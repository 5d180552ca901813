// Generated from the Rust types by src/typescript.rs (`cargo test typescript`): do not edit.
// The values that cross the WASM boundary and the panel's Port, as serde writes them.

/** Every `GlossError::code()`: each has an `error_<code>` message in every locale. */
export type ErrorCode = "bad_key" | "bad_request" | "bad_response" | "budget_reached" | "cancelled" | "context_too_long" | "forbidden" | "insecure_base_url" | "instructions_too_long" | "invalid" | "misaligned" | "missing_key" | "model_not_found" | "network" | "no_article" | "not_readerable" | "ollama_origin" | "overloaded" | "pdf_encrypted" | "pdf_file_access" | "pdf_no_text" | "pdf_not_granted" | "pdf_unreadable" | "question_too_long" | "quota" | "rate_limited" | "same_language" | "server" | "stream_cut" | "timeout" | "too_large" | "too_many_starts";

/** The stored settings' fields, which a reset (`Reset.field`) may name: each has a label in SETTING_LABELS. */
export type SettingField = "schemaVersion" | "provider" | "apiKeys" | "apiKey" | "model" | "baseUrls" | "baseUrl" | "digestLang" | "translateLang" | "concurrency" | "requestsPerMinute" | "chunkTokens" | "confirmAboveWords" | "pageBudgetTokens" | "bilingual" | "theme" | "firstByteTimeoutMs" | "stallTimeoutMs" | "modelOverrides" | "digestStyle" | "digestInstructions";

/**
 * A page sent ahead ([`super::event::PageAhead`]): read on the page's side from `readAt` to
 * `readDoneAt` (its clock), handed to the core at `arrived` (the worker's clock).
 */
export type AheadTiming = { readAt: number | null, readDoneAt: number | null, arrived: number | null };

/** An answer as the panel shows it. */
export type Answer = {
  /** Paragraphs, each a run of claims. */
  paragraphs: Array<Array<Claim>>,
  /** The model said the article does not answer the question (the panel says so in its own words). */
  notInArticle: boolean,
};

/** `chrome.storage.local` (settings, cache) or `chrome.storage.session` (which tabs Gloss is in). */
export type Area = "local" | "session";

/** What the reader sees in the Original section and what prompts are built from. */
export type Article = {
  title: string,
  byline: string | null,
  siteName: string | null,
  publishedTime: string | null,
  /** BCP 47 tag as declared by the page or detected from the text (`und` when unknown). */
  lang: string,
  dir: string | null,
  excerpt: string | null,
  url: string | null,
  wordCount: number,
  readingMinutes: number,
  /** Whether the page passed the cheap "looks like an article" check. */
  readerable: boolean,
  /** The blocks are the reader's selection rather than the whole article. */
  fromSelection: boolean,
  blocks: Array<Block>,
};

/** One unit of the article. `text` is plain text; `spans` is the same text with inline styling. */
export type Block = {
  /** Stable within an article: `b1`, `b2`, … in document order. */
  id: string,
  kind: BlockKind,
  /** Heading level (1–6) or list nesting depth (1 = top level). */
  level?: number | null,
  text: string,
  spans: Array<Span>,
};

/** What kind of structure a block had in the page, so a translation can keep it. */
export type BlockKind = "heading" | "paragraph" | "listItem" | "quote" | "code" | "tableRow" | "caption";

/** A block's plain text, to translate or as translated. */
export type BlockText = { id: string, text: string };

/** One row of the built-in table as the options page lists it. */
export type BuiltinRow = {
  model: string,
  /** The row covers every model whose id starts with `model`. */
  prefix: boolean,
  contextTokens: number,
  inputPerMtok: number | null,
  outputPerMtok: number | null,
};

/** The built-in table: every priced model with its context, then the context-only prefixes. */
export type BuiltinTable = { rows: Array<BuiltinRow>, defaultContextTokens: number };

/** One value to store. */
export type CacheEntry = { key: string, value: Digest | Array<Span> };

/** What was found under those keys. */
export type CacheHits = {
  digest: Digest | null,
  /** Translated spans by storage key. */
  blocks: { [key in string]: Array<Span> },
  qa: Conversation | null,
};

/** The storage keys under which earlier results for this article may be cached. */
export type CacheKeys = {
  digest: string | null,
  /** `(block id, key)` for every block. */
  blocks: Array<[string, string]>,
  /** The questions asked about the article. */
  qa: string | null,
};

/** One request to send, with what is needed to read its answer. */
export type Call = {
  wire: Wire,
  isLocal: boolean,
  request: HttpRequest,
  /** Give up when no byte of the answer has come after this long. */
  firstByteTimeoutMs: number,
  /** Give up when the answer stops for this long mid-way. */
  stallTimeoutMs: number,
  /** The prompt's estimated tokens, counted as the call's input when the provider reports none. */
  promptTokens: number,
};

/** The end of a chunk: aligned blocks, failed ones, and the error if the stream failed. */
export type ChunkEnd = { outcome: ChunkOutcome, usage: Usage, error: ErrorInfo | null };

/** The checked result of a chunk once its stream has ended. */
export type ChunkOutcome = {
  /** Blocks that came back aligned (including ones already reported as completed). */
  translated: Array<TranslatedBlock>,
  /** Blocks that came back missing, merged into a neighbour, or duplicated. */
  failed: Array<string>,
  /**
   * The model did not keep the blocks' markers (a block missing, repeated or merged into
   * another, in a complete answer of more than one block): the scheduler's signal to send
   * one block per request (see the scheduler), where no marker is needed.
   */
  markersLost: boolean,
};

/** One claim of an answer: its text and the paragraph it draws on, when it names a real one. */
export type Claim = { text: Array<Span>, source?: string | null };

/** What Test connection reports. */
export type ConnectionReport = {
  modelCount: number,
  /** Whether the configured model is among the provider's models. */
  modelFound: boolean,
  model: string,
  models: Array<string>,
  /**
   * The context Gloss will size requests by for the model, and where that comes from
   * (the server, when it said).
   */
  context: ContextInfo | null,
};

/** The context a model is used with, and where that number comes from. */
export type ContextInfo = { tokens: number, source: ContextSource };

/** Where the context size Gloss sizes requests by comes from. */
export type ContextSource = "reader" | "server" | "table";

/** The questions asked on one page so far, oldest first. */
export type Conversation = { turns: Array<Turn> };

/** Why a CSV file could not be read; `line` is where the record at fault starts (1-based). */
export type CsvError = {
  line: number,
  /** `unclosed_quote`, `stray_quote`, or one of the glossary's row codes. */
  code: string,
  /** The other line a `duplicate` row names. */
  otherLine: number | null,
};

export type Delta =
  | { section: Section, digest: Digest }
  | {
      section: Section,
      blocks: Array<TranslatedBlock>,
      partial: TranslatedBlock | null,
      /** Blocks of `blocks` whose translation does not follow the reader's glossary. */
      glossary: Array<GlossaryNote>,
    }
  | { section: Section, turn: number, answer: Answer };

/** A detailed key point: a short bold label and one sentence. */
export type DetailPoint = {
  label: string,
  text: Array<Span>,
  /** The id of the article block the point draws on, when known (the panel links to it). */
  source?: string | null,
};

/** One of the LanguageDetector's guesses. */
export type Detected = { detectedLanguage: string, confidence: number };

/** What the Quick Digest section shows, in order. */
export type Digest = {
  keyPoints: Array<Array<Span>>,
  /** For each key point, the id of the article block it draws on, when known. */
  keyPointSources: Array<string | null>,
  summary: Array<Array<Span>>,
  details: Array<DetailPoint>,
  /**
   * The model did not write the digest's sections: its whole answer is the summary, and the
   * panel says so (`_locales` key `digestFormatMissed`). Set once the answer is complete.
   */
  formatMissed: boolean,
};

/** How the Quick Digest will be made. */
export type DigestPlan =
  | { "mode": "model", provenance: Provenance, call: Call }
  | { "mode": "parts", provenance: Provenance, calls: Array<Call> }
  | { "mode": "cached", provenance: Provenance, digest: Digest }
  | { "mode": "offline", provenance: Provenance, digest: Digest, notice: ErrorInfo | null }
  | { "mode": "onDevice", provenance: Provenance, step: DigestStep };

/** What the content script does next for an on-device digest. */
export type DigestStep =
  | { "type": "summarize", calls: Array<SummarizeCall>, done: number, total: number }
  | { "type": "prompt", call: PromptCall }
  | { "type": "done", digest: Digest, spend: Spend };

/**
 * A section is finished: one shape for both sections, built only by `Done::digest` and
 * `Done::translation`.
 */
export type Done = {
  section: Section,
  digest: Digest | null,
  provenance: Provenance | null,
  /** Tokens (and money) the section took, every call counted. */
  spend: Spend | null,
  /** From the section's start to its end, as the worker's events say. */
  elapsedMs: number | null,
  /** A digest made in this many parts. */
  parts: number | null,
  /** Shown from the cache: nothing was sent. */
  cached: boolean,
  failedBlockIds: Array<string>,
  /** The translation stopped early for this (`cancelled` when the reader cancelled). */
  error: ErrorInfo | null,
};

export type Effect =
  | { "type": "post", port: number, frame: Frame }
  | { "type": "disconnect", port: number }
  | { "type": "fetch", req: number, request: HttpRequest }
  | { "type": "abort", req: number }
  | { "type": "armTimer", timer: number, ms: number }
  | { "type": "cancelTimer", timer: number }
  | { "type": "storageGet", op: number, area: Area, keys: Array<string> }
  | { "type": "storageSet", op: number, area: Area, items: Record<string, unknown> }
  | { "type": "storageRemove", area: Area, keys: Array<string> }
  | { "type": "inject", tab: number, intent: string }
  | { "type": "openReader", tab: number, url: string }
  | { "type": "badge", tab: number, text: string, titleKey: string | null }
  | { "type": "reply", msg: number, value: unknown }
  | { "type": "openOptions" }
  | { "type": "registerSite", id: string, matches: Array<string>, js: Array<string> }
  | { "type": "unregisterSite", id: string }
  | { "type": "dropPermission", origins: Array<string> }
  | { "type": "warn", message: string };

/** `{code, message, retryable}` as the extension sees it. */
export type ErrorInfo = { code: string, message: string, retryable: boolean, retryAfterMs?: number | null };

/** What a request is expected to cost before it is sent. */
export type Estimate = {
  inputTokens: number,
  outputTokens: number,
  /** Absent for models whose price is not known (local models cost nothing here anyway). */
  costUsd: number | null,
};

export type Event =
  | { "type": "clicked", tab: number, intent: string, url?: string | null }
  | { "type": "injectDone", tab: number, ok: boolean, message?: string | null }
  | { "type": "connected", port: number, sender: Sender }
  | { "type": "frame", port: number, frame: PanelFrame }
  | { "type": "disconnected", port: number }
  | { "type": "storageRead", op: number, items: Record<string, unknown> }
  | { "type": "storageWritten", op: number, ok: boolean, error?: string | null }
  | { "type": "responseHead", req: number, status: number, headers: Array<[string, string]> }
  | { "type": "responseEnd", req: number }
  | { "type": "responseFailed", req: number, message: string }
  | { "type": "timerFired", timer: number }
  | { "type": "message", msg: number, sender: Sender, message: unknown };

/** How to extract. */
export type ExtractOptions = {
  /** Refuse pages that do not look like articles (`NotReaderable`) instead of parsing them. */
  readerableGate: boolean,
  /** The reader's selection, as HTML: its blocks replace the article's. */
  selectionHtml: string | null,
};

/**
 * When an extraction reached each point, in milliseconds on the host's clock (the worker's
 * `performance.timeOrigin + performance.now()`), for `npm run bench`'s time split: the event
 * carrying the page (a start frame, or the page sent ahead) was handed to the core (`entered`),
 * read (`decoded`), then the article's phases.
 */
export type ExtractTiming = {
  entered: number,
  decoded: number,
  parsed: number,
  readability: number,
  blocks: number,
  /** For a page sent ahead: when its side read it, and when it reached the core. */
  ahead?: AheadTiming,
  /** For a page sent ahead: when the start frame that showed its article reached the core. */
  started?: number,
};

/** Why one field of a typed row cannot be saved. `code` is stable; the page words it. */
export type FieldError = {
  row: number,
  /** `model`, `contextTokens`, `inputPerMtok` or `outputPerMtok`. */
  field: string,
  /** `required`, `duplicate`, `not_a_number`, `not_whole`, `out_of_range`. */
  code: string,
  /** The allowed range, for `out_of_range`. */
  min: number | null,
  max: number | null,
};

/** A font's name as the PDF embeds it (`ABCDEF+LiberationSerif-Bold`), and pdf.js's flags. */
export type FontInfo = { name: string, bold: boolean, italic: boolean };

/** Frames the worker posts to a panel, a union on `type`. */
export type Frame =
  | { "type": "article", article: Article, timing?: ExtractTiming }
  | { "type": "plan", plan: PlanSummary, bilingual: boolean, theme: string, settingsResets: Array<Reset> }
  | { "type": "confirm", section: Section, estimate: Estimate | null }
  | { "type": "progress" } & ProgressFrame
  | { "type": "delta" } & Delta
  | { "type": "done" } & Done
  | {
      "type": "error",
      section: Section,
      error: ErrorInfo,
      blockIds: Array<string> | null,
      /** The scheduler may still try these blocks again: news, not the verdict. */
      transient: boolean | null,
    }
  | { "type": "onDevice", section: Section, step: DigestStep | TranslationStep }
  | { "type": "exported", purpose: string, markdown: string, fileName: string }
  | { "type": "asked", section: Section, turn: number, question: string, dropped: number }
  | { "type": "answered", section: Section, turn: number, answer: Answer, spend: Spend | null, elapsedMs: number | null }
  | { "type": "conversation", section: Section, turns: Array<Turn>, cached: boolean }
  | { "type": "site" } & SiteState
  | { "type": "held" }
  | { "type": "pageNeeded", readerableGate: boolean, translateLang: string | null }
  | { "type": "restyled", provenance: Provenance };

/** Every language's glossary, as stored. */
export type Glossaries = {
  schemaVersion: number,
  /** Terms by target language code (as the settings' `translateLang` has it). */
  languages: { [key in string]: Array<Term> },
};

/** The Options editor's text (or a file) read as a glossary: its terms, or the first bad row. */
export type GlossaryCsv = { terms: Array<Term>, error: CsvError | null };

/**
 * A CSV file imported into a glossary: the merged glossary, or the file's first bad row (and
 * then nothing of the file is taken and the glossary stays as it was).
 */
export type GlossaryImport = { merged: GlossaryMerge | null, error: CsvError | null };

/** An import merged into a glossary. */
export type GlossaryMerge = {
  terms: Array<Term>,
  /** Imported terms that were not in the glossary. */
  added: number,
  /** Imported terms that replaced a row with the same term. */
  replaced: number,
};

/** The glossary terms of a block that its translation does not follow. */
export type GlossaryNote = {
  blockId: string,
  /**
   * Terms of the source whose rendering (or, for a kept term, the term itself) is not in the
   * translation.
   */
  missed: Array<Term>,
};

/** What the worker knows of its extension when it makes the core. */
export type Host = {
  /** `chrome.runtime.id`. */
  extensionId: string,
  /** `chrome.runtime.getURL('')`: the extension's own pages start with it. */
  extensionUrl: string,
  /** `chrome.i18n.getUILanguage()`, the full tag (`zh-TW`). */
  uiLanguage: string,
  /** `chrome.storage.local.QUOTA_BYTES`, where the browser has one. */
  quotaBytes: number | null,
};

/** A request for the extension to send with `fetch`, exactly as built. */
export type HttpRequest = {
  url: string,
  method: string,
  headers: Array<[string, string]>,
  body: string | null,
  /**
   * `fetch`'s `redirect` option, always `"error"`: a redirect would carry the key's header
   * (browsers strip only `authorization`) to wherever the server points, so it fails instead.
   */
  redirect: string,
};

/** One entry of the cache's index, as the extension stores it. */
export type IndexEntry = {
  key: string,
  bytes: number,
  /** Last use, in milliseconds since the epoch. */
  usedAt: number,
};

/** Stored settings brought up to date, with what could not be kept. */
export type Migrated = { settings: Settings, resets: Array<Reset> };

/** One row of the reader's table: any field left out keeps the built-in value. */
export type ModelOverride = {
  /** A model id as the provider names it (`gpt-4o-mini`, `openai/gpt-4o-mini`, `llama3.2`). */
  model: string,
  contextTokens?: number | null,
  /** US dollars per million input tokens. */
  inputPerMtok?: number | null,
  /** US dollars per million output tokens. */
  outputPerMtok?: number | null,
};

/** One row as typed in the options page: every field the raw text of its input. */
export type ModelRowInput = { model: string, contextTokens: string, inputPerMtok: string, outputPerMtok: string };

/**
 * Which built-in AI APIs the page's window exposes. Presence only: whether a model is ready
 * (or must first be downloaded) is asked of each API with the options decided here.
 */
export type OnDeviceApis = {
  summarizer: boolean,
  translator: boolean,
  languageDetector: boolean,
  /** The Prompt API (`LanguageModel`), which writes the digest in Gloss's own format. */
  languageModel: boolean,
};

/**
 * The page, sent by the content script (`{type: 'pageAhead', …}`) as it opens the panel's frame:
 * it is serialised and carried to the core while the frame loads, and the panel's first start
 * reads it (`Start { ahead: true }`) instead of asking the page side for it after loading.
 */
export type PageAhead = {
  html: string,
  url: string | null,
  selectionHtml: string | null,
  onDevice: OnDeviceApis | null,
  /**
   * When the page side began and finished reading the page, on its clock
   * (`performance.timeOrigin + performance.now()`), for `npm run bench`'s time split.
   */
  readAt: number | null,
  readDoneAt: number | null,
};

/** Frames a panel posts on its Port, a union on `type`. */
export type PanelFrame =
  | {
      "type": "start",
      ahead: boolean,
      html: string,
      url: string | null,
      readerableGate: boolean,
      selectionHtml: string | null,
      /** Another target language, for this page only. */
      translateLang: string | null,
      onDevice: OnDeviceApis | null,
      /** A PDF's text items (the reader page's), read instead of `html`. */
      pdf: PdfDoc | null,
      /** Why the reader page has no PDF to give. */
      pdfFailure: PdfFailure | null,
    }
  | { "type": "retry", section: Section, blockIds: Array<string> | null }
  | { "type": "confirm" }
  | { "type": "cancel" }
  | { "type": "preference", name: string, value: unknown }
  | { "type": "export", purpose: string }
  | { "type": "ask", question: string }
  | { "type": "openOptions" }
  | { "type": "onDevice", section: Section, answers: Array<string> | null, detected: Array<Detected> | null, blocks: Array<BlockText> | null, done: boolean, start: boolean }
  | { "type": "onDeviceUnavailable" }
  | { "type": "expand" }
  | { "type": "site", on: boolean, run: boolean, granted: boolean }
  | { "type": "restyle", style: string }
  | { "type": "keepalive" }
  | { "type": "close" };

export type Parts = { done: number, total: number };

/** A PDF's text layer: every page's items, and the document's own Title and Author. */
export type PdfDoc = { pages: Array<PdfPage>, title: string | null, author: string | null };

/** Why the reader page has no items to give, as the facts it saw: the core says what they mean. */
export type PdfFailure =
  | { "kind": "fetch", message: string, status: number | null, granted: boolean, fileAccess: boolean }
  | { "kind": "unreadable", name: string, message: string };

/** One page: its size in PDF units (points, y upwards from the bottom), its items and fonts. */
export type PdfPage = {
  width: number,
  height: number,
  items: Array<TextItem>,
  /** pdf.js's font ids (`fontName` of an item) to what the font says of itself. */
  fonts: { [key in string]: FontInfo },
};

export type Plan = {
  digest: DigestPlan,
  translation: TranslationPlan,
  /** Why no question about the article can be asked (no model), if none can. */
  qaUnavailable: ErrorInfo | null,
  /** The model's context the requests are sized by, and where it comes from (none without a model). */
  context: ContextInfo | null,
};

/** What the panel needs to know of the plan (never the requests: they carry the key). */
export type PlanSummary = {
  digest: Provenance,
  digestMode: string,
  digestParts: number | null,
  digestNotice: ErrorInfo | null,
  translation: Provenance | null,
  sourceLang: string,
  targetLang: string,
  translationUnavailable: ErrorInfo | null,
  translationOnDevice: boolean,
  total: number,
  /** Why no question can be asked (no model), or none when the question box works. */
  qaUnavailable: ErrorInfo | null,
  /** The longest question the box takes. */
  questionMaxChars: number,
  /**
   * The styles the panel's select offers (none when no model writes the digest), and the
   * one the digest is written in.
   */
  digestStyles: Array<string>,
  digestStyle: string,
  /** The model's context the requests are sized by, and where that number comes from. */
  context: ContextInfo | null,
};

/** Counts for the progress line. */
export type Progress = {
  total: number,
  done: number,
  failed: number,
  /**
   * The model lost the blocks' markers even in a split chunk: the rest of the article goes
   * one block per request (the panel says so: `_locales` key `translationOneBlock`).
   */
  oneBlockPerRequest: boolean,
};

export type ProgressFrame =
  | { section: Section, parts: Parts }
  | { section: Section, readingSeconds: number }
  | { section: Section, waitingSeconds: number, waitingFor: WaitFor }
  | { section: Section, progress: TranslationProgress | null };

/** One `LanguageModel.create({initialPrompts: [system], …})` then `prompt(user, {responseConstraint})`. */
export type PromptCall = {
  system: string,
  user: string,
  /** The JSON schema the answer must follow (`responseConstraint`). */
  schema: Record<string, unknown>,
  expectedInputLanguages: Array<string>,
  outputLanguage: string,
};

/** `provider · lang · model`, shown in each section's header. */
export type Provenance = {
  provider: string,
  lang: string,
  model: string,
  /**
   * The digest's style (`brief`, `custom`, …), for a digest a model writes in one other than
   * the standard.
   */
  style?: string,
};

/** One setting reset to its default, and why. */
export type Reset = {
  /** The stored field's name (`concurrency`, `provider`, …); `None` for the whole object. */
  field: SettingField | null,
  reason: ResetReason,
};

/** Why a stored setting was not kept as it was. The codes are stable; the pages word them. */
export type ResetReason = "unreadable" | "wrong_type" | "out_of_range" | "unknown_provider" | "newer_schema";

/** The typed rows as settings rows, or the reason for each field that cannot be saved. */
export type RowsCheck = { rows: Array<ModelOverride>, errors: Array<FieldError> };

/** A panel's section, as frames name it. */
export type Section = "original" | "digest" | "translation" | "qa";

/** Who sent a message or opened a Port, as the browser says (`runtime.MessageSender`). */
export type Sender = { id: string | null, url: string | null, tab: Tab | null, frameId: number | null };

/** What the user set in the options page (stored in `chrome.storage.local`). */
export type Settings = {
  /** Missing in stored settings means schema 0. */
  schemaVersion: number,
  provider: string,
  /** Keys by provider id, so switching providers keeps each one's key. */
  apiKeys: { [key in string]: string },
  /** Schema 1's single key; moved into `api_keys` by `migrate`. */
  apiKey?: string,
  /** Empty means the preset's default. */
  model: string,
  /** Base URLs by provider id; a provider without one uses its preset's. */
  baseUrls: { [key in string]: string },
  /**
   * Schemas 0–3's single base URL, for the provider chosen at the time; moved into
   * `base_urls` by `migrate`.
   */
  baseUrl?: string,
  digestLang: string,
  translateLang: string,
  /** Translation chunks streaming at once (1–8). */
  concurrency: number,
  /** Requests started per minute; 0 for no cap. */
  requestsPerMinute: number,
  /** Source tokens per translation chunk. */
  chunkTokens: number,
  /** Articles longer than this many words show their estimated cost and wait for a click. */
  confirmAboveWords: number,
  /** Tokens one page may spend, digest and translation together; 0 for no limit. */
  pageBudgetTokens: number,
  /** Show the original under each translated block. */
  bilingual: boolean,
  /** The panel's colours: `auto` (the page's or the system's scheme), `light` or `dark`. */
  theme: string,
  /**
   * Give up on an answer whose first byte has not come after this long (local servers may
   * first load the model).
   */
  firstByteTimeoutMs: number,
  /** Give up on an answer that stops for this long mid-way. */
  stallTimeoutMs: number,
  /** The reader's context sizes and prices, over the built-in ones. */
  modelOverrides: Array<ModelOverride>,
  /** How the digest is written: a preset id (`brief`, `standard`, …) or `custom`. */
  digestStyle: string,
  /**
   * The reader's own instructions for the `custom` style (at most
   * `digest::style::MAX_INSTRUCTIONS_CHARS` are sent; kept whole when the style is another).
   */
  digestInstructions: string,
};

/** One site Gloss opens on by itself. */
export type Site = {
  /** `https://example.com` (scheme, host and port, as `URL.origin` writes it). */
  origin: string,
  /** Digest at once, rather than wait for the reader to open the collapsed panel. */
  run: boolean,
};

/** What the panel shows of the page's site: its toggle's state. */
export type SiteState = {
  origin: string,
  /** The host permission to ask for at the click (`https://example.com/*`). */
  pattern: string,
  on: boolean,
  run: boolean,
  /** The reader was asked for the permission and said no. */
  denied: boolean,
};

/** A run of text with its inline style. `href` is only ever an absolute http(s) URL. */
export type Span = { text: string, bold?: boolean, italic?: boolean, code?: boolean, href?: string | null };

/**
 * What a section cost once it is done: tokens as the provider reported them, or estimated
 * (and marked so) where it reported none.
 */
export type Spend = { inputTokens: number, outputTokens: number, estimated: boolean, costUsd: number | null };

/** One event, with the time the worker saw it (`Date.now()`, in ms). */
export type Stamped = { now: number, } & ({ "type": "clicked", tab: number, intent: string, url?: string | null, } | { "type": "injectDone", tab: number, ok: boolean, message?: string | null, } | { "type": "connected", port: number, sender: Sender, } | { "type": "frame", port: number, frame: PanelFrame, } | { "type": "disconnected", port: number, } | { "type": "storageRead", op: number, items: Record<string, unknown>, } | { "type": "storageWritten", op: number, ok: boolean, error?: string | null, } | { "type": "responseHead", req: number, status: number, headers: Array<[string, string]>, } | { "type": "responseEnd", req: number, } | { "type": "responseFailed", req: number, message: string, } | { "type": "timerFired", timer: number, } | { "type": "message", msg: number, sender: Sender, message: unknown, });

/** One `summarizer.summarize(input, {context})` call, made with a summarizer created with `options`. */
export type SummarizeCall = { options: SummarizerOptions, input: string, context: string };

/** What the Summarizer is to write, and in which language. */
export type SummarizerOptions = {
  /** `key-points` or `tldr`. */
  type: string,
  /** `short`, `medium` or `long`. */
  length: string,
  /** `markdown` or `plain-text`. */
  format: string,
  expectedInputLanguages: Array<string>,
  outputLanguage: string,
  sharedContext: string,
};

export type Tab = { id: number };

/**
 * One entry: `term` as the source has it, and its `rendering` in the target language; an empty
 * rendering means the term is kept as it is.
 */
export type Term = { term: string, rendering: string };

/** A pdf.js text item: a run of text drawn with one font from one point. */
export type TextItem = {
  str: string,
  /** The text matrix `[a, b, c, d, e, f]`: `e, f` is where the baseline starts, `d` the size. */
  transform: Array<number>,
  width: number,
  height: number,
  fontName: string,
  /** pdf.js saw the end of a line after this item. */
  hasEol: boolean,
};

/** One block of translated text, in the same structure as its source. */
export type TranslatedBlock = { id: string, spans: Array<Span> };

/** How the Full Translation will be made. */
export type TranslationPlan = {
  provenance: Provenance | null,
  sourceLang: string,
  targetLang: string,
  /** Blocks translated earlier, and code blocks (kept as they are), shown at once. */
  cached: Array<TranslatedBlock>,
  /** Blocks still to translate, in the order they will be requested. */
  pending: Array<string>,
  /** What the pending blocks are expected to cost. */
  estimate: Estimate | null,
  /** The article is long: show the estimate and wait for the reader's go-ahead. */
  needsConfirmation: boolean,
  /** Why there is nothing to request (no model, or the article is already in the target language). */
  unavailable: ErrorInfo | null,
  /**
   * No model, but the browser has a built-in Translator: the first step with it. `unavailable`
   * still says why no model translates, for when the Translator turns out not to be ready.
   */
  onDevice: TranslationStep | null,
};

/** The progress line: blocks done and failed, and what the translation has cost so far. */
export type TranslationProgress = {
  spend: Spend,
  total: number,
  done: number,
  failed: number,
  /**
   * The model lost the blocks' markers even in a split chunk: the rest of the article goes
   * one block per request (the panel says so: `_locales` key `translationOneBlock`).
   */
  oneBlockPerRequest: boolean,
};

/** What the content script does next for an on-device translation. */
export type TranslationStep =
  | { "type": "detect", sample: string }
  | { "type": "translate", sourceLang: string, targetLang: string, blocks: Array<BlockText>, unchanged: Array<BlockText> }
  | { "type": "unavailable", error: ErrorInfo };

/** One question and the answer shown for it. */
export type Turn = { question: string, answer: Answer };

/** Token counts reported by the provider. */
export type Usage = { inputTokens: number | null, outputTokens: number | null };

/** What a section waits for; the panel words each as `waiting_<member>` (`_locales`). */
export type WaitFor = "rateWindow" | "retry";

/** Which wire format a response stream speaks. */
export type Wire = "anthropic" | "openAi" | "gemini" | "ollamaNative";
