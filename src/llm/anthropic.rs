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

#[cfg(test)]
mod tests {
    use crate::error::GlossError;
    use crate::llm::errors::tests::{fail, fail_h};
    use crate::llm::decoder::tests::*;
    use crate::llm::decoder::StreamDecoder;
    use crate::llm::event::StreamEvent;
    use crate::llm::endpoint::tests::{body, endpoint, header, prompt};
    use crate::llm::wire::Wire;

    // ---- HTTP errors in this wire's shape ----

    #[test]
    fn anthropic_400_prompt_too_long_is_context_too_long() {
        let body = r#"{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 208656 tokens > 200000 maximum"},"request_id":"req_1"}"#;
        assert_eq!(
            fail(Wire::Anthropic, 400, body),
            GlossError::ContextTooLong("prompt is too long: 208656 tokens > 200000 maximum".into())
        );
    }

    #[test]
    fn anthropic_400_other_is_bad_request_with_message() {
        let body = r#"{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"},"request_id":"req_1"}"#;
        assert_eq!(
            fail(Wire::Anthropic, 400, body),
            GlossError::BadRequest { status: 400, detail: "max_tokens: Field required".into() }
        );
    }

    #[test]
    fn anthropic_401_cors_header_missing_is_bad_key() {
        let body = r#"{"type":"error","error":{"type":"authentication_error","message":"CORS requests must set 'anthropic-dangerous-direct-browser-access' header"}}"#;
        let e = fail(Wire::Anthropic, 401, body);
        assert_eq!(
            e,
            GlossError::BadKey(
                "CORS requests must set 'anthropic-dangerous-direct-browser-access' header".into()
            )
        );
    }

    #[test]
    fn anthropic_402_billing_is_quota() {
        let body = r#"{"type":"error","error":{"type":"billing_error","message":"Your credit balance is too low"}}"#;
        assert_eq!(
            fail(Wire::Anthropic, 402, body),
            GlossError::Quota("Your credit balance is too low".into())
        );
    }

    #[test]
    fn anthropic_403_permission_is_forbidden() {
        let body = r#"{"type":"error","error":{"type":"permission_error","message":"Your API key does not have permission to use the specified resource."}}"#;
        assert_eq!(fail(Wire::Anthropic, 403, body).code(), "forbidden");
    }

    #[test]
    fn anthropic_404_is_model_not_found_with_provider_message() {
        let body =
            r#"{"type":"error","error":{"type":"not_found_error","message":"model: claude-nope"}}"#;
        assert_eq!(
            fail(Wire::Anthropic, 404, body),
            GlossError::ModelNotFound("model: claude-nope".into())
        );
    }

    #[test]
    fn anthropic_413_html_from_edge_is_too_large_with_excerpt() {
        let body = "<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n";
        assert_eq!(
            fail(Wire::Anthropic, 413, body),
            GlossError::TooLarge(
                "413 Request Entity Too Large 413 Request Entity Too Large cloudflare".into()
            )
        );
    }

    #[test]
    fn anthropic_429_rate_limit_uses_retry_after_seconds() {
        let body = r#"{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}"#;
        let e = fail_h(Wire::Anthropic, 429, &[("retry-after", "7")], body);
        assert_eq!(
            e,
            GlossError::RateLimited {
                detail: "Number of request tokens has exceeded your per-minute rate limit".into(),
                retry_after_ms: Some(7000)
            }
        );
    }

    #[test]
    fn anthropic_429_spend_limit_is_quota() {
        let body = r#"{"type":"error","error":{"type":"rate_limit_error","message":"You have reached your specified workspace API usage limits.","details":{"error_code":"enforced_spend_limit_reached"}}}"#;
        let e = fail_h(Wire::Anthropic, 429, &[("retry-after", "7")], body);
        assert_eq!(e.code(), "quota");
        assert!(!e.retryable());
    }

    #[test]
    fn anthropic_500_api_error_is_server() {
        let body =
            r#"{"type":"error","error":{"type":"api_error","message":"Internal server error"}}"#;
        assert_eq!(
            fail(Wire::Anthropic, 500, body),
            GlossError::Server {
                status: 500,
                detail: "Internal server error".into(),
                retry_after_ms: None
            }
        );
    }

    #[test]
    fn anthropic_529_is_overloaded() {
        let body = r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
        assert_eq!(
            fail(Wire::Anthropic, 529, body),
            GlossError::Overloaded { detail: "Overloaded".into(), retry_after_ms: None }
        );
    }

    #[test]
    fn anthropic_409_is_retryable_server() {
        let e = fail(Wire::Anthropic, 409, "");
        assert_eq!(
            e,
            GlossError::Server { status: 409, detail: "409 Conflict".into(), retry_after_ms: None }
        );
    }

    #[test]
    fn anthropic_504_timeout_is_server() {
        let e = fail(Wire::Anthropic, 504, "");
        assert_eq!(e.code(), "server");
        assert!(e.retryable());
    }

    #[test]
    fn x_should_retry_false_makes_rate_limit_final() {
        let body = r#"{"type":"error","error":{"type":"rate_limit_error","message":"slow"}}"#;
        let e = fail_h(Wire::Anthropic, 429, &[("x-should-retry", "false")], body);
        assert_eq!(e, GlossError::Quota("slow".into()));
    }

