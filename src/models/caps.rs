//! What a server says about one model it serves: the context it runs the model with and its
//! prices, read from each server's own answer (Ollama's `/api/show`, llama.cpp's `/props`,
//! LM Studio's `/api/v0/models`, OpenRouter's `/models`). Parsing only: no I/O, no guessing.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::limits::{MAX_CONTEXT_TOKENS, MAX_PRICE_PER_MTOK, MIN_CONTEXT_TOKENS};

/// How long what a server said is kept before it is asked again (a local server may be
/// restarted with another context; Test connection asks again at once).
pub const CAPS_TTL_MS: u64 = 24 * 60 * 60 * 1_000;

/// Which answer a probe reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeKind {
    /// Ollama's `POST /api/show`: `model_info["<arch>.context_length"]`, and a `num_ctx` line in
    /// `parameters` when the model's Modelfile sets one.
    OllamaShow,
    /// llama.cpp's `GET /props`: `default_generation_settings.n_ctx` (the context of one slot).
    LlamaCppProps,
    /// LM Studio's `GET /api/v0/models`: the model's `loaded_context_length` (once loaded) and
    /// `max_context_length`.
    LmStudioModels,
    /// OpenRouter's `GET /models`: the model's `context_length` and `pricing` in dollars per token.
    OpenRouterModels,
}

/// What one server said of one model. Every field is optional: a server says what it knows.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Caps {
    /// The context the server runs the model with, in tokens: what a prompt must fit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_tokens: Option<u64>,
    /// The most the model itself can take (its trained context), when the server says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_context_tokens: Option<u64>,
    /// US dollars per million input tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_per_mtok: Option<f64>,
    /// US dollars per million output tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_per_mtok: Option<f64>,
}

impl Caps {
    /// Whether the answer said anything Gloss can use.
    pub fn is_empty(&self) -> bool {
        self == &Caps::default()
    }
}

/// A probe's outcome as it is cached: what was learned (nothing, when the server had no such
/// endpoint or its answer could not be read) and when, on the events' clock.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Learned {
    pub caps: Option<Caps>,
    pub at: u64,
}

impl Learned {
    /// Still worth using at `now` (a clock that went back counts as fresh).
    pub fn is_fresh(&self, now: u64) -> bool {
        now.saturating_sub(self.at) < CAPS_TTL_MS
    }
}

/// Reads a probe's 200 answer for `model`; `None` when it says nothing usable.
pub fn parse(kind: ProbeKind, body: &str, model: &str) -> Option<Caps> {
    let value: Value = serde_json::from_str(body).ok()?;
    let caps = match kind {
        ProbeKind::OllamaShow => ollama_show(&value),
        ProbeKind::LlamaCppProps => llamacpp_props(&value),
        ProbeKind::LmStudioModels => lmstudio_models(&value, model),
        ProbeKind::OpenRouterModels => openrouter_models(&value, model),
    }?;
    (!caps.is_empty()).then_some(caps)
}

/// A context size as a server writes it (a number, or a numeric string), kept only in the range
/// a reader may set: `0`, `-1` and the like mean "unset" on these servers.
fn context(value: Option<&Value>) -> Option<u64> {
    let n = match value? {
        Value::Number(n) => n.as_u64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0).map(|f| f as u64))?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    (MIN_CONTEXT_TOKENS..=MAX_CONTEXT_TOKENS).contains(&n).then_some(n)
}

fn ollama_show(value: &Value) -> Option<Caps> {
    let info = value.get("model_info")?.as_object();
    let arch = info.and_then(|i| i.get("general.architecture")).and_then(Value::as_str);
    // `llama.context_length`, `qwen2.context_length`, …: the architecture's own key first.
    let max = info.and_then(|i| {
        let own = arch.and_then(|a| context(i.get(&format!("{a}.context_length"))));
        own.or_else(|| i.iter().filter(|(k, _)| k.ends_with(".context_length")).find_map(|(_, v)| context(Some(v))))
    });
    // `parameters` is the Modelfile's PARAMETER lines: `num_ctx                        8192`.
    let num_ctx = value.get("parameters").and_then(Value::as_str).and_then(|p| {
        p.lines().find_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some("num_ctx")).then(|| words.next()).flatten().and_then(|n| context(Some(&Value::String(n.to_string()))))
        })
    });
    Some(Caps { context_tokens: num_ctx, max_context_tokens: max, ..Caps::default() })
}

