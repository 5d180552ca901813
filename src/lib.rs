//! Gloss core: extraction, digest, translation, provider wire formats. Pure Rust; the WASM
//! boundary lives in `wasm` alone.

pub mod article;
pub mod digest;
pub mod error;
pub mod glossary;
pub mod llm;
pub mod models;
pub mod on_device;
pub mod qa;
pub mod prompt_api;
pub mod pdf;
pub mod session;
pub mod settings;
pub mod sites;
pub mod text;
pub mod translate;

pub use article::{extract, extract_with, Article, Block, BlockKind, ExtractOptions};
pub use error::{ErrorInfo, GlossError};
pub use text::Span;

#[cfg(target_arch = "wasm32")]
mod wasm;

#[cfg(test)]
mod typescript;
