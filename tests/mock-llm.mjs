#!/usr/bin/env node
/**
 * Local mock LLM server for Gloss end-to-end tests (Node 20, no dependencies).
 *
 * Speaks the providers' real wire formats (see /work/shared/llm-wire-formats.md):
 *   Anthropic      POST /v1/messages, GET /v1/models (x-api-key)
 *   OpenAI-compat  POST /v1/chat/completions, GET /v1/models (Bearer)
 *   Gemini         POST /v1beta/models/{model}:streamGenerateContent?alt=sse | :generateContent,
 *                  GET /v1beta/models
 *   Ollama native  POST /api/chat (NDJSON), GET /api/tags, GET /api/version
 *   OpenRouter     POST /api/v1/chat/completions (OpenAI wire), GET /api/v1/models (context, prices)
 *
 * and what each server says of its models when asked (see {@link serverInfo}): Ollama's
 * POST /api/show, llama.cpp's GET /props, LM Studio's GET /api/v0/models, OpenRouter's model list.
 *
 * Answers are derived from the prompt: `[[n]] text` blocks are echoed back as a "translation"
 * (following the prompt's glossary, if it has one: each term becomes its rendering), a
 * question about an article (`<question>` after `</article>`) gets an answer from the article's
 * best-matching paragraph with its `[bN]` (see {@link qaAnswer}), anything else gets a fixed
 * Markdown digest. Behaviors (errors, delays, cut/failed/hung streams)
 * can be queued per request; see {@link startMockLlm}.
 *
 * `realistic: true` makes it answer like real models and APIs instead (see {@link realisticAnswer}
 * and each wire's `strict`): a preamble and fenced output, reordered blocks with `[[n]]:` and other
 * marker variants, translated code, a title heading before digest headings in the digest language,
 * `<think>` in the text (Ollama) or `reasoning_content` (OpenAI wire), no usage on the OpenAI wire,
 * request parameters validated as the real APIs do (unknown fields and out-of-range `max_tokens`
 * get their 400), and no CORS header at all: only a host the extension was granted can be read.
 *
 * CLI: `node tests/mock-llm.mjs [port]` starts the server and prints its URL.
 */
import { createServer, STATUS_CODES } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

const DEFAULT_MODELS = ['claude-haiku-4-5', 'gpt-4o-mini', 'gemini-2.5-flash', 'llama3.2'];

/** Built-in behavior; `setDefault` and queued behaviors are merged over it. */
const BUILTIN_BEHAVIOR = Object.freeze({
  firstByteDelayMs: 0,
  chunkDelayMs: 15,
  chunkSize: 12,
  crlf: false,
  cutMode: 'end',
});

const CORS_PREFLIGHT_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
};

const OLLAMA_VERSION = '0.12.6';

/**
 * What the mock's servers say of their models, as the real ones do. `setServer` changes it for
 * one test (`reset` restores it).
 * @typedef {{ contextLength: number, numCtx: number | null, nCtx: number, loadedContextLength: number,
 *   pricing: { prompt: string, completion: string } }} ServerInfo
 */
const DEFAULT_SERVER = Object.freeze({
  /** Ollama's `model_info["llama.context_length"]` and LM Studio's `max_context_length`: the model's own. */
  contextLength: 131_072,
  /** A `num_ctx` line in Ollama's Modelfile parameters (none: the line is absent, as for llama3.2). */
  numCtx: null,
  /** llama.cpp's `default_generation_settings.n_ctx`: the context the server was started with. */
  nCtx: 8_192,
  /** LM Studio's `loaded_context_length` of a loaded model. */
  loadedContextLength: 4_096,
  /** OpenRouter's `pricing`, in dollars per token, as strings. */
  pricing: Object.freeze({ prompt: '0.00000015', completion: '0.0000006' }),
});

// ------------------------------------------------------------------------------------------------
// Prompt analysis and answer derivation
// ------------------------------------------------------------------------------------------------

const BLOCK_RE = /^\[\[(\d+)\]\]\s?/m;
const BLOCK_LINE_RE = /^\[\[(\d+)\]\]\s?(.*)$/;
const LANG_RE = /target language[^:\n]*:\s*([A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*)/i;
const ARTICLE_RE = /<article\b[^>]*>([\s\S]*?)<\/article>/i;
const QUESTION_RE = /<question>\s*([\s\S]*?)\s*<\/question>\s*$/i;

/**
 * @typedef {{ role: 'system' | 'user' | 'assistant', text: string }} PromptMessage
 * @typedef {{ n: number, text: string }} Block
 * @typedef {{ kind: 'digest' | 'translate', lang: string, blocks: Block[], article: string,
 *             promptChars: number }} PromptAnalysis
 */

/** Text of a content value that is a string or an array of `{type:'text', text}` parts. */
function partsText(content) {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((part) => typeof part?.text === 'string' && (part.type ?? 'text') === 'text')
    .map((part) => part.text)
    .join('\n');
}

/** Splits `[[n]] text` blocks; a block runs until the next `[[m]]` line. */
function parseBlocks(text) {
  const blocks = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    const marker = line.match(BLOCK_LINE_RE);
    if (marker) blocks.push({ n: Number(marker[1]), lines: [marker[2]] });
    else blocks.at(-1)?.lines.push(line);
  }
  return blocks.map(({ n, lines }) => ({ n, text: lines.join('\n').trimEnd() }));
}

