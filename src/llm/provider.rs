//! Providers: the presets a user picks from, their settings, and the HTTP requests Gloss sends
//! them (chat streams and model lists), built here so the extension only has to `fetch` them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::GlossError;
use crate::models::{clean_overrides, ModelOverride, ModelTable};
use crate::llm::prompt::Prompt;
use crate::llm::wire::Wire;

/// The settings schema this build writes; older ones are migrated by `Settings::migrate`.
///
/// - 0: no `schemaVersion` field; otherwise as 1.
/// - 1: one `apiKey` for the chosen provider.
/// - 2: `apiKeys` per provider; translation tunables; bilingual view.
/// - 3: `modelOverrides`, the reader's own context sizes and prices.
pub const SETTINGS_SCHEMA_VERSION: u32 = 3;
/// Anthropic's API version header: still the only one its SDK sends.
const ANTHROPIC_VERSION: &str = "2023-06-01";
/// Default wait for an answer's first byte.
pub const DEFAULT_FIRST_BYTE_TIMEOUT_MS: u64 = 90_000;
/// Default wait for more of an answer that has started.
pub const DEFAULT_STALL_TIMEOUT_MS: u64 = 30_000;
/// Context Gloss asks a native Ollama for, so long articles are not silently cut.
const OLLAMA_NUM_CTX: u64 = 16_384;

/// How a preset's requests are shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxTokensField {
    /// OpenAI's own API: `max_tokens` is deprecated and refused by reasoning models.
    MaxCompletionTokens,
    MaxTokens,
}

/// A provider the options page offers, with its defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    pub id: &'static str,
    pub label: &'static str,
    pub wire: Wire,
    pub base_url: &'static str,
    pub model: &'static str,
    pub needs_key: bool,
    pub max_tokens_field: MaxTokensField,
}

/// The id of the embedded default that needs no key and no network.
pub const BUILTIN: &str = "builtin";

const fn openai_compatible(id: &'static str, label: &'static str, base_url: &'static str, model: &'static str, needs_key: bool) -> Preset {
    Preset { id, label, wire: Wire::OpenAi, base_url, model, needs_key, max_tokens_field: MaxTokensField::MaxTokens }
}

pub const PRESETS: &[Preset] = &[
    Preset {
        id: "anthropic",
        label: "Anthropic",
        wire: Wire::Anthropic,
        base_url: "https://api.anthropic.com",
        model: "claude-haiku-4-5",
        needs_key: true,
        max_tokens_field: MaxTokensField::MaxTokens,
    },
    Preset {
        id: "openai",
        label: "OpenAI",
        wire: Wire::OpenAi,
        base_url: "https://api.openai.com/v1",
        model: "gpt-4o-mini",
        needs_key: true,
        max_tokens_field: MaxTokensField::MaxCompletionTokens,
    },
    Preset {
        id: "gemini",
        label: "Google Gemini",
        wire: Wire::Gemini,
        base_url: "https://generativelanguage.googleapis.com/v1beta",
        model: "gemini-2.5-flash",
        needs_key: true,
        max_tokens_field: MaxTokensField::MaxTokens,
    },
    openai_compatible("openrouter", "OpenRouter", "https://openrouter.ai/api/v1", "openai/gpt-4o-mini", true),
    openai_compatible("mistral", "Mistral", "https://api.mistral.ai/v1", "mistral-small-latest", true),
    openai_compatible("deepseek", "DeepSeek", "https://api.deepseek.com/v1", "deepseek-chat", true),
    openai_compatible("groq", "Groq", "https://api.groq.com/openai/v1", "llama-3.3-70b-versatile", true),
    Preset {
        id: "ollama",
        label: "Ollama",
        wire: Wire::OllamaNative,
        base_url: "http://localhost:11434",
        model: "llama3.2",
        needs_key: false,
        max_tokens_field: MaxTokensField::MaxTokens,
    },
    openai_compatible("ollama-openai", "Ollama (OpenAI-compatible /v1)", "http://localhost:11434/v1", "llama3.2", false),
    openai_compatible("lmstudio", "LM Studio", "http://localhost:1234/v1", "", false),
    openai_compatible("llamacpp", "llama.cpp server", "http://localhost:8080/v1", "default", false),
    openai_compatible("custom", "Custom (OpenAI-compatible)", "", "", false),
];

/// Looks a preset up by id.
pub fn preset(id: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.id == id)
}

