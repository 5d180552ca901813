//! Gemini `streamGenerateContent?alt=sse`: the request, the `data:` stream, the error body.

use serde_json::{json, Value};

use crate::llm::event::{emit_text, has_error, parse_json, str_at, Failed, ProviderError, Reading, StreamEvent};
use crate::llm::prompt::Prompt;
use crate::llm::sse::SseEvent;

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

/// One `data:` event of a `streamGenerateContent` stream.
pub(crate) fn on_event(ev: &SseEvent, r: &mut Reading, out: &mut Vec<StreamEvent>) -> Result<(), Failed> {
    let v = parse_json(&ev.data)?;
    if has_error(&v) || ev.event == "error" {
        return Err(Failed::Provider(v));
    }
    let candidate = v.get("candidates").and_then(Value::as_array).and_then(|c| c.first());
    // A candidate may lack `content` (e.g. a SAFETY stop).
    let parts = candidate.and_then(|c| c.pointer("/content/parts")).and_then(Value::as_array);
    for part in parts.into_iter().flatten() {
        let thought = part.get("thought").and_then(Value::as_bool).unwrap_or(false);
        emit_text(out, str_at(Some(part), "text"), thought);
    }
    if let Some(u) = v.get("usageMetadata") {
        let input = u.get("promptTokenCount").and_then(Value::as_u64);
        let output = u.get("candidatesTokenCount").and_then(Value::as_u64);
        r.update_usage(input, output, out);
    }
    let finish = candidate.and_then(|c| c.get("finishReason")).and_then(Value::as_str);
    // A blocked prompt comes back as HTTP 200 with no candidates and a block reason; that is
    // a complete (empty) answer, not a cut stream, so report it as the stop reason.
    let blocked = match candidate {
        None => v.pointer("/promptFeedback/blockReason").and_then(Value::as_str),
        Some(_) => None,
    };
    if let Some(reason) = finish.or(blocked) {
        r.stop_reason = Some(reason.to_string());
        r.end(out);
    }
    Ok(())
}

/// The error body itself: Gemini's OpenAI-compatible endpoint wraps it in a one-element array.
pub(crate) fn unwrap_error_body(body: &Value) -> Option<&Value> {
    match body {
        Value::Array(items) => items.first(),
        other => Some(other),
    }
}

/// Gemini's own error fields: `status`, and `details[]` with each `reason` and the wait of a
/// `google.rpc.RetryInfo`.
pub(crate) fn read_error(error: &Value, pe: &mut ProviderError) {
    if let Some(s) = error.get("status").and_then(Value::as_str) {
        pe.labels.push(s.to_string());
    }
    for d in error.get("details").and_then(Value::as_array).into_iter().flatten() {
        if let Some(r) = d.get("reason").and_then(Value::as_str) {
            pe.reasons.push(r.to_string());
        }
        if d.get("@type").and_then(Value::as_str).is_some_and(|t| t.ends_with("google.rpc.RetryInfo")) {
            pe.retry_delay_ms = d.get("retryDelay").and_then(Value::as_str).and_then(parse_duration_ms);
        }
    }
}

/// Protobuf JSON duration as Gemini sends it: "37s", "1.5s".
fn parse_duration_ms(s: &str) -> Option<u64> {
    let secs: f64 = s.trim().strip_suffix('s')?.parse().ok().filter(|x: &f64| x.is_finite() && *x >= 0.0)?;
    Some((secs * 1000.0).ceil() as u64)
}

/// The HTTP status each of Gemini's (gRPC) statuses stands for.
pub(crate) fn status_for(label: &str) -> Option<u16> {
    Some(match label {
        "INVALID_ARGUMENT" | "FAILED_PRECONDITION" | "OUT_OF_RANGE" => 400,
        "UNAUTHENTICATED" => 401,
        "PERMISSION_DENIED" => 403,
        "NOT_FOUND" => 404,
        "ABORTED" => 409,
        "RESOURCE_EXHAUSTED" => 429,
        "INTERNAL" | "UNKNOWN" => 500,
        "UNAVAILABLE" => 503,
        "DEADLINE_EXCEEDED" => 504,
        _ => return None,
    })
}
