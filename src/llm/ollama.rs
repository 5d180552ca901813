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

#[cfg(test)]
mod tests {
    use crate::error::GlossError;
    use crate::llm::errors::tests::fail;
    use crate::llm::errors::{map_http_error, HttpFailure};
    use crate::llm::decoder::tests::*;
    use crate::llm::decoder::StreamDecoder;
    use crate::llm::event::StreamEvent;
    use crate::llm::endpoint::tests::{body, endpoint, prompt, settings};
    use crate::llm::endpoint::Endpoint;
    use crate::models::ModelOverride;
    use crate::settings::Settings;
    use serde_json::json;
    use crate::llm::wire::Wire;

    // ---- HTTP errors in this wire's shape ----

    #[test]
    fn ollama_403_empty_body_local_is_origin_problem() {
        let f = HttpFailure { status: 403, headers: &[], body: "", is_local: true, secret: "" };
        assert_eq!(map_http_error(Wire::OllamaNative, &f), GlossError::OllamaOrigin);
    }

    #[test]
    fn ollama_v1_403_empty_body_local_is_origin_problem() {
        let f = HttpFailure { status: 403, headers: &[], body: " \n", is_local: true, secret: "" };
        assert_eq!(map_http_error(Wire::OpenAi, &f), GlossError::OllamaOrigin);
    }

    #[test]
    fn remote_403_empty_body_is_forbidden() {
        let f = HttpFailure { status: 403, headers: &[], body: "", is_local: false, secret: "" };
        assert_eq!(map_http_error(Wire::OpenAi, &f), GlossError::Forbidden("403 Forbidden".into()));
    }

    #[test]
    fn local_403_with_json_body_is_forbidden() {
        let body = r#"{"error":"forbidden"}"#;
        let f = HttpFailure { status: 403, headers: &[], body, is_local: true, secret: "" };
        assert_eq!(
            map_http_error(Wire::OllamaNative, &f),
            GlossError::Forbidden("forbidden".into())
        );
    }

    #[test]
    fn ollama_404_string_error_is_model_not_found() {
        let body = r#"{"error":"model 'llama9' not found, try pulling it first"}"#;
        assert_eq!(
            fail(Wire::OllamaNative, 404, body),
            GlossError::ModelNotFound("model 'llama9' not found, try pulling it first".into())
        );
    }

    #[test]
    fn ollama_502_cloud_unreachable_is_server() {
        let body = r#"{"error":"upstream unreachable"}"#;
        assert_eq!(
            fail(Wire::OllamaNative, 502, body),
            GlossError::Server {
                status: 502,
                detail: "upstream unreachable".into(),
                retry_after_ms: None
            }
        );
    }

    #[test]
    fn ollama_v1_not_found_error_type() {
        let body = r#"{"error":{"message":"model \"x\" not found, try pulling it first","type":"not_found_error","param":null,"code":null}}"#;
        assert_eq!(fail(Wire::OpenAi, 404, body).code(), "model_not_found");
    }

    // ---- its stream ----

    #[test]
    fn ollama_happy_path() {
        let events = decode_str(Wire::OllamaNative, OLLAMA);
        assert_eq!(
            events,
            vec![
                StreamEvent::Text { text: "Sky is blue.".into() },
                StreamEvent::Usage { input_tokens: Some(26), output_tokens: Some(4) },
                StreamEvent::Done { stop_reason: Some("stop".into()) },
            ]
        );
    }

    #[test]
    fn ollama_any_split_decodes_the_same() {
        assert_split_invariant(Wire::OllamaNative, OLLAMA, &expected((26, 4), "stop"));
    }

    #[test]
    fn ollama_final_line_without_newline_is_flushed() {
        let stream = "{\"message\":{\"content\":\"x\"},\"done\":false}\n{\"done\":true,\"done_reason\":\"length\"}";
        let f = fold(&decode_str(Wire::OllamaNative, stream));
        assert_eq!(f.text, "x");
        assert_eq!(f.done, Some(Some("length".into())));
    }

    #[test]
    fn ollama_blank_lines_are_ignored() {
        let stream =
            "\n{\"message\":{\"content\":\"x\"},\"done\":false}\n\r\n  \n{\"done\":true}\n";
        assert_eq!(fold(&decode_str(Wire::OllamaNative, stream)).text, "x");
    }

    #[test]
    fn ollama_cut_before_done_is_stream_cut() {
        let cut = OLLAMA
            .find("{\"model\":\"llama3.2\",\"created_at\":\"2026-01-01T10:00:00.3Z\"")
            .unwrap();
        let mut d = StreamDecoder::new(Wire::OllamaNative);
        assert_eq!(fold(&d.push(&OLLAMA.as_bytes()[..cut]).unwrap()).text, "Sky is blue.");
        assert_eq!(d.finish(), Err(GlossError::StreamCut));
    }

    #[test]
    fn ollama_error_line_in_stream() {
        let stream = "{\"message\":{\"content\":\"Sky\"},\"done\":false}\n{\"error\":\"an error was encountered while running the model: unexpected EOF\"}\n";
        let e = decode_err(Wire::OllamaNative, &[stream.as_bytes()]);
        assert_eq!(
            e,
            GlossError::Server {
                status: 500,
                detail: "an error was encountered while running the model: unexpected EOF".into(),
                retry_after_ms: None
            }
        );
    }

    #[test]
    fn ollama_thinking_is_reasoning() {
        let stream = "{\"message\":{\"role\":\"assistant\",\"content\":\"\",\"thinking\":\"Hmm.\"},\"done\":false}\n\
{\"message\":{\"role\":\"assistant\",\"content\":\"Blue.\"},\"done\":false}\n{\"done\":true,\"done_reason\":\"stop\"}\n";
        assert_eq!(
            decode_str(Wire::OllamaNative, stream),
            vec![
                StreamEvent::Reasoning { text: "Hmm.".into() },
                StreamEvent::Text { text: "Blue.".into() },
                StreamEvent::Done { stop_reason: Some("stop".into()) }
            ]
        );
    }

    #[test]
    fn ollama_generate_response_field_is_text() {
        let stream = "{\"response\":\"Sky\",\"done\":false}\n{\"response\":\"\",\"done\":true}\n";
        assert_eq!(fold(&decode_str(Wire::OllamaNative, stream)).text, "Sky");
    }

    // ---- its request ----

    #[test]
    fn ollama_native_request_shape() {
        let e = endpoint("ollama", "");
        let req = e.chat_request(&prompt());
        assert_eq!(req.url, "http://localhost:11434/api/chat");
        let b = body(&req);
        assert_eq!(b["stream"], true);
        assert_eq!(b["messages"][1]["content"], "hello");
        assert_eq!(b["options"]["num_predict"], 500);
        assert!(b["options"]["num_ctx"].as_u64().is_some_and(|n| n >= 8192));
        let row = ModelOverride { model: "llama3.2".into(), context_tokens: Some(65_536), ..ModelOverride::default() };
        let bigger = Settings { model_overrides: vec![row], ..settings("ollama", "") };
        let big = Endpoint::from_settings(&bigger).ok().flatten();
        assert_eq!(big.map(|e| body(&e.chat_request(&prompt()))["options"]["num_ctx"].clone()), Some(json!(65_536)), "the reader's larger context is asked for");
        assert_eq!(e.models_request().url, "http://localhost:11434/api/tags");
    }
}
