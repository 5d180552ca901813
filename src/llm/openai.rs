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