fn llamacpp_props(value: &Value) -> Option<Caps> {
    let settings = value.get("default_generation_settings");
    // Newer servers also say `n_ctx` at the top; the slot's own is what one request gets.
    let n_ctx = context(settings.and_then(|s| s.get("n_ctx"))).or_else(|| context(value.get("n_ctx")));
    Some(Caps { context_tokens: n_ctx, ..Caps::default() })
}

/// `id` as the servers list it matches `model` as the reader typed it (LM Studio adds `@q4_k_m`
/// variants; a reader may type either).
fn same_model(id: &str, model: &str) -> bool {
    id == model || id.split('@').next() == Some(model) || model.split('@').next() == Some(id)
}

fn lmstudio_models(value: &Value, model: &str) -> Option<Caps> {
    let entry = value.get("data")?.as_array()?.iter().find(|m| m.get("id").and_then(Value::as_str).is_some_and(|id| same_model(id, model)))?;
    let loaded = entry.get("state").and_then(Value::as_str) == Some("loaded");
    let max = context(entry.get("max_context_length"));
    // A model not loaded yet is loaded with LM Studio's default context, which it does not say:
    // only its maximum is known, and the table stands in below it.
    let ctx = if loaded { context(entry.get("loaded_context_length")) } else { None };
    Some(Caps { context_tokens: ctx, max_context_tokens: max, ..Caps::default() })
}

/// A price per token as OpenRouter writes it (`"0.00000015"`), per million tokens; negative
/// (`"-1"`, a router's variable price) or unreadable prices are no price.
fn per_mtok(value: Option<&Value>) -> Option<f64> {
    let per_token = match value? {
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        Value::Number(n) => n.as_f64()?,
        _ => return None,
    };
    let per_mtok = per_token * 1_000_000.0;
    (per_mtok.is_finite() && (0.0..=MAX_PRICE_PER_MTOK).contains(&per_mtok)).then_some(per_mtok)
}

