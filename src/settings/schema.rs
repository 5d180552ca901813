//! The settings' fields, their defaults and the schema version this build writes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::llm::presets::BUILTIN;
use crate::models::{ModelOverride, ModelTable};

/// The settings schema this build writes; older ones are migrated by `Settings::migrate`.
///
/// - 0: no `schemaVersion` field; otherwise as 1.
/// - 1: one `apiKey` for the chosen provider.
/// - 2: `apiKeys` per provider; translation tunables; bilingual view.
/// - 3: `modelOverrides`, the reader's own context sizes and prices.
/// - 4: `baseUrls` per provider, so a provider switch never carries a base URL (and with it the
///   new provider's key) to another provider's host.
/// - 5: `digestStyle` (a preset, or `custom`) and `digestInstructions`, the reader's own.
pub const SETTINGS_SCHEMA_VERSION: u32 = 5;
/// Default wait for an answer's first byte.
pub const DEFAULT_FIRST_BYTE_TIMEOUT_MS: u64 = 90_000;
/// Default wait for more of an answer that has started.
pub const DEFAULT_STALL_TIMEOUT_MS: u64 = 30_000;
/// Tokens (in and out, digest and translation together) one page may spend unless the reader
/// raises it: a 30,000-word article digested in parts and translated whole takes about 150,000,
/// so a reader never meets it on an article, while a page that keeps asking is stopped.
pub const DEFAULT_PAGE_BUDGET_TOKENS: u64 = 400_000;

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
    /// Base URLs by provider id; a provider without one uses its preset's.
    pub base_urls: BTreeMap<String, String>,
    /// Schemas 0–3's single base URL, for the provider chosen at the time; moved into
    /// `base_urls` by `migrate`.
    #[serde(skip_serializing_if = "String::is_empty", default)]
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
    /// Tokens one page may spend, digest and translation together; 0 for no limit.
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
    /// How the digest is written: a preset id (`brief`, `standard`, …) or `custom`.
    pub digest_style: String,
    /// The reader's own instructions for the `custom` style (at most
    /// `digest::style::MAX_INSTRUCTIONS_CHARS` are sent; kept whole when the style is another).
    pub digest_instructions: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            schema_version: SETTINGS_SCHEMA_VERSION,
            provider: BUILTIN.to_string(),
            api_keys: BTreeMap::new(),
            api_key: String::new(),
            model: String::new(),
            base_urls: BTreeMap::new(),
            base_url: String::new(),
            digest_lang: "en".to_string(),
            translate_lang: "en".to_string(),
            concurrency: crate::translate::DEFAULT_CONCURRENCY,
            requests_per_minute: 0,
            chunk_tokens: crate::translate::DEFAULT_CHUNK_TOKENS,
            confirm_above_words: crate::translate::DEFAULT_CONFIRM_ABOVE_WORDS,
            page_budget_tokens: DEFAULT_PAGE_BUDGET_TOKENS,
            bilingual: false,
            theme: "auto".to_string(),
            first_byte_timeout_ms: DEFAULT_FIRST_BYTE_TIMEOUT_MS,
            stall_timeout_ms: DEFAULT_STALL_TIMEOUT_MS,
            model_overrides: Vec::new(),
            digest_style: crate::digest::style::DEFAULT_STYLE.to_string(),
            digest_instructions: String::new(),
        }
    }
}

impl Settings {
    /// The context sizes and prices these settings put in force.
    pub fn model_table(&self) -> ModelTable {
        ModelTable::new(&self.model_overrides)
    }

    /// The key for the chosen provider (empty when none).
    pub fn key(&self) -> &str {
        self.api_keys.get(&self.provider).map_or("", String::as_str)
    }

    /// The digest style these settings ask for.
    pub fn style(&self) -> crate::digest::style::Style {
        crate::digest::style::Style::new(&self.digest_style, &self.digest_instructions)
    }

    /// The chosen provider's own base URL (empty: its preset's default). Never another
    /// provider's: each keeps its own.
    pub fn provider_base_url(&self) -> &str {
        self.base_urls.get(&self.provider).map_or("", String::as_str)
    }
}
