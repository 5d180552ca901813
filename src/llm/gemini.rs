//! Gemini `streamGenerateContent?alt=sse`: the request, the `data:` stream, the error body.

use serde_json::{json, Value};

use crate::llm::prompt::Prompt;

/// The streaming chat request's URL and body.
pub(crate) fn chat(base_url: &str, model: &str, prompt: &Prompt) -> (String, Value) {
    let body = json!({
        "systemInstruction": {"parts": [{"text": prompt.system}]},
        "contents": [{"role": "user", "parts": [{"text": prompt.user}]}],
        "generationConfig": {"maxOutputTokens": prompt.max_tokens},
    });
    (format!("{base_url}/models/{}:streamGenerateContent?alt=sse", model.trim_start_matches("models/")), body)
}

pub(crate) fn models_url(base_url: &str) -> String {
    format!("{base_url}/models?pageSize=1000")
}

pub(crate) fn auth_headers(api_key: &str, headers: &mut Vec<(String, String)>) {
    headers.push(("x-goog-api-key".into(), api_key.to_string()));
}

/// The models that can chat, by id: `{"models":[{"name":"models/…","supportedGenerationMethods":[…]}]}`.
pub(crate) fn model_ids(list: &Value) -> Option<Vec<String>> {
    let rows = list.get("models")?.as_array()?;
    let ids = rows
        .iter()
        .filter(|m| m.get("supportedGenerationMethods").and_then(Value::as_array).is_some_and(|methods| methods.iter().any(|x| x == "generateContent")))
        .filter_map(|m| m.get("name").and_then(Value::as_str))
        .map(|n| n.trim_start_matches("models/").to_string())
        .collect();
    Some(ids)
}
