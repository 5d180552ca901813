//! The one error type of the core: stable `code()` strings and a `retryable()` flag cross the
//! WASM boundary; the words a user reads for each code live in the extension's `_locales`.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Every failure Gloss can report. The `String` payloads are technical detail (often the
/// provider's own message), shown beneath the localised text for the code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GlossError {
    #[error("no article found on this page")]
    NoArticle,
    /// The cheap readerable check says this is not an article (search results, feeds, apps).
    #[error("this page does not look like an article")]
    NotReaderable,
    #[error("page too large: {0}")]
    TooLarge(String),
    #[error("this provider needs an API key")]
    MissingKey,
    #[error("the API key was rejected: {0}")]
    BadKey(String),
    #[error("access denied: {0}")]
    Forbidden(String),
    /// A local Ollama refused the extension's `Origin` (403 with an empty body).
    #[error("Ollama refused the extension's origin")]
    OllamaOrigin,
    #[error("unknown model: {0}")]
    ModelNotFound(String),
    #[error("rate limited: {detail}")]
    RateLimited { detail: String, retry_after_ms: Option<u64> },
    /// Quota, billing or spend limit: retrying cannot help.
    #[error("quota or billing limit reached: {0}")]
    Quota(String),
    #[error("provider overloaded: {detail}")]
    Overloaded { detail: String, retry_after_ms: Option<u64> },
    #[error("provider error {status}: {detail}")]
    Server { status: u16, detail: String, retry_after_ms: Option<u64> },
    #[error("the article is longer than the model's context: {0}")]
    ContextTooLong(String),
    #[error("request rejected ({status}): {detail}")]
    BadRequest { status: u16, detail: String },
    /// A base URL a key must not go to: plain `http://` to another machine (or a URL whose host
    /// cannot be read for certain).
    #[error("the base URL must use https:// unless it is on this computer: {0}")]
    InsecureBaseUrl(String),
    #[error("network error: {0}")]
    Network(String),
    /// The answer did not start, or stopped mid-way, within the allowed time.
    #[error("the provider stopped answering: {0}")]
    Timeout(String),
    #[error("the response stream ended before it was complete")]
    StreamCut,
    #[error("unreadable response: {0}")]
    BadResponse(String),
    #[error("the translation did not line up with the source: {0}")]
    Misaligned(String),
    #[error("invalid input: {0}")]
    Invalid(String),
    /// The page's token budget (in settings) is spent.
    #[error("the page's budget is spent ({0} tokens)")]
    BudgetReached(u64),
    /// The reader cancelled the translation.
    #[error("cancelled")]
    Cancelled,
    /// A tab asked for more page reads in a minute than a reader clicks for.
    #[error("too many starts: at most {0} a minute")]
    TooManyStarts(usize),
    /// The article is already in the language it would be translated into.
    #[error("the article is already in {0}")]
    SameLanguage(String),
    /// A question to the article longer than a question is.
    #[error("the question is longer than {0} characters")]
    QuestionTooLong(usize),
    /// The reader's digest instructions are longer than Gloss sends.
    #[error("the instructions are {chars} characters long, at most {max} are kept")]
    InstructionsTooLong { chars: usize, max: usize },
    /// A PDF with no text layer (a scan).
    #[error("this PDF has no text to read")]
    PdfNoText,
    /// pdf.js could not read the file.
    #[error("the PDF could not be read: {0}")]
    PdfUnreadable(String),
    #[error("the PDF is protected by a password")]
    PdfEncrypted,
    /// A `file://` PDF while the browser does not let Gloss read files.
    #[error("Gloss may not read files on this computer")]
    PdfFileAccess,
    /// The PDF's host is not among those Gloss may fetch from.
    #[error("Gloss may not fetch from {0}")]
    PdfNotGranted(String),
}

