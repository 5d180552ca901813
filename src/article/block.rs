//! The article's unit: one block of text with its kind, so a translation can keep the structure.

use serde::{Deserialize, Serialize};

use crate::text::Span;

/// What kind of structure a block had in the page, so a translation can keep it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum BlockKind {
    Heading,
    Paragraph,
    ListItem,
    Quote,
    Code,
    TableRow,
    Caption,
}

/// One unit of the article. `text` is plain text; `spans` is the same text with inline styling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Block {
    /// Stable within an article: `b1`, `b2`, … in document order.
    pub id: String,
    pub kind: BlockKind,
    /// Heading level (1–6) or list nesting depth (1 = top level).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub level: Option<u8>,
    pub text: String,
    pub spans: Vec<Span>,
}
