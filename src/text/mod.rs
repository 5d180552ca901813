//! Plain text with inline styling (`Span`), and small text utilities shared by the modules.

pub mod lang;
pub mod markdown;
pub mod tokens;

use serde::{Deserialize, Serialize};

/// A run of text with its inline style. `href` is only ever an absolute http(s) URL.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Span {
    pub text: String,
    #[serde(skip_serializing_if = "is_false", default)]
    pub bold: bool,
    #[serde(skip_serializing_if = "is_false", default)]
    pub italic: bool,
    #[serde(skip_serializing_if = "is_false", default)]
    pub code: bool,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub href: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Span {
    pub fn plain(text: impl Into<String>) -> Self {
        Span { text: text.into(), ..Span::default() }
    }
}

/// Collapses every run of whitespace to one space and trims the ends.
pub fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Han, kana and Hangul: scripts written without spaces between words.
pub fn is_cjk(ch: char) -> bool {
    matches!(ch as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK Extension A
        | 0x4E00..=0x9FFF    // CJK Unified Ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0xF900..=0xFAFF    // CJK Compatibility Ideographs
        | 0x20000..=0x2FA1F) // CJK Extensions B–F
}

/// The plain text of a list of spans.
pub fn spans_text(spans: &[Span]) -> String {
    spans.iter().map(|s| s.text.as_str()).collect()
}

/// Appends `span` to `spans`, merging it into the last one when the style is the same.
pub fn push_span(spans: &mut Vec<Span>, span: Span) {
    if span.text.is_empty() {
        return;
    }
    if let Some(last) = spans.last_mut() {
        if last.bold == span.bold && last.italic == span.italic && last.code == span.code && last.href == span.href {
            last.text.push_str(&span.text);
            return;
        }
    }
    spans.push(span);
}

/// Whether a URL may become a link in the panel: absolute http(s) only.
pub fn is_safe_href(url: &str) -> bool {
    let url = url.trim_start().as_bytes();
    let starts = |scheme: &[u8]| url.get(..scheme.len()).is_some_and(|head| head.eq_ignore_ascii_case(scheme));
    starts(b"https://") || starts(b"http://")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapses_whitespace() {
        assert_eq!(collapse_whitespace("  a \n\t b  c "), "a b c");
        assert_eq!(collapse_whitespace(" \n "), "");
    }

    #[test]
    fn merges_spans_of_the_same_style_only() {
        let mut spans = Vec::new();
        push_span(&mut spans, Span::plain("a "));
        push_span(&mut spans, Span::plain("b"));
        push_span(&mut spans, Span { text: "c".into(), bold: true, ..Span::default() });
        push_span(&mut spans, Span::plain(""));
        assert_eq!(spans.len(), 2);
        assert_eq!(spans[0].text, "a b");
        assert_eq!(spans_text(&spans), "a bc");
    }

    #[test]
    fn only_http_links_are_safe() {
        assert!(is_safe_href("https://example.com/x"));
        assert!(is_safe_href("HTTP://example.com"));
        assert!(!is_safe_href("javascript:alert(1)"));
        assert!(!is_safe_href("data:text/html,hi"));
        assert!(!is_safe_href("/relative"));
        assert!(is_safe_href("http://é.example/"), "a non-ASCII host right after the scheme");
        assert!(!is_safe_href("http:/"));
    }

    #[test]
    fn cjk_detection() {
        assert!(is_cjk('日'));
        assert!(is_cjk('か'));
        assert!(is_cjk('한'));
        assert!(!is_cjk('a'));
        assert!(!is_cjk('é'));
    }
}