/// What the user set in the options page (stored in `chrome.storage.local`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// Missing in stored settings means schema 0.
    #[serde(default)]
    pub schema_version: u32,
    pub provider: String,
    /// Keys by provider id, so switching providers keeps each one's key.
    pub api_keys: BTreeMap<String, String>,
    /// Schema 1's single key; moved into `api_keys` by `migrate`.
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub api_key: String,
    /// Empty means the preset's default.
    pub model: String,
    /// Empty means the preset's default.
    pub base_url: String,
    pub digest_lang: String,
    pub translate_lang: String,
    /// Translation chunks streaming at once (1–8).
    pub concurrency: usize,
    /// Requests started per minute; 0 for no cap.
    pub requests_per_minute: u32,
    /// Source tokens per translation chunk.
    pub chunk_tokens: usize,
    /// Articles longer than this many words show their estimated cost and wait for a click.
    pub confirm_above_words: usize,
    /// Tokens one page may spend on translation; 0 for no limit.
    pub page_budget_tokens: u64,
    /// Show the original under each translated block.
    pub bilingual: bool,
    /// The panel's colours: `auto` (the page's or the system's scheme), `light` or `dark`.
    pub theme: String,
    /// Give up on an answer whose first byte has not come after this long (local servers may
    /// first load the model).
    pub first_byte_timeout_ms: u64,
    /// Give up on an answer that stops for this long mid-way.
    pub stall_timeout_ms: u64,
    /// The reader's context sizes and prices, over the built-in ones.
    pub model_overrides: Vec<ModelOverride>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            schema_version: SETTINGS_SCHEMA_VERSION,
            provider: BUILTIN.to_string(),
            api_keys: BTreeMap::new(),
            api_key: String::new(),
            model: String::new(),
            base_url: String::new(),
            digest_lang: "en".to_string(),
            translate_lang: "en".to_string(),
            concurrency: crate::translate::DEFAULT_CONCURRENCY,
            requests_per_minute: 0,
            chunk_tokens: crate::translate::DEFAULT_CHUNK_TOKENS,
            confirm_above_words: crate::translate::DEFAULT_CONFIRM_ABOVE_WORDS,
            page_budget_tokens: 0,
            bilingual: false,
            theme: "auto".to_string(),
            first_byte_timeout_ms: DEFAULT_FIRST_BYTE_TIMEOUT_MS,
            stall_timeout_ms: DEFAULT_STALL_TIMEOUT_MS,
            model_overrides: Vec::new(),
        }
    }
}

/// Why a stored setting was not kept as it was. The codes are stable; the pages word them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ResetReason {
    /// The stored settings were not an object at all: every setting is at its default.
    Unreadable,
    /// The field held a value of another type.
    WrongType,
    /// The field's value is outside what Gloss accepts.
    OutOfRange,
    /// The provider is not one this build knows: the built-in digest is used.
    UnknownProvider,
    /// Saved by a newer Gloss: what this build understands was kept, the rest left out.
    NewerSchema,
}

/// One setting reset to its default, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Reset {
    /// The stored field's name (`concurrency`, `provider`, …); `None` for the whole object.
    #[cfg_attr(test, ts(type = "SettingField | null"))]
    pub field: Option<String>,
    pub reason: ResetReason,
}

impl Reset {
    fn of(field: &str, reason: ResetReason) -> Self {
        Reset { field: Some(field.to_string()), reason }
    }
}

/// Stored settings brought up to date, with what could not be kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Migrated {
    pub settings: Settings,
    pub resets: Vec<Reset>,
}

