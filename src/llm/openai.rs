//! OpenAI Chat Completions and the servers that speak it (OpenRouter, Mistral, DeepSeek, Groq,
//! Ollama `/v1`, LM Studio, llama.cpp): the request, the `data:` stream, the error body.

use serde_json::{json, Value};

use crate::llm::event::{emit_text, has_error, non_empty, parse_json, str_at, Failed, ProviderError, Reading, StreamEvent};
use crate::llm::presets::MaxTokensField;
use crate::llm::prompt::Prompt;
use crate::llm::sse::SseEvent;

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

/// One `data:` event of a Chat Completions stream.
pub(crate) fn on_event(ev: &SseEvent, r: &mut Reading, out: &mut Vec<StreamEvent>) -> Result<(), Failed> {
    if ev.data.trim() == "[DONE]" {
        r.end(out);
        return Ok(());
    }
    let v = parse_json(&ev.data)?;
    // openai-node throws on any chunk carrying `error`; some servers name the event instead.
    if has_error(&v) || ev.event == "error" {
        return Err(Failed::Provider(v));
    }
    // Usage-only chunks have `choices: []`.
    if let Some(choice) = v.get("choices").and_then(Value::as_array).and_then(|c| c.first()) {
        let delta = choice.get("delta");
        // DeepSeek says `reasoning_content`, OpenRouter/Ollama `reasoning`; take one so a
        // server that sends both does not double the text.
        let reasoning = str_at(delta, "reasoning_content")
            .filter(|s| !s.is_empty())
            .or_else(|| str_at(delta, "reasoning"));
        emit_text(out, reasoning, true);
        emit_text(out, str_at(delta, "content"), false);
        match choice.get("finish_reason").and_then(Value::as_str) {
            // OpenRouter marks a mid-stream failure this way, normally with a top-level error.
            Some("error") => return Err(Failed::Provider(v)),
            Some(reason) => r.stop_reason = Some(reason.to_string()),
            None => {}
        }
    }
    if let Some(u) = v.get("usage").filter(|u| u.is_object()) {
        let input = u.get("prompt_tokens").and_then(Value::as_u64);
        let output = u.get("completion_tokens").and_then(Value::as_u64);
        r.update_usage(input, output, out);
    }
    Ok(())
}

/// The error object's fields in OpenAI's shape, which Anthropic and Gemini share: `message`,
/// `code` (a string label, or a number where OpenRouter puts the HTTP status) and `type`.
pub(crate) fn read_error(error: &Value, pe: &mut ProviderError) {
    pe.message = error.get("message").and_then(Value::as_str).and_then(non_empty);
    match error.get("code") {
        Some(Value::String(c)) => pe.labels.push(c.clone()),
        Some(Value::Number(n)) => pe.number = n.as_u64().and_then(|n| u16::try_from(n).ok()),
        _ => {}
    }
    if let Some(t) = error.get("type").and_then(Value::as_str) {
        pe.labels.push(t.to_string());
    }
}

