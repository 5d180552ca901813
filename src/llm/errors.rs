//! Turns provider failures (HTTP errors, in-stream errors) into `GlossError` and retry delays:
//! the body is read by the wires' own error readers, then classified here by status, labels and
//! message, the same way for every wire; the provider's words are redacted of keys.

use serde_json::Value;

use crate::error::GlossError;
use crate::llm::event::{non_empty, ProviderError};
use crate::llm::redact::redact_error;
use crate::llm::wire::Wire;
use crate::llm::{anthropic, gemini, ollama, openai};

/// The parts of a non-2xx response the mapping needs (header names lowercased by the caller).
#[derive(Debug, Clone, Copy)]
pub struct HttpFailure<'a> {
    pub status: u16,
    pub headers: &'a [(String, String)],
    pub body: &'a str,
    /// The request went to this machine (Ollama, LM Studio, llama.cpp on a loopback host).
    pub is_local: bool,
    /// The key the request carried (`HttpRequest::secret`), redacted from the provider's words
    /// along with anything else that looks like a key; empty when there was none.
    pub secret: &'a str,
}

/// Longest wait a provider may ask for before we stop retrying rather than wait it out.
const MAX_HONOURED_WAIT_MS: u64 = 60_000;
const BACKOFF_START_MS: u64 = 500;
const BACKOFF_CAP_MS: u64 = 8_000;
/// Non-JSON error bodies (proxy HTML pages) are cut to this many characters.
const EXCERPT_CHARS: usize = 200;

/// Maps a non-2xx response to the error the user sees.
///
/// The core has no clock, so a `retry-after` given as an HTTP-date is ignored here (the
/// providers in use send seconds); use [`map_http_error_at`] to honour dates too.
///
/// `x-should-retry` (sent by Anthropic and honoured by the official SDKs): `false` turns a
/// retryable result into a final one — `RateLimited` becomes `Quota` (the provider says waiting
/// will not help, which is what a quota means) and `Server`/`Overloaded` become `BadRequest` with
/// the same status. `true` is not used to upgrade final errors: a 400/401/403/404 tells the user
/// something to fix, and the project never retries those.
pub fn map_http_error(wire: Wire, f: &HttpFailure) -> GlossError {
    map_failure(wire, f, None)
}

/// [`map_http_error`] with the current time (`Date.now()`), so that a `retry-after` HTTP-date
/// becomes a wait.
pub fn map_http_error_at(wire: Wire, f: &HttpFailure, now_unix_ms: u64) -> GlossError {
    map_failure(wire, f, Some(now_unix_ms))
}

fn map_failure(wire: Wire, f: &HttpFailure, now_unix_ms: Option<u64>) -> GlossError {
    redact_error(classify_failure(wire, f, now_unix_ms), f.secret)
}

fn classify_failure(wire: Wire, f: &HttpFailure, now_unix_ms: Option<u64>) -> GlossError {
    // Ollama answers a foreign `Origin` with a bare 403; a body means a real permission error.
    if f.status == 403
        && f.is_local
        && f.body.trim().is_empty()
        && matches!(wire, Wire::OllamaNative | Wire::OpenAi)
    {
        return GlossError::OllamaOrigin;
    }
    let parsed: Option<Value> = serde_json::from_str(f.body.trim()).ok();
    let pe = parsed.as_ref().and_then(provider_error).unwrap_or_default();
    let detail = pe.message.clone().unwrap_or_else(|| fallback_detail(f.status, f.body));
    let retry = header_retry_after_ms(f.headers, now_unix_ms).or(pe.retry_delay_ms);
    let err = classify(f.status, &pe, detail, retry);
    match header(f.headers, "x-should-retry") {
        Some(v) if v.eq_ignore_ascii_case("false") => make_final(err),
        _ => err,
    }
}

