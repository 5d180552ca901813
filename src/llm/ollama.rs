//! Ollama's native `/api/chat`: the request, the NDJSON stream, the error body.

use serde_json::{json, Value};

use crate::llm::prompt::Prompt;

/// The streaming chat request's URL and body.
pub(crate) fn chat(base_url: &str, model: &str, prompt: &Prompt, num_ctx: u64) -> (String, Value) {
    let body = json!({
        "model": model,
        "messages": [
            {"role": "system", "content": prompt.system},
            {"role": "user", "content": prompt.user},
        ],
        "stream": true,
        // Ollama silently truncates prompts to `num_ctx` (often 2–4k by default).
        "options": {"num_ctx": num_ctx, "num_predict": prompt.max_tokens},
    });
    (format!("{base_url}/api/chat"), body)
}

pub(crate) fn models_url(base_url: &str) -> String {
    format!("{base_url}/api/tags")
}

/// The ids in a model list: `{"models":[{"name":…}]}`.
pub(crate) fn model_ids(list: &Value) -> Option<Vec<String>> {
    let rows = list.get("models")?.as_array()?;
    Some(rows.iter().filter_map(|m| m.get("name").and_then(Value::as_str)).map(str::to_string).collect())
}
