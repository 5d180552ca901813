//! What every wire reads out of a response, in one shape: stream events and token counts, the
//! running state of one stream, and the fields of a provider's error body.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::GlossError;


/// What the decoder found in the stream, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum StreamEvent {
    /// Visible answer text, to append.
    Text { text: String },
    /// Thinking/reasoning text, to append; never part of the answer.
    Reasoning { text: String },
    /// Token counts so far (cumulative: the latest event replaces earlier ones).
    Usage { input_tokens: Option<u64>, output_tokens: Option<u64> },
    /// The wire's end marker was seen; nothing after it is decoded.
    Done { stop_reason: Option<String> },
}

/// Token counts reported by the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
}

impl Usage {
    pub fn absorb(&mut self, event: &StreamEvent) {
        if let StreamEvent::Usage { input_tokens, output_tokens } = event {
            self.input_tokens = input_tokens.or(self.input_tokens);
            self.output_tokens = output_tokens.or(self.output_tokens);
        }
    }
}

/// How one stream stands, as the wire modules advance it.
#[derive(Debug, Default)]
pub(crate) struct Reading {
    pub(crate) done: bool,
    /// Anthropic `message_delta.stop_reason` / OpenAI `finish_reason`, reported with `Done`.
    pub(crate) stop_reason: Option<String>,
    usage: Seen,
    /// The last usage reported, so unchanged running counts (Gemini repeats them) are not re-sent.
    usage_sent: Option<Seen>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Seen {
    input: Option<u64>,
    output: Option<u64>,
}

impl Reading {
    /// Takes in counts (absent ones keep their last value) and reports them when they changed.
    pub(crate) fn update_usage(&mut self, input: Option<u64>, output: Option<u64>, out: &mut Vec<StreamEvent>) {
        self.usage = Seen { input: input.or(self.usage.input), output: output.or(self.usage.output) };
        let empty = self.usage == Seen::default();
        if !empty && self.usage_sent != Some(self.usage) {
            self.usage_sent = Some(self.usage);
            out.push(StreamEvent::Usage { input_tokens: self.usage.input, output_tokens: self.usage.output });
        }
    }

    /// The wire's end marker: nothing after it is decoded.
    pub(crate) fn end(&mut self, out: &mut Vec<StreamEvent>) {
        self.done = true;
        out.push(StreamEvent::Done { stop_reason: self.stop_reason.clone() });
    }
}

/// Why a wire stopped reading a stream.
#[derive(Debug)]
pub(crate) enum Failed {
    /// The provider sent an error object (the whole JSON payload), to be mapped like an HTTP error.
    Provider(Value),
    /// The bytes themselves were unreadable.
    Unreadable(GlossError),
}

impl From<GlossError> for Failed {
    fn from(e: GlossError) -> Self {
        Failed::Unreadable(e)
    }
}

/// A provider error body, normalised across the Anthropic, OpenAI, Gemini and Ollama shapes
/// (each wire module reads its own fields into it).
#[derive(Debug, Default)]
pub(crate) struct ProviderError {
    /// The provider's own human-readable message.
    pub(crate) message: Option<String>,
    /// Machine strings, most specific first: OpenAI `code`, then `type`, then Gemini `status`.
    pub(crate) labels: Vec<String>,
    /// Numeric `code` (OpenRouter, Gemini): the HTTP status the provider would have used.
    pub(crate) number: Option<u16>,
    /// Fine-grained reasons: Gemini `details[].reason`, Anthropic `error.details.error_code`.
    pub(crate) reasons: Vec<String>,
    /// Gemini `RetryInfo.retryDelay`.
    pub(crate) retry_delay_ms: Option<u64>,
}

impl ProviderError {
    pub(crate) fn has(&self, s: &str) -> bool {
        self.labels.iter().chain(&self.reasons).any(|l| l.eq_ignore_ascii_case(s))
    }
}

pub(crate) fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Appends text, merging with a directly preceding event of the same kind. Empty text is noise.
pub(crate) fn emit_text(out: &mut Vec<StreamEvent>, text: Option<&str>, reasoning: bool) {
    let Some(text) = text.filter(|t| !t.is_empty()) else { return };
    match out.last_mut() {
        Some(StreamEvent::Text { text: prev }) if !reasoning => prev.push_str(text),
        Some(StreamEvent::Reasoning { text: prev }) if reasoning => prev.push_str(text),
        _ if reasoning => out.push(StreamEvent::Reasoning { text: text.to_string() }),
        _ => out.push(StreamEvent::Text { text: text.to_string() }),
    }
}

pub(crate) fn str_at<'v>(v: Option<&'v Value>, key: &str) -> Option<&'v str> {
    v.and_then(|v| v.get(key)).and_then(Value::as_str)
}

pub(crate) fn has_error(v: &Value) -> bool {
    v.get("error").is_some_and(|e| !e.is_null())
}

pub(crate) fn parse_json(data: &str) -> Result<Value, GlossError> {
    serde_json::from_str(data)
        .map_err(|e| GlossError::BadResponse(format!("malformed JSON in stream: {e}")))
}
