// The globals Gloss's classic scripts define: protocol.js and render.js each assign one frozen
// object, checked against its type here. Also the calls content/on-device.js makes to Chrome's
// built-in AI, and the few parts of those APIs it uses (not in TypeScript's DOM lib).
import type { Block, BlockText, Detected, OnDeviceApis, PromptCall, SettingField, Span, SummarizeCall } from './gloss';

/** What `el()` takes as children: nodes and strings, nested arrays of them, gaps skipped. */
type Child = Node | string | null | undefined | ReadonlyArray<Node | string | null | undefined>;

/** `availability()` of a built-in AI API. */
type Availability = 'available' | 'downloadable' | 'downloading' | 'unavailable';

/** Reports a model download's progress, 0 to 1. */
type OnProgress = (loaded: number) => void;

interface AiModel {
  destroy?(): void;
}
interface CreateMonitor {
  addEventListener(type: 'downloadprogress', listener: (event: { loaded: number }) => void): void;
}
interface AiCreateOptions {
  signal?: AbortSignal;
  monitor?: (monitor: CreateMonitor) => void;
}
interface AiFactory<Model extends AiModel> {
  availability(options?: Record<string, unknown>): Promise<Availability>;
  create(options?: Record<string, unknown> & AiCreateOptions): Promise<Model>;
}
interface SummarizerModel extends AiModel {
  summarize(input: string, options?: { context?: string; signal?: AbortSignal }): Promise<string>;
}
interface LanguageModelSession extends AiModel {
  prompt(input: string, options?: { responseConstraint?: Record<string, unknown>; signal?: AbortSignal }): Promise<string>;
}
interface TranslatorModel extends AiModel {
  translate(input: string, options?: { signal?: AbortSignal }): Promise<string>;
}
interface LanguageDetectorModel extends AiModel {
  detect(input: string, options?: { signal?: AbortSignal }): Promise<Detected[]>;
}

declare global {
  /** extension/protocol.js: the Port's name, frame types, sections and labels. */
  var GlossProtocol: Readonly<{
    PORT_NAME: 'gloss';
    T: Readonly<{
      START: 'start';
      RETRY: 'retry';
      OPEN_OPTIONS: 'openOptions';
      CONFIRM: 'confirm';
      CANCEL: 'cancel';
      PREFERENCE: 'preference';
      PROGRESS: 'progress';
      CLEAR_CACHE: 'clearCache';
      EXPORT: 'export';
      EXPORTED: 'exported';
      ARTICLE: 'article';
      PLAN: 'plan';
      DELTA: 'delta';
      DONE: 'done';
      ERROR: 'error';
      TEST_CONNECTION: 'testConnection';
      ON_DEVICE: 'onDevice';
      ON_DEVICE_UNAVAILABLE: 'onDeviceUnavailable';
      KEEPALIVE: 'keepalive';
      CLOSE: 'close';
      ASK: 'ask';
      ASKED: 'asked';
      ANSWERED: 'answered';
      CONVERSATION: 'conversation';
      RESTYLE: 'restyle';
      RESTYLED: 'restyled';
      EXPAND: 'expand';
      SITE: 'site';
      HELD: 'held';
      PAGE_NEEDED: 'pageNeeded';
      FORGET_SITE: 'forgetSite';
    }>;
    SECTION: Readonly<{ ORIGINAL: 'original'; DIGEST: 'digest'; TRANSLATION: 'translation'; QA: 'qa' }>;
    /** A label (message key) for every field a reset of the stored settings may name. */
    SETTING_LABELS: Readonly<Record<SettingField, string>>;
    CODE: Readonly<{ INTERNAL: 'internal'; ON_DEVICE_FAILED: 'on_device_failed'; PANEL_COVERED: 'panel_covered' }>;
  }>;

  /** extension/render.js: structured plain text as DOM nodes, never as HTML. */
  var GlossRender: Readonly<{
    el(tag: string, attrs?: Readonly<Record<string, unknown>>, ...children: Child[]): HTMLElement;
    renderSpans(spans: ReadonlyArray<Span> | null | undefined): Node[];
    renderBlock(block: Block, spans?: ReadonlyArray<Span>): HTMLElement;
  }>;

  var Summarizer: AiFactory<SummarizerModel>;
  var LanguageModel: AiFactory<LanguageModelSession>;
  var Translator: AiFactory<TranslatorModel>;
  var LanguageDetector: AiFactory<LanguageDetectorModel>;
}

/** extension/content/on-device.js: calls to Chrome's built-in AI, as the core asked for them. */
export type OnDeviceCalls = Readonly<{
    apis(): OnDeviceApis;
    availability(api: 'Summarizer' | 'Translator' | 'LanguageDetector' | 'LanguageModel', options?: Record<string, unknown>): Promise<Availability>;
    download(api: 'Summarizer' | 'Translator' | 'LanguageDetector' | 'LanguageModel', options: Record<string, unknown>, onProgress?: OnProgress): Promise<void>;
    summarize(
      calls: ReadonlyArray<SummarizeCall>,
      options?: { signal?: AbortSignal; onProgress?: OnProgress; onAnswer?: (answered: number) => void },
    ): Promise<string[]>;
    detect(sample: string, signal?: AbortSignal): Promise<Detected[]>;
    prompt(call: PromptCall, signal?: AbortSignal): Promise<string>;
    translate(
      step: { sourceLang: string; targetLang: string; blocks: ReadonlyArray<BlockText> },
      options: { signal?: AbortSignal; onProgress?: OnProgress; onBlock: (block: BlockText) => void },
    ): Promise<void>;
}>;