impl GlossError {
    /// Every code `code()` returns: each needs an `error_<code>` message in every locale, which
    /// tests/locales.test.mjs checks through the generated `ErrorCode` type.
    pub const ALL_CODES: &'static [&'static str] = &[
        "no_article",
        "not_readerable",
        "too_large",
        "missing_key",
        "bad_key",
        "forbidden",
        "ollama_origin",
        "model_not_found",
        "rate_limited",
        "quota",
        "overloaded",
        "server",
        "context_too_long",
        "bad_request",
        "insecure_base_url",
        "network",
        "timeout",
        "stream_cut",
        "bad_response",
        "misaligned",
        "invalid",
        "same_language",
        "cancelled",
        "budget_reached",
        "too_many_starts",
        "question_too_long",
        "instructions_too_long",
        "pdf_no_text",
        "pdf_unreadable",
        "pdf_encrypted",
        "pdf_file_access",
        "pdf_not_granted",
    ];

    /// Stable identifier the extension branches on (never on the message).
    pub fn code(&self) -> &'static str {
        match self {
            GlossError::NoArticle => "no_article",
            GlossError::NotReaderable => "not_readerable",
            GlossError::TooLarge(_) => "too_large",
            GlossError::MissingKey => "missing_key",
            GlossError::BadKey(_) => "bad_key",
            GlossError::Forbidden(_) => "forbidden",
            GlossError::OllamaOrigin => "ollama_origin",
            GlossError::ModelNotFound(_) => "model_not_found",
            GlossError::RateLimited { .. } => "rate_limited",
            GlossError::Quota(_) => "quota",
            GlossError::Overloaded { .. } => "overloaded",
            GlossError::Server { .. } => "server",
            GlossError::ContextTooLong(_) => "context_too_long",
            GlossError::BadRequest { .. } => "bad_request",
            GlossError::InsecureBaseUrl(_) => "insecure_base_url",
            GlossError::Network(_) => "network",
            GlossError::Timeout(_) => "timeout",
            GlossError::StreamCut => "stream_cut",
            GlossError::BadResponse(_) => "bad_response",
            GlossError::Misaligned(_) => "misaligned",
            GlossError::Invalid(_) => "invalid",
            GlossError::SameLanguage(_) => "same_language",
            GlossError::Cancelled => "cancelled",
            GlossError::BudgetReached(_) => "budget_reached",
            GlossError::TooManyStarts(_) => "too_many_starts",
            GlossError::QuestionTooLong(_) => "question_too_long",
            GlossError::InstructionsTooLong { .. } => "instructions_too_long",
            GlossError::PdfNoText => "pdf_no_text",
            GlossError::PdfUnreadable(_) => "pdf_unreadable",
            GlossError::PdfEncrypted => "pdf_encrypted",
            GlossError::PdfFileAccess => "pdf_file_access",
            GlossError::PdfNotGranted(_) => "pdf_not_granted",
        }
    }

    /// Whether the same request may succeed if sent again (after `retry_after_ms`, if any).
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            GlossError::RateLimited { .. }
                | GlossError::Overloaded { .. }
                | GlossError::Server { .. }
                | GlossError::Network(_)
                | GlossError::Timeout(_)
                | GlossError::StreamCut
                | GlossError::Misaligned(_)
        )
    }

    /// The wait the provider asked for, when it said one.
    pub fn retry_after_ms(&self) -> Option<u64> {
        match self {
            GlossError::RateLimited { retry_after_ms, .. }
            | GlossError::Overloaded { retry_after_ms, .. }
            | GlossError::Server { retry_after_ms, .. } => *retry_after_ms,
            _ => None,
        }
    }

    /// The form that crosses the WASM boundary.
    pub fn info(&self) -> ErrorInfo {
        ErrorInfo {
            code: self.code().to_string(),
            message: self.to_string(),
            retryable: self.retryable(),
            retry_after_ms: self.retry_after_ms(),
        }
    }
}

/// `{code, message, retryable}` as the extension sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ErrorInfo {
    pub code: String,
    pub message: String,
    pub retryable: bool,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub retry_after_ms: Option<u64>,
}

