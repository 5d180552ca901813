//! Gloss core: extraction, digest, translation, provider wire formats. Pure Rust; the WASM
//! boundary lives in `wasm` alone.

pub mod article;
pub mod blocks;
pub mod error;
pub mod lang;
pub mod text;

pub use article::{extract, Article, Block, BlockKind};
pub use error::{ErrorInfo, GlossError};
pub use text::Span;
