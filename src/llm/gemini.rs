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

#[cfg(test)]
mod tests {
    use crate::error::GlossError;
    use crate::llm::errors::tests::fail;
    use crate::llm::decoder::tests::*;
    use crate::llm::decoder::StreamDecoder;
    use crate::llm::event::StreamEvent;
    use crate::llm::endpoint::tests::{body, endpoint, header, prompt};
    use crate::llm::wire::Wire;

    // ---- HTTP errors in this wire's shape ----

    #[test]
    fn gemini_400_api_key_invalid_is_bad_key() {
        let body = r#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}"#;
        assert_eq!(
            fail(Wire::Gemini, 400, body),
            GlossError::BadKey("API key not valid. Please pass a valid API key.".into())
        );
    }

    #[test]
    fn gemini_400_token_count_is_context_too_long() {
        let body = r#"{"error":{"code":400,"message":"The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).","status":"INVALID_ARGUMENT"}}"#;
        assert_eq!(fail(Wire::Gemini, 400, body).code(), "context_too_long");
    }

    #[test]
    fn gemini_400_failed_precondition_is_bad_request() {
        let body = r#"{"error":{"code":400,"message":"User location is not supported for the API use.","status":"FAILED_PRECONDITION"}}"#;
        assert_eq!(
            fail(Wire::Gemini, 400, body),
            GlossError::BadRequest {
                status: 400,
                detail: "User location is not supported for the API use.".into()
            }
        );
    }

    #[test]
    fn gemini_403_permission_denied_is_forbidden() {
        let body = r#"{"error":{"code":403,"message":"Method doesn't allow unregistered callers","status":"PERMISSION_DENIED"}}"#;
        assert_eq!(fail(Wire::Gemini, 403, body).code(), "forbidden");
    }

    #[test]
    fn gemini_404_not_found_is_model_not_found() {
        let body = r#"{"error":{"code":404,"message":"models/gemini-9 is not found for API version v1beta, or is not supported for generateContent.","status":"NOT_FOUND"}}"#;
        let e = fail(Wire::Gemini, 404, body);
        assert_eq!(e.code(), "model_not_found");
        assert!(e.to_string().contains("models/gemini-9 is not found"));
    }

    #[test]
    fn gemini_429_retry_delay_from_body() {
        let body = r#"{"error":{"code":429,"message":"You exceeded your current quota.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[]},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"}]}}"#;
        assert_eq!(
            fail(Wire::Gemini, 429, body),
            GlossError::RateLimited {
                detail: "You exceeded your current quota.".into(),
                retry_after_ms: Some(37_000)
            }
        );
    }

    #[test]
    fn gemini_500_internal_is_server() {
        let body = r#"{"error":{"code":500,"message":"An internal error has occurred.","status":"INTERNAL"}}"#;
        assert_eq!(fail(Wire::Gemini, 500, body).code(), "server");
    }

    #[test]
    fn gemini_503_unavailable_is_overloaded() {
        let body = r#"{"error":{"code":503,"message":"The model is overloaded. Please try again later.","status":"UNAVAILABLE"}}"#;
        assert_eq!(
            fail(Wire::Gemini, 503, body),
            GlossError::Overloaded {
                detail: "The model is overloaded. Please try again later.".into(),
                retry_after_ms: None
            }
        );
    }

    #[test]
    fn gemini_504_deadline_is_server() {
        let body =
            r#"{"error":{"code":504,"message":"Deadline exceeded","status":"DEADLINE_EXCEEDED"}}"#;
        assert_eq!(
            fail(Wire::Gemini, 504, body),
            GlossError::Server {
                status: 504,
                detail: "Deadline exceeded".into(),
                retry_after_ms: None
            }
        );
    }

    // ---- its stream ----

    #[test]
    fn gemini_happy_path() {
        let events = decode_str(Wire::Gemini, GEMINI);
        assert_eq!(
            events,
            vec![
                StreamEvent::Text { text: "Sky is".into() },
                StreamEvent::Usage { input_tokens: Some(6), output_tokens: None },
                StreamEvent::Text { text: " blue.".into() },
                StreamEvent::Usage { input_tokens: Some(6), output_tokens: Some(4) },
                StreamEvent::Done { stop_reason: Some("STOP".into()) },
            ]
        );
    }

    #[test]
    fn gemini_crlf_any_split_decodes_the_same() {
        assert_split_invariant(Wire::Gemini, GEMINI, &expected((6, 4), "STOP"));
    }