/// Maps an error object that arrived inside a stream after HTTP 200 (the whole JSON payload of
/// the event/line) to the error the equivalent HTTP response would have produced. The status is
/// inferred from the provider's type/status strings, then a numeric `code`; an error that names
/// neither is treated as a 500, since the server failed after accepting the request.
pub(crate) fn map_stream_error(payload: &Value) -> GlossError {
    let pe = provider_error(payload).unwrap_or_default();
    let status = pe
        .labels
        .iter()
        .find_map(|l| status_for_label(l))
        .or(pe.number.filter(|n| (400..=599).contains(n)))
        .unwrap_or(if says_context_too_long(&pe) { 400 } else { 500 });
    let detail = pe
        .message
        .clone()
        .unwrap_or_else(|| "the provider reported an error mid-stream".to_string());
    classify(status, &pe, detail, pe.retry_delay_ms)
}

/// The wait the provider asked for, in ms: `retry-after-ms`, then `retry-after` (seconds or an
/// HTTP-date), then Gemini's body `RetryInfo.retryDelay`. A date in the past counts as no hint
/// (clock skew must not turn into an immediate retry storm).
pub fn retry_after_ms(headers: &[(String, String)], body: &str, now_unix_ms: u64) -> Option<u64> {
    header_retry_after_ms(headers, Some(now_unix_ms)).or_else(|| {
        let v: Value = serde_json::from_str(body.trim()).ok()?;
        provider_error(&v)?.retry_delay_ms
    })
}

/// Backoff policy for the JS retry loop. `attempt` counts retries from 1 (0 is treated as 1).
/// Returns the delay before that retry, or `None` to stop: final errors, attempts beyond
/// `max_retries`, or a provider asking for more than 60 s. Without a provider hint the delays are
/// 500, 1000, 2000, 4000, 8000, 8000… ms (no jitter, so tests and logs are reproducible).
pub fn retry_delay_ms(err: &GlossError, attempt: u32, max_retries: u32) -> Option<u64> {
    let attempt = attempt.max(1);
    if !err.retryable() || attempt > max_retries {
        return None;
    }
    if let Some(wait) = err.retry_after_ms() {
        return (wait <= MAX_HONOURED_WAIT_MS).then_some(wait);
    }
    // 500 · 2^(attempt-1), with the exponent clamped so the shift cannot overflow.
    let exp = (attempt - 1).min(16);
    Some((BACKOFF_START_MS << exp).min(BACKOFF_CAP_MS))
}

/// The error body read into one shape; every wire's fields are looked for, since one server
/// may answer in another's shape (Ollama's and Gemini's `/v1` endpoints speak OpenAI's).
fn provider_error(body: &Value) -> Option<ProviderError> {
    let body = gemini::unwrap_error_body(body)?;
    let mut pe = ProviderError::default();
    match body.get("error") {
        Some(e @ Value::String(_)) => ollama::read_error(e, &mut pe),
        Some(e @ Value::Object(_)) => {
            openai::read_error(e, &mut pe);
            gemini::read_error(e, &mut pe);
            anthropic::read_error(e, &mut pe);
        }
        // Other servers and proxies: `{"message":"…"}` or FastAPI's `{"detail":"…"}`.
        _ => {
            pe.message = ["message", "detail"].iter().find_map(|k| body.get(*k).and_then(Value::as_str).and_then(non_empty));
        }
    }
    Some(pe)
}

/// The HTTP status a provider's error type/status string stands for, in whichever wire's words.
fn status_for_label(label: &str) -> Option<u16> {
    anthropic::status_for(label).or_else(|| openai::status_for(label)).or_else(|| gemini::status_for(label))
}

/// The status-and-body decision shared by HTTP errors and in-stream errors.
fn classify(status: u16, pe: &ProviderError, detail: String, retry: Option<u64>) -> GlossError {
    match status {
        400 | 422 if says_context_too_long(pe) => GlossError::ContextTooLong(detail),
        // Gemini answers a wrong key with 400 INVALID_ARGUMENT, not 401.
        400 if pe.has("API_KEY_INVALID") => GlossError::BadKey(detail),
        401 => GlossError::BadKey(detail),
        402 => GlossError::Quota(detail),
        403 => GlossError::Forbidden(detail),
        404 => GlossError::ModelNotFound(detail),
        408 | 409 => GlossError::Server { status, detail, retry_after_ms: retry },
        413 => GlossError::TooLarge(detail),
        429 if pe.has("insufficient_quota") || pe.has("enforced_spend_limit_reached") => {
            GlossError::Quota(detail)
        }
        429 => GlossError::RateLimited { detail, retry_after_ms: retry },
        529 => GlossError::Overloaded { detail, retry_after_ms: retry },
        500..=599 if pe.has("overloaded_error") || pe.has("UNAVAILABLE") => {
            GlossError::Overloaded { detail, retry_after_ms: retry }
        }
        500..=599 => GlossError::Server { status, detail, retry_after_ms: retry },
        // Anthropic reuses invalid_request_error for other 4xx, so keep checking for context.
        _ if status < 500 && says_context_too_long(pe) => GlossError::ContextTooLong(detail),
        _ if status < 500 => GlossError::BadRequest { status, detail },
        _ => GlossError::Server { status, detail, retry_after_ms: retry },
    }
}

