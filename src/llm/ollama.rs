//! Ollama's native `/api/chat`: the request, the NDJSON stream, the error body.

use serde_json::{json, Value};

use crate::llm::event::{emit_text, has_error, non_empty, parse_json, str_at, Failed, ProviderError, Reading, StreamEvent};
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

/// One NDJSON line of a `/api/chat` (or `/api/generate`) stream.
pub(crate) fn on_line(line: &str, r: &mut Reading, out: &mut Vec<StreamEvent>) -> Result<(), Failed> {
    if line.trim().is_empty() {
        return Ok(());
    }
    let v = parse_json(line)?;
    if has_error(&v) {
        return Err(Failed::Provider(v));
    }
    let message = v.get("message");
    emit_text(out, str_at(message, "thinking"), true);
    emit_text(out, str_at(message, "content"), false);
    // `/api/generate` puts the same fields at the top level.
    emit_text(out, str_at(Some(&v), "thinking"), true);
    emit_text(out, str_at(Some(&v), "response"), false);
    if v.get("done").and_then(Value::as_bool) == Some(true) {
        let input = v.get("prompt_eval_count").and_then(Value::as_u64);
        let output = v.get("eval_count").and_then(Value::as_u64);
        r.update_usage(input, output, out);
        r.stop_reason = v.get("done_reason").and_then(Value::as_str).map(str::to_string);
        r.end(out);
    }
    Ok(())
}

/// Ollama's error shape: `{"error":"model 'x' not found"}`, a bare string.
pub(crate) fn read_error(error: &Value, pe: &mut ProviderError) {
    if let Some(s) = error.as_str() {
        pe.message = non_empty(s);
    }
}