    #[test]
    fn x_should_retry_false_makes_server_error_final() {
        let e = fail_h(Wire::Anthropic, 500, &[("x-should-retry", "false")], "");
        assert_eq!(
            e,
            GlossError::BadRequest { status: 500, detail: "500 Internal Server Error".into() }
        );
    }

    #[test]
    fn x_should_retry_true_does_not_turn_bad_key_retryable() {
        let e = fail_h(Wire::Anthropic, 401, &[("x-should-retry", "true")], "");
        assert_eq!(e.code(), "bad_key");
    }

    // ---- its stream ----

    #[test]
    fn anthropic_happy_path() {
        let events = decode_str(Wire::Anthropic, ANTHROPIC);
        assert_eq!(
            events,
            vec![
                StreamEvent::Usage { input_tokens: Some(21), output_tokens: None },
                StreamEvent::Text { text: "Sky is blue.".into() },
                StreamEvent::Usage { input_tokens: Some(21), output_tokens: Some(5) },
                StreamEvent::Done { stop_reason: Some("end_turn".into()) },
            ]
        );
    }

    #[test]
    fn anthropic_any_split_decodes_the_same() {
        assert_split_invariant(Wire::Anthropic, ANTHROPIC, &expected((21, 5), "end_turn"));
    }

    #[test]
    fn anthropic_cut_after_message_delta_is_stream_cut() {
        let cut = ANTHROPIC.find("event: message_stop").unwrap();
        let mut d = StreamDecoder::new(Wire::Anthropic);
        let events = d.push(&ANTHROPIC.as_bytes()[..cut]).unwrap();
        assert_eq!(fold(&events).text, "Sky is blue.");
        assert_eq!(d.finish(), Err(GlossError::StreamCut));
    }

    #[test]
    fn anthropic_overloaded_error_event() {
        let stream = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
        assert_eq!(
            decode_err(Wire::Anthropic, &[stream.as_bytes()]),
            GlossError::Overloaded { detail: "Overloaded".into(), retry_after_ms: None }
        );
    }

    #[test]
    fn anthropic_rate_limit_error_event() {
        let stream = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Rate limited\"}}\n\n";
        assert_eq!(decode_err(Wire::Anthropic, &[stream.as_bytes()]).code(), "rate_limited");
    }

    #[test]
    fn anthropic_api_error_event_is_server_500() {
        let stream = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"Internal server error\"}}\n\n";
        assert_eq!(
            decode_err(Wire::Anthropic, &[stream.as_bytes()]),
            GlossError::Server {
                status: 500,
                detail: "Internal server error".into(),
                retry_after_ms: None
            }
        );
    }

    #[test]
    fn anthropic_error_after_text_keeps_earlier_text() {
        let mut d = StreamDecoder::new(Wire::Anthropic);
        let text = d
            .push(b"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Sky\"}}\n\n")
            .unwrap();
        assert_eq!(text, vec![StreamEvent::Text { text: "Sky".into() }]);
        let err = d.push(b"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n");
        assert_eq!(err.unwrap_err().code(), "overloaded");
    }

    #[test]
    fn anthropic_thinking_delta_is_reasoning() {
        let stream = "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}\n\n\
event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"Let me see.\"}}\n\n\
event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"EqQB\"}}\n\n\
event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"Blue.\"}}\n\n\
event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        assert_eq!(
            decode_str(Wire::Anthropic, stream),
            vec![
                StreamEvent::Reasoning { text: "Let me see.".into() },
                StreamEvent::Text { text: "Blue.".into() },
                StreamEvent::Done { stop_reason: None }
            ]
        );
    }

    #[test]
    fn anthropic_unknown_events_are_ignored() {
        let stream = "event: future_thing\ndata: {\"type\":\"future_thing\",\"x\":1}\n\n\
event: ping\ndata: {\"type\":\"ping\"}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        assert_eq!(
            decode_str(Wire::Anthropic, stream),
            vec![StreamEvent::Done { stop_reason: None }]
        );
    }

    #[test]
    fn anthropic_message_delta_usage_is_cumulative_latest_wins() {
        let stream = "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":null},\"usage\":{\"output_tokens\":3}}\n\n\
event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\"},\"usage\":{\"output_tokens\":9}}\n\n\
event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        let f = fold(&decode_str(Wire::Anthropic, stream));
        assert_eq!(f.usage, Some((None, Some(9))));
        assert_eq!(f.done, Some(Some("max_tokens".into())));
    }

    // ---- its request ----

    #[test]
    fn anthropic_request_shape() {
        let req = endpoint("anthropic", "sk-ant-x").chat_request(&prompt());
        assert_eq!(req.url, "https://api.anthropic.com/v1/messages");
        assert_eq!(header(&req, "x-api-key"), Some("sk-ant-x"));
        assert_eq!(header(&req, "anthropic-version"), Some("2023-06-01"));
        assert_eq!(header(&req, "anthropic-dangerous-direct-browser-access"), Some("true"));
        assert_eq!(header(&req, "authorization"), None);
        let b = body(&req);
        assert_eq!(b["model"], "claude-haiku-4-5");
        assert_eq!(b["max_tokens"], 500);
        assert_eq!(b["system"], "sys");
        assert_eq!(b["messages"][0]["content"], "hello");
        assert_eq!(b["stream"], true);
    }
}
