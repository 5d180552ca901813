//! What the worker tells the core: every event it saw (a Port, a panel frame, a storage read, a
//! response's head, end or failure, a timer), as data. A response's bytes come separately
//! (`Core::bytes`), as bytes.

use serde::Deserialize;
use serde_json::{Map, Value};

/// Ids the core hands out (requests, timers, storage operations) or the worker does (Ports,
/// one-off messages).
pub type Id = u64;

/// One event, with the time the worker saw it (`Date.now()`, in ms).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Stamped {
    pub now: f64,
    #[serde(flatten)]
    pub event: Event,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Event {
    /// The reader clicked Gloss's button or menu item for this tab (`intent`: `page`, or
    /// `selection` for "Translate selection"). `url` is the tab's address, which the click lets
    /// the worker see.
    Clicked {
        tab: i64,
        intent: String,
        #[serde(default)]
        #[cfg_attr(test, ts(optional = nullable))]
        url: Option<String>,
    },
    /// How an `inject` went (`message`: the browser's, when it refused).
    InjectDone {
        tab: i64,
        ok: bool,
        #[serde(default)]
        #[cfg_attr(test, ts(optional = nullable))]
        message: Option<String>,
    },
    /// A Port named `gloss` opened.
    Connected { port: Id, sender: Sender },
    /// A frame from a panel, as it came (the core reads it, and refuses what it cannot read).
    Frame {
        port: Id,
        #[cfg_attr(test, ts(type = "PanelFrame"))]
        frame: Value,
    },
    Disconnected { port: Id },
    /// What `storageGet` found (keys not stored are absent).
    StorageRead {
        op: Id,
        #[cfg_attr(test, ts(type = "Record<string, unknown>"))]
        items: Map<String, Value>,
    },
    /// How a `storageSet` went; `ok: false` is a refused write (a full quota, as a rule).
    StorageWritten {
        op: Id,
        ok: bool,
        #[serde(default)]
        #[cfg_attr(test, ts(optional = nullable))]
        error: Option<String>,
    },
    /// A response's status and headers (names as the browser gives them).
    ResponseHead { req: Id, status: u16, headers: Vec<(String, String)> },
    /// The body ended.
    ResponseEnd { req: Id },
    /// No response, or the body broke off (the browser's message).
    ResponseFailed { req: Id, message: String },
    TimerFired { timer: Id },
    /// A one-off message (`chrome.runtime.sendMessage`), answered by a `reply` effect.
    Message {
        msg: Id,
        sender: Sender,
        #[cfg_attr(test, ts(type = "unknown"))]
        message: Value,
    },
}

/// Who sent a message or opened a Port, as the browser says (`runtime.MessageSender`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct Sender {
    pub id: Option<String>,
    pub url: Option<String>,
    pub tab: Option<Tab>,
    pub frame_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct Tab {
    pub id: i64,
}

/// What the worker knows of its extension when it makes the core.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct Host {
    /// `chrome.runtime.id`.
    pub extension_id: String,
    /// `chrome.runtime.getURL('')`: the extension's own pages start with it.
    pub extension_url: String,
    /// `chrome.i18n.getUILanguage()`, the full tag (`zh-TW`).
    pub ui_language: String,
    /// `chrome.storage.local.QUOTA_BYTES`, where the browser has one.
    pub quota_bytes: Option<u64>,
}

impl Sender {
    /// Sent by this extension.
    pub fn is_ours(&self, host: &Host) -> bool {
        !host.extension_id.is_empty() && self.id.as_deref() == Some(host.extension_id.as_str())
    }

    /// Sent by the extension's own page `page` (e.g. `options.html`), not by a content script.
    pub fn is_page(&self, host: &Host, page: &str) -> bool {
        let Some(url) = self.url.as_deref() else { return false };
        let path = url.split(['?', '#']).next().unwrap_or(url);
        self.is_ours(host) && !host.extension_url.is_empty() && path == format!("{}{page}", host.extension_url)
    }