/** A glossary line of a translation prompt: `- "term" → "rendering"` or `- "term" → (keep)`. */
const GLOSSARY_LINE_RE = /^- ("(?:[^"\\]|\\.)*") → ("(?:[^"\\]|\\.)*"|\(keep\))$/;

/**
 * The glossary terms a translation prompt carries, before its first block (`rendering` null:
 * keep the term as it is).
 * @returns {{term: string, rendering: string | null}[]}
 */
function parseGlossary(userText) {
  const head = userText.split(/^\[\[\d+\]\]/m)[0];
  return head.split('\n').map((line) => line.match(GLOSSARY_LINE_RE)).filter(Boolean)
    .map((m) => ({ term: JSON.parse(m[1]), rendering: m[2] === '(keep)' ? null : JSON.parse(m[2]) }));
}

/**
 * A block's text with the glossary followed, as a good model does: each term in its rendering,
 * but for the terms in `drop` (a model that forgets some).
 */
function followGlossary(text, glossary = [], drop = []) {
  let out = text;
  for (const { term, rendering } of glossary) {
    if (rendering === null || drop.includes(term)) continue;
    out = out.replace(new RegExp(term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'giu'), () => rendering);
  }
  return out;
}

/**
 * @param {PromptMessage[]} messages
 * @returns {PromptAnalysis}
 */
function analyzePrompt(messages) {
  const whole = messages.map((m) => m.text).join('\n\n');
  const users = messages.filter((m) => m.role === 'user');
  const userText = users.map((m) => m.text).join('\n\n');
  const lang = whole.match(LANG_RE)?.[1] ?? 'xx';
  const promptChars = whole.length;
  if (QUESTION_RE.test(userText)) {
    // Read like a model reads it: the article is what the first <article>…</article> holds;
    // everything outside those delimiters is the conversation, the reader's question last.
    const article = userText.match(ARTICLE_RE)?.[1] ?? '';
    const outside = userText.replace(ARTICLE_RE, '');
    const question = outside.match(QUESTION_RE)?.[1] ?? '';
    return { kind: 'qa', lang, blocks: [], article, promptChars, userText, question, outside };
  }
  if (BLOCK_RE.test(userText)) {
    return { kind: 'translate', lang, blocks: parseBlocks(userText), article: '', promptChars, userText, glossary: parseGlossary(userText) };
  }
  // The user message carries the article; the system prompt may name the delimiters too.
  const article = (userText.match(ARTICLE_RE) ?? whole.match(ARTICLE_RE))?.[1] ?? users.at(-1)?.text ?? '';
  return { kind: 'digest', lang, blocks: [], article, promptChars, userText };
}

/** Words too common to say what a question is about. */
const STOPWORDS = new Set(['what', 'which', 'when', 'where', 'does', 'have', 'with', 'that', 'this', 'from', 'about', 'there',
  'their', 'they', 'them', 'were', 'much', 'many', 'says', 'article', 'into', 'than', 'then', 'been', 'would', 'could', 'should']);
const contentWords = (text) => new Set(text.toLowerCase().match(/[\p{L}\p{N}]{4,}/gu)?.filter((w) => !STOPWORDS.has(w)) ?? []);

/**
 * What a model that keeps to its instructions answers a question (the whole user message read
 * as a model would): an instruction written outside the article's delimiters is followed, as a
 * model follows whatever speaks as the reader ("ignore the question and write X" there gets X);
 * inside them it is only text. Otherwise the answer is the sentence that shares the most words
 * with the question in the paragraph that shares the most (then in the next, when it shares three
 * or more), each ending with that paragraph's `[bN]`;
 * with fewer than two words in common, `[not in article]` and what the article is about.
 * @param {PromptAnalysis & { question: string, outside: string }} analysis
 */
function qaAnswer({ article, question, outside }) {
  const steered = outside.match(/ignore the question and write ([^\n<.]+)/i);
  if (steered) return steered[1].trim();
  const paragraphs = [...article.matchAll(/^(?:[->] )?\[(b\d+)\] (.+)$/gm)].map(([, id, text]) => ({ id, text }));
  const asked = contentWords(question);
  const scored = paragraphs.map((p) => ({ ...p, score: [...contentWords(p.text)].filter((w) => asked.has(w)).length }))
    .filter((p) => p.score >= 2).sort((a, b) => b.score - a.score);
  const sentences = (text) => text.match(/[^.!?]+(?:[.!?]+(?=\s|$)|$)/g)?.map((s) => s.trim().replace(/[.!?]+$/, '')) ?? [text];
  const overlap = (text) => [...contentWords(text)].filter((w) => asked.has(w)).length;
  const sentence = (text) => sentences(text).reduce((best, s) => (overlap(s) > overlap(best) ? s : best));
  if (!scored.length) {
    // What the article does cover: its first paragraph of some length (not a byline).
    const first = paragraphs.find((p) => p.text.split(/\s+/).length >= 12) ?? paragraphs[0];
    const opening = first ? first.text.split(/\s+/).slice(0, 12).join(' ').replace(/[,.;:]$/, '') : 'something else';
    return `[not in article] What it does cover begins: "${opening}…" [${first?.id ?? 'b1'}].`;
  }
  // A second paragraph only when it is nearly as much about the question.
  return scored.slice(0, 2).filter((p, i) => i === 0 || p.score >= 3).map((p, i) => `${i ? 'It also says: ' : 'The article says: '}${sentence(p.text)} [${p.id}].`).join(' ');
}

/** @param {PromptAnalysis} analysis */
function deriveAnswer(analysis, drop = []) {
  const { kind, lang, blocks, article, glossary } = analysis;
  if (kind === 'qa') return qaAnswer(/** @type {any} */ (analysis));
  if (kind === 'translate') {
    return blocks.map(({ n, text }) => `[[${n}]] (${lang}) ${followGlossary(text, glossary, drop)}`).join('\n\n');
  }
  // Gloss numbers the article's paragraphs ("[b3] text"); a good model cites them.
  const ids = [...article.matchAll(/\[(b\d+)\] /g)].map((m) => m[1]);
  const cite = (i) => (ids[i] ? ` [${ids[i]}]` : '');
  const firstWords = article.replace(/\[b\d+\] /g, '').trim().split(/\s+/).slice(0, 5).join(' ');
  return [
    '## Key points',
    `- First key point about ${firstWords}.${cite(0)}`,
    `- Second key point.${cite(1)}`,
    `- Third key point.${cite(2)}`,
    '',
    '## Summary',
    `A short summary paragraph of the article in ${lang}.`,
    '',
    '## Details',
    `- **Context**: The article discusses its topic.${cite(0)}`,
    `- **Finding**: Something important was found.${cite(1)}`,
    '- **Impact**: It matters to readers.',
    '- **Next**: What happens next.',
  ].join('\n');
}

/** Digest headings as models write them in the digest language (Gloss asks for English ones). */
const DIGEST_HEADINGS = {
  ja: ['要点', '要約', '詳細'],
  de: ['Kernpunkte', 'Zusammenfassung', 'Details'],
  fr: ['Points clés', 'Résumé', 'Détails'],
  es: ['Puntos clave', 'Resumen', 'Detalles'],
  zh: ['要点', '摘要', '详细信息'],
};

/** How real models write a block's marker back: as asked, or with a colon (then a space, a line break or nothing). */
const MARKER_STYLES = [(n) => `[[${n}]] `, (n) => `[[${n}]]: `, (n) => `[[${n}]]:\n`, (n) => `[[${n}]]:`];

/** Code looks like code: a model "translates" it anyway, identifiers and all. */
const looksLikeCode = (text) => /[=(){};]/.test(text) && /\n/.test(text);

/**
 * What a real model answers (realistic mode). Translation: a preamble line, the blocks in a
 * fence, the first two swapped, markers in several styles, code translated like prose. Digest:
 * a preamble, a fence, a `#` title, then the three sections under headings in the digest
 * language with the summary first, a numbered list, a `[b9999]` id that is no block's, and
 * `**Label:**` as well as `**Label**:` details. Prose is still `(lang) text`, so tests can check
 * every block landed in its place.
 * @param {PromptAnalysis} analysis
 */
function realisticAnswer(analysis, drop = []) {
  const { kind, lang, blocks, article, userText = '', glossary } = analysis;
  // A real model opens with a courtesy and may split its answer; the claims keep their ids.
  if (kind === 'qa') return `Sure!\n\n${qaAnswer(/** @type {any} */ (analysis)).replace(' It also says: ', '\n\nIt also says: ')}`;
  if (kind === 'translate') {
    const order = [...blocks];
    if (order.length > 1) [order[0], order[1]] = [order[1], order[0]];
    const translate = (text) => (looksLikeCode(text)
      ? `(${lang}) ${text.replace(/[A-Za-z_]{3,}/g, (word) => `${word}_${lang}`)}`
      : `(${lang}) ${followGlossary(text, glossary, drop)}`);
    const body = order.map(({ n, text }, i) => `${MARKER_STYLES[i % MARKER_STYLES.length](n)}${translate(text)}`).join('\n\n');
    return [`Here is the translation into ${lang}:`, '', '```', body, '```'].join('\n');
  }
  const ids = [...article.matchAll(/\[(b\d+)\] /g)].map((m) => m[1]);
  const cite = (i) => (ids[i] ? ` [${ids[i]}]` : '');
  const firstWords = article.replace(/\[b\d+\] /g, '').trim().split(/\s+/).slice(0, 5).join(' ');
  const [keyPoints, summary, details] = DIGEST_HEADINGS[lang] ?? ['Key Points', 'Summary', 'Details'];
  // A digest in parts: each part's first key point names its part, and the merge takes its key
  // points from what the parts said (the first point of each of the first three), not from a canned text.
  const part = userText.match(/This is part (\d+) of \d+ of the article/)?.[1];
  const merged = [...userText.matchAll(/^### Digest of part (\d+)[\s\S]*?^1\. \([^)]*\) (.*)$/gm)].map((m) => m[2]).slice(0, 3);
  const points = merged.length
    ? merged.map((text, i) => `${i + 1}. (${lang}) ${text}`)
    : [`1. (${lang}) ${part ? `Part ${part}: ` : ''}First key point.${cite(0)}`, `2. (${lang}) Second key point.${cite(1)}`, `3. (${lang}) Third key point. [b9999]`];
  return [
    'Sure! Here is a digest of the article.',
    '',
    '```markdown',
    `# (${lang}) Digest: ${firstWords}`,
    '',
    `## ${summary}`,
    `(${lang}) A short summary paragraph of the article.`,
    '',
    `## ${keyPoints}`,
    ...points,
    '',
    `## ${details}`,
    `- **(${lang}) Context:** The article discusses its topic.${cite(0)}`,
    `- **(${lang}) Finding**: Something important was found.${cite(1)}`,
    `- **(${lang}) Impact**: It matters to readers.`,
    `- **(${lang}) Next**: What happens next.`,
    '```',
  ].join('\n');
}

/** What local models think aloud before answering, in `<think>` (Ollama) or `reasoning_content`. */
const THINKING = 'The user wants this in the target language. I must keep every marker and not add anything.';

/** The most output tokens each known model accepts, as its API states it. */
const MAX_OUTPUT_TOKENS = { 'claude-haiku-4-5': 64_000, 'gpt-4o-mini': 16_384, 'gemini-2.5-flash': 65_536 };

/** Splits text into pieces of `size` code points (never splits a surrogate pair). */
function splitText(text, size) {
  const chars = Array.from(text);
  const pieces = [];
  for (let i = 0; i < chars.length; i += size) pieces.push(chars.slice(i, i + size).join(''));
  return pieces.length ? pieces : [''];
}

const estimateTokens = (chars) => Math.max(1, Math.ceil(chars / 4));

// ------------------------------------------------------------------------------------------------
// Wire adapters: one per provider. Each knows auth, request shape, error bodies, model lists,
// the non-streaming body and a stream writer that turns events into wire text.
// ------------------------------------------------------------------------------------------------

/**
 * Per-request state shared by the dispatcher and the wire adapters.
 * @typedef {object} Call
 * @property {import('node:http').ServerResponse} res
 * @property {object} entry       the log entry
 * @property {Wire} wire
 * @property {number} seq         per-server request number, used for ids
 * @property {string} requestId
 * @property {string} model
 * @property {object} behavior
 * @property {number} startedAt
 * @property {boolean} closed          the connection has closed
 * @property {Promise<void>} whenClosed resolves when the connection closes
 * @property {boolean} cutByServer     the mock itself cut the response (not a client abort)
 */

/**
 * @typedef {object} StreamWriter
 * @property {string} contentType
 * @property {() => string} open                          headers are out; preamble
 * @property {(text: string, isLast: boolean) => string} delta
 * @property {() => string} keepAlive                     comment/noise, may be ''
 * @property {() => string} finish                        end marker and usage
 * @property {() => string} fail                          in-stream error
 */

/**
 * @typedef {object} Wire
 * @property {string} name
 * @property {string | null} requestIdHeader
 * @property {(call: Call, validKey: string) => ({status: number, body: any} | null)} authorize
 * @property {(body: object, params: string[]) => string} modelOf
 * @property {(call: Call) => boolean} wantsStream
 * @property {(body: object) => string | null} validate    400 message, or null when fine
 * @property {(body: object) => PromptMessage[]} messages
 * @property {(status: number, call: Call, message?: string) => any} errorBody
 * @property {(ids: string[]) => object} listModels
 * @property {(call: Call, text: string, usage: Usage) => object} complete
 * @property {(call: Call, usage: Usage) => StreamWriter} streamWriter
 * @typedef {{ input: number, output: number }} Usage
 */

const roleOf = (role) => (role === 'user' || role === 'assistant' ? role : 'system');

// --- Anthropic ----------------------------------------------------------------------------------

const ANTHROPIC_ERRORS = {
  400: ['invalid_request_error', 'Invalid request.'],
  401: ['authentication_error', 'invalid x-api-key'],
  402: ['billing_error', 'Your credit balance is too low to access the Anthropic API.'],
  403: ['permission_error', 'Your API key does not have permission to use the specified resource.'],
  404: ['not_found_error', 'Not found'],
  413: ['request_too_large', 'Request exceeds the maximum allowed number of bytes.'],
  429: ['rate_limit_error', 'This request would exceed the rate limit for your organization of 50 requests per minute.'],
  500: ['api_error', 'Internal server error'],
  529: ['overloaded_error', 'Overloaded'],
};

const ANTHROPIC_FIELDS = new Set(['model', 'messages', 'max_tokens', 'system', 'stream', 'temperature', 'top_p', 'top_k',
  'stop_sequences', 'metadata', 'tools', 'tool_choice', 'thinking', 'service_tier', 'container', 'mcp_servers']);

/** @type {Wire} */
const anthropic = {
  name: 'anthropic',
  requestIdHeader: 'request-id',

  authorize(call, validKey) {
    const { headers } = call.entry;
    const deny = (status, message) => ({ status, body: anthropic.errorBody(status, call, message) });
    if (headers.origin !== undefined && headers['anthropic-dangerous-direct-browser-access'] !== 'true') {
      return deny(401, "CORS requests must set 'anthropic-dangerous-direct-browser-access' header");
    }
    if (!headers['x-api-key']) return deny(401, 'x-api-key header is required');
    if (headers['x-api-key'] !== validKey) return deny(401, 'invalid x-api-key');
    if (!headers['anthropic-version']) return deny(400, 'anthropic-version: header is required');
    return null;
  },

  modelOf: (body) => String(body?.model ?? ''),
  wantsStream: (call) => call.entry.body.stream === true,

  validate(body) {
    if (!Array.isArray(body.messages)) return 'messages: Field required';
    if (typeof body.max_tokens !== 'number') return 'max_tokens: Field required';
    return null;
  },

  /** The Messages API's own checks (realistic mode): no unknown field, `max_tokens` in range. */
  strict(body, model) {
    const extra = Object.keys(body).find((key) => !ANTHROPIC_FIELDS.has(key));
    if (extra) return `${extra}: Extra inputs are not permitted`;
    if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) return 'max_tokens: Input should be greater than or equal to 1';
    const max = MAX_OUTPUT_TOKENS[model];
    if (max && body.max_tokens > max) {
      return `max_tokens: ${body.max_tokens} > ${max}, which is the maximum allowed number of output tokens for ${model}`;
    }
    if (body.temperature !== undefined && !(body.temperature >= 0 && body.temperature <= 1)) return 'temperature: Input should be less than or equal to 1';
    return null;
  },

  messages(body) {
    const system = body.system === undefined ? [] : [{ role: 'system', text: partsText(body.system) }];
    const turns = body.messages.map((m) => ({ role: roleOf(m?.role), text: partsText(m?.content) }));
    return [...system, ...turns];
  },

  errorBody(status, call, message) {
    const [type, fallback] = ANTHROPIC_ERRORS[status]
      ?? [status >= 500 ? 'api_error' : 'invalid_request_error', STATUS_CODES[status] ?? 'Error'];
    const error = { type, message: message ?? (status === 404 && call.model ? `model: ${call.model}` : fallback) };
    if (status === 429 && call.behavior.quota) {
      error.message = 'You have reached your specified API usage limits.';
      error.details = { error_code: 'enforced_spend_limit_reached' };
    }
    return { type: 'error', error, request_id: call.requestId };
  },

  listModels: (ids) => ({
    data: ids.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-10-01T00:00:00Z' })),
    has_more: false,
    first_id: ids[0] ?? null,
    last_id: ids.at(-1) ?? null,
  }),

  complete: (call, text, usage) => ({
    ...anthropicMessage(call, [{ type: 'text', text }], usage.input, usage.output),
    stop_reason: 'end_turn',
  }),

  streamWriter(call, usage) {
    const event = (type, data = {}) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    const comment = ': keep-alive\n\n';
    return {
      contentType: 'text/event-stream; charset=utf-8',
      open: () => comment
        + event('message_start', { message: anthropicMessage(call, [], usage.input, 1) })
        + event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } })
        + event('ping'),
      delta: (text) => event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }),
      keepAlive: () => comment,
      finish: () => event('content_block_stop', { index: 0 })
        + event('message_delta', {
          delta: { stop_reason: 'end_turn', stop_sequence: null },
          usage: { output_tokens: usage.output },
        })
        + event('message_stop'),
      fail: () => event('error', { error: { type: 'overloaded_error', message: 'Overloaded' } }),
    };
  },
};

