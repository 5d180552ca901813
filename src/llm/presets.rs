//! The providers the options page offers, with their defaults.

use crate::llm::wire::Wire;

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

#[cfg(test)]
mod tests {
    use super::*;

    /// The manifest source's `host_permissions`.
    fn manifest_hosts() -> Vec<String> {
        let manifest: serde_json::Value = serde_json::from_str(include_str!("../../extension/manifest.json")).unwrap_or_default();
        manifest["host_permissions"].as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_string)).collect()
    }

    #[test]
    fn the_manifest_grants_each_local_preset_its_own_port_and_no_other_local_host() {
        let hosts = manifest_hosts();
        let local: Vec<String> = PRESETS
            .iter()
            .filter_map(|p| p.base_url.strip_prefix("http://"))
            .map(|rest| format!("http://{}/*", rest.split('/').next().unwrap_or("")))
            .collect();
        assert!(!local.is_empty());
        for origin in &local {
            assert!(origin.rsplit_once(':').is_some_and(|(_, port)| port.trim_end_matches("/*").parse::<u16>().is_ok()), "{origin} names a port");
            assert!(hosts.contains(origin), "{origin} is granted: {hosts:?}");
        }
        let plain: Vec<&String> = hosts.iter().filter(|h| h.starts_with("http://")).collect();
        assert!(plain.iter().all(|h| local.contains(h)), "every http:// host is a local preset's: {plain:?}");
    }

    #[test]
    fn the_manifest_grants_each_remote_preset() {
        let hosts = manifest_hosts();
        for p in PRESETS.iter().filter(|p| p.base_url.starts_with("https://")) {
            let host = p.base_url.trim_start_matches("https://").split('/').next().unwrap_or("");
            assert!(hosts.contains(&format!("https://{host}/*")), "{} ({host})", p.id);
        }
    }
}