impl Settings {
    /// Reads settings as stored, of any schema, field by field: a field of the wrong type gets
    /// its default and the rest is kept; what was reset is listed, for a notice.
    pub fn from_stored(stored: &Value) -> Migrated {
        let Some(object) = stored.as_object() else {
            return Migrated { settings: Settings::default(), resets: vec![Reset { field: None, reason: ResetReason::Unreadable }] };
        };
        let mut merged = match serde_json::to_value(Settings::default()) {
            Ok(Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        // A missing version means schema 0, whose migrations must still run.
        merged.insert("schemaVersion".into(), json!(0));
        let mut resets = Vec::new();
        for (key, value) in object {
            let mut value = value.clone();
            if key == "modelOverrides" {
                if let Value::Array(rows) = &value {
                    // One unreadable row costs that row, not the whole table.
                    let readable: Vec<Value> = rows.iter().filter(|r| serde_json::from_value::<ModelOverride>((*r).clone()).is_ok()).cloned().collect();
                    if readable.len() < rows.len() {
                        resets.push(Reset::of(key, ResetReason::WrongType));
                    }
                    value = Value::Array(readable);
                }
            }
            let mut candidate = merged.clone();
            candidate.insert(key.clone(), value.clone());
            if serde_json::from_value::<Settings>(Value::Object(candidate)).is_ok() {
                merged.insert(key.clone(), value);
            } else {
                if key == "schemaVersion" {
                    // Unknown, so no old schema's migration is applied to it.
                    merged.insert(key.clone(), json!(SETTINGS_SCHEMA_VERSION));
                }
                if !resets.iter().any(|r| r.field.as_deref() == Some(key)) {
                    resets.push(Reset::of(key, ResetReason::WrongType));
                }
            }
        }
        let settings = serde_json::from_value::<Settings>(Value::Object(merged)).unwrap_or_default();
        let (settings, more) = settings.migrate_noting();
        resets.extend(more);
        Migrated { settings, resets }
    }

    /// Brings settings of any known schema to the current one. Unknown providers and
    /// out-of-range numbers fall back to defaults rather than failing.
    pub fn migrate(self) -> Self {
        self.migrate_noting().0
    }

    /// `migrate`, saying what it reset.
    fn migrate_noting(mut self) -> (Self, Vec<Reset>) {
        let defaults = Settings::default();
        let mut resets = Vec::new();
        if self.schema_version > SETTINGS_SCHEMA_VERSION {
            resets.push(Reset::of("schemaVersion", ResetReason::NewerSchema));
        }
        // Before schema 2, "ollama" meant Ollama's OpenAI-compatible /v1 endpoint.
        if self.schema_version < 2 && self.provider == "ollama" {
            self.provider = "ollama-openai".to_string();
        }
        if self.provider != BUILTIN && preset(&self.provider).is_none() {
            self.provider = BUILTIN.to_string();
            resets.push(Reset::of("provider", ResetReason::UnknownProvider));
        }
        // Schemas 0 and 1 kept one key, for the provider chosen at the time.
        let single = std::mem::take(&mut self.api_key);
        if !single.trim().is_empty() && self.provider != BUILTIN {
            self.api_keys.insert(self.provider.clone(), single);
        }
        self.api_keys = std::mem::take(&mut self.api_keys)
            .into_iter()
            .map(|(k, v)| (k, v.trim().to_string()))
            .filter(|(k, v)| !v.is_empty() && preset(k).is_some())
            .collect();
        self.base_url = self.base_url.trim().trim_end_matches('/').to_string();
        self.model = self.model.trim().to_string();
        let mut out_of_range = |field: &str, bad: bool| {
            if bad {
                resets.push(Reset::of(field, ResetReason::OutOfRange));
            }
            bad
        };
        if out_of_range("concurrency", !(1..=8).contains(&self.concurrency)) {
            self.concurrency = defaults.concurrency;
        }
        if out_of_range("chunkTokens", !(100..=16_000).contains(&self.chunk_tokens)) {
            self.chunk_tokens = defaults.chunk_tokens;
        }
        if out_of_range("theme", !matches!(self.theme.as_str(), "auto" | "light" | "dark")) {
            self.theme = defaults.theme.clone();
        }
        if out_of_range("firstByteTimeoutMs", !(500..=600_000).contains(&self.first_byte_timeout_ms)) {
            self.first_byte_timeout_ms = defaults.first_byte_timeout_ms;
        }
        if out_of_range("stallTimeoutMs", !(500..=600_000).contains(&self.stall_timeout_ms)) {
            self.stall_timeout_ms = defaults.stall_timeout_ms;
        }
        let (rows, dropped) = clean_overrides(&self.model_overrides);
        self.model_overrides = rows;
        out_of_range("modelOverrides", dropped);
        self.schema_version = SETTINGS_SCHEMA_VERSION;
        (self, resets)
    }

    /// The context sizes and prices these settings put in force.
    pub fn model_table(&self) -> ModelTable {
        ModelTable::new(&self.model_overrides)
    }

    /// The key for the chosen provider (empty when none).
    pub fn key(&self) -> &str {
        self.api_keys.get(&self.provider).map_or("", String::as_str)
    }
}

/// A provider ready to be called: preset plus the user's overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub preset: &'static Preset,
    pub base_url: String,
    pub model: String,
    pub api_key: String,
    /// The context a native Ollama is asked for: Gloss's default, or more when the reader
    /// said the model has more (so a digest sized for it is not silently cut).
    pub ollama_num_ctx: u64,
}

impl Endpoint {
    /// The endpoint the settings describe; `Ok(None)` for the built-in default.
    pub fn from_settings(settings: &Settings) -> Result<Option<Endpoint>, GlossError> {
        if settings.provider == BUILTIN {
            return Ok(None);
        }
        let preset = preset(&settings.provider).ok_or_else(|| GlossError::Invalid(format!("unknown provider {}", settings.provider)))?;
        let base_url = non_empty(&settings.base_url).unwrap_or(preset.base_url).trim_end_matches('/').to_string();
        if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
            return Err(GlossError::Invalid("the base URL must start with https:// or http://".into()));
        }
        let model = non_empty(&settings.model).unwrap_or(preset.model).to_string();
        if model.is_empty() {
            return Err(GlossError::Invalid("choose a model in Options".into()));
        }
        if preset.needs_key && settings.key().is_empty() {
            return Err(GlossError::MissingKey);
        }
        let ollama_num_ctx = settings.model_table().readers_context(&model).map_or(OLLAMA_NUM_CTX, |n| n.max(OLLAMA_NUM_CTX));
        Ok(Some(Endpoint { preset, base_url, model, api_key: settings.key().to_string(), ollama_num_ctx }))
    }

