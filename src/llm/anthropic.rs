//! Anthropic Messages: the request, the named-event stream, and the error body's own fields.

use serde_json::{json, Value};

use crate::llm::event::{emit_text, parse_json, str_at, Failed, ProviderError, Reading, StreamEvent};
use crate::llm::prompt::Prompt;
use crate::llm::sse::SseEvent;

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

/// One named SSE event of a Messages stream.
pub(crate) fn on_event(ev: &SseEvent, r: &mut Reading, out: &mut Vec<StreamEvent>) -> Result<(), Failed> {
    let v = parse_json(&ev.data)?;
    // The JSON `type` equals the event name; prefer it, so proxies that drop `event:` work.
    let kind = v.get("type").and_then(Value::as_str).unwrap_or(ev.event.as_str());
    match kind {
        "message_start" => {
            // input_tokens are final here; output_tokens is only a placeholder.
            let input = v.pointer("/message/usage/input_tokens").and_then(Value::as_u64);
            r.update_usage(input, None, out);
        }
        "content_block_start" => {
            // Blocks normally start empty, but any initial text belongs to the answer.
            let block = v.get("content_block");
            match block.and_then(|b| b.get("type")).and_then(Value::as_str) {
                Some("text") => emit_text(out, str_at(block, "text"), false),
                Some("thinking") => emit_text(out, str_at(block, "thinking"), true),
                _ => {}
            }
        }
        "content_block_delta" => {
            let delta = v.get("delta");
            match delta.and_then(|d| d.get("type")).and_then(Value::as_str) {
                Some("text_delta") => emit_text(out, str_at(delta, "text"), false),
                Some("thinking_delta") => emit_text(out, str_at(delta, "thinking"), true),
                _ => {}
            }
        }
        "message_delta" => {
            if let Some(reason) = v.pointer("/delta/stop_reason").and_then(Value::as_str) {
                r.stop_reason = Some(reason.to_string());
            }
            if let Some(u) = v.get("usage") {
                let input = u.get("input_tokens").and_then(Value::as_u64);
                let output = u.get("output_tokens").and_then(Value::as_u64);
                r.update_usage(input, output, out);
            }
        }
        "message_stop" => r.end(out),
        "error" => return Err(Failed::Provider(v)),
        // `ping`, `content_block_stop` and event types added later.
        _ => {}
    }
    Ok(())
}

/// Anthropic's own error fields: `error.details.error_code` (its `type` is read with OpenAI's
/// fields, which share the name).
pub(crate) fn read_error(error: &Value, pe: &mut ProviderError) {
    if let Some(code) = error.get("details").filter(|d| d.is_object()).and_then(|d| d.get("error_code")).and_then(Value::as_str) {
        pe.reasons.push(code.to_string());
    }
}

/// The HTTP status each of Anthropic's error types stands for.
pub(crate) fn status_for(label: &str) -> Option<u16> {
    Some(match label {
        "invalid_request_error" => 400,
        "authentication_error" => 401,
        "billing_error" => 402,
        "permission_error" => 403,
        "not_found_error" => 404,
        "request_too_large" => 413,
        "rate_limit_error" => 429,
        "api_error" => 500,
        "timeout_error" => 504,
        "overloaded_error" => 529,
        _ => return None,
    })
}
