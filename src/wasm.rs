//! The WASM boundary, and the only module that knows about JavaScript: thin wrappers that move
//! serde values across and leave every decision to the pure modules.

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::article::ExtractOptions;
use crate::session::cache::{self, evict, IndexEntry};
use crate::error::{ErrorInfo, GlossError};
use crate::llm::{parse_models, Endpoint, PRESETS};
use crate::settings::Settings;
use crate::session::{self, Call, DigestReader, Session, TranslationReader};
use crate::translate::ChunkEnd;
use crate::translate::TranslatedBlock;
use crate::llm::wire::Wire;

fn to_js<T: Serialize + ?Sized>(value: &T) -> JsValue {
    // JSON-compatible: `None` becomes `null` and maps become plain objects.
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap_or(JsValue::NULL)
}

fn from_js<T: DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(value).map_err(|e| err(&GlossError::Invalid(format!("{what}: {e}"))))
}

/// `undefined` and `null` mean the defaults.
fn optional<T: DeserializeOwned + Default>(value: JsValue, what: &str) -> Result<T, JsValue> {
    if value.is_undefined() || value.is_null() { Ok(T::default()) } else { from_js(value, what) }
}

fn err(e: &GlossError) -> JsValue {
    to_js(&e.info())
}

/// A page's article and the reader's settings: plans requests and makes response readers.
#[wasm_bindgen(js_name = Session)]
pub struct JsSession(Session);

#[wasm_bindgen(js_class = Session)]
impl JsSession {
    /// Extracts the article from the page's HTML (`options`: `{readerableGate, selectionHtml}`).
    /// Throws `{code, message, retryable}`. Settings come separately, through `configure`.
    #[wasm_bindgen(constructor)]
    pub fn new(html: &str, url: Option<String>, options: JsValue) -> Result<JsSession, JsValue> {
        let options: ExtractOptions = optional(options, "options")?;
        let article = crate::article::extract_with(html, url.as_deref(), &options).map_err(|e| err(&e))?;
        Ok(JsSession(Session::new(article, Settings::default())))
    }

    pub fn configure(&mut self, settings: JsValue) -> Result<(), JsValue> {
        self.0.configure(optional(settings, "settings")?);
        Ok(())
    }

    pub fn article(&self) -> JsValue {
        to_js(&self.0.article)
    }

    pub fn plan(&self) -> JsValue {
        to_js(&self.0.plan())
    }

    /// Where earlier results for this article may be cached: `{digest, blocks: [[id, key]]}`.
    #[wasm_bindgen(js_name = cacheKeys)]
    pub fn cache_keys(&self) -> JsValue {
        to_js(&self.0.cache_keys())
    }

    /// Takes what the cache held (`{digest, blocks: {key: spans}}`); later plans use it.
    #[wasm_bindgen(js_name = applyCache)]
    pub fn apply_cache(&mut self, hits: JsValue) -> Result<(), JsValue> {
        self.0.apply_cache(from_js(hits, "cache hits")?);
        Ok(())
    }

    /// `{key, value}` to store for a finished digest, or `null`.
    #[wasm_bindgen(js_name = digestEntry)]
    pub fn digest_entry(&self, digest: JsValue) -> Result<JsValue, JsValue> {
        Ok(to_js(&self.0.digest_entry(&from_js(digest, "digest")?)))
    }

    /// `[{key, value}]` to store for translated blocks.
    #[wasm_bindgen(js_name = blockEntries)]
    pub fn block_entries(&self, blocks: JsValue) -> Result<JsValue, JsValue> {
        let blocks: Vec<TranslatedBlock> = from_js(blocks, "blocks")?;
        Ok(to_js(&self.0.block_entries(&blocks)))
    }

    /// Starts scheduling the translation: everything pending, or just `blockIds` (a retry).
    #[wasm_bindgen(js_name = startTranslation)]
    pub fn start_translation(&mut self, block_ids: JsValue) -> Result<(), JsValue> {
        let only: Option<Vec<String>> = optional(block_ids, "block ids")?;
        self.0.start_translation(only.as_deref());
        Ok(())
    }

    /// The next step at `now` (ms): `{type: 'start' | 'wait' | 'idle' | 'finished' | 'stopped', …}`.
    #[wasm_bindgen(js_name = nextStep)]
    pub fn next_step(&mut self, now: f64) -> JsValue {
        to_js(&self.0.next_step(millis(now)))
    }

