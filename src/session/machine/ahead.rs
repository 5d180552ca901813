//! What a start reads, and the page a content script sends ahead of its panel's start
//! ([`PageAhead`]): kept here, apart from the core that acts on them (`start.rs`).

use crate::article::Article;
use crate::error::ErrorInfo;
use crate::on_device::OnDeviceApis;
use crate::pdf::{PdfDoc, PdfFailure};
use crate::session::effect::{AheadTiming, ExtractTiming};
use crate::session::event::{Id, PageAhead};

/// How long a start waits for its page to arrive ahead before the panel is asked for it.
pub const AHEAD_WAIT_MS: u64 = 3_000;
/// A page sent ahead is read by a start within this long, or not at all.
pub const AHEAD_KEEP_MS: u64 = 30_000;
/// Pages kept ahead at most (one a tab); a new one pushes out the oldest.
pub const AHEAD_TABS: usize = 4;

/// The readerable gate of a panel's first start, which a page sent ahead is extracted with.
pub(super) const FIRST_GATE: bool = true;

/// A page that arrived before its panel's start, extracted as it arrived.
pub(super) struct Ahead {
    pub extracted: Extracted,
    pub at: u64,
}

/// A start waiting for its page to arrive ahead.
pub(super) struct Awaiting {
    pub readerable_gate: bool,
    pub translate_lang: Option<String>,
    pub timer: Id,
    /// When the start frame reached the core (the bench's split).
    pub started: Option<f64>,
}

/// A page read into an article, or why it could not be.
pub(super) struct Extracted {
    pub article: Result<Article, ErrorInfo>,
    pub on_device: Option<OnDeviceApis>,
    pub timing: Option<ExtractTiming>,
}

/// What a start reads.
pub(super) struct Read {
    pub html: String,
    pub url: Option<String>,
    pub selection_html: Option<String>,
    pub on_device: Option<OnDeviceApis>,
    pub pdf: Option<Box<PdfDoc>>,
    pub pdf_failure: Option<PdfFailure>,
    pub ahead: Option<AheadTiming>,
}

impl Read {
    pub(super) fn ahead(page: PageAhead, arrived: Option<f64>) -> Self {
        let timing = AheadTiming { read_at: page.read_at, read_done_at: page.read_done_at, arrived };
        Read {
            html: page.html,
            url: page.url,
            selection_html: page.selection_html,
            on_device: page.on_device,
            pdf: None,
            pdf_failure: None,
            ahead: Some(timing),
        }
    }
}