impl From<&GlossError> for ErrorInfo {
    fn from(e: &GlossError) -> Self {
        e.info()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of each variant.
    fn one_of_each() -> Vec<GlossError> {
        vec![
            GlossError::NoArticle,
            GlossError::NotReaderable,
            GlossError::TooLarge(String::new()),
            GlossError::MissingKey,
            GlossError::BadKey(String::new()),
            GlossError::Forbidden(String::new()),
            GlossError::OllamaOrigin,
            GlossError::ModelNotFound(String::new()),
            GlossError::RateLimited { detail: String::new(), retry_after_ms: None },
            GlossError::Quota(String::new()),
            GlossError::Overloaded { detail: String::new(), retry_after_ms: None },
            GlossError::Server { status: 500, detail: String::new(), retry_after_ms: None },
            GlossError::ContextTooLong(String::new()),
            GlossError::BadRequest { status: 400, detail: String::new() },
            GlossError::InsecureBaseUrl(String::new()),
            GlossError::Network(String::new()),
            GlossError::Timeout(String::new()),
            GlossError::StreamCut,
            GlossError::BadResponse(String::new()),
            GlossError::Misaligned(String::new()),
            GlossError::Invalid(String::new()),
            GlossError::SameLanguage(String::new()),
            GlossError::Cancelled,
            GlossError::BudgetReached(0),
            GlossError::TooManyStarts(0),
            GlossError::QuestionTooLong(0),
            GlossError::InstructionsTooLong { chars: 0, max: 0 },
            GlossError::PdfNoText,
            GlossError::PdfUnreadable(String::new()),
            GlossError::PdfEncrypted,
            GlossError::PdfFileAccess,
            GlossError::PdfNotGranted(String::new()),
        ]
    }

    /// Does not compile once a variant is added, until it is listed here: then add it to
    /// `one_of_each` too, and its code to `ALL_CODES`.
    #[allow(dead_code)]
    fn every_variant_is_listed(e: &GlossError) {
        use GlossError::*;
        match e {
            NoArticle | NotReaderable | TooLarge(_) | MissingKey | BadKey(_) | Forbidden(_) | OllamaOrigin
            | ModelNotFound(_) | RateLimited { .. } | Quota(_) | Overloaded { .. } | Server { .. }
            | ContextTooLong(_) | BadRequest { .. } | InsecureBaseUrl(_) | Network(_) | Timeout(_) | StreamCut | BadResponse(_)
            | Misaligned(_) | Invalid(_) | BudgetReached(_) | Cancelled | SameLanguage(_) | TooManyStarts(_)
            | QuestionTooLong(_) | InstructionsTooLong { .. }
            | PdfNoText | PdfUnreadable(_) | PdfEncrypted | PdfFileAccess | PdfNotGranted(_) => {}
        }
    }

    #[test]
    fn codes_are_distinct_and_snake_case() {
        let all = one_of_each();
        let mut codes: Vec<&str> = all.iter().map(GlossError::code).collect();
        assert!(codes.iter().all(|c| c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_')));
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
    }

    #[test]
    fn all_codes_lists_every_code_once() {
        let mut codes: Vec<&str> = one_of_each().iter().map(GlossError::code).collect();
        codes.sort_unstable();
        let mut listed = GlossError::ALL_CODES.to_vec();
        listed.sort_unstable();
        assert_eq!(listed, codes);
    }

    #[test]
    fn quota_and_auth_are_final_rate_limits_are_not() {
        assert!(!GlossError::Quota("insufficient_quota".into()).retryable());
        assert!(!GlossError::BadKey("x".into()).retryable());
        let e = GlossError::RateLimited { detail: "slow down".into(), retry_after_ms: Some(2000) };
        assert!(e.retryable());
        let info = serde_json::to_value(e.info()).unwrap_or_default();
        assert_eq!(info["code"], "rate_limited");
        assert_eq!(info["retryAfterMs"], 2000);
        assert_eq!(info["retryable"], true);
    }
}