    /// How a started job ended: the `ChunkEnd` its reader's `finish` returned.
    pub fn report(&mut self, job: usize, end: JsValue, now: f64) -> Result<(), JsValue> {
        let end: ChunkEnd = from_js(end, "chunk end")?;
        self.0.report(job, &end, millis(now));
        Ok(())
    }

    #[wasm_bindgen(js_name = recordDigest)]
    pub fn record_digest(&mut self, digest: JsValue) -> Result<(), JsValue> {
        self.0.record_digest(from_js(digest, "digest")?);
        Ok(())
    }

    #[wasm_bindgen(js_name = recordTranslated)]
    pub fn record_translated(&mut self, blocks: JsValue) -> Result<(), JsValue> {
        let blocks: Vec<TranslatedBlock> = from_js(blocks, "blocks")?;
        self.0.record_translated(&blocks);
        Ok(())
    }

    /// `{markdown, fileName}` of what the panel shows, stamped with `date`.
    #[wasm_bindgen(js_name = exportMarkdown)]
    pub fn export_markdown(&self, date: &str) -> JsValue {
        let (markdown, file_name) = self.0.export(date);
        to_js(&serde_json::json!({"markdown": markdown, "fileName": file_name}))
    }

    pub fn progress(&self) -> JsValue {
        to_js(&self.0.progress())
    }

    /// Which built-in AI APIs the page's window has: `{summarizer, translator, languageDetector}`.
    #[wasm_bindgen(js_name = setOnDevice)]
    pub fn set_on_device(&mut self, apis: JsValue) -> Result<(), JsValue> {
        self.0.set_on_device(optional(apis, "on-device APIs")?);
        Ok(())
    }

    /// `{provenance, digest}`: the digest made with no model, for when the Summarizer is not ready.
    #[wasm_bindgen(js_name = onDeviceFallback)]
    pub fn on_device_fallback(&self) -> Result<JsValue, JsValue> {
        let (provenance, digest) = self.0.on_device_fallback().map_err(|e| err(&e))?;
        Ok(to_js(&serde_json::json!({"provenance": provenance, "digest": digest})))
    }

    /// The on-device digest's next step given every answer so far (`string[]`).
    #[wasm_bindgen(js_name = onDeviceDigest)]
    pub fn on_device_digest(&mut self, answers: JsValue) -> Result<JsValue, JsValue> {
        let answers: Vec<String> = from_js(answers, "answers")?;
        self.0.on_device_digest(&answers).map(|step| to_js(&step)).map_err(|e| err(&e))
    }

    /// The on-device translation's step after the LanguageDetector said `detected`.
    #[wasm_bindgen(js_name = onDeviceDetected)]
    pub fn on_device_detected(&self, detected: JsValue) -> Result<JsValue, JsValue> {
        let detected: Vec<crate::on_device::Detected> = from_js(detected, "detected languages")?;
        self.0.on_device_detected(&detected).map(|step| to_js(&step)).map_err(|e| err(&e))
    }

    /// Blocks the built-in Translator translated (`[{id, text}]`): `{blocks, spend}`, the blocks as
    /// the panel shows them and what the translation has taken so far.
    #[wasm_bindgen(js_name = onDeviceTranslated)]
    pub fn on_device_translated(&mut self, blocks: JsValue) -> Result<JsValue, JsValue> {
        let blocks: Vec<crate::on_device::BlockText> = from_js(blocks, "translated blocks")?;
        let (shown, spend) = self.0.on_device_translated(&blocks).map_err(|e| err(&e))?;
        Ok(to_js(&serde_json::json!({"blocks": shown, "spend": spend})))
    }

    pub fn cancel(&mut self) {
        self.0.cancel();
    }

    /// The part requests of a digest in parts; `budget` (tokens) smaller than the model's after
    /// the provider said its context was exceeded.
    #[wasm_bindgen(js_name = digestPartCalls)]
    pub fn digest_part_calls(&self, budget: Option<usize>) -> JsValue {
        to_js(&self.0.digest_part_calls(budget))
    }

    /// The request that merges the parts' answers.
    #[wasm_bindgen(js_name = combineCall)]
    pub fn combine_call(&self, answers: JsValue) -> Result<JsValue, JsValue> {
        let answers: Vec<String> = from_js(answers, "answers")?;
        Ok(to_js(&self.0.combine_call(&answers)))
    }