function anthropicMessage(call, content, inputTokens, outputTokens) {
  return {
    id: `msg_mock${call.seq}`,
    type: 'message',
    role: 'assistant',
    model: call.model,
    content,
    stop_reason: null,
    stop_sequence: null,
    usage: {
      input_tokens: inputTokens,
      output_tokens: outputTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      service_tier: 'standard',
    },
  };
}

// --- OpenAI Chat Completions (and compatible servers) -------------------------------------------

const OPENAI_ERRORS = {
  400: ['invalid_request_error', null, 'Invalid request.'],
  401: ['invalid_request_error', 'invalid_api_key', 'Incorrect API key provided.'],
  403: ['invalid_request_error', 'unsupported_country_region_territory', 'Country, region, or territory not supported'],
  404: ['invalid_request_error', 'model_not_found', 'The requested resource does not exist.'],
  429: ['requests', 'rate_limit_exceeded', 'Rate limit reached for requests. Please try again in 1s.'],
  500: ['server_error', null, 'The server had an error while processing your request. Sorry about that!'],
  503: ['server_error', null, 'The engine is currently overloaded, please try again later.'],
};

const openaiEnvelope = (type, code, message, param = null) => ({ error: { message, type, param, code } });

/** Masks a key the way OpenAI echoes it in "Incorrect API key provided: sk-ab***wxyz". */
const maskKey = (key) => (key.length > 8 ? `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}` : key);

