//! The wire formats Gloss speaks: each provider family's request and stream shape.

use serde::{Deserialize, Serialize};

/// Which wire format a response stream speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Wire {
    /// Anthropic Messages: named SSE events, ends with `message_stop`.
    Anthropic,
    /// OpenAI Chat Completions and compatibles (OpenRouter, DeepSeek, Ollama `/v1`, LM Studio,
    /// llama.cpp): `data:` SSE events, ends with `data: [DONE]`.
    OpenAi,
    /// Gemini `streamGenerateContent?alt=sse`: `data:` SSE events, ends after `finishReason`.
    Gemini,
    /// Ollama `/api/chat` (and `/api/generate`): NDJSON, ends with `"done": true`.
    OllamaNative,
}
