//! OpenAI Chat Completions and the servers that speak it (OpenRouter, Mistral, DeepSeek, Groq,
//! Ollama `/v1`, LM Studio, llama.cpp): the request, the `data:` stream, the error body.

use serde_json::{json, Value};

use crate::llm::presets::MaxTokensField;
use crate::llm::prompt::Prompt;

/// The streaming chat request's URL and body.
pub(crate) fn chat(base_url: &str, model: &str, prompt: &Prompt, max_tokens_field: MaxTokensField) -> (String, Value) {
    let mut body = json!({
        "model": model,
        "messages": [
            {"role": "system", "content": prompt.system},
            {"role": "user", "content": prompt.user},
        ],
        "stream": true,
        "stream_options": {"include_usage": true},
    });
    let field = match max_tokens_field {
        MaxTokensField::MaxCompletionTokens => "max_completion_tokens",
        MaxTokensField::MaxTokens => "max_tokens",
    };
    body[field] = json!(prompt.max_tokens);
    (format!("{base_url}/chat/completions"), body)
}

pub(crate) fn models_url(base_url: &str) -> String {
    format!("{base_url}/models")
}

/// Keyless local servers get no `authorization` at all.
pub(crate) fn auth_headers(api_key: &str, headers: &mut Vec<(String, String)>) {
    if !api_key.is_empty() {
        headers.push(("authorization".into(), format!("Bearer {api_key}")));
    }
}

/// The ids in a model list: `{"data":[{"id":…}]}`.
pub(crate) fn model_ids(list: &Value) -> Option<Vec<String>> {
    let rows = list.get("data")?.as_array()?;
    Some(rows.iter().filter_map(|m| m.get("id").and_then(Value::as_str)).map(str::to_string).collect())
}