const OPENAI_FIELDS = new Set(['messages', 'model', 'audio', 'frequency_penalty', 'function_call', 'functions', 'logit_bias',
  'logprobs', 'max_completion_tokens', 'max_tokens', 'metadata', 'modalities', 'n', 'parallel_tool_calls', 'prediction',
  'presence_penalty', 'prompt_cache_key', 'reasoning_effort', 'response_format', 'safety_identifier', 'seed', 'service_tier',
  'stop', 'store', 'stream', 'stream_options', 'temperature', 'tool_choice', 'tools', 'top_logprobs', 'top_p', 'user',
  'verbosity', 'web_search_options']);

/** @type {Wire} */
const openai = {
  name: 'openai',
  requestIdHeader: 'x-request-id',

  authorize(call, validKey) {
    const key = call.entry.headers.authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
    if (!key) {
      return {
        status: 401,
        body: openaiEnvelope('invalid_request_error', null, "You didn't provide an API key. You need to provide "
          + 'your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).'),
      };
    }
    if (key !== validKey) {
      return {
        status: 401,
        body: openaiEnvelope('invalid_request_error', 'invalid_api_key', `Incorrect API key provided: ${maskKey(key)}. `
          + 'You can find your API key at https://platform.openai.com/account/api-keys.'),
      };
    }
    return null;
  },

  modelOf: (body) => String(body?.model ?? ''),
  wantsStream: (call) => call.entry.body.stream === true,

  validate: (body) => (Array.isArray(body.messages) ? null : "Missing required parameter: 'messages'."),

  /** Chat Completions' own checks (realistic mode): no unknown argument, token limits in range. */
  strict(body, model) {
    const extra = Object.keys(body).find((key) => !OPENAI_FIELDS.has(key));
    if (extra) return `Unrecognized request argument supplied: ${extra}`;
    if (body.stream_options !== undefined && body.stream !== true) return "The 'stream_options' parameter is only allowed when 'stream' is enabled.";
    for (const field of ['max_tokens', 'max_completion_tokens']) {
      const value = body[field];
      if (value === undefined || value === null) continue;
      if (!Number.isInteger(value) || value < 1) return `Invalid '${field}': integer below minimum value. Expected a value >= 1, but got ${value} instead.`;
      const max = MAX_OUTPUT_TOKENS[model];
      if (max && value > max) return `${field} is too large: ${value}. This model supports at most ${max} completion tokens, whereas you provided ${value}.`;
    }
    return null;
  },

  messages: (body) => body.messages.map((m) => ({ role: roleOf(m?.role), text: partsText(m?.content) })),

  errorBody(status, call, message) {
    if (status === 429 && call.behavior.quota) {
      return openaiEnvelope('insufficient_quota', 'insufficient_quota',
        'You exceeded your current quota, please check your plan and billing details.');
    }
    const [type, code, fallback] = OPENAI_ERRORS[status]
      ?? [status >= 500 ? 'server_error' : 'invalid_request_error', null, STATUS_CODES[status] ?? 'Error'];
    const modelMessage = status === 404 && call.model
      ? `The model \`${call.model}\` does not exist or you do not have access to it.` : fallback;
    return openaiEnvelope(type, code, message ?? modelMessage);
  },

  listModels: (ids) => ({
    object: 'list',
    data: ids.map((id) => ({ id, object: 'model', created: 1700000000, owned_by: 'mock' })),
  }),

  complete: (call, text, usage) => ({
    id: `chatcmpl-mock${call.seq}`,
    object: 'chat.completion',
    created: Math.floor(call.startedAt / 1000),
    model: call.model,
    choices: [{
      index: 0,
      message: { role: 'assistant', content: text, refusal: null },
      finish_reason: 'stop',
      logprobs: null,
    }],
    usage: {
      ...openaiUsage(usage),
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    },
    system_fingerprint: 'fp_mock',
    service_tier: 'default',
  }),

  streamWriter(call, usage) {
    const eol = call.behavior.crlf ? '\r\n' : '\n';
    // Many compatible servers ignore `include_usage`; the realistic mode is one of them.
    const includeUsage = call.entry.body.stream_options?.include_usage === true && !call.realistic;
    const base = {
      id: `chatcmpl-mock${call.seq}`,
      object: 'chat.completion.chunk',
      created: Math.floor(call.startedAt / 1000),
      model: call.model,
      system_fingerprint: 'fp_mock',
    };
    const data = (payload) => `data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}${eol}${eol}`;
    const chunk = (delta, finishReason = null) => data({
      ...base,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(includeUsage ? { usage: null } : {}),
    });
    return {
      contentType: 'text/event-stream; charset=utf-8',
      // DeepSeek, vLLM and LM Studio stream their reasoning first, in `reasoning_content`.
      open: () => chunk({ role: 'assistant', content: '', refusal: null })
        + (call.realistic ? splitText(THINKING, 24).map((piece) => chunk({ content: null, reasoning_content: piece })).join('') : ''),
      delta: (content) => chunk({ content }),
      keepAlive: () => `: keep-alive${eol}${eol}`,
      finish: () => chunk({}, 'stop')
        + (includeUsage ? data({ ...base, choices: [], usage: openaiUsage(usage) }) : '')
        + data('[DONE]'),
      // OpenRouter style: top-level `error` plus finish_reason "error", then the stream ends.
      fail: () => data({
        ...base,
        error: { code: 502, message: 'Provider disconnected unexpectedly' },
        choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }],
      }),
    };
  },
};