    #[test]
    fn gemini_chunks_after_finish_reason_are_ignored() {
        let stream = format!("{GEMINI}data: {{\"candidates\":[{{\"content\":{{\"parts\":[{{\"text\":\"more\"}}]}}}}]}}\n\n");
        assert_eq!(fold(&decode_str(Wire::Gemini, &stream)).text, "Sky is blue.");
    }

    #[test]
    fn gemini_cut_before_finish_reason_is_stream_cut() {
        let first_event_end = GEMINI.find("\r\n\r\n").unwrap() + 4;
        let mut d = StreamDecoder::new(Wire::Gemini);
        assert_eq!(fold(&d.push(&GEMINI.as_bytes()[..first_event_end]).unwrap()).text, "Sky is");
        assert_eq!(d.finish(), Err(GlossError::StreamCut));
    }

    #[test]
    fn gemini_resource_exhausted_in_stream() {
        let stream = "data: {\"error\":{\"code\":429,\"message\":\"Resource has been exhausted\",\"status\":\"RESOURCE_EXHAUSTED\"}}\r\n\r\n";
        assert_eq!(
            decode_err(Wire::Gemini, &[stream.as_bytes()]),
            GlossError::RateLimited {
                detail: "Resource has been exhausted".into(),
                retry_after_ms: None
            }
        );
    }

    #[test]
    fn gemini_unavailable_in_stream_is_overloaded() {
        let stream = "data: {\"error\":{\"code\":503,\"message\":\"The model is overloaded.\",\"status\":\"UNAVAILABLE\"}}\n\n";
        assert_eq!(decode_err(Wire::Gemini, &[stream.as_bytes()]).code(), "overloaded");
    }

    #[test]
    fn gemini_thought_parts_are_reasoning() {
        let stream = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Thinking...\",\"thought\":true},{\"text\":\"Answer\"}]},\"finishReason\":\"STOP\"}]}\n\n";
        assert_eq!(
            decode_str(Wire::Gemini, stream),
            vec![
                StreamEvent::Reasoning { text: "Thinking...".into() },
                StreamEvent::Text { text: "Answer".into() },
                StreamEvent::Done { stop_reason: Some("STOP".into()) }
            ]
        );
    }

    #[test]
    fn gemini_candidate_without_content_still_finishes() {
        let stream = "data: {\"candidates\":[{\"finishReason\":\"SAFETY\",\"index\":0}]}\n\n";
        assert_eq!(
            decode_str(Wire::Gemini, stream),
            vec![StreamEvent::Done { stop_reason: Some("SAFETY".into()) }]
        );
    }

    #[test]
    fn gemini_blocked_prompt_is_done_with_block_reason() {
        let stream = "data: {\"promptFeedback\":{\"blockReason\":\"PROHIBITED_CONTENT\"},\"usageMetadata\":{\"promptTokenCount\":7,\"totalTokenCount\":7}}\n\n";
        assert_eq!(
            decode_str(Wire::Gemini, stream),
            vec![
                StreamEvent::Usage { input_tokens: Some(7), output_tokens: None },
                StreamEvent::Done { stop_reason: Some("PROHIBITED_CONTENT".into()) }
            ]
        );
    }

    #[test]
    fn gemini_repeated_usage_is_sent_once() {
        let stream = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\"}]}}],\"usageMetadata\":{\"promptTokenCount\":6}}\n\n\
data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"b\"}]}}],\"usageMetadata\":{\"promptTokenCount\":6}}\n\n\
data: {\"candidates\":[{\"finishReason\":\"STOP\"}]}\n\n";
        let usages = decode_str(Wire::Gemini, stream)
            .into_iter()
            .filter(|e| matches!(e, StreamEvent::Usage { .. }))
            .count();
        assert_eq!(usages, 1);
    }

    // ---- its request ----

    #[test]
    fn gemini_request_shape() {
        let e = endpoint("gemini", "AIza-k");
        let req = e.chat_request(&prompt());
        assert_eq!(req.url, "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
        assert_eq!(header(&req, "x-goog-api-key"), Some("AIza-k"));
        assert_eq!(header(&req, "authorization"), None);
        let b = body(&req);
        assert_eq!(b["systemInstruction"]["parts"][0]["text"], "sys");
        assert_eq!(b["contents"][0]["parts"][0]["text"], "hello");
        assert_eq!(b["generationConfig"]["maxOutputTokens"], 500);
        assert_eq!(e.models_request().url, "https://generativelanguage.googleapis.com/v1beta/models?pageSize=1000");
    }
}
