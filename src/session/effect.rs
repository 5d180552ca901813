//! What the core tells the worker to do (post a frame, send a request, arm a timer, read or
//! write storage), and the frames a panel receives: each defined once, here.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::article::Article;
use crate::digest::Digest;
use crate::error::ErrorInfo;
use crate::glossary::GlossaryNote;
use crate::llm::endpoint::{HttpRequest, Provenance};
use crate::settings::Reset;
use crate::models::pricing::{Estimate, Spend};
use crate::qa::{Answer, Turn};
use crate::models::ContextInfo;
use crate::translate::TranslatedBlock;

pub use super::event::Section;
use super::event::Id;
use super::{Plan, TranslationProgress};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Effect {
    Post { port: Id, frame: Frame },
    /// Close a Port the core refused.
    Disconnect { port: Id },
    /// `fetch(request.url, {method, headers, body, credentials: 'omit', signal})`, then report
    /// its head, every body chunk, and its end or failure.
    Fetch { req: Id, request: HttpRequest },
    Abort { req: Id },
    ArmTimer { timer: Id, ms: u64 },
    CancelTimer { timer: Id },
    StorageGet { op: Id, area: Area, keys: Vec<String> },
    StorageSet {
        op: Id,
        area: Area,
        #[cfg_attr(test, ts(type = "Record<string, unknown>"))]
        items: Map<String, Value>,
    },
    StorageRemove { area: Area, keys: Vec<String> },
    /// Inject the panel's scripts into `tab`, with `intent` for the panel; report `injectDone`.
    Inject { tab: i64, intent: String },
    /// The tab shows a PDF: load Gloss's reader page (`url`, an extension page) in it.
    OpenReader { tab: i64, url: String },
    /// The toolbar badge of `tab`, and its title as the message `titleKey` (none: the default).
    Badge { tab: i64, text: String, title_key: Option<String> },
    /// Answer the one-off message `msg`.
    Reply {
        msg: Id,
        #[cfg_attr(test, ts(type = "unknown"))]
        value: Value,
    },
    OpenOptions,
    /// Register (or register again) a persistent content script for an always-on site.
    RegisterSite { id: String, matches: Vec<String>, js: Vec<String> },
    /// Unregister it (an id not registered is no error).
    UnregisterSite { id: String },
    /// Give back host permissions no longer needed (a required one stays: no error).
    DropPermission { origins: Vec<String> },
    /// Something the reader need not see, for the worker's console.
    Warn { message: String },
}

/// `chrome.storage.local` (settings, cache) or `chrome.storage.session` (which tabs Gloss is in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Area {
    Local,
    Session,
}

/// Frames the worker posts to a panel, a union on `type`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Frame {
    /// As soon as the article is extracted; `timing` when the host lent the core a clock.
    Article {
        article: Box<Article>,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[cfg_attr(test, ts(optional))]
        timing: Option<ExtractTiming>,
    },
    /// What each section will show; `settingsResets`: stored settings that were reset.
    Plan { plan: Box<PlanSummary>, bilingual: bool, theme: String, settings_resets: Vec<Reset> },
    /// A long article: the estimate, and a wait for the reader's go-ahead.
    Confirm { section: Section, estimate: Option<Estimate> },
    Progress(Progress),
    Delta(Delta),
    Done(Box<Done>),
    Error {
        section: Section,
        error: ErrorInfo,
        #[serde(skip_serializing_if = "Option::is_none")]
        block_ids: Option<Vec<String>>,
        /// The scheduler may still try these blocks again: news, not the verdict.
        #[serde(skip_serializing_if = "Option::is_none")]
        transient: Option<bool>,
    },
    /// The next step for the browser's built-in AI (a `DigestStep` or a `TranslationStep`).
    OnDevice {
        section: Section,
        #[cfg_attr(test, ts(type = "DigestStep | TranslationStep"))]
        step: Value,
    },
    Exported { purpose: String, markdown: String, file_name: String },
    /// The reader's question number `turn` is sent; `dropped` earlier turns did not fit the
    /// model's context and were left out of it.
    Asked { section: Section, turn: usize, question: String, dropped: usize },
    /// Its answer is complete, with what it took.
    Answered {
        section: Section,
        turn: usize,
        answer: Answer,
        spend: Option<Spend>,
        elapsed_ms: Option<u64>,
    },
    /// The questions asked on this page before, from the cache: nothing was sent.
    Conversation { section: Section, turns: Vec<Turn>, cached: bool },
    /// The "always on" toggle's state for the page's site.
    Site(crate::sites::SiteState),
    /// Opened by itself on an always-on site: nothing is sent until the reader opens the panel.
    Held {},
    /// The page its content script was to send ahead did not come: the panel asks the page side
    /// for it and starts again with it.
    PageNeeded { readerable_gate: bool, translate_lang: Option<String> },
    /// The digest is being written again, in another style or by another on-device API: its label now.
    Restyled { provenance: Provenance },
}