/// Whether the provider says the prompt does not fit the model's context window.
fn says_context_too_long(pe: &ProviderError) -> bool {
    if pe.has("context_length_exceeded") {
        return true;
    }
    let Some(msg) = &pe.message else { return false };
    let msg = msg.to_ascii_lowercase();
    [
        "prompt is too long",                   // Anthropic
        "maximum context length",               // OpenAI, llama.cpp, vLLM
        "exceeds the maximum number of tokens", // Gemini
        "context length",
        "context window",
    ]
    .iter()
    .any(|p| msg.contains(p))
}

/// Turns a retryable error final, for `x-should-retry: false`.
fn make_final(err: GlossError) -> GlossError {
    match err {
        GlossError::RateLimited { detail, .. } => GlossError::Quota(detail),
        GlossError::Server { status, detail, .. } => GlossError::BadRequest { status, detail },
        GlossError::Overloaded { detail, .. } => GlossError::BadRequest { status: 529, detail },
        other => other,
    }
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim())
}

/// Without `now_unix_ms` an HTTP-date cannot be turned into a wait and counts as no hint.
fn header_retry_after_ms(headers: &[(String, String)], now_unix_ms: Option<u64>) -> Option<u64> {
    if let Some(ms) = header(headers, "retry-after-ms").and_then(parse_non_negative) {
        return Some(ms.ceil() as u64);
    }
    let value = header(headers, "retry-after")?;
    if let Some(secs) = parse_non_negative(value) {
        return Some((secs * 1000.0).ceil() as u64);
    }
    let at = parse_http_date_ms(value)?;
    at.checked_sub(now_unix_ms?).filter(|&wait| wait > 0)
}

fn parse_non_negative(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|x| x.is_finite() && *x >= 0.0)
}

/// HTTP-date in the three forms RFC 9110 requires recipients to accept:
/// IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT",
/// asctime "Sun Nov  6 08:49:37 1994". Returns Unix time in ms.
fn parse_http_date_ms(s: &str) -> Option<u64> {
    let tokens: Vec<&str> = s.split_whitespace().collect();
    let (day, month, year, time) = match tokens.as_slice() {
        [_, d, m, y, t, zone] if is_gmt(zone) => (*d, *m, year_full(y)?, *t),
        [_, dmy, t, zone] if is_gmt(zone) => {
            let mut parts = dmy.split('-');
            let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
            (d, m, year_full(y)?, *t)
        }
        [_, m, d, t, y] => (*d, *m, year_full(y)?, *t),
        _ => return None,
    };
    let day: u64 = day.parse().ok().filter(|d| (1..=31).contains(d))?;
    let month = month_number(month)?;
    let mut hms = time.split(':').map(|p| p.parse::<u64>().ok());
    let (h, mi, se) = (hms.next()??, hms.next()??, hms.next()??);
    if hms.next().is_some() || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let days = days_since_epoch(year, month, day)?;
    Some(((days * 24 + h) * 60 + mi) * 60_000 + se * 1000)
}

fn is_gmt(zone: &str) -> bool {
    zone.eq_ignore_ascii_case("GMT") || zone.eq_ignore_ascii_case("UTC")
}

/// Two-digit years (RFC 850) are read as 1970–2069.
fn year_full(y: &str) -> Option<u64> {
    let n: u64 = y.parse().ok()?;
    match y.len() {
        2 if n < 70 => Some(2000 + n),
        2 => Some(1900 + n),
        4 => Some(n),
        _ => None,
    }
}

