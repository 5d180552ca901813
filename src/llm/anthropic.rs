//! Anthropic Messages: the request, the named-event stream, and the error body's own fields.

use serde_json::{json, Value};

use crate::llm::prompt::Prompt;

/// Anthropic's API version header: still the only one its SDK sends.
const ANTHROPIC_VERSION: &str = "2023-06-01";

/// The streaming chat request's URL and body.
pub(crate) fn chat(base_url: &str, model: &str, prompt: &Prompt) -> (String, Value) {
    let body = json!({
        "model": model,
        "max_tokens": prompt.max_tokens,
        "system": prompt.system,
        "messages": [{"role": "user", "content": prompt.user}],
        "stream": true,
    });
    (format!("{base_url}/v1/messages"), body)
}

pub(crate) fn models_url(base_url: &str) -> String {
    format!("{base_url}/v1/models?limit=1000")
}

pub(crate) fn auth_headers(api_key: &str, headers: &mut Vec<(String, String)>) {
    headers.push(("x-api-key".into(), api_key.to_string()));
    headers.push(("anthropic-version".into(), ANTHROPIC_VERSION.into()));
    // Required whenever the request carries an Origin, as an extension's does.
    headers.push(("anthropic-dangerous-direct-browser-access".into(), "true".into()));
}

/// The ids in a model list: `{"data":[{"id":…}]}`.
pub(crate) fn model_ids(list: &Value) -> Option<Vec<String>> {
    let rows = list.get("data")?.as_array()?;
    Some(rows.iter().filter_map(|m| m.get("id").and_then(Value::as_str)).map(str::to_string).collect())
}
