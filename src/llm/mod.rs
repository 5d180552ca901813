//! Talking to language models: the providers' presets and request shapes, the stream decoders
//! for each wire format, and how their errors read.

pub mod http_error;
pub mod prompt;
pub mod provider;
pub mod reasoning;
pub mod stream;
pub mod wire;