    /// A reader for the digest's answer (`null` without a model).
    #[wasm_bindgen(js_name = digestReader)]
    pub fn digest_reader(&self) -> Option<JsDigestReader> {
        self.0.digest_reader().map(JsDigestReader)
    }

    #[wasm_bindgen(js_name = translationReader)]
    pub fn translation_reader(&self, wire: JsValue, block_ids: JsValue) -> Result<JsTranslationReader, JsValue> {
        let wire: Wire = from_js(wire, "wire")?;
        let ids: Vec<String> = from_js(block_ids, "block ids")?;
        Ok(JsTranslationReader(self.0.translation_reader(wire, &ids)))
    }
}

/// Turns a digest answer's bytes into the digest so far.
#[wasm_bindgen(js_name = DigestReader)]
pub struct JsDigestReader(DigestReader);

#[wasm_bindgen(js_class = DigestReader)]
impl JsDigestReader {
    /// `null` when the bytes held no new text.
    pub fn push(&mut self, bytes: &[u8]) -> Result<JsValue, JsValue> {
        self.0.push(bytes).map(|u| to_js(&u)).map_err(|e| err(&e))
    }

    pub fn finish(&mut self) -> Result<JsValue, JsValue> {
        self.0.finish().map(|u| to_js(&u)).map_err(|e| err(&e))
    }

    pub fn partial(&self) -> JsValue {
        to_js(&self.0.partial())
    }

    pub fn answer(&self) -> String {
        self.0.answer()
    }
}

/// Turns a translation chunk's bytes into blocks.
#[wasm_bindgen(js_name = TranslationReader)]
pub struct JsTranslationReader(TranslationReader);

#[wasm_bindgen(js_class = TranslationReader)]
impl JsTranslationReader {
    pub fn push(&mut self, bytes: &[u8]) -> Result<JsValue, JsValue> {
        self.0.push(bytes).map(|u| to_js(&u)).map_err(|e| err(&e))
    }

    /// Settles the chunk; `error` is the `{code, message, retryable}` that ended the stream, if any.
    pub fn finish(&mut self, error: JsValue) -> Result<JsValue, JsValue> {
        let error: Option<ErrorInfo> = optional(error, "error")?;
        Ok(to_js(&self.0.finish(error)))
    }
}

/// `Date.now()` as whole milliseconds.
fn millis(now: f64) -> u64 {
    if now.is_finite() && now > 0.0 { now as u64 } else { 0 }
}

/// Storage keys to delete so the cache fits its bound: `index` is `[{key, bytes, usedAt}]`,
/// `quotaBytes` the storage area's quota when it has one.
#[wasm_bindgen(js_name = cacheEvictions)]
pub fn cache_evictions(index: JsValue, quota_bytes: Option<f64>) -> Result<JsValue, JsValue> {
    let index: Vec<IndexEntry> = from_js(index, "cache index")?;
    let quota = quota_bytes.filter(|q| q.is_finite() && *q > 0.0).map(|q| q as u64);
    Ok(to_js(&evict(&index, cache::bound(quota))))
}

/// Storage keys to delete, oldest first, to free `needBytes` after a write failed for quota.
#[wasm_bindgen(js_name = cacheRoom)]
pub fn cache_room(index: JsValue, need_bytes: f64) -> Result<JsValue, JsValue> {
    let index: Vec<IndexEntry> = from_js(index, "cache index")?;
    let need = if need_bytes.is_finite() && need_bytes > 0.0 { need_bytes as u64 } else { 0 };
    Ok(to_js(&cache::make_room(&index, need)))
}

/// What a non-2xx response means, and whether to try again after `retryInMs`.
#[wasm_bindgen(js_name = httpFailure)]
pub fn http_failure(call: JsValue, status: u16, headers: JsValue, body: &str, attempt: u32) -> Result<JsValue, JsValue> {
    let call: Call = from_js(call, "call")?;
    let headers: Vec<(String, String)> = from_js(headers, "headers")?;
    Ok(to_js(&session::http_failure(&call, status, &headers, body, attempt)))
}

/// The same for a request that got no response at all.
#[wasm_bindgen(js_name = networkFailure)]
pub fn network_failure(message: &str, attempt: u32) -> JsValue {
    to_js(&session::network_failure(message, attempt))
}

/// The core's token estimate for `text`, as used to budget requests.
#[wasm_bindgen(js_name = estimateTokens)]
pub fn estimate_tokens(text: &str) -> usize {
    crate::text::tokens::estimate_tokens(text)
}

