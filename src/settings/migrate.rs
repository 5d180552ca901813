//! Stored settings of any schema brought up to date, field by field, with what could not be kept.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::llm::presets::{preset, BUILTIN};
use crate::models::{clean_overrides, ModelOverride};
use crate::settings::schema::{Settings, SETTINGS_SCHEMA_VERSION};

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
        // Schemas 0 to 3 kept one base URL, for the provider chosen at the time.
        let single = std::mem::take(&mut self.base_url);
        if !single.trim().is_empty() && self.provider != BUILTIN {
            self.base_urls.entry(self.provider.clone()).or_insert(single);
        }
        self.base_urls = std::mem::take(&mut self.base_urls)
            .into_iter()
            .map(|(k, v)| (k, v.trim().trim_end_matches('/').to_string()))
            .filter(|(k, v)| !v.is_empty() && preset(k).is_some())
            .collect();
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
        self.digest_style_step(&mut resets);
        self.schema_version = SETTINGS_SCHEMA_VERSION;
        (self, resets)
    }

    /// Schema 5's digest style: before it there was none (the defaults stand); an unknown one is
    /// the standard preset. `custom` without instructions is kept (the prompt is the standard
    /// one until there are some), and instructions are never cut here: nothing typed is lost.
    fn digest_style_step(&mut self, resets: &mut Vec<Reset>) {
        use crate::digest::style::{is_known, DEFAULT_STYLE};
        self.digest_style = self.digest_style.trim().to_string();
        if !is_known(&self.digest_style) {
            self.digest_style = DEFAULT_STYLE.to_string();
            resets.push(Reset::of("digestStyle", ResetReason::OutOfRange));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(s.base_urls, [("openai".to_string(), "https://x.example/v1".to_string())].into(), "the one base URL is the provider's own");
        assert!(s.base_url.is_empty());
        assert_eq!((s.model.as_str(), s.translate_lang.as_str()), ("gpt-4o", "de"));
        let written = serde_json::to_string(&s).unwrap_or_default();
        assert!(!written.contains("\"apiKey\"") && !written.contains("\"baseUrl\""), "{written}");
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
        assert_eq!(m.settings.schema_version, SETTINGS_SCHEMA_VERSION);
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
    fn migration_from_schema_3_gives_the_base_url_to_its_provider_alone() {
        let m = stored(r#"{"schemaVersion":3,"provider":"lmstudio","baseUrl":" http://127.0.0.1:4321/v1/ ","apiKeys":{"anthropic":"sk-ant"},"model":"qwen"}"#);
        assert_eq!(m.resets, vec![]);
        let s = &m.settings;
        assert_eq!(s.schema_version, SETTINGS_SCHEMA_VERSION);
        assert_eq!(s.base_urls, [("lmstudio".to_string(), "http://127.0.0.1:4321/v1".to_string())].into());
        let switched = Settings { provider: "anthropic".into(), ..s.clone() };
        assert_eq!(switched.provider_base_url(), "", "switching provider leaves the old base URL behind");
        let builtin = stored(r#"{"schemaVersion":3,"provider":"builtin","baseUrl":"https://x.example"}"#);
        assert!(builtin.settings.base_urls.is_empty(), "the built-in digest has no base URL to keep");
    }

    #[test]
    fn schema_4_keeps_a_base_url_per_provider() {
        let m = stored(
            r#"{"schemaVersion":4,"provider":"openai","baseUrls":{"openai":"https://gw.example/v1/","ollama":"http://localhost:11500","nope":"https://x","groq":"  "}}"#,
        );
        assert_eq!(m.resets, vec![]);
        let urls: Vec<(&str, &str)> = m.settings.base_urls.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(urls, vec![("ollama", "http://localhost:11500"), ("openai", "https://gw.example/v1")], "unknown providers and blanks are dropped");
        assert_eq!(m.settings.provider_base_url(), "https://gw.example/v1");
        let legacy_too = stored(r#"{"schemaVersion":4,"provider":"openai","baseUrl":"https://old.example","baseUrls":{"openai":"https://new.example"}}"#);
        assert_eq!(legacy_too.settings.provider_base_url(), "https://new.example", "the per-provider value wins over a stray old field");
        let again = stored(&serde_json::to_string(&m.settings).unwrap_or_default());
        assert_eq!((again.settings, again.resets), (m.settings, vec![]));
        assert_eq!(reset_fields(&stored(r#"{"schemaVersion":4,"baseUrls":["x"]}"#)), vec![(Some("baseUrls"), ResetReason::WrongType)]);
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
    fn migration_to_schema_5_adds_the_standard_style_and_keeps_instructions() {
        let m = stored(r#"{"schemaVersion":4,"provider":"anthropic","apiKeys":{"anthropic":"k"},"digestLang":"fr"}"#);
        assert_eq!(m.resets, vec![]);
        assert_eq!((m.settings.schema_version, m.settings.digest_style.as_str(), m.settings.digest_instructions.as_str()), (SETTINGS_SCHEMA_VERSION, "standard", ""));
        assert_eq!(m.settings.style().id(), "standard");
        let long = "Bullets only. ".repeat(60);
        let mine = stored(&format!(r#"{{"schemaVersion":5,"digestStyle":" custom ","digestInstructions":"{long}"}}"#));
        assert_eq!(mine.resets, vec![]);
        assert_eq!(mine.settings.digest_style, "custom");
        assert_eq!(mine.settings.digest_instructions, long, "instructions past the limit are kept whole in storage");
        assert_eq!(mine.settings.style().instructions.chars().count(), crate::digest::style::MAX_INSTRUCTIONS_CHARS, "and cut in the prompt");
        let again = stored(&serde_json::to_string(&mine.settings).unwrap_or_default());
        assert_eq!((again.settings, again.resets), (mine.settings, vec![]));
        let odd = stored(r#"{"schemaVersion":5,"digestStyle":"poetic","digestInstructions":7}"#);
        assert_eq!(odd.settings.digest_style, "standard");
        assert_eq!(reset_fields(&odd), vec![(Some("digestInstructions"), ResetReason::WrongType), (Some("digestStyle"), ResetReason::OutOfRange)]);
    }

    #[test]
    fn stored_schemas_0_to_3_read_as_before() {
        for json in [
            r#"{"provider":"anthropic","apiKey":" k ","digestLang":"ja"}"#,
            r#"{"schemaVersion":1,"provider":"ollama","model":"qwen2.5"}"#,
            r#"{"schemaVersion":2,"provider":"groq","apiKeys":{"groq":"g","nope":"x"},"concurrency":5,"bilingual":true}"#,
            r#"{"schemaVersion":3,"provider":"openai","baseUrl":"https://x.example/v1","apiKeys":{"openai":"k"}}"#,
        ] {
            let m = stored(json);
            assert_eq!(m.settings, migrated(json), "{json}");
            assert_eq!(m.resets, vec![], "{json}");
        }
    }

}