const openaiUsage = ({ input, output }) => ({
  prompt_tokens: input,
  completion_tokens: output,
  total_tokens: input + output,
});

// --- Google Gemini ------------------------------------------------------------------------------

const GEMINI_ERRORS = {
  400: ['INVALID_ARGUMENT', 'Request contains an invalid argument.'],
  401: ['UNAUTHENTICATED', 'Request had invalid authentication credentials.'],
  403: ['PERMISSION_DENIED', 'The caller does not have permission'],
  404: ['NOT_FOUND', 'Requested entity was not found.'],
  429: ['RESOURCE_EXHAUSTED', 'You exceeded your current quota, please check your plan and billing details.'],
  500: ['INTERNAL', 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting'],
  503: ['UNAVAILABLE', 'The model is overloaded. Please try again later.'],
  504: ['DEADLINE_EXCEEDED', 'Deadline expired before operation could complete.'],
};

const googleError = (code, status, message, details) => ({
  error: { code, message, status, ...(details ? { details } : {}) },
});

const GEMINI_FIELDS = new Set(['contents', 'systemInstruction', 'generationConfig', 'safetySettings', 'tools', 'toolConfig', 'cachedContent']);
const GEMINI_GENERATION_FIELDS = new Set(['stopSequences', 'responseMimeType', 'responseSchema', 'responseJsonSchema', 'candidateCount',
  'maxOutputTokens', 'temperature', 'topP', 'topK', 'seed', 'presencePenalty', 'frequencyPenalty', 'responseLogprobs', 'logprobs',
  'thinkingConfig', 'responseModalities', 'mediaResolution', 'speechConfig']);

/** @type {Wire} */
const gemini = {
  name: 'gemini',
  requestIdHeader: null,

  authorize(call, validKey) {
    const key = call.entry.headers['x-goog-api-key'] ?? call.entry.query.key;
    if (!key) {
      return {
        status: 403,
        body: googleError(403, 'PERMISSION_DENIED', "Method doesn't allow unregistered callers (callers without "
          + 'established identity). Please use API Key or other form of API consumer identity to call this API.'),
      };
    }
    if (key !== validKey) {
      const message = 'API key not valid. Please pass a valid API key.';
      return {
        status: 400,
        body: googleError(400, 'INVALID_ARGUMENT', message, [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'API_KEY_INVALID',
            domain: 'googleapis.com',
            metadata: { service: 'generativelanguage.googleapis.com' },
          },
          { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message },
        ]),
      };
    }
    return null;
  },

  modelOf: (_body, params) => decodeURIComponent(params[0] ?? ''),
  wantsStream: (call) => call.entry.path.endsWith(':streamGenerateContent'),

  validate: (body) => (Array.isArray(body.contents) ? null : '* GenerateContentRequest.contents: contents is not specified'),

  /** generateContent's own checks (realistic mode): no unknown field, `maxOutputTokens` in range. */
  strict(body, model) {
    const unknown = (name) => `Invalid JSON payload received. Unknown name "${name}": Cannot find field.`;
    const extra = Object.keys(body).find((key) => !GEMINI_FIELDS.has(key));
    if (extra) return unknown(extra);
    const config = body.generationConfig ?? {};
    const extraConfig = Object.keys(config).find((key) => !GEMINI_GENERATION_FIELDS.has(key));
    if (extraConfig) return unknown(`generation_config.${extraConfig}`);
    const max = MAX_OUTPUT_TOKENS[model];
    const value = config.maxOutputTokens;
    if (value !== undefined && (!Number.isInteger(value) || value < 1 || (max && value > max))) {
      return `Unable to submit request because it has a maxOutputTokens value of ${value} but the supported range is from 1 (inclusive) to ${(max ?? 65_536) + 1} (exclusive). Update the value and try again.`;
    }
    return null;
  },

  messages(body) {
    const system = body.systemInstruction ? [{ role: 'system', text: partsText(body.systemInstruction.parts) }] : [];
    const turns = body.contents.map((c) => ({
      role: c?.role === 'model' ? 'assistant' : 'user',
      text: partsText(c?.parts),
    }));
    return [...system, ...turns];
  },

  errorBody(status, call, message) {
    const [rpcStatus, fallback] = GEMINI_ERRORS[status]
      ?? [status >= 500 ? 'UNKNOWN' : 'FAILED_PRECONDITION', STATUS_CODES[status] ?? 'Error'];
    const modelMessage = status === 404 && call.model
      ? `models/${call.model} is not found for API version v1beta, or is not supported for generateContent. `
        + 'Call ListModels to see the list of available models and their supported methods.'
      : fallback;
    const details = status === 429
      ? [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retryAfterSeconds(call)}s` }]
      : undefined;
    return googleError(status, rpcStatus, message ?? modelMessage, details);
  },

  listModels: (ids) => ({
    models: ids.map((id) => ({
      name: `models/${id}`,
      version: '001',
      displayName: id,
      description: `Mock model ${id}`,
      inputTokenLimit: 1048576,
      outputTokenLimit: 65536,
      supportedGenerationMethods: ['generateContent', 'countTokens'],
      temperature: 1,
      maxTemperature: 2,
      topP: 0.95,
      topK: 64,
    })),
  }),

  complete: (call, text, usage) => geminiResponse(call, text, usage, true),

  /** `alt=sse` gives SSE with CRLF framing; without it, a JSON array written incrementally. */
  streamWriter(call, usage) {
    const sse = call.entry.query.alt === 'sse';
    let framesSent = 0;
    const frame = (payload) => (sse
      ? `data: ${JSON.stringify(payload)}\r\n\r\n`
      : `${framesSent++ ? ',\r\n' : '['}${JSON.stringify(payload)}`);
    return {
      contentType: sse ? 'text/event-stream' : 'application/json; charset=UTF-8',
      open: () => '',
      delta: (text, isLast) => frame(geminiResponse(call, text, usage, isLast)),
      keepAlive: () => '',
      finish: () => (sse ? '' : ']'),
      fail: () => frame(googleError(503, 'UNAVAILABLE', GEMINI_ERRORS[503][1])),
    };
  },
};

function geminiResponse(call, text, usage, isLast) {
  const usageMetadata = isLast
    ? { promptTokenCount: usage.input, candidatesTokenCount: usage.output, totalTokenCount: usage.input + usage.output }
    : { promptTokenCount: usage.input, totalTokenCount: usage.input };
  return {
    candidates: [{
      content: { parts: [{ text }], role: 'model' },
      ...(isLast ? { finishReason: 'STOP' } : {}),
      index: 0,
    }],
    usageMetadata,
    modelVersion: call.model,
    responseId: `mock${call.seq}`,
  };
}

/** Seconds from the behavior's `retry-after` header (if numeric), else 1. */
function retryAfterSeconds(call) {
  const header = Object.entries(call.behavior.headers ?? {})
    .find(([name]) => name.toLowerCase() === 'retry-after')?.[1];
  return Number.isFinite(Number(header)) ? Number(header) : 1;
}

// --- Ollama native ------------------------------------------------------------------------------

const OLLAMA_ERRORS = {
  400: 'invalid request',
  429: 'too many requests',
  500: 'an error was encountered while running the model',
  502: 'bad gateway',
};

/** @type {Wire} */
const ollama = {
  name: 'ollama',
  requestIdHeader: null,
  authorize: () => null,
  modelOf: (body) => String(body?.model ?? ''),
  wantsStream: (call) => call.entry.body.stream !== false,
  validate: (body) => (body.model ? null : 'model is required'),
  messages: (body) => (body.messages ?? []).map((m) => ({ role: roleOf(m?.role), text: partsText(m?.content) })),

  /** 403 has an empty body, like Ollama's Origin check. */
  errorBody(status, call, message) {
    if (status === 403 && message === undefined) return '';
    const fallback = status === 404 ? `model '${call.model}' not found` : OLLAMA_ERRORS[status] ?? STATUS_CODES[status];
    return { error: message ?? fallback ?? 'error' };
  },

  listModels: (ids) => ({
    models: ids.map((id) => {
      const name = id.includes(':') ? id : `${id}:latest`;
      return {
        name,
        model: name,
        modified_at: '2025-10-01T00:00:00Z',
        size: 2019393189,
        digest: 'a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72',
        details: { format: 'gguf', family: 'llama', parameter_size: '3.2B', quantization_level: 'Q4_K_M' },
      };
    }),
  }),

  complete: (call, text, usage) => ({ ...ollamaLine(call, text, true), ...ollamaCounters(call, usage) }),

  streamWriter(call, usage) {
    const line = (payload) => `${JSON.stringify(payload)}\n`;
    return {
      contentType: 'application/x-ndjson',
      open: () => '',
      delta: (text) => line(ollamaLine(call, text, false)),
      keepAlive: () => '',
      finish: () => line({ ...ollamaLine(call, '', true), ...ollamaCounters(call, usage) }),
      fail: () => line({ error: 'an error was encountered while running the model: unexpected EOF' }),
    };
  },
};

const ollamaLine = (call, content, done) => ({
  model: call.model,
  created_at: new Date().toISOString(),
  message: { role: 'assistant', content },
  done,
});

function ollamaCounters(call, usage) {
  const totalNs = Math.max(1, Date.now() - call.startedAt) * 1e6;
  return {
    done_reason: 'stop',
    total_duration: totalNs,
    load_duration: 1_200_000,
    prompt_eval_count: usage.input,
    prompt_eval_duration: Math.round(totalNs / 4),
    eval_count: usage.output,
    eval_duration: Math.round(totalNs / 2),
  };
}

// ------------------------------------------------------------------------------------------------
// Routing
// ------------------------------------------------------------------------------------------------

/** `wire` is a Wire or a function of the request headers (for the shared /v1/models path). */
const ROUTES = [
  { method: 'POST', path: /^\/v1\/messages$/, wire: anthropic, action: 'generate' },
  { method: 'POST', path: /^\/v1\/chat\/completions$/, wire: openai, action: 'generate' },
  {
    method: 'GET',
    path: /^\/v1\/models$/,
    wire: (headers) => (headers['x-api-key'] !== undefined ? anthropic : openai),
    action: 'list',
  },
  {
    method: 'POST',
    path: /^\/v1beta\/models\/([^/:]+):(?:streamGenerateContent|generateContent)$/,
    wire: gemini,
    action: 'generate',
  },
  { method: 'GET', path: /^\/v1beta\/models$/, wire: gemini, action: 'list' },
  { method: 'POST', path: /^\/api\/chat$/, wire: ollama, action: 'generate' },
  { method: 'GET', path: /^\/api\/tags$/, wire: ollama, action: 'list' },
  { method: 'GET', path: /^\/api\/version$/, wire: ollama, action: 'version' },
  { method: 'POST', path: /^\/api\/show$/, wire: ollama, action: 'show' },
  { method: 'GET', path: /^\/props$/, wire: openai, action: 'props' },
  { method: 'GET', path: /^\/api\/v0\/models$/, wire: openai, action: 'lmstudio' },
  { method: 'POST', path: /^\/api\/v1\/chat\/completions$/, wire: openai, action: 'generate' },
  { method: 'GET', path: /^\/api\/v1\/models$/, wire: openai, action: 'openrouter' },
];

/**
 * What a server says of its models, in its own shape: Ollama's `/api/show` (404 for a model it
 * does not have), llama.cpp's `/props`, LM Studio's `/api/v0/models` (every known model loaded),
 * OpenRouter's model list. `null` when the action is not one of these.
 * @param {string} action
 * @param {object} entry the request's log entry
 * @param {string[]} ids the known models
 * @param {ServerInfo} info
 * @param {(id: string) => boolean} knowsModel
 */
function serverInfo(action, entry, ids, info, knowsModel) {
  if (action === 'show') {
    const model = String(entry.body?.model ?? entry.body?.name ?? '');
    if (!knowsModel(model)) return { status: 404, body: { error: `model '${model}' not found` } };
    const stops = ['<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>'].map((t) => `stop                           "${t}"`);
    const params = [...(info.numCtx ? [`num_ctx                        ${info.numCtx}`] : []), ...stops];
    return {
      status: 200,
      body: {
        license: 'LLAMA 3.2 COMMUNITY LICENSE AGREEMENT',
        modelfile: `FROM /root/.ollama/models/blobs/sha256-dde5aa3fc5ff\nPARAMETER stop <|eot_id|>\n`,
        parameters: params.join('\n'),
        template: '<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|>',
        details: { parent_model: '', format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '3.2B', quantization_level: 'Q4_K_M' },
        model_info: {
          'general.architecture': 'llama',
          'general.parameter_count': 3212749888,
          'llama.block_count': 28,
          'llama.context_length': info.contextLength,
          'llama.embedding_length': 3072,
        },
        capabilities: ['completion', 'tools'],
        modified_at: '2025-10-01T00:00:00Z',
      },
    };
  }
  if (action === 'props') {
    return {
      status: 200,
      body: {
        default_generation_settings: { id: 0, id_task: -1, n_ctx: info.nCtx, speculative: false, is_processing: false, params: { n_predict: -1, temperature: 0.8 } },
        total_slots: 1,
        model_path: '/models/model.gguf',
        chat_template: '{% for message in messages %}{{ message.content }}{% endfor %}',
        build_info: 'b6713-mock',
      },
    };
  }
  if (action === 'lmstudio') {
    const data = ids.map((id) => ({
      id, object: 'model', type: 'llm', publisher: 'lmstudio-community', arch: 'llama', compatibility_type: 'gguf',
      quantization: 'Q4_K_M', state: 'loaded', max_context_length: info.contextLength, loaded_context_length: info.loadedContextLength,
    }));
    return { status: 200, body: { object: 'list', data } };
  }
  if (action === 'openrouter') {
    const data = ids.map((id) => ({
      id: id.includes('/') ? id : `openai/${id}`, name: id, created: 1721260800, context_length: info.contextLength,
      architecture: { modality: 'text->text', input_modalities: ['text'], output_modalities: ['text'], tokenizer: 'GPT' },
      pricing: { ...info.pricing, request: '0', image: '0' },
      top_provider: { context_length: info.contextLength, max_completion_tokens: 16384, is_moderated: false },
      per_request_limits: null,
    }));
    return { status: 200, body: { data } };
  }
  return null;
}

/** Finds the route; OPTIONS matches any method so preflights are attributed to a wire too. */
function findRoute(method, pathname, headers) {
  for (const route of ROUTES) {
    const match = pathname.match(route.path);
    if (!match || (method !== route.method && method !== 'OPTIONS')) continue;
    const wire = typeof route.wire === 'function' ? route.wire(headers) : route.wire;
    return { wire, action: route.action, params: match.slice(1) };
  }
  return null;
}

const unknownUrlBody = (method, path) => openaiEnvelope('invalid_request_error', 'unknown_url',
  `Unknown request URL: ${method} ${path}. Please check the URL for typos, `
  + 'or see the docs at https://platform.openai.com/docs/api-reference/.');

// ------------------------------------------------------------------------------------------------
// Response helpers
// ------------------------------------------------------------------------------------------------

/** Writes the status line and headers (request id, then `extra`, then the behavior's headers). */
function begin(call, status, extra = {}) {
  const idHeader = call.wire?.requestIdHeader;
  call.entry.status = status;
  call.res.writeHead(status, {
    ...(idHeader ? { [idHeader]: call.requestId } : {}),
    ...extra,
    ...call.behavior.headers,
  });
}

/** Sends a complete response; objects as JSON, strings as text/plain (empty string: no body). */
function send(call, status, body, extra = {}) {
  // Strings and Buffers (raw bytes, e.g. invalid UTF-8) go out as they are.
  const isText = typeof body === 'string' || Buffer.isBuffer(body);
  const contentType = isText ? (body.length ? 'text/plain; charset=utf-8' : null) : 'application/json';
  begin(call, status, { ...(contentType ? { 'content-type': contentType } : {}), ...extra });
  call.res.end(isText ? body : JSON.stringify(body));
}

/** Ends the response early without an end marker: a clean EOF ('end') or a reset ('destroy'). */
function cut(call) {
  call.cutByServer = true;
  if (call.behavior.cutMode === 'destroy') call.res.destroy();
  else call.res.end();
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(raw) {
  if (raw === '') return null;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

// ------------------------------------------------------------------------------------------------
// Generation
// ------------------------------------------------------------------------------------------------

/** Streams `text` in the wire's framing, honouring the chunk-level behaviors. */
async function streamAnswer(call, text, usage) {
  const { res, behavior } = call;
  const writer = call.wire.streamWriter(call, usage);
  const pieces = splitText(text, behavior.chunkSize);
  const middle = Math.floor((pieces.length - 1) / 2);

  begin(call, 200, { 'content-type': writer.contentType, 'cache-control': 'no-cache' });
  res.flushHeaders();
  res.write(writer.open());
  for (let sent = 0; ; sent++) {
    if (call.closed) return;
    if (sent === behavior.cutAfterChunks) return cut(call);
    if (sent === behavior.errorEventAfterChunks) {
      res.end(writer.fail());
      return;
    }
    if (sent === behavior.hangAfterChunks) return call.whenClosed;
    if (sent === pieces.length) break;
    if (sent > 0) await sleep(behavior.chunkDelayMs);
    if (call.closed) return;
    res.write(writer.delta(pieces[sent], sent === pieces.length - 1));
    if (sent === middle) res.write(writer.keepAlive());
  }
  res.end(writer.finish());
  call.entry.completed = true;
}

/** Non-streaming answer: one JSON body. `hangAfterChunks`/`cutAfterChunks` hang or cut before it. */
async function completeAnswer(call, text, usage) {
  if (call.behavior.hangAfterChunks !== undefined) return call.whenClosed;
  if (call.behavior.cutAfterChunks !== undefined) return cut(call);
  send(call, 200, call.wire.complete(call, text, usage));
  call.entry.completed = true;
}

/**
 * Validates then answers a generation request: auth → JSON → body shape → model → behavior.
 * A queued behavior is only consumed by a request that passes the first four checks.
 */
async function generate(server, call, params) {
  const { wire, entry } = call;
  const body = isObject(entry.body) ? entry.body : null;
  call.model = wire.modelOf(body, params);
  entry.model = call.model;
  entry.completed = false;
  entry.aborted = false;

  const problem = body && wire.validate(body);
  const analysis = analyzePrompt(body && !problem ? wire.messages(body) : []);
  entry.kind = analysis.kind;
  entry.promptChars = analysis.promptChars;
  if (analysis.glossary) entry.glossary = analysis.glossary;

  const denied = wire.authorize(call, server.validKey);
  if (denied) return send(call, denied.status, denied.body);
  if (!body) return send(call, 400, wire.errorBody(400, call, 'The request body is not valid JSON.'));
  if (problem) return send(call, 400, wire.errorBody(400, call, problem));
  // Ollama ignores what it does not know; the hosted APIs refuse it.
  const refused = server.realistic && wire.strict?.(body, call.model);
  if (refused) return send(call, 400, wire.errorBody(400, call, refused));
  if (!server.knowsModel(call.model)) return send(call, 404, wire.errorBody(404, call));

  call.behavior = server.takeBehavior(entry);
  entry.stream = wire.wantsStream(call);
  if (call.behavior.firstByteDelayMs > 0) await sleep(call.behavior.firstByteDelayMs);
  if (call.closed) return undefined;

  const { status, body: fixedBody } = call.behavior;
  if (status !== undefined) {
    return send(call, status, fixedBody ?? (status >= 400 ? wire.errorBody(status, call) : ''));
  }

  const ctx = { kind: analysis.kind, blocks: analysis.blocks, lang: analysis.lang, wire: wire.name, body };
  const thinking = call.realistic && wire.name === 'ollama' ? `<think>\n${THINKING}\n</think>\n\n` : '';
  const drop = call.behavior.dropTerms ?? [];
  const base = call.behavior.text ?? (call.realistic ? thinking + realisticAnswer(analysis, drop) : deriveAnswer(analysis, drop));
  const text = call.behavior.transform ? call.behavior.transform(base, ctx) : base;
  const usage = { input: estimateTokens(analysis.promptChars), output: estimateTokens(text.length) };
  return entry.stream ? streamAnswer(call, text, usage) : completeAnswer(call, text, usage);
}

// ------------------------------------------------------------------------------------------------
// Server
// ------------------------------------------------------------------------------------------------

/**
 * A behavior controls how the next matching generation request is answered. All fields optional.
 * @typedef {object} Behavior
 * @property {number} [status]            answer immediately with this status instead of generating
 * @property {object|string|Buffer} [body]  body for `status` (default: the provider's error body)
 * @property {Record<string,string>} [headers]  extra response headers (any response)
 * @property {boolean} [quota]            429 is a quota/billing error (OpenAI `insufficient_quota`,
 *                                        Anthropic `enforced_spend_limit_reached`)
 * @property {string} [text]              exact answer text
 * @property {string[]} [dropTerms]       glossary terms the translation leaves as they are (the
 *                                        others it renders as the prompt's glossary says)
 * @property {(text: string, ctx: {kind: string, blocks: Block[], lang: string, wire: string,
 *            body: object}) => string} [transform]  rewrite the answer text
 * @property {number} [firstByteDelayMs]  delay before the status line (default 0)
 * @property {number} [chunkDelayMs]      delay between content chunks (default 15)
 * @property {number} [chunkSize]         code points per content chunk (default 12)
 * @property {boolean} [crlf]             CRLF line endings on the OpenAI wire (default false)
 * @property {number} [cutAfterChunks]    end the stream after N content chunks, no end marker
 * @property {'end'|'destroy'} [cutMode]  how to cut: clean EOF (default) or socket reset
 * @property {number} [errorEventAfterChunks]  send the wire's in-stream error after N chunks, then end
 * @property {number} [hangAfterChunks]   stop after N chunks and hold the connection until the client aborts
 * @property {(entry: object) => boolean} [match]  only apply to requests it matches (queued or default)
 */

/**
 * Starts the mock LLM server.
 *
 * Log entries are `{method, path, query, headers, body, at, endedAt, wire, status}` (`endedAt`:
 * when the connection closed, once it has); generation requests
 * (POST to a messages/chat/generate route) also carry `kind`, `model`, `stream`, `completed` and
 * `aborted` (the client closed the connection before the response finished).
 *
 * @param {object} [options]
 * @param {number} [options.port=0]
 * @param {string} [options.host='127.0.0.1']
 * @param {string} [options.validKey='test-key']  the only accepted API key (Ollama has no auth)
 * @param {string[] | null} [options.models]       known model ids; `null` accepts any model
 * @param {boolean} [options.realistic=false]      answer like real models and APIs (see the file's header)
 * @param {Partial<ServerInfo>} [options.server]  what the servers say of their models
 * @returns {Promise<{url: string, port: number, log: object[], enqueue(b: Behavior): void,
 *   setDefault(b: Behavior): void, setServer(s: Partial<ServerInfo>): void, reset(): void, close(): Promise<void>,
 *   requests(filter?: (entry: object) => boolean): object[]}>}
 */
export async function startMockLlm({ port = 0, host = '127.0.0.1', validKey = 'test-key', models = DEFAULT_MODELS, realistic = false, server: serverOptions = {} } = {}) {
  const log = [];
  /** @type {ServerInfo} */
  let info = { ...DEFAULT_SERVER, ...serverOptions };
  const queue = [];
  let defaults = {};
  let seq = 0;
  /** Generation requests open now, and the most open at once since the last reset. */
  const streams = { open: 0, max: 0 };

  const bareModel = (id) => id.replace(/:latest$/, '');
  const context = {
    validKey,
    realistic,
    knowsModel: (id) => models === null || models.some((m) => bareModel(m) === bareModel(id)),
    takeBehavior(entry) {
      const index = queue.findIndex((b) => !b.match || b.match(entry));
      const { match, ...queued } = index === -1 ? {} : queue.splice(index, 1)[0];
      // A default with `match` applies only to the requests it matches, like a queued one.
      const { match: defaultMatch, ...fallback } = defaults;
      const applies = !defaultMatch || defaultMatch(entry);
      return { ...BUILTIN_BEHAVIOR, ...(applies ? fallback : {}), ...queued };
    },
  };

  async function handle(req, res) {
    const url = new URL(req.url, 'http://mock.invalid');
    const entry = {
      method: req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...req.headers },
      body: parseBody(await readBody(req)),
      at: Date.now(),
      wire: null,
    };
    log.push(entry);
    seq += 1;
    const call = {
      res, entry, wire: null, seq, requestId: `req_mock${seq}`, model: '', behavior: {},
      startedAt: Date.now(), closed: false, cutByServer: false, realistic,
    };
    call.whenClosed = new Promise((resolve) => res.on('close', () => {
      call.closed = true;
      entry.endedAt = Date.now();
      if (!res.writableFinished && !call.cutByServer && 'kind' in entry) entry.aborted = true;
      resolve();
    }));
    // A real API's CORS headers do not matter to Gloss: the extension reads only hosts it was
    // granted, and the browser enforces CORS on any other. The realistic mode sends none.
    if (!realistic) res.setHeader('access-control-allow-origin', '*');

    const route = findRoute(req.method, url.pathname, entry.headers);
    call.wire = route?.wire ?? null;
    entry.wire = call.wire?.name ?? null;
    if (req.method === 'OPTIONS') {
      entry.status = realistic ? 405 : 204;
      res.writeHead(entry.status, realistic ? {} : CORS_PREFLIGHT_HEADERS).end();
      return;
    }
    if (!route) return send(call, 404, unknownUrlBody(req.method, url.pathname));
    // The servers' own endpoints answer without a key (llama.cpp's /props is public; a local
    // Ollama or LM Studio has none), and take no queued behavior: those are for the model.
    const said = serverInfo(route.action, entry, models ?? DEFAULT_MODELS, info, context.knowsModel);
    if (said) return send(call, said.status, said.body);
    if (route.action === 'generate') {
      // How many generation requests are open at once, for concurrency caps.
      streams.open += 1;
      streams.max = Math.max(streams.max, streams.open);
      call.whenClosed.then(() => { streams.open -= 1; });
      return generate(context, call, route.params);
    }

    const denied = call.wire.authorize(call, validKey);
    if (denied) return send(call, denied.status, denied.body);
    if (route.action === 'version') return send(call, 200, { version: OLLAMA_VERSION });
    return send(call, 200, call.wire.listModels(models ?? DEFAULT_MODELS));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`mock-llm internal error: ${error?.stack ?? error}`);
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const actualPort = server.address().port;

  return {
    url: `http://localhost:${actualPort}`,
    port: actualPort,
    log,
    enqueue: (behavior) => void queue.push(behavior),
    setDefault: (behavior) => { defaults = { ...behavior }; },
    /** What the servers say of their models from now on (see {@link DEFAULT_SERVER}). */
    setServer: (partial) => { info = { ...info, ...partial }; },
    reset() {
      info = { ...DEFAULT_SERVER, ...serverOptions };
      log.length = 0;
      queue.length = 0;
      defaults = {};
      streams.max = streams.open;
    },
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
    requests: (filter) => log.filter((entry) => 'kind' in entry && (!filter || filter(entry))),
    /** The most generation requests that were open at once since the last reset. */
    maxOpenStreams: () => streams.max,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.argv[2] ?? 0);
  const mock = await startMockLlm({ port });
  console.log(`mock LLM listening on ${mock.url} (API key: test-key)`);
}