/// When an extraction reached each point, in milliseconds on the host's clock (the worker's
/// `performance.timeOrigin + performance.now()`), for `npm run bench`'s time split: the event
/// carrying the page (a start frame, or the page sent ahead) was handed to the core (`entered`),
/// read (`decoded`), then the article's phases.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ExtractTiming {
    pub entered: f64,
    pub decoded: f64,
    pub parsed: f64,
    pub readability: f64,
    pub blocks: f64,
    /// For a page sent ahead: when its side read it, and when it reached the core.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub ahead: Option<AheadTiming>,
    /// For a page sent ahead: when the start frame that showed its article reached the core.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub started: Option<f64>,
}

/// A page sent ahead ([`super::event::PageAhead`]): read on the page's side from `readAt` to
/// `readDoneAt` (its clock), handed to the core at `arrived` (the worker's clock).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AheadTiming {
    pub read_at: Option<f64>,
    pub read_done_at: Option<f64>,
    pub arrived: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "ProgressFrame"))]
#[serde(untagged, rename_all_fields = "camelCase")]
pub enum Progress {
    /// A digest in parts: how many parts are digested.
    Parts { section: Section, parts: Parts },
    /// A local model has the prompt and has not answered yet: for how long.
    Reading { section: Section, reading_seconds: u64 },
    /// Nothing of the section is in flight: it waits this long more, for this.
    Waiting { section: Section, waiting_seconds: u64, waiting_for: WaitFor },
    Translation { section: Section, progress: Option<TranslationProgress> },
}

/// What a section waits for; the panel words each as `waiting_<member>` (`_locales`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum WaitFor {
    /// The provider's requests-per-minute cap: the window has no room yet.
    RateWindow,
    /// A retry: the backoff after a failure, or the wait a rate limit asked for.
    Retry,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Parts {
    pub done: usize,
    pub total: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(untagged, rename_all_fields = "camelCase")]
pub enum Delta {
    Digest { section: Section, digest: Digest },
    Translation {
        section: Section,
        blocks: Vec<TranslatedBlock>,
        partial: Option<TranslatedBlock>,
        /// Blocks of `blocks` whose translation does not follow the reader's glossary.
        glossary: Vec<GlossaryNote>,
    },
    /// The answer to question `turn` so far.
    Answer { section: Section, turn: usize, answer: Answer },
}

impl Frame {
    pub fn digest_delta(digest: Digest) -> Frame {
        Frame::Delta(Delta::Digest { section: Section::Digest, digest })
    }

    pub fn blocks(blocks: Vec<TranslatedBlock>, partial: Option<TranslatedBlock>) -> Frame {
        Frame::Delta(Delta::Translation { section: Section::Translation, blocks, partial, glossary: Vec::new() })
    }

    /// Settled blocks, with what the glossary check found in them.
    pub fn checked_blocks(blocks: Vec<TranslatedBlock>, glossary: Vec<GlossaryNote>) -> Frame {
        Frame::Delta(Delta::Translation { section: Section::Translation, blocks, partial: None, glossary })
    }

    pub fn answer_delta(turn: usize, answer: Answer) -> Frame {
        Frame::Delta(Delta::Answer { section: Section::Qa, turn, answer })
    }

    pub fn error(section: Section, error: ErrorInfo) -> Frame {
        Frame::Error { section, error, block_ids: None, transient: None }
    }
}