    /// Whether the endpoint is on this machine (local Ollama, LM Studio, llama.cpp).
    pub fn is_local(&self) -> bool {
        let rest = self.base_url.split_once("://").map_or("", |(_, r)| r);
        let host = rest.split(['/', '?']).next().unwrap_or("");
        let host = if host.starts_with('[') { host.split(']').next().map_or(host, |h| &h[1..]) } else { host.split(':').next().unwrap_or(host) };
        matches!(host, "localhost" | "127.0.0.1" | "::1") || host.starts_with("127.")
    }

    /// The streaming chat request for a prompt.
    pub fn chat_request(&self, prompt: &Prompt) -> HttpRequest {
        let (url, body) = match self.preset.wire {
            Wire::Anthropic => (
                format!("{}/v1/messages", self.base_url),
                json!({
                    "model": self.model,
                    "max_tokens": prompt.max_tokens,
                    "system": prompt.system,
                    "messages": [{"role": "user", "content": prompt.user}],
                    "stream": true,
                }),
            ),
            Wire::Gemini => (
                format!("{}/models/{}:streamGenerateContent?alt=sse", self.base_url, self.model.trim_start_matches("models/")),
                json!({
                    "systemInstruction": {"parts": [{"text": prompt.system}]},
                    "contents": [{"role": "user", "parts": [{"text": prompt.user}]}],
                    "generationConfig": {"maxOutputTokens": prompt.max_tokens},
                }),
            ),
            Wire::OllamaNative => (
                format!("{}/api/chat", self.base_url),
                json!({
                    "model": self.model,
                    "messages": [
                        {"role": "system", "content": prompt.system},
                        {"role": "user", "content": prompt.user},
                    ],
                    "stream": true,
                    // Ollama silently truncates prompts to `num_ctx` (often 2–4k by default).
                    "options": {"num_ctx": self.ollama_num_ctx, "num_predict": prompt.max_tokens},
                }),
            ),
            Wire::OpenAi => {
                let mut body = json!({
                    "model": self.model,
                    "messages": [
                        {"role": "system", "content": prompt.system},
                        {"role": "user", "content": prompt.user},
                    ],
                    "stream": true,
                    "stream_options": {"include_usage": true},
                });
                let field = match self.preset.max_tokens_field {
                    MaxTokensField::MaxCompletionTokens => "max_completion_tokens",
                    MaxTokensField::MaxTokens => "max_tokens",
                };
                body[field] = json!(prompt.max_tokens);
                (format!("{}/chat/completions", self.base_url), body)
            }
        };
        HttpRequest { url, method: "POST".into(), headers: self.auth_headers(), body: Some(body.to_string()) }
    }

    /// The model-list request: the cheapest call that proves the key and the host work.
    pub fn models_request(&self) -> HttpRequest {
        let url = match self.preset.wire {
            Wire::Anthropic => format!("{}/v1/models?limit=1000", self.base_url),
            Wire::Gemini => format!("{}/models?pageSize=1000", self.base_url),
            Wire::OllamaNative => format!("{}/api/tags", self.base_url),
            Wire::OpenAi => format!("{}/models", self.base_url),
        };
        let headers = self.auth_headers().into_iter().filter(|(k, _)| k != "content-type").collect();
        HttpRequest { url, method: "GET".into(), headers, body: None }
    }

    fn auth_headers(&self) -> Vec<(String, String)> {
        let mut headers = vec![("content-type".to_string(), "application/json".to_string())];
        match self.preset.wire {
            Wire::Anthropic => {
                headers.push(("x-api-key".into(), self.api_key.clone()));
                headers.push(("anthropic-version".into(), ANTHROPIC_VERSION.into()));
                // Required whenever the request carries an Origin, as an extension's does.
                headers.push(("anthropic-dangerous-direct-browser-access".into(), "true".into()));
            }
            Wire::Gemini => headers.push(("x-goog-api-key".into(), self.api_key.clone())),
            Wire::OllamaNative | Wire::OpenAi => {
                if !self.api_key.is_empty() {
                    headers.push(("authorization".into(), format!("Bearer {}", self.api_key)));
                }
            }
        }
        headers
    }

    /// What produced a section, for its header.
    pub fn provenance(&self, lang: &str) -> Provenance {
        Provenance { provider: self.preset.id.to_string(), lang: lang.to_string(), model: self.model.clone() }
    }
}

fn non_empty(s: &str) -> Option<&str> {
    let s = s.trim();
    (!s.is_empty()).then_some(s)
}

/// A request for the extension to send with `fetch`, exactly as built.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct HttpRequest {
    pub url: String,
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

/// `provider · lang · model`, shown in each section's header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Provenance {
    pub provider: String,
    pub lang: String,
    pub model: String,
}