/// The HTTP status each of OpenAI's error codes and types stands for.
pub(crate) fn status_for(label: &str) -> Option<u16> {
    Some(match label {
        "context_length_exceeded" | "invalid_request_error" => 400,
        "invalid_api_key" => 401,
        "unsupported_country_region_territory" => 403,
        "model_not_found" => 404,
        "rate_limit_exceeded" | "insufficient_quota" => 429,
        "server_error" => 500,
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
    fn openai_400_context_length_exceeded_code() {
        let body = r#"{"error":{"message":"This model's maximum context length is 2048 tokens. However, you requested 3475 tokens (3375 in the messages, 100 in the completion). Please reduce the length of the messages or completion.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}"#;
        let e = fail(Wire::OpenAi, 400, body);
        assert_eq!(e.code(), "context_too_long");
        assert!(e.to_string().contains("maximum context length is 2048 tokens"));
    }

    #[test]
    fn openai_400_context_detected_by_code_alone() {
        let body = r#"{"error":{"message":"Too much.","type":"invalid_request_error","param":null,"code":"context_length_exceeded"}}"#;
        assert_eq!(fail(Wire::OpenAi, 400, body), GlossError::ContextTooLong("Too much.".into()));
    }

    #[test]
    fn openai_401_invalid_api_key() {
        let body = r#"{"error":{"message":"Incorrect API key provided: sk-abc. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#;
        let e = fail(Wire::OpenAi, 401, body);
        assert_eq!(e.code(), "bad_key");
        assert!(e.to_string().contains("Incorrect API key provided"));
    }

    #[test]
    fn openai_403_region_is_forbidden() {
        let body = r#"{"error":{"code":"unsupported_country_region_territory","message":"Country, region, or territory not supported","param":null,"type":"request_forbidden"}}"#;
        assert_eq!(
            fail(Wire::OpenAi, 403, body),
            GlossError::Forbidden("Country, region, or territory not supported".into())
        );
    }

    #[test]
    fn openai_404_model_not_found() {
        let body = r#"{"error":{"message":"The model `gpt-9` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}"#;
        assert_eq!(
            fail(Wire::OpenAi, 404, body),
            GlossError::ModelNotFound(
                "The model `gpt-9` does not exist or you do not have access to it.".into()
            )
        );
    }

    #[test]
    fn openai_429_rate_limit_exceeded_is_rate_limited() {
        let body = r#"{"error":{"message":"Rate limit reached for gpt-4o-mini","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#;
        let e = fail_h(Wire::OpenAi, 429, &[("retry-after-ms", "1500")], body);
        assert_eq!(
            e,
            GlossError::RateLimited {
                detail: "Rate limit reached for gpt-4o-mini".into(),
                retry_after_ms: Some(1500)
            }
        );
    }

    #[test]
    fn openai_429_insufficient_quota_is_quota() {
        let body = r#"{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}"#;
        let e = fail(Wire::OpenAi, 429, body);
        assert_eq!(e.code(), "quota");
        assert!(!e.retryable());
    }

    #[test]
    fn openai_500_server_error() {
        let body = r#"{"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}"#;
        assert_eq!(fail(Wire::OpenAi, 500, body).code(), "server");
    }

    #[test]
    fn openai_503_is_server_not_overloaded() {
        let body = r#"{"error":{"message":"Slow down","type":"server_error","param":null,"code":"slow_down"}}"#;
        assert_eq!(
            fail(Wire::OpenAi, 503, body),
            GlossError::Server { status: 503, detail: "Slow down".into(), retry_after_ms: None }
        );
    }

    #[test]
    fn openrouter_402_insufficient_credits_is_quota() {
        let body = r#"{"error":{"code":402,"message":"Insufficient credits","metadata":{}}}"#;
        assert_eq!(fail(Wire::OpenAi, 402, body), GlossError::Quota("Insufficient credits".into()));
    }

    #[test]
    fn openrouter_408_is_retryable_server() {
        let body = r#"{"error":{"code":408,"message":"Request timed out"}}"#;
        let e = fail(Wire::OpenAi, 408, body);
        assert_eq!(
            e,
            GlossError::Server {
                status: 408,
                detail: "Request timed out".into(),
                retry_after_ms: None
            }
        );
    }

    #[test]
    fn openrouter_503_keeps_retry_after() {
        let body = r#"{"error":{"code":503,"message":"No available provider"}}"#;
        let e = fail_h(Wire::OpenAi, 503, &[("retry-after", "3")], body);
        assert_eq!(e.retry_after_ms(), Some(3000));
    }

    #[test]
    fn deepseek_422_is_bad_request() {
        let body = r#"{"error":{"message":"Invalid parameter: temperature","type":"invalid_request_error","param":null,"code":"invalid_request_error"}}"#;
        assert_eq!(
            fail(Wire::OpenAi, 422, body),
            GlossError::BadRequest { status: 422, detail: "Invalid parameter: temperature".into() }
        );
    }

    #[test]
    fn llama_cpp_500_plain_text_body() {
        let e = fail(Wire::OpenAi, 500, "Internal Server Error");
        assert_eq!(
            e,
            GlossError::Server {
                status: 500,
                detail: "Internal Server Error".into(),
                retry_after_ms: None
            }
        );
    }

    #[test]
    fn gemini_openai_compat_array_wrapped_error() {
        let body = r#"[{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}}]"#;
        assert_eq!(
            fail(Wire::OpenAi, 400, body),
            GlossError::BadKey("API key not valid. Please pass a valid API key.".into())
        );
    }

    // ---- its stream ----

    #[test]
    fn openai_happy_path() {
        let events = decode_str(Wire::OpenAi, OPENAI);
        assert_eq!(
            events,
            vec![
                StreamEvent::Text { text: "Sky is blue.".into() },
                StreamEvent::Usage { input_tokens: Some(14), output_tokens: Some(4) },
                StreamEvent::Done { stop_reason: Some("stop".into()) },
            ]
        );
    }

    #[test]
    fn openai_any_split_decodes_the_same() {
        assert_split_invariant(Wire::OpenAi, OPENAI, &expected((14, 4), "stop"));
    }

    #[test]
    fn openai_cut_before_done_is_stream_cut_after_partial_text() {
        let mut d = StreamDecoder::new(Wire::OpenAi);
        let partial =
            d.push(b"data: {\"choices\":[{\"delta\":{\"content\":\"Sky\"}}]}\n\n").unwrap();
        assert_eq!(partial, vec![StreamEvent::Text { text: "Sky".into() }]);
        assert_eq!(d.finish(), Err(GlossError::StreamCut));
        assert!(!d.is_done());
    }

    #[test]
    fn openai_finish_reason_without_done_sentinel_is_stream_cut() {
        let stream = "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n";
        assert_eq!(decode_err(Wire::OpenAi, &[stream.as_bytes()]), GlossError::StreamCut);
    }

    #[test]
    fn llama_cpp_empty_stream_is_stream_cut() {
        assert_eq!(decode_err(Wire::OpenAi, &[]), GlossError::StreamCut);
    }

    #[test]
    fn openai_top_level_error_chunk() {
        let stream = "data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n";
        assert_eq!(
            decode_err(Wire::OpenAi, &[stream.as_bytes()]),
            GlossError::Server {
                status: 500,
                detail: "The server had an error".into(),
                retry_after_ms: None
            }
        );
    }

    #[test]
    fn openrouter_mid_stream_error_with_finish_reason_error() {
        let stream = ": OPENROUTER PROCESSING\n\n\
data: {\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"created\":1730000000,\"model\":\"openai/gpt-4o-mini\",\"provider\":\"OpenAI\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Sky is blue.\"},\"finish_reason\":null}]}\n\n";
        let error = "data: {\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"created\":1730000000,\"model\":\"openai/gpt-4o-mini\",\"provider\":\"OpenAI\",\"error\":{\"code\":502,\"message\":\"Provider disconnected unexpectedly\"},\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"error\"}]}\n\n";
        let mut d = StreamDecoder::new(Wire::OpenAi);
        assert_eq!(fold(&d.push(stream.as_bytes()).unwrap()).text, "Sky is blue.");
        assert_eq!(
            d.push(error.as_bytes()),
            Err(GlossError::Server {
                status: 502,
                detail: "Provider disconnected unexpectedly".into(),
                retry_after_ms: None
            })
        );
    }

    #[test]
    fn openai_insufficient_quota_in_stream_is_quota() {
        let stream = "data: {\"error\":{\"message\":\"You exceeded your current quota\",\"type\":\"insufficient_quota\",\"param\":null,\"code\":\"insufficient_quota\"}}\n\n";
        assert_eq!(decode_err(Wire::OpenAi, &[stream.as_bytes()]).code(), "quota");
    }

    #[test]
    fn openai_usage_only_chunk_with_empty_choices() {
        let stream = "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":14,\"completion_tokens\":4,\"total_tokens\":18}}\n\ndata: [DONE]\n\n";
        assert_eq!(
            decode_str(Wire::OpenAi, stream),
            vec![
                StreamEvent::Usage { input_tokens: Some(14), output_tokens: Some(4) },
                StreamEvent::Done { stop_reason: None }
            ]
        );
    }

    #[test]
    fn openai_null_and_absent_content_and_obfuscation_are_ignored() {
        let stream = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":null},\"finish_reason\":null}],\"usage\":null,\"obfuscation\":\"a1b2\"}\n\n\
data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"},\"finish_reason\":null}],\"obfuscation\":\"zz\"}\n\n\
data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"}}]}\n\ndata: [DONE]\n\n";
        assert_eq!(
            decode_str(Wire::OpenAi, stream),
            vec![StreamEvent::Text { text: "ok".into() }, StreamEvent::Done { stop_reason: None }]
        );
    }

    #[test]
    fn deepseek_reasoning_content_is_reasoning() {
        let stream = "data: {\"choices\":[{\"delta\":{\"reasoning_content\":\"Think.\",\"content\":null}}]}\n\n\
data: {\"choices\":[{\"delta\":{\"reasoning_content\":null,\"content\":\"Answer.\"}}]}\n\ndata: [DONE]\n\n";
        assert_eq!(
            decode_str(Wire::OpenAi, stream),
            vec![
                StreamEvent::Reasoning { text: "Think.".into() },
                StreamEvent::Text { text: "Answer.".into() },
                StreamEvent::Done { stop_reason: None }
            ]
        );
    }

    #[test]
    fn openrouter_reasoning_field_is_reasoning() {
        let stream = "data: {\"choices\":[{\"delta\":{\"reasoning\":\"Hmm\",\"reasoning_details\":[{\"type\":\"reasoning.text\",\"text\":\"Hmm\"}]}}]}\n\ndata: [DONE]\n\n";
        let f = fold(&decode_str(Wire::OpenAi, stream));
        assert_eq!(f.reasoning, "Hmm");
        assert_eq!(f.text, "");
    }

    // ---- its request ----

    #[test]
    fn openai_uses_max_completion_tokens_compatible_servers_max_tokens() {
        let req = endpoint("openai", "sk-x").chat_request(&prompt());
        assert_eq!(req.url, "https://api.openai.com/v1/chat/completions");
        assert_eq!(header(&req, "authorization"), Some("Bearer sk-x"));
        let b = body(&req);
        assert_eq!(b["max_completion_tokens"], 500);
        assert!(b.get("max_tokens").is_none());
        assert_eq!(b["stream_options"]["include_usage"], true);
        assert_eq!(b["messages"][0]["role"], "system");

        let groq = body(&endpoint("groq", "gsk").chat_request(&prompt()));
        assert_eq!(groq["max_tokens"], 500);
    }
}
