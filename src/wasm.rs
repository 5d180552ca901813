//! The WASM boundary, and the only module that knows about JavaScript: thin wrappers that move
//! serde values across and leave every decision to the pure modules.

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::error::GlossError;
use crate::llm::PRESETS;
use crate::session::event::{Host, Stamped};
use crate::session::machine::Core;
use crate::settings::Settings;

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

/// The session core: one per worker. `handle` takes an event (`{type, now, …}`) and returns the
/// effects to carry out; `bytes` takes a response body's bytes as they are.
#[wasm_bindgen(js_name = Core)]
pub struct JsCore(Core);

#[wasm_bindgen(js_class = Core)]
impl JsCore {
    /// `host`: `{extensionId, extensionUrl, uiLanguage, quotaBytes}`.
    #[wasm_bindgen(constructor)]
    pub fn new(host: JsValue) -> Result<JsCore, JsValue> {
        let host: Host = optional(host, "host")?;
        let mut core = Core::new(host);
        core.set_clock(host_clock);
        Ok(JsCore(core))
    }

    /// Throws `{code, message, retryable}` for an event the core cannot read.
    pub fn handle(&mut self, event: JsValue) -> Result<JsValue, JsValue> {
        self.0.entering();
        let Stamped { now, event } = from_js(event, "event")?;
        Ok(to_js(&self.0.handle(millis(now), event)))
    }

    /// Bytes of response `req`'s body, as `fetch`'s reader gave them.
    pub fn bytes(&mut self, req: f64, bytes: &[u8], now: f64) -> JsValue {
        to_js(&self.0.bytes(millis(now), millis(req), bytes))
    }
}

#[wasm_bindgen]
extern "C" {
    /// The global `performance` (a worker's, a page's, or the playground's).
    type Performance;
    #[wasm_bindgen(thread_local_v2, js_name = performance)]
    static PERFORMANCE: Option<Performance>;
    #[wasm_bindgen(method, js_name = now)]
    fn now(this: &Performance) -> f64;
    #[wasm_bindgen(method, getter, js_name = timeOrigin)]
    fn time_origin(this: &Performance) -> f64;
}

/// The core's timing clock: `performance.timeOrigin + performance.now()`, comparable across the
/// page, the panel and the worker (0 where there is no `performance`).
fn host_clock() -> f64 {
    PERFORMANCE.with(|p| p.as_ref().map_or(0.0, |p| p.time_origin() + p.now()))
}

/// `Date.now()` (or an id) as a whole number.
fn millis(now: f64) -> u64 {
    if now.is_finite() && now > 0.0 { now as u64 } else { 0 }
}

/// The settings a first run starts with, in the browser's language (`uiLanguage`, its full tag).
#[wasm_bindgen(js_name = firstRunSettings)]
pub fn first_run_settings(ui_language: &str) -> JsValue {
    to_js(&crate::session::machine::first_run_settings(ui_language))
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

/// The core's token estimate for `text`, as used to budget requests.
#[wasm_bindgen(js_name = estimateTokens)]
pub fn estimate_tokens(text: &str) -> usize {
    crate::text::tokens::estimate_tokens(text)
}

/// The playground's view of a page: `{article, provenance, digest}`, the article as extracted
/// and its digest made with no model. Throws `{code, message, retryable}`.
#[wasm_bindgen]
pub fn preview(html: &str, url: Option<String>) -> Result<JsValue, JsValue> {
    let article = crate::article::extract_with(html, url.as_deref(), &Default::default()).map_err(|e| err(&e))?;
    let provenance = crate::llm::endpoint::Provenance::builtin(&article.lang);
    let digest = crate::digest::offline(&article);
    Ok(to_js(&serde_json::json!({"article": article, "provenance": provenance, "digest": digest})))
}

/// The digest styles the options page offers: every preset's id, then `custom`.
#[wasm_bindgen(js_name = digestStyles)]
pub fn digest_styles() -> JsValue {
    let mut ids: Vec<&str> = crate::digest::style::PRESETS.iter().map(|p| p.id).collect();
    ids.push(crate::digest::style::CUSTOM);
    to_js(&ids)
}

/// The reader's digest instructions as typed: `{chars, max, error}`, `error` being the
/// `{code, message, retryable}` to show beside the field when they are too long (else `null`).
#[wasm_bindgen(js_name = checkInstructions)]
pub fn check_instructions(text: &str) -> JsValue {
    let error = crate::digest::style::check_instructions(text).err().map(|e| e.info());
    let chars = text.trim().chars().count();
    to_js(&serde_json::json!({"chars": chars, "max": crate::digest::style::MAX_INSTRUCTIONS_CHARS, "error": error}))
}

/// Where the always-on sites are stored (`chrome.storage.local`).
#[wasm_bindgen(js_name = sitesKey)]
pub fn sites_key() -> String {
    crate::sites::SITES_KEY.to_string()
}

/// The always-on sites as stored, read as far as they can be: `[{origin, run}]`.
#[wasm_bindgen(js_name = readSites)]
pub fn read_sites(stored: JsValue) -> JsValue {
    let value = stored_value(stored);
    to_js(&crate::sites::read(Some(&value)))
}

/// The languages Gloss writes in, as the options page offers them.
#[wasm_bindgen]
pub fn languages() -> JsValue {
    to_js(crate::text::lang::LANGUAGES)
}

/// Stored glossaries of any shape, read as the core reads them: `{schemaVersion, languages}`.
#[wasm_bindgen(js_name = readGlossaries)]
pub fn read_glossaries(stored: JsValue) -> JsValue {
    to_js(&crate::glossary::Glossaries::from_stored(&stored_value(stored)))
}

/// The glossary editor's CSV text read: `{terms, error}` (`error`: `{line, code, otherLine}`).
#[wasm_bindgen(js_name = glossaryFromCsv)]
pub fn glossary_from_csv(text: &str) -> JsValue {
    to_js(&crate::glossary::read_csv(text))
}

/// A glossary's terms as CSV, with the header row.
#[wasm_bindgen(js_name = glossaryToCsv)]
pub fn glossary_to_csv(terms: JsValue) -> Result<String, JsValue> {
    let terms: Vec<crate::glossary::Term> = from_js(terms, "glossary")?;
    Ok(crate::glossary::to_csv(&terms))
}

/// A CSV file imported over `existing` terms: `{merged: {terms, added, replaced}, error}`.
#[wasm_bindgen(js_name = importGlossary)]
pub fn import_glossary(existing: JsValue, text: &str) -> Result<JsValue, JsValue> {
    let existing: Vec<crate::glossary::Term> = from_js(existing, "glossary")?;
    Ok(to_js(&crate::glossary::import(&existing, text)))
}