impl Provenance {
    pub fn builtin(lang: &str) -> Self {
        Provenance { provider: "built-in".into(), lang: lang.into(), model: "extractive".into() }
    }
}

/// What Test connection reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ConnectionReport {
    pub model_count: usize,
    /// Whether the configured model is among the provider's models.
    pub model_found: bool,
    pub model: String,
    pub models: Vec<String>,
}

/// Ids that name models which cannot chat (embeddings, speech, images, moderation, legacy completions).
const NOT_CHAT: &[&str] = &["embed", "whisper", "tts", "dall-e", "moderation", "davinci", "babbage", "transcribe", "image", "realtime", "audio", "rerank"];

/// Reads a 200 model-list response into a report for the configured model.
pub fn parse_models(endpoint: &Endpoint, body: &str) -> Result<ConnectionReport, GlossError> {
    let value: Value = serde_json::from_str(body).map_err(|e| GlossError::BadResponse(format!("model list is not JSON: {e}")))?;
    let missing = |field: &str| GlossError::BadResponse(format!("model list has no `{field}` array"));
    let ids: Vec<String> = match endpoint.preset.wire {
        Wire::Gemini => value
            .get("models")
            .and_then(Value::as_array)
            .ok_or_else(|| missing("models"))?
            .iter()
            .filter(|m| {
                m.get("supportedGenerationMethods")
                    .and_then(Value::as_array)
                    .is_some_and(|methods| methods.iter().any(|x| x == "generateContent"))
            })
            .filter_map(|m| m.get("name").and_then(Value::as_str))
            .map(|n| n.trim_start_matches("models/").to_string())
            .collect(),
        Wire::OllamaNative => value
            .get("models")
            .and_then(Value::as_array)
            .ok_or_else(|| missing("models"))?
            .iter()
            .filter_map(|m| m.get("name").and_then(Value::as_str))
            .map(str::to_string)
            .collect(),
        Wire::Anthropic | Wire::OpenAi => value
            .get("data")
            .and_then(Value::as_array)
            .ok_or_else(|| missing("data"))?
            .iter()
            .filter_map(|m| m.get("id").and_then(Value::as_str))
            .map(str::to_string)
            .collect(),
    };
    let models: Vec<String> = ids.into_iter().filter(|id| !NOT_CHAT.iter().any(|n| id.to_ascii_lowercase().contains(n))).collect();
    // Servers that serve one model whatever it is called (llama.cpp) have nothing to match.
    let wanted = endpoint.model.trim_start_matches("models/");
    let model_found = models.iter().any(|m| m == wanted || m.strip_suffix(":latest") == Some(wanted)) || endpoint.preset.id == "llamacpp";
    Ok(ConnectionReport { model_count: models.len(), model_found, model: endpoint.model.clone(), models })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(provider: &str, key: &str) -> Settings {
        Settings { provider: provider.into(), api_key: key.into(), ..Settings::default() }.migrate()
    }

    fn endpoint(provider: &str, key: &str) -> Endpoint {
        match Endpoint::from_settings(&settings(provider, key)) {
            Ok(Some(e)) => e,
            other => panic!("no endpoint: {other:?}"),
        }
    }

    fn body(req: &HttpRequest) -> Value {
        serde_json::from_str(req.body.as_deref().unwrap_or("null")).unwrap_or(Value::Null)
    }

    fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
        req.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn prompt() -> Prompt {
        Prompt { system: "sys".into(), user: "hello".into(), max_tokens: 500 }
    }

    #[test]
    fn anthropic_request_shape() {
        let req = endpoint("anthropic", "sk-ant-x").chat_request(&prompt());
        assert_eq!(req.url, "https://api.anthropic.com/v1/messages");
        assert_eq!(header(&req, "x-api-key"), Some("sk-ant-x"));
        assert_eq!(header(&req, "anthropic-version"), Some("2023-06-01"));
        assert_eq!(header(&req, "anthropic-dangerous-direct-browser-access"), Some("true"));
        assert_eq!(header(&req, "authorization"), None);
        let b = body(&req);
        assert_eq!(b["model"], "claude-haiku-4-5");
        assert_eq!(b["max_tokens"], 500);
        assert_eq!(b["system"], "sys");
        assert_eq!(b["messages"][0]["content"], "hello");
        assert_eq!(b["stream"], true);
    }

    #[test]
    fn openai_uses_max_completion_tokens_compatible_servers_max_tokens() {
        let req = endpoint("openai", "sk-x").chat_request(&prompt());
        assert_eq!(req.url, "https://api.openai.com/v1/chat/completions");
        assert_eq!(header(&req, "authorization"), Some("Bearer sk-x"));
        let b = body(&req);
        assert_eq!(b["max_completion_tokens"], 500);
        assert!(b.get("max_tokens").is_none());
        assert_eq!(b["stream_options"]["include_usage"], true);
        assert_eq!(b["messages"][0]["role"], "system");

        let groq = body(&endpoint("groq", "gsk").chat_request(&prompt()));
        assert_eq!(groq["max_tokens"], 500);
    }

    #[test]
    fn gemini_request_shape() {
        let e = endpoint("gemini", "AIza-k");
        let req = e.chat_request(&prompt());
        assert_eq!(req.url, "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
        assert_eq!(header(&req, "x-goog-api-key"), Some("AIza-k"));
        assert_eq!(header(&req, "authorization"), None);
        let b = body(&req);
        assert_eq!(b["systemInstruction"]["parts"][0]["text"], "sys");
        assert_eq!(b["contents"][0]["parts"][0]["text"], "hello");
        assert_eq!(b["generationConfig"]["maxOutputTokens"], 500);
        assert_eq!(e.models_request().url, "https://generativelanguage.googleapis.com/v1beta/models?pageSize=1000");
    }

    #[test]
    fn ollama_native_request_shape() {
        let e = endpoint("ollama", "");
        let req = e.chat_request(&prompt());
        assert_eq!(req.url, "http://localhost:11434/api/chat");
        let b = body(&req);
        assert_eq!(b["stream"], true);
        assert_eq!(b["messages"][1]["content"], "hello");
        assert_eq!(b["options"]["num_predict"], 500);
        assert!(b["options"]["num_ctx"].as_u64().is_some_and(|n| n >= 8192));
        let row = ModelOverride { model: "llama3.2".into(), context_tokens: Some(65_536), ..ModelOverride::default() };
        let bigger = Settings { model_overrides: vec![row], ..settings("ollama", "") };
        let big = Endpoint::from_settings(&bigger).ok().flatten();
        assert_eq!(big.map(|e| body(&e.chat_request(&prompt()))["options"]["num_ctx"].clone()), Some(json!(65_536)), "the reader's larger context is asked for");
        assert_eq!(e.models_request().url, "http://localhost:11434/api/tags");
    }

    #[test]
    fn gemini_and_ollama_model_lists() {
        let gemini = endpoint("gemini", "k");
        let r = parse_models(&gemini, r#"{"models":[{"name":"models/gemini-2.5-flash","supportedGenerationMethods":["generateContent","countTokens"]},{"name":"models/text-embedding-004","supportedGenerationMethods":["embedContent"]}]}"#);
        assert_eq!(r.map(|r| (r.models, r.model_found)), Ok((vec!["gemini-2.5-flash".to_string()], true)));
        let ollama = endpoint("ollama", "");
        let r = parse_models(&ollama, r#"{"models":[{"name":"llama3.2:latest","model":"llama3.2:latest"},{"name":"nomic-embed-text:latest"}]}"#);
        assert_eq!(r.map(|r| (r.model_count, r.model_found)), Ok((1, true)));
    }

    #[test]
    fn non_chat_models_are_filtered_out() {
        let e = endpoint("openai", "k");
        let r = parse_models(&e, r#"{"object":"list","data":[{"id":"gpt-4o-mini"},{"id":"text-embedding-3-small"},{"id":"whisper-1"},{"id":"dall-e-3"},{"id":"tts-1"}]}"#);
        assert_eq!(r.map(|r| r.models), Ok(vec!["gpt-4o-mini".to_string()]));
    }

    #[test]
    fn keyless_local_servers_send_no_authorization() {
        let e = endpoint("ollama-openai", "");
        let req = e.chat_request(&prompt());
        assert_eq!(req.url, "http://localhost:11434/v1/chat/completions");
        assert_eq!(header(&req, "authorization"), None);
        assert!(e.is_local());
        assert!(!endpoint("openai", "k").is_local());
    }

    #[test]
    fn missing_key_model_and_bad_url_are_reported() {
        assert_eq!(Endpoint::from_settings(&settings("anthropic", " ")), Err(GlossError::MissingKey));
        assert_eq!(Endpoint::from_settings(&settings(BUILTIN, "")), Ok(None));
        assert!(matches!(Endpoint::from_settings(&settings("lmstudio", "")), Err(GlossError::Invalid(_))));
        let bad = Settings { base_url: "ftp://x".into(), ..settings("openai", "k") };
        assert!(matches!(Endpoint::from_settings(&bad), Err(GlossError::Invalid(_))));
    }

    #[test]
    fn base_url_and_model_overrides() {
        let s = Settings { base_url: "http://localhost:9999/v1/".into(), model: "m1".into(), ..settings("openai", "k") }.migrate();
        assert_eq!(s.key(), "k");
        let e = Endpoint::from_settings(&s).ok().flatten();
        let e = e.as_ref();
        assert_eq!(e.map(|e| e.base_url.as_str()), Some("http://localhost:9999/v1"));
        assert_eq!(e.map(|e| e.model.as_str()), Some("m1"));
        assert_eq!(e.map(|e| e.models_request().url), Some("http://localhost:9999/v1/models".to_string()));
    }

    fn migrated(json: &str) -> Settings {
        serde_json::from_str::<Settings>(json).unwrap_or_default().migrate()
    }

    #[test]
    fn migration_from_schema_0() {
        let s = migrated(r#"{"provider":"anthropic","apiKey":" k ","digestLang":"ja"}"#);
        assert_eq!(s.schema_version, SETTINGS_SCHEMA_VERSION);
        assert_eq!(s.key(), "k");
        assert_eq!(s.digest_lang, "ja");
        assert_eq!(s.concurrency, 3, "new fields get their defaults");
    }

    #[test]
    fn migration_from_schema_1() {
        let s = migrated(r#"{"schemaVersion":1,"provider":"openai","apiKey":"sk-1","model":"gpt-4o","baseUrl":"https://x.example/v1/","digestLang":"fr","translateLang":"de"}"#);
        assert_eq!(s.api_keys.get("openai").map(String::as_str), Some("sk-1"));
        assert!(s.api_key.is_empty(), "the old field is not written back");
        assert_eq!(s.base_url, "https://x.example/v1");
        assert_eq!((s.model.as_str(), s.translate_lang.as_str()), ("gpt-4o", "de"));
        assert!(!serde_json::to_string(&s).unwrap_or_default().contains("\"apiKey\""));
    }

    #[test]
    fn schema_1_ollama_keeps_meaning_the_v1_endpoint() {
        let s = migrated(r#"{"schemaVersion":1,"provider":"ollama","model":"qwen2.5"}"#);
        assert_eq!(s.provider, "ollama-openai");
        let current = migrated(r#"{"schemaVersion":2,"provider":"ollama"}"#);
        assert_eq!(current.provider, "ollama");
    }

    #[test]
    fn schema_2_round_trips_and_keeps_keys_per_provider() {
        let s = migrated(r#"{"schemaVersion":2,"provider":"groq","apiKeys":{"groq":"g","anthropic":"a","nope":"x"},"concurrency":5,"bilingual":true}"#);
        assert_eq!(s.key(), "g");
        assert_eq!(s.api_keys.len(), 2, "keys of unknown providers are dropped");
        assert_eq!(s.concurrency, 5);
        assert!(s.bilingual);
        let again = migrated(&serde_json::to_string(&s).unwrap_or_default());
        assert_eq!(again, s);
    }

    #[test]
    fn corrupt_values_fall_back_to_defaults() {
        let s = migrated(r#"{"schemaVersion":2,"provider":"nope","concurrency":99,"chunkTokens":1,"theme":"purple"}"#);
        assert_eq!(s.provider, BUILTIN);
        assert_eq!(s.theme, "auto");
        assert_eq!(s.concurrency, 3);
        assert_eq!(s.chunk_tokens, crate::translate::DEFAULT_CHUNK_TOKENS);
        assert_eq!(migrated("[1,2]"), Settings::default(), "not an object at all");
    }

    fn stored(json: &str) -> Migrated {
        Settings::from_stored(&serde_json::from_str(json).unwrap_or(Value::Null))
    }

    fn reset_fields(m: &Migrated) -> Vec<(Option<&str>, ResetReason)> {
        m.resets.iter().map(|r| (r.field.as_deref(), r.reason)).collect()
    }

    #[test]
    fn migration_from_schema_2_adds_an_empty_model_table() {
        let m = stored(r#"{"schemaVersion":2,"provider":"openai","apiKeys":{"openai":"k"},"concurrency":4}"#);
        assert_eq!(m.settings.schema_version, 3);
        assert!(m.settings.model_overrides.is_empty());
        assert_eq!((m.settings.key(), m.settings.concurrency), ("k", 4));
        assert_eq!(m.resets, vec![], "nothing to say about a good schema 2");
    }

    #[test]
    fn schema_3_keeps_the_readers_rows_and_drops_bad_ones() {
        let m = stored(
            r#"{"schemaVersion":3,"provider":"ollama","modelOverrides":[
                {"model":"llama3.2","contextTokens":32000,"inputPerMtok":0.5,"outputPerMtok":1.5},
                {"model":"","contextTokens":9000},
                {"model":"qwen","contextTokens":-5,"inputPerMtok":1e9},
                {"model":"mistral-small-latest","contextTokens":"lots"}]}"#,
        );
        assert_eq!(m.settings.provider, "ollama", "schema 3 keeps the native Ollama");
        let rows: Vec<(&str, Option<u64>)> = m.settings.model_overrides.iter().map(|r| (r.model.as_str(), r.context_tokens)).collect();
        assert_eq!(rows, vec![("llama3.2", Some(32_000))]);
        assert_eq!(reset_fields(&m), vec![(Some("modelOverrides"), ResetReason::WrongType), (Some("modelOverrides"), ResetReason::OutOfRange)]);
        assert_eq!(m.settings.model_table().context_tokens("llama3.2"), 32_000);
        let again = stored(&serde_json::to_string(&m.settings).unwrap_or_default());
        assert_eq!((again.settings, again.resets), (m.settings, vec![]));
    }

    #[test]
    fn unreadable_settings_are_the_defaults_with_a_notice() {
        for junk in [r#""garbage""#, "[1,2]", "null", "42"] {
            let m = stored(junk);
            assert_eq!(m.settings, Settings::default(), "{junk}");
            assert_eq!(reset_fields(&m), vec![(None, ResetReason::Unreadable)], "{junk}");
        }
    }

    #[test]
    fn a_field_of_the_wrong_type_resets_only_that_field() {
        let m = stored(r#"{"schemaVersion":2,"provider":"anthropic","apiKeys":{"anthropic":"k"},"concurrency":"lots","digestLang":"fr","bilingual":"yes","chunkTokens":-3}"#);
        assert_eq!(m.settings.concurrency, crate::translate::DEFAULT_CONCURRENCY);
        assert_eq!(m.settings.chunk_tokens, crate::translate::DEFAULT_CHUNK_TOKENS);
        assert!(!m.settings.bilingual);
        assert_eq!((m.settings.provider.as_str(), m.settings.key(), m.settings.digest_lang.as_str()), ("anthropic", "k", "fr"), "the rest is kept");
        let mut fields = reset_fields(&m);
        fields.sort_by_key(|(f, _)| f.map(str::to_string));
        assert_eq!(fields, vec![(Some("bilingual"), ResetReason::WrongType), (Some("chunkTokens"), ResetReason::WrongType), (Some("concurrency"), ResetReason::WrongType)]);
    }

    #[test]
    fn out_of_range_values_and_unknown_providers_are_named() {
        let m = stored(r#"{"schemaVersion":2,"provider":"nope","concurrency":99,"theme":"purple","model":"m"}"#);
        assert_eq!((m.settings.provider.as_str(), m.settings.concurrency, m.settings.theme.as_str()), (BUILTIN, 3, "auto"));
        assert_eq!(m.settings.model, "m");
        assert_eq!(
            reset_fields(&m),
            vec![(Some("provider"), ResetReason::UnknownProvider), (Some("concurrency"), ResetReason::OutOfRange), (Some("theme"), ResetReason::OutOfRange)]
        );
    }

    #[test]
    fn a_newer_schema_is_read_as_far_as_it_can_be() {
        let m = stored(r#"{"schemaVersion":99,"provider":"groq","apiKeys":{"groq":"g"},"digestLang":"de","somethingNew":{"a":1},"concurrency":{"per":"host"}}"#);
        assert_eq!((m.settings.provider.as_str(), m.settings.key(), m.settings.digest_lang.as_str()), ("groq", "g", "de"));
        assert_eq!(m.settings.schema_version, SETTINGS_SCHEMA_VERSION, "written back as this build's schema");
        assert_eq!(m.settings.concurrency, 3);
        assert_eq!(reset_fields(&m), vec![(Some("concurrency"), ResetReason::WrongType), (Some("schemaVersion"), ResetReason::NewerSchema)]);
        let bad_version = stored(r#"{"schemaVersion":"two","provider":"ollama"}"#);
        assert_eq!(bad_version.settings.provider, "ollama", "an unreadable version is taken as this build's, not as schema 0");
        assert_eq!(reset_fields(&bad_version), vec![(Some("schemaVersion"), ResetReason::WrongType)]);
    }

    #[test]
    fn stored_schemas_0_to_2_read_as_before() {
        for json in [
            r#"{"provider":"anthropic","apiKey":" k ","digestLang":"ja"}"#,
            r#"{"schemaVersion":1,"provider":"ollama","model":"qwen2.5"}"#,
            r#"{"schemaVersion":2,"provider":"groq","apiKeys":{"groq":"g","nope":"x"},"concurrency":5,"bilingual":true}"#,
        ] {
            let m = stored(json);
            assert_eq!(m.settings, migrated(json), "{json}");
            assert_eq!(m.resets, vec![], "{json}");
        }
    }

    #[test]
    fn model_list_parsing() {
        let e = endpoint("anthropic", "k");
        let r = parse_models(&e, r#"{"data":[{"type":"model","id":"claude-haiku-4-5"},{"id":"claude-opus-4"}],"has_more":false}"#);
        assert_eq!(r.as_ref().map(|r| (r.model_count, r.model_found)), Ok((2, true)));
        let r = parse_models(&e, r#"{"data":[{"id":"other"}]}"#);
        assert_eq!(r.map(|r| r.model_found), Ok(false));
        assert!(matches!(parse_models(&e, "<html>"), Err(GlossError::BadResponse(_))));
    }
}