fn month_number(m: &str) -> Option<u64> {
    const MONTHS: [&str; 12] =
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let m = m.to_ascii_lowercase();
    let idx = MONTHS.iter().position(|x| *x == m)?;
    u64::try_from(idx).ok().map(|i| i + 1)
}

/// Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm), `None` before 1970.
fn days_since_epoch(year: u64, month: u64, day: u64) -> Option<u64> {
    let y = if month <= 2 { year.checked_sub(1)? } else { year };
    let era = y / 400;
    let yoe = y % 400;
    let mp = (month + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe).checked_sub(719_468)
}

/// Detail for a body without a provider message: an excerpt of the text, else the status text.
fn fallback_detail(status: u16, body: &str) -> String {
    let excerpt = text_excerpt(body, EXCERPT_CHARS);
    if excerpt.is_empty() {
        status_text(status)
    } else {
        excerpt
    }
}

fn status_text(status: u16) -> String {
    let text = match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        529 => "Overloaded",
        _ => return format!("HTTP {status}"),
    };
    format!("{status} {text}")
}

/// A short plain-text excerpt of a possibly-HTML body: tags, comments, scripts and styles dropped,
/// common entities decoded, whitespace collapsed, at most `max_chars` characters.
fn text_excerpt(body: &str, max_chars: usize) -> String {
    // ASCII lowercasing keeps byte offsets identical, so indices found in `lower` apply to `body`.
    let lower = body.to_ascii_lowercase();
    let mut text = String::with_capacity(body.len().min(4096));
    let mut i = 0;
    while let Some(rel) = lower.get(i..).and_then(|s| s.find('<')) {
        let start = i + rel;
        text.push_str(body.get(i..start).unwrap_or(""));
        let after = lower.get(start + 1..).unwrap_or("");
        let is_tag = after.starts_with(|c: char| c.is_ascii_alphabetic() || "/!?".contains(c));
        if !is_tag {
            text.push('<');
            i = start + 1;
            continue;
        }
        let end = if after.starts_with("!--") {
            find_after(&lower, start, "-->")
        } else if after.starts_with("script") {
            find_after(&lower, start, "</script").and_then(|e| find_after(&lower, e, ">"))
        } else if after.starts_with("style") {
            find_after(&lower, start, "</style").and_then(|e| find_after(&lower, e, ">"))
        } else {
            find_after(&lower, start, ">")
        };
        // An unterminated tag swallows the rest, as a browser would.
        i = end.unwrap_or(lower.len());
        text.push(' ');
    }
    text.push_str(body.get(i..).unwrap_or(""));
    let decoded = text
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    let collapsed = decoded.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= max_chars {
        return collapsed;
    }
    let mut cut: String = collapsed.chars().take(max_chars.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Byte offset just past the first `needle` found at or after `from`.
fn find_after(hay: &str, from: usize, needle: &str) -> Option<usize> {
    hay.get(from..)?.find(needle).map(|p| from + p + needle.len())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The error a response with this status and body maps to.
    pub(crate) fn fail(wire: Wire, status: u16, body: &str) -> GlossError {
        fail_h(wire, status, &[], body)
    }

    pub(crate) fn fail_h(wire: Wire, status: u16, headers: &[(&str, &str)], body: &str) -> GlossError {
        let headers: Vec<(String, String)> =
            headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let f = HttpFailure { status, headers: &headers, body, is_local: false, secret: "" };
        map_http_error(wire, &f)
    }

    pub(crate) fn hdrs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    // ---- non-JSON bodies ----

    #[test]
    fn html_body_is_stripped_and_collapsed() {
        let body = "<!DOCTYPE html><html><head><style>body { color: red }</style><script>var x = '<b>';</script><title>502 Bad Gateway</title></head><body><!-- note --><h1>Bad&nbsp;Gateway</h1>\n\n   <p>nginx &amp; friends</p></body></html>";
        let e = fail(Wire::OpenAi, 502, body);
        assert_eq!(
            e,
            GlossError::Server {
                status: 502,
                detail: "502 Bad Gateway Bad Gateway nginx & friends".into(),
                retry_after_ms: None
            }
        );
    }

    #[test]
    fn long_plain_body_is_cut_to_200_chars() {
        let body = "é".repeat(500);
        let GlossError::Server { detail, .. } = fail(Wire::OpenAi, 500, &body) else {
            panic!("expected Server");
        };
        assert_eq!(detail.chars().count(), 200);
        assert!(detail.ends_with('…'));
    }

    #[test]
    fn empty_body_uses_status_text() {
        assert_eq!(
            fail(Wire::Gemini, 503, ""),
            GlossError::Server {
                status: 503,
                detail: "503 Service Unavailable".into(),
                retry_after_ms: None
            }
        );
    }

    #[test]
    fn json_body_without_message_uses_excerpt() {
        let e = fail(Wire::OpenAi, 400, r#"{"ok":false}"#);
        assert_eq!(e, GlossError::BadRequest { status: 400, detail: r#"{"ok":false}"#.into() });
    }

    #[test]
    fn fastapi_detail_string_is_used() {
        let e = fail(Wire::OpenAi, 422, r#"{"detail":"Unprocessable"}"#);
        assert_eq!(e, GlossError::BadRequest { status: 422, detail: "Unprocessable".into() });
    }

    #[test]
    fn unknown_4xx_is_bad_request() {
        let e = fail(Wire::OpenAi, 418, "");
        assert_eq!(e, GlossError::BadRequest { status: 418, detail: "HTTP 418".into() });
    }

    #[test]
    fn text_with_lone_angle_bracket_is_kept() {
        assert_eq!(text_excerpt("a < b and c > d", 200), "a < b and c > d");
    }

    // ---- retry_after_ms ----

    #[test]
    fn retry_after_seconds() {
        assert_eq!(retry_after_ms(&hdrs(&[("retry-after", "12")]), "", 0), Some(12_000));
    }

    #[test]
    fn retry_after_fractional_seconds() {
        assert_eq!(retry_after_ms(&hdrs(&[("retry-after", "0.25")]), "", 0), Some(250));
    }

    #[test]
    fn retry_after_ms_header_wins_over_seconds() {
        let h = hdrs(&[("retry-after", "12"), ("retry-after-ms", "350")]);
        assert_eq!(retry_after_ms(&h, "", 0), Some(350));
    }

    #[test]
    fn retry_after_header_name_case_is_ignored() {
        assert_eq!(retry_after_ms(&hdrs(&[("Retry-After", "2")]), "", 0), Some(2000));
    }

    #[test]
    fn retry_after_http_date_imf_fixdate() {
        // 1994-11-06T08:49:37Z = 784111777 s.
        let now = 784_111_777_000 - 30_000;
        let h = hdrs(&[("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT")]);
        assert_eq!(retry_after_ms(&h, "", now), Some(30_000));
    }

    #[test]
    fn retry_after_http_date_rfc850() {
        let now = 784_111_777_000 - 5_000;
        let h = hdrs(&[("retry-after", "Sunday, 06-Nov-94 08:49:37 GMT")]);
        assert_eq!(retry_after_ms(&h, "", now), Some(5_000));
    }

    #[test]
    fn retry_after_http_date_asctime() {
        let now = 784_111_777_000 - 1_000;
        let h = hdrs(&[("retry-after", "Sun Nov  6 08:49:37 1994")]);
        assert_eq!(retry_after_ms(&h, "", now), Some(1_000));
    }

    #[test]
    fn retry_after_http_date_recent_leap_year() {
        // 2024-02-29T12:00:00Z = 1709208000 s.
        let h = hdrs(&[("retry-after", "Thu, 29 Feb 2024 12:00:00 GMT")]);
        assert_eq!(retry_after_ms(&h, "", 1_709_207_990_000), Some(10_000));
    }

    #[test]
    fn retry_after_http_date_in_past_is_no_hint() {
        let h = hdrs(&[("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT")]);
        assert_eq!(retry_after_ms(&h, "", 784_111_777_000 + 1), None);
    }

    #[test]
    fn retry_after_garbage_is_no_hint() {
        assert_eq!(retry_after_ms(&hdrs(&[("retry-after", "soon")]), "", 0), None);
    }

    #[test]
    fn retry_after_negative_is_no_hint() {
        assert_eq!(retry_after_ms(&hdrs(&[("retry-after", "-3")]), "", 0), None);
    }

    #[test]
    fn retry_after_gemini_fractional_retry_delay() {
        let body = r#"{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1.5s"}]}}"#;
        assert_eq!(retry_after_ms(&[], body, 0), Some(1_500));
    }

    #[test]
    fn retry_after_header_wins_over_gemini_body() {
        let body = r#"{"error":{"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"}]}}"#;
        assert_eq!(retry_after_ms(&hdrs(&[("retry-after", "1")]), body, 0), Some(1_000));
    }

    #[test]
    fn retry_after_none_without_hints() {
        assert_eq!(retry_after_ms(&[], "{}", 0), None);
    }

    #[test]
    fn map_http_error_ignores_http_date_without_a_clock() {
        let e = fail_h(Wire::OpenAi, 429, &[("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT")], "");
        assert_eq!(e.retry_after_ms(), None);
    }

    #[test]
    fn map_http_error_at_resolves_http_date() {
        let headers = hdrs(&[("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT")]);
        let f = HttpFailure { status: 429, headers: &headers, body: "", is_local: false, secret: "" };
        let e = map_http_error_at(Wire::OpenAi, &f, 784_111_777_000 - 4_000);
        assert_eq!(
            e,
            GlossError::RateLimited {
                detail: "429 Too Many Requests".into(),
                retry_after_ms: Some(4_000)
            }
        );
    }

    #[test]
    fn every_wire_redacts_the_key_and_key_like_text_from_the_detail() {
        let key = "proxy-secret-0001";
        let cases = [
            (Wire::Anthropic, 401, r#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key proxy-secret-0001"}}"#),
            (Wire::OpenAi, 401, r#"{"error":{"message":"Incorrect API key provided: sk-proj-****************************0001.","type":"invalid_request_error","code":"invalid_api_key"}}"#),
            (Wire::Gemini, 400, r#"{"error":{"code":400,"message":"API key not valid: AIzaSyA-1234567890abcdefgh","status":"INVALID_ARGUMENT","details":[{"reason":"API_KEY_INVALID"}]}}"#),
            (Wire::OllamaNative, 401, r#"{"error":"unauthorized: Bearer proxy-secret-0001"}"#),
            (Wire::OpenAi, 502, "<html><body>bad gateway for key=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg</body></html>"),
        ];
        for (wire, status, body) in cases {
            let f = HttpFailure { status, headers: &[], body, is_local: false, secret: key };
            let e = map_http_error(wire, &f);
            let text = e.to_string();
            assert!(text.contains("[redacted]"), "{wire:?}: {text}");
            assert!(!text.contains("0001") && !text.contains("AIza") && !text.contains("Zm9v"), "{wire:?}: {text}");
        }
    }

    // ---- retry_delay_ms ----

    fn server() -> GlossError {
        GlossError::Server { status: 500, detail: String::new(), retry_after_ms: None }
    }

    #[test]
    fn backoff_sequence_doubles_from_500() {
        let delays: Vec<Option<u64>> = (1..=4).map(|a| retry_delay_ms(&server(), a, 10)).collect();
        assert_eq!(delays, vec![Some(500), Some(1000), Some(2000), Some(4000)]);
    }

    #[test]
    fn backoff_caps_at_8_seconds() {
        assert_eq!(retry_delay_ms(&server(), 5, 10), Some(8000));
        assert_eq!(retry_delay_ms(&server(), 9, 10), Some(8000));
    }

    #[test]
    fn backoff_huge_attempt_does_not_overflow() {
        assert_eq!(retry_delay_ms(&server(), u32::MAX, u32::MAX), Some(8000));
    }

    #[test]
    fn stops_after_max_retries() {
        assert_eq!(retry_delay_ms(&server(), 2, 2), Some(1000));
        assert_eq!(retry_delay_ms(&server(), 3, 2), None);
    }

    #[test]
    fn zero_max_retries_never_retries() {
        assert_eq!(retry_delay_ms(&server(), 1, 0), None);
    }

    #[test]
    fn provider_hint_is_honoured() {
        let e = GlossError::RateLimited { detail: String::new(), retry_after_ms: Some(7000) };
        assert_eq!(retry_delay_ms(&e, 1, 2), Some(7000));
    }

    #[test]
    fn provider_hint_of_exactly_60s_is_honoured() {
        let e = GlossError::Overloaded { detail: String::new(), retry_after_ms: Some(60_000) };
        assert_eq!(retry_delay_ms(&e, 1, 2), Some(60_000));
    }

    #[test]
    fn provider_hint_over_60s_gives_up() {
        let e = GlossError::RateLimited { detail: String::new(), retry_after_ms: Some(60_001) };
        assert_eq!(retry_delay_ms(&e, 1, 2), None);
    }

    #[test]
    fn final_errors_are_not_retried() {
        assert_eq!(retry_delay_ms(&GlossError::Quota("x".into()), 1, 2), None);
        assert_eq!(retry_delay_ms(&GlossError::BadKey("x".into()), 1, 2), None);
    }

    #[test]
    fn stream_cut_is_retried_with_backoff() {
        assert_eq!(retry_delay_ms(&GlossError::StreamCut, 1, 2), Some(500));
    }

    #[test]
    fn mapped_429_flows_into_delay() {
        let body = r#"{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","message":"q","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"}]}}"#;
        let e = fail(Wire::Gemini, 429, body);
        assert_eq!(retry_delay_ms(&e, 1, 2), Some(37_000));
    }

    // ---- in-stream errors (shared mapping) ----

    fn stream_err(json: &str) -> GlossError {
        let v: Value = serde_json::from_str(json).unwrap();
        map_stream_error(&v)
    }

    #[test]
    fn stream_anthropic_overloaded() {
        let e = stream_err(
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
        );
        assert_eq!(e, GlossError::Overloaded { detail: "Overloaded".into(), retry_after_ms: None });
    }

    #[test]
    fn stream_anthropic_rate_limit() {
        let e =
            stream_err(r#"{"type":"error","error":{"type":"rate_limit_error","message":"slow"}}"#);
        assert_eq!(e, GlossError::RateLimited { detail: "slow".into(), retry_after_ms: None });
    }

    #[test]
    fn stream_anthropic_api_error_is_500() {
        let e = stream_err(r#"{"type":"error","error":{"type":"api_error","message":"boom"}}"#);
        assert_eq!(
            e,
            GlossError::Server { status: 500, detail: "boom".into(), retry_after_ms: None }
        );
    }

    #[test]
    fn stream_anthropic_invalid_request_context() {
        let e = stream_err(
            r#"{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 5 tokens > 4 maximum"}}"#,
        );
        assert_eq!(e.code(), "context_too_long");
    }

    #[test]
    fn stream_anthropic_invalid_request_other() {
        let e = stream_err(
            r#"{"type":"error","error":{"type":"invalid_request_error","message":"bad"}}"#,
        );
        assert_eq!(e, GlossError::BadRequest { status: 400, detail: "bad".into() });
    }

    #[test]
    fn stream_openrouter_numeric_code() {
        let e =
            stream_err(r#"{"error":{"code":502,"message":"Provider disconnected unexpectedly"}}"#);
        assert_eq!(
            e,
            GlossError::Server {
                status: 502,
                detail: "Provider disconnected unexpectedly".into(),
                retry_after_ms: None
            }
        );
    }

    #[test]
    fn stream_gemini_resource_exhausted_keeps_retry_delay() {
        let e = stream_err(
            r#"{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"2s"}]}}"#,
        );
        assert_eq!(
            e,
            GlossError::RateLimited { detail: "quota".into(), retry_after_ms: Some(2000) }
        );
    }

    #[test]
    fn stream_ollama_string_error_is_server() {
        let e = stream_err(r#"{"error":"an error was encountered while running the model"}"#);
        assert_eq!(e.code(), "server");
        assert!(e.to_string().contains("while running the model"));
    }

    #[test]
    fn stream_error_without_anything_is_server_500() {
        let e = stream_err(r#"{"error":{}}"#);
        assert_eq!(
            e,
            GlossError::Server {
                status: 500,
                detail: "the provider reported an error mid-stream".into(),
                retry_after_ms: None
            }
        );
    }
}