/// The same for an answer that did not start, or stopped, within the call's timeouts.
#[wasm_bindgen(js_name = timeoutFailure)]
pub fn timeout_failure(what: &str, attempt: u32) -> JsValue {
    to_js(&session::timeout_failure(what, attempt))
}

/// Answers streaming at once across all tabs.
#[wasm_bindgen(js_name = globalMaxStreams)]
pub fn global_max_streams() -> usize {
    crate::translate::schedule::GLOBAL_MAX_STREAMS
}

#[wasm_bindgen(js_name = defaultSettings)]
pub fn default_settings() -> JsValue {
    to_js(&Settings::default())
}

/// Whether a base URL may carry a key: `null`, or the `{code, message, retryable}` to show
/// beside the field (`insecure_base_url` for plain http to another machine). Empty is fine: the
/// preset's default is used.
#[wasm_bindgen(js_name = checkBaseUrl)]
pub fn check_base_url(url: &str) -> JsValue {
    let url = url.trim();
    match crate::llm::check_base_url(url) {
        Err(e) if !url.is_empty() => to_js(&e.info()),
        _ => JsValue::NULL,
    }
}

/// Stored settings of any schema version, brought up to date.
#[wasm_bindgen(js_name = migrateSettings)]
pub fn migrate_settings(stored: JsValue) -> JsValue {
    to_js(&Settings::from_stored(&stored_value(stored)).settings)
}

/// The same, with what had to be reset: `{settings, resets: [{field, reason}]}`.
#[wasm_bindgen(js_name = readSettings)]
pub fn read_settings(stored: JsValue) -> JsValue {
    to_js(&Settings::from_stored(&stored_value(stored)))
}

/// Whatever JS holds, as JSON; anything that is not (a function, a symbol) counts as null.
fn stored_value(stored: JsValue) -> serde_json::Value {
    serde_wasm_bindgen::from_value(stored).unwrap_or(serde_json::Value::Null)
}

/// The built-in context sizes and prices: `{rows: [{model, prefix, contextTokens, inputPerMtok,
/// outputPerMtok}], defaultContextTokens}`.
#[wasm_bindgen(js_name = builtinModels)]
pub fn builtin_models() -> JsValue {
    to_js(&crate::models::builtin_table())
}

/// Reads the model rows as typed (`[{model, contextTokens, inputPerMtok, outputPerMtok}]`, all
/// strings): `{rows, errors: [{row, field, code, min, max}]}`.
#[wasm_bindgen(js_name = checkModelRows)]
pub fn check_model_rows(rows: JsValue) -> Result<JsValue, JsValue> {
    let rows: Vec<crate::models::ModelRowInput> = from_js(rows, "model rows")?;
    Ok(to_js(&crate::models::check_rows(&rows)))
}

/// The providers the options page offers.
#[wasm_bindgen]
pub fn presets() -> JsValue {
    let list: Vec<serde_json::Value> = PRESETS
        .iter()
        .map(|p| serde_json::json!({"id": p.id, "label": p.label, "baseUrl": p.base_url, "model": p.model, "needsKey": p.needs_key}))
        .collect();
    to_js(&list)
}

/// The request Test connection sends. Throws `{code, …}` when the settings cannot work.
#[wasm_bindgen(js_name = connectionCall)]
pub fn connection_call(settings: JsValue) -> Result<JsValue, JsValue> {
    let settings: Settings = from_js::<Settings>(settings, "settings")?.migrate();
    let endpoint = endpoint_of(&settings)?;
    Ok(to_js(&session::call_with(&endpoint, endpoint.models_request(), &settings)))
}

/// Reads Test connection's 200 answer into `{modelCount, modelFound, model, models}`.
#[wasm_bindgen(js_name = connectionReport)]
pub fn connection_report(settings: JsValue, body: &str) -> Result<JsValue, JsValue> {
    let endpoint = endpoint(settings)?;
    parse_models(&endpoint, body).map(|r| to_js(&r)).map_err(|e| err(&e))
}

fn endpoint(settings: JsValue) -> Result<Endpoint, JsValue> {
    endpoint_of(&from_js::<Settings>(settings, "settings")?.migrate())
}

fn endpoint_of(settings: &Settings) -> Result<Endpoint, JsValue> {
    match Endpoint::from_settings(settings) {
        Ok(Some(e)) => Ok(e),
        Ok(None) => Err(err(&GlossError::MissingKey)),
        Err(e) => Err(err(&e)),
    }
}