fn openrouter_models(value: &Value, model: &str) -> Option<Caps> {
    let entry = value.get("data")?.as_array()?.iter().find(|m| m.get("id").and_then(Value::as_str) == Some(model))?;
    let top = context(entry.get("top_provider").and_then(|p| p.get("context_length")));
    let pricing = entry.get("pricing");
    Some(Caps {
        context_tokens: context(entry.get("context_length")).or(top),
        max_context_tokens: None,
        input_per_mtok: per_mtok(pricing.and_then(|p| p.get("prompt"))),
        output_per_mtok: per_mtok(pricing.and_then(|p| p.get("completion"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(context: Option<u64>, max: Option<u64>) -> Caps {
        Caps { context_tokens: context, max_context_tokens: max, ..Caps::default() }
    }

    /// `POST /api/show` for llama3.2 as Ollama 0.12 answers it (trimmed of the license and tensors).
    const OLLAMA_LLAMA32: &str = r#"{
      "license": "LLAMA 3.2 COMMUNITY LICENSE AGREEMENT",
      "modelfile": "FROM /root/.ollama/models/blobs/sha256-dde5aa3fc5ff\nTEMPLATE \"\"\"...\"\"\"\nPARAMETER stop <|start_header_id|>\n",
      "parameters": "stop                           \"<|start_header_id|>\"\nstop                           \"<|end_header_id|>\"\nstop                           \"<|eot_id|>\"",
      "template": "<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|>",
      "details": {"parent_model": "", "format": "gguf", "family": "llama", "families": ["llama"], "parameter_size": "3.2B", "quantization_level": "Q4_K_M"},
      "model_info": {
        "general.architecture": "llama",
        "general.basename": "Llama-3.2",
        "general.file_type": 15,
        "general.parameter_count": 3212749888,
        "general.quantization_version": 2,
        "llama.attention.head_count": 24,
        "llama.block_count": 28,
        "llama.context_length": 131072,
        "llama.embedding_length": 3072,
        "llama.rope.freq_base": 500000,
        "tokenizer.ggml.model": "gpt2"
      },
      "capabilities": ["completion", "tools"],
      "modified_at": "2025-09-30T10:12:44.180471357Z"
    }"#;

    #[test]
    fn ollama_says_the_models_context_and_the_modelfiles_num_ctx() {
        assert_eq!(parse(ProbeKind::OllamaShow, OLLAMA_LLAMA32, "llama3.2"), Some(caps(None, Some(131_072))));
        let with_num_ctx = r#"{"parameters":"num_ctx                        8192\nstop \"<|im_end|>\"","model_info":{"general.architecture":"qwen2","qwen2.context_length":32768,"qwen2.embedding_length":896}}"#;
        assert_eq!(parse(ProbeKind::OllamaShow, with_num_ctx, "qwen2.5:0.5b"), Some(caps(Some(8_192), Some(32_768))));
        // No architecture named: any `*.context_length` will do.
        let bare = r#"{"model_info":{"gemma3.context_length":"8192"}}"#;
        assert_eq!(parse(ProbeKind::OllamaShow, bare, "gemma3"), Some(caps(None, Some(8_192))));
        // A model Ollama does not have: `{"error":"model 'x' not found"}` (with a 404) says nothing.
        assert_eq!(parse(ProbeKind::OllamaShow, r#"{"error":"model 'x' not found"}"#, "x"), None);
    }

    #[test]
    fn llama_cpp_says_the_slots_context() {
        let props = r#"{
          "default_generation_settings": {"id": 0, "id_task": -1, "n_ctx": 2048, "speculative": false, "is_processing": false,
            "params": {"n_predict": -1, "seed": 4294967295, "temperature": 0.8, "top_k": 40, "top_p": 0.95}},
          "total_slots": 1,
          "model_path": "/models/SmolLM2-135M-Instruct-Q8_0.gguf",
          "chat_template": "{% for message in messages %}...",
          "build_info": "b6713-8a2afb7"
        }"#;
        assert_eq!(parse(ProbeKind::LlamaCppProps, props, "default"), Some(caps(Some(2_048), None)));
        assert_eq!(parse(ProbeKind::LlamaCppProps, r#"{"n_ctx": 8192, "default_generation_settings": {}}"#, "m"), Some(caps(Some(8_192), None)));
        assert_eq!(parse(ProbeKind::LlamaCppProps, r#"{"default_generation_settings": {"n_ctx": 0}}"#, "m"), None, "an unset context is no context");
        // llama-cpp-python and others answer 404 with a JSON body; that body says nothing either.
        assert_eq!(parse(ProbeKind::LlamaCppProps, r#"{"detail":"Not Found"}"#, "m"), None);
    }

    const LMSTUDIO: &str = r#"{
      "object": "list",
      "data": [
        {"id": "qwen2-vl-7b-instruct", "object": "model", "type": "vlm", "publisher": "mlx-community", "arch": "qwen2_vl",
         "compatibility_type": "mlx", "quantization": "4bit", "state": "not-loaded", "max_context_length": 32768},
        {"id": "meta-llama-3.1-8b-instruct", "object": "model", "type": "llm", "publisher": "lmstudio-community", "arch": "llama",
         "compatibility_type": "gguf", "quantization": "Q4_K_M", "state": "loaded", "max_context_length": 131072, "loaded_context_length": 4096},
        {"id": "text-embedding-nomic-embed-text-v1.5", "object": "model", "type": "embeddings", "publisher": "nomic-ai",
         "arch": "nomic-bert", "compatibility_type": "gguf", "quantization": "Q4_0", "state": "not-loaded", "max_context_length": 2048}
      ]
    }"#;

    #[test]
    fn lm_studio_says_the_loaded_context_of_a_loaded_model_and_the_maximum_of_any() {
        assert_eq!(parse(ProbeKind::LmStudioModels, LMSTUDIO, "meta-llama-3.1-8b-instruct"), Some(caps(Some(4_096), Some(131_072))));
        assert_eq!(parse(ProbeKind::LmStudioModels, LMSTUDIO, "meta-llama-3.1-8b-instruct@q4_k_m"), Some(caps(Some(4_096), Some(131_072))), "a variant names its model");
        assert_eq!(parse(ProbeKind::LmStudioModels, LMSTUDIO, "qwen2-vl-7b-instruct"), Some(caps(None, Some(32_768))), "not loaded: its maximum only");
        assert_eq!(parse(ProbeKind::LmStudioModels, LMSTUDIO, "mistral-7b"), None, "a model LM Studio does not have");
    }

    const OPENROUTER: &str = r#"{"data": [
      {"id": "openai/gpt-4o-mini", "canonical_slug": "openai/gpt-4o-mini", "name": "OpenAI: GPT-4o-mini", "created": 1721260800,
       "context_length": 128000,
       "architecture": {"modality": "text+image->text", "input_modalities": ["text", "image"], "output_modalities": ["text"], "tokenizer": "GPT"},
       "pricing": {"prompt": "0.00000015", "completion": "0.0000006", "request": "0", "image": "0.000217", "web_search": "0", "internal_reasoning": "0"},
       "top_provider": {"context_length": 128000, "max_completion_tokens": 16384, "is_moderated": true},
       "per_request_limits": null, "supported_parameters": ["max_tokens", "temperature", "response_format"]},
      {"id": "openrouter/auto", "name": "Auto Router", "context_length": 2000000,
       "pricing": {"prompt": "-1", "completion": "-1"}, "top_provider": {"context_length": null, "max_completion_tokens": null, "is_moderated": false}},
      {"id": "meta-llama/llama-3.1-8b-instruct:free", "context_length": null,
       "pricing": {"prompt": "0", "completion": "0"}, "top_provider": {"context_length": 131072}}
    ]}"#;

    #[test]
    fn openrouter_says_the_context_and_the_price_per_token() {
        let mini = parse(ProbeKind::OpenRouterModels, OPENROUTER, "openai/gpt-4o-mini");
        assert_eq!(mini.as_ref().map(|c| c.context_tokens), Some(Some(128_000)));
        let prices = mini.map(|c| (c.input_per_mtok.map(|p| (p * 1e6).round() / 1e6), c.output_per_mtok.map(|p| (p * 1e6).round() / 1e6)));
        assert_eq!(prices, Some((Some(0.15), Some(0.6))), "dollars per token, as dollars per million");
        let auto = parse(ProbeKind::OpenRouterModels, OPENROUTER, "openrouter/auto");
        assert_eq!(auto.map(|c| (c.input_per_mtok, c.output_per_mtok)), Some((None, None)), "a variable price is no price");
        let free = parse(ProbeKind::OpenRouterModels, OPENROUTER, "meta-llama/llama-3.1-8b-instruct:free");
        assert_eq!(free.map(|c| (c.context_tokens, c.input_per_mtok)), Some((Some(131_072), Some(0.0))), "the top provider's context stands in");
        assert_eq!(parse(ProbeKind::OpenRouterModels, OPENROUTER, "gpt-4o-mini"), None, "OpenRouter ids are matched exactly");
    }

    #[test]
    fn unreadable_answers_say_nothing() {
        for kind in [ProbeKind::OllamaShow, ProbeKind::LlamaCppProps, ProbeKind::LmStudioModels, ProbeKind::OpenRouterModels] {
            assert_eq!(parse(kind, "<html>404</html>", "m"), None);
            assert_eq!(parse(kind, "", "m"), None);
            assert_eq!(parse(kind, "[]", "m"), None);
        }
        assert_eq!(context(Some(&Value::from(-1))), None);
        assert_eq!(context(Some(&Value::from(512))), None, "below what a digest needs: not believed");
        assert_eq!(context(Some(&Value::from(4096.0))), Some(4_096));
    }

    #[test]
    fn what_was_learned_is_kept_for_a_day() {
        let learned = Learned { caps: Some(caps(Some(2_048), None)), at: 1_000 };
        assert!(learned.is_fresh(1_000 + CAPS_TTL_MS - 1));
        assert!(!learned.is_fresh(1_000 + CAPS_TTL_MS));
        assert!(learned.is_fresh(0), "a clock that went back does not throw it away");
        let stored = serde_json::to_value(&learned).unwrap_or_default();
        assert_eq!(stored, serde_json::json!({"caps": {"contextTokens": 2048}, "at": 1000}));
        assert_eq!(serde_json::from_value::<Learned>(stored).ok(), Some(learned));
    }
}