    /// An extension page of any name (the panel, if it becomes an extension-origin frame).
    pub fn is_extension_page(&self, host: &Host) -> bool {
        self.is_ours(host) && !host.extension_url.is_empty() && self.url.as_deref().is_some_and(|u| u.starts_with(&host.extension_url))
    }
}

/// The page, sent by the content script (`{type: 'pageAhead', …}`) as it opens the panel's frame:
/// it is serialised and carried to the core while the frame loads, and the panel's first start
/// reads it (`Start { ahead: true }`) instead of asking the page side for it after loading.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct PageAhead {
    pub html: String,
    pub url: Option<String>,
    pub selection_html: Option<String>,
    pub on_device: Option<crate::on_device::OnDeviceApis>,
    /// When the page side began and finished reading the page, on its clock
    /// (`performance.timeOrigin + performance.now()`), for `npm run bench`'s time split.
    pub read_at: Option<f64>,
    pub read_done_at: Option<f64>,
}

/// Frames a panel posts on its Port, a union on `type`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum PanelFrame {
    /// Read this page (again: a restart replaces whatever was running). With `ahead`, the page
    /// is the one the tab's content script sent as it opened the panel ([`PageAhead`]); `html`,
    /// `url`, `selectionHtml` and `onDevice` are then not read.
    Start {
        #[serde(default)]
        ahead: bool,
        #[serde(default)]
        html: String,
        #[serde(default)]
        url: Option<String>,
        #[serde(default)]
        readerable_gate: bool,
        #[serde(default)]
        selection_html: Option<String>,
        /// Another target language, for this page only.
        #[serde(default)]
        translate_lang: Option<String>,
        #[serde(default)]
        on_device: Option<crate::on_device::OnDeviceApis>,
        /// A PDF's text items (the reader page's), read instead of `html`.
        #[serde(default)]
        pdf: Option<Box<crate::pdf::PdfDoc>>,
        /// Why the reader page has no PDF to give.
        #[serde(default)]
        pdf_failure: Option<crate::pdf::PdfFailure>,
    },
    Retry {
        section: Section,
        #[serde(default)]
        block_ids: Option<Vec<String>>,
    },
    /// Go ahead after seeing the estimate.
    Confirm {},
    Cancel {},
    Preference {
        name: String,
        #[cfg_attr(test, ts(type = "unknown"))]
        value: Value,
    },
    Export { purpose: String },
    /// The reader's question about the article (sent from the question box).
    Ask { question: String },
    OpenOptions {},
    /// What the browser's built-in AI did: every Summarizer answer so far, the
    /// LanguageDetector's guesses, or blocks the Translator translated.
    OnDevice {
        section: Section,
        #[serde(default)]
        answers: Option<Vec<String>>,
        #[serde(default)]
        detected: Option<Vec<crate::on_device::Detected>>,
        #[serde(default)]
        blocks: Option<Vec<crate::on_device::BlockText>>,
        #[serde(default)]
        done: bool,
        #[serde(default)]
        start: bool,
    },
    /// The Summarizer's model is not ready.
    OnDeviceUnavailable {},
    /// The reader opened a panel that opened by itself: now it may read and send.
    Expand {},
    /// The panel's "always on" toggle for its page's site; `granted`: the browser gave the
    /// host permission asked for at the click.
    Site {
        on: bool,
        #[serde(default)]
        run: bool,
        #[serde(default)]
        granted: bool,
    },
    /// Write the digest again in this style (a preset id or `custom`), and keep it as the reader's.
    Restyle { style: String },
    /// Still busy on the device (a silent Port lets the browser stop the worker).
    Keepalive {},
    /// The reader closed the panel: it ends for good.
    Close {},
}

/// A panel's section, as frames name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Section {
    Original,
    Digest,
    Translation,
    /// Ask the article: the questions and their answers.
    Qa,
}