/// A section is finished: one shape for both sections, built only by `Done::digest` and
/// `Done::translation`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Done {
    pub section: Section,
    pub digest: Option<Digest>,
    pub provenance: Option<Provenance>,
    /// Tokens (and money) the section took, every call counted.
    pub spend: Option<Spend>,
    /// From the section's start to its end, as the worker's events say.
    pub elapsed_ms: Option<u64>,
    /// A digest made in this many parts.
    pub parts: Option<usize>,
    /// Shown from the cache: nothing was sent.
    pub cached: bool,
    pub failed_block_ids: Vec<String>,
    /// The translation stopped early for this (`cancelled` when the reader cancelled).
    pub error: Option<ErrorInfo>,
}

/// What a finished digest took: its spend, its time, and its parts.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Took {
    pub spend: Option<Spend>,
    pub elapsed_ms: Option<u64>,
    pub parts: Option<usize>,
    pub cached: bool,
}

impl Done {
    pub fn digest(digest: Digest, provenance: Provenance, took: Took) -> Frame {
        Frame::Done(Box::new(Done {
            section: Section::Digest,
            digest: Some(digest),
            provenance: Some(provenance),
            spend: took.spend,
            elapsed_ms: took.elapsed_ms,
            parts: took.parts,
            cached: took.cached,
            failed_block_ids: Vec::new(),
            error: None,
        }))
    }

    pub fn translation(failed_block_ids: Vec<String>, error: Option<ErrorInfo>, spend: Option<Spend>, elapsed_ms: u64, cached: bool) -> Frame {
        Frame::Done(Box::new(Done {
            section: Section::Translation,
            digest: None,
            provenance: None,
            spend,
            elapsed_ms: Some(elapsed_ms),
            parts: None,
            cached,
            failed_block_ids,
            error,
        }))
    }
}

/// What the panel needs to know of the plan (never the requests: they carry the key).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PlanSummary {
    pub digest: Provenance,
    pub digest_mode: &'static str,
    pub digest_parts: Option<usize>,
    pub digest_notice: Option<ErrorInfo>,
    pub translation: Option<Provenance>,
    pub source_lang: String,
    pub target_lang: String,
    pub translation_unavailable: Option<ErrorInfo>,
    pub translation_on_device: bool,
    pub total: usize,
    /// Why no question can be asked (no model), or none when the question box works.
    pub qa_unavailable: Option<ErrorInfo>,
    /// The longest question the box takes.
    pub question_max_chars: usize,
    /// The styles the panel's select offers (none when no model writes the digest), and the
    /// one the digest is written in.
    pub digest_styles: Vec<&'static str>,
    pub digest_style: &'static str,
    /// The model's context the requests are sized by, and where that number comes from.
    pub context: Option<ContextInfo>,
}

impl PlanSummary {
    pub fn of(plan: &Plan, style: &crate::digest::style::Style, instructions: &str) -> PlanSummary {
        use super::DigestPlan as D;
        let styled = matches!(plan.digest, D::Model { .. } | D::Parts { .. } | D::Cached { .. });
        let (digest, digest_mode, digest_parts, digest_notice) = match &plan.digest {
            D::Model { provenance, .. } => (provenance, "model", None, None),
            D::Parts { provenance, calls } => (provenance, "parts", Some(calls.len()), None),
            D::Cached { provenance, .. } => (provenance, "cached", None, None),
            D::Offline { provenance, notice, .. } => (provenance, "offline", None, notice.clone()),
            D::OnDevice { provenance, .. } => (provenance, "onDevice", None, None),
        };
        let t = &plan.translation;
        PlanSummary {
            digest: digest.clone(),
            digest_mode,
            digest_parts,
            digest_notice,
            translation: t.provenance.clone(),
            source_lang: t.source_lang.clone(),
            target_lang: t.target_lang.clone(),
            translation_unavailable: t.unavailable.clone(),
            translation_on_device: t.on_device.is_some(),
            total: t.cached.len() + t.pending.len(),
            qa_unavailable: plan.qa_unavailable.clone(),
            question_max_chars: crate::qa::MAX_QUESTION_CHARS,
            digest_styles: if styled { crate::digest::style::offered(instructions) } else { Vec::new() },
            digest_style: style.id(),
            context: plan.context,
        }
    }
}
