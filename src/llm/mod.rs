//! Talking to language models: one module per wire format (its request, its stream events,
//! its error body), the machinery they share, and the providers' presets.
//!
//! The names other parts use are re-exported here. Modules inside `llm` name each other by
//! their own paths, never through this facade, so no import circle runs through it.

pub mod anthropic;
pub mod decoder;
pub mod endpoint;
pub mod errors;
pub mod event;
pub mod gemini;
pub mod ollama;
pub mod openai;
pub mod presets;
pub mod probe;
pub mod prompt;
pub mod reasoning;
pub mod redact;
pub mod sse;
pub mod wire;

pub use endpoint::{check_base_url, ConnectionReport, Endpoint, HttpRequest, Provenance, parse_models};
pub use decoder::StreamDecoder;
pub use errors::{map_http_error, map_http_error_at, retry_after_ms, retry_delay_ms, HttpFailure};
pub use event::{StreamEvent, Usage};
pub use presets::{preset, MaxTokensField, Preset, BUILTIN, PRESETS};
pub use prompt::Prompt;
pub use wire::Wire;
