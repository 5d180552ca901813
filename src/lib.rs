//! Gloss core: extraction, digest, translation, provider wire formats. Pure Rust; the WASM
//! boundary lives in `wasm` alone.

pub mod article;
pub mod blocks;
pub mod cache;
pub mod charset;
pub mod digest;
pub mod error;
pub mod export;
pub mod extractive;
pub mod http_error;
pub mod lang;
pub mod markdown;
pub mod models;
pub mod on_device;
pub mod pricing;
pub mod prompt;
pub mod provider;
pub mod reasoning;
pub mod schedule;
pub mod session;
pub mod shadow;
pub mod stream;
pub mod text;
pub mod tokens;
pub mod translate;

pub use article::{extract, extract_with, Article, Block, BlockKind, ExtractOptions};
pub use error::{ErrorInfo, GlossError};
pub use text::Span;

#[cfg(target_arch = "wasm32")]
mod wasm;
