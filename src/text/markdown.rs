//! Reads the light Markdown models write (bold, italic, code, links) into spans, and writes
//! block spans back out as the same Markdown for prompts. Never produces or trusts HTML.

use crate::text::{is_safe_href, push_span, Span};

/// Parses inline Markdown into spans. Anything unrecognised, HTML tags included, stays literal
/// text. A link becomes a link only when `allow_href` accepts its target; an image (`![alt](url)`)
/// becomes its alt text, so no URL from a model is ever fetched.
pub fn parse_inline(src: &str, allow_href: &dyn Fn(&str) -> bool) -> Vec<Span> {
    let mut spans = Vec::new();
    parse_into(src, &Span::default(), allow_href, &mut spans);
    spans
}

/// Links in model output are accepted when they are plain http(s).
pub fn any_http(href: &str) -> bool {
    is_safe_href(href)
}

fn parse_into(src: &str, style: &Span, allow_href: &dyn Fn(&str) -> bool, out: &mut Vec<Span>) {
    let mut plain = String::new();
    let mut rest = src;
    let mut prev: Option<char> = None;
    while let Some(ch) = rest.chars().next() {
        if let Some((consumed, inner, kind)) = delimited(rest, prev) {
            flush(&mut plain, style, out);
            let mut inner_style = style.clone();
            match kind {
                Mark::Bold => inner_style.bold = true,
                Mark::Italic => inner_style.italic = true,
                Mark::Code => {
                    inner_style.code = true;
                    push_span(out, Span { text: inner.to_string(), ..inner_style });
                    prev = Some('`');
                    rest = &rest[consumed..];
                    continue;
                }
            }
            parse_into(inner, &inner_style, allow_href, out);
            prev = rest[..consumed].chars().next_back();
            rest = &rest[consumed..];
            continue;
        }
        if let Some((consumed, label, href, image)) = link(rest) {
            flush(&mut plain, style, out);
            let mut link_style = style.clone();
            if !image && allow_href(href) {
                link_style.href = Some(href.to_string());
            }
            parse_into(label, &link_style, allow_href, out);
            prev = Some(')');
            rest = &rest[consumed..];
            continue;
        }
        plain.push(ch);
        prev = Some(ch);
        rest = &rest[ch.len_utf8()..];
    }
    flush(&mut plain, style, out);
}

fn flush(plain: &mut String, style: &Span, out: &mut Vec<Span>) {
    if !plain.is_empty() {
        push_span(out, Span { text: std::mem::take(plain), ..style.clone() });
    }
}

enum Mark {
    Bold,
    Italic,
    Code,
}

/// `**x**`, `__x__`, `*x*`, `_x_` or `` `x` `` at the start of `s`, where `prev` is the character
/// before it: (bytes consumed, inner, kind).
fn delimited(s: &str, prev: Option<char>) -> Option<(usize, &str, Mark)> {
    for (open, kind) in [("**", Mark::Bold), ("__", Mark::Bold), ("`", Mark::Code), ("*", Mark::Italic), ("_", Mark::Italic)] {
        if let Some(after) = s.strip_prefix(open) {
            // The opener must touch a non-space character, as in CommonMark.
            if after.starts_with(char::is_whitespace) || after.is_empty() {
                continue;
            }
            let close = after.find(open)?;
            let inner = &after[..close];
            if inner.is_empty() || inner.ends_with(char::is_whitespace) || (open != "`" && inner.contains('\n')) {
                continue;
            }
            // `_` emphasis must stand outside words (snake_case, __dunder__ names are text).
            if open.starts_with('_') {
                let word_char = |c: char| c.is_alphanumeric() || c == '_';
                if prev.is_some_and(word_char) || after[close + open.len()..].starts_with(word_char) || inner.ends_with('_') {
                    continue;
                }
            }
            return Some((open.len() * 2 + close, inner, kind));
        }
    }
    None
}

/// `[label](href)` or `![alt](src)` at the start of `s`: (bytes consumed, label, href, is_image).
fn link(s: &str) -> Option<(usize, &str, &str, bool)> {
    let (image, body) = match s.strip_prefix("![") {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('[')?),
    };
    // A label holds no `[` or newline, so its `](` is looked for only up to the first of
    // those: searching the whole rest for every `[` made text full of brackets quadratic.
    let stop = body.find(['[', '\n']).unwrap_or(body.len());
    let label_end = body.get(..stop)?.find("](")?;
    let label = &body[..label_end];
    let after = &body[label_end + 2..];
    let href_end = after.find(')')?;
    let href = after[..href_end].trim();
    if href.contains(char::is_whitespace) {
        return None;
    }
    let prefix = if image { 2 } else { 1 };
    Some((prefix + label_end + 2 + href_end + 1, label, href, image))
}

/// Writes spans as inline Markdown, so a model can carry the styling into its translation.
pub fn to_markdown(spans: &[Span]) -> String {
    let mut out = String::new();
    for span in spans {
        let mut text = span.text.clone();
        if span.code {
            text = format!("`{text}`");
        } else {
            // Keep the spaces outside the markers, where Markdown needs them.
            let trimmed = text.trim();
            if !trimmed.is_empty() && (span.bold || span.italic) {
                let lead = &text[..text.len() - text.trim_start().len()];
                let trail = &text[text.trim_end().len()..];
                let marker = match (span.bold, span.italic) {
                    (true, true) => "***",
                    (true, false) => "**",
                    _ => "*",
                };
                text = format!("{lead}{marker}{trimmed}{marker}{trail}");
            }
        }
        if let Some(href) = &span.href {
            text = format!("[{text}]({href})");
        }
        out.push_str(&text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(spans: &[Span]) -> Vec<(&str, bool, bool, bool, Option<&str>)> {
        spans.iter().map(|s| (s.text.as_str(), s.bold, s.italic, s.code, s.href.as_deref())).collect()
    }

    #[test]
    fn bold_italic_code() {
        let spans = parse_inline("a **b** *c* `d*e*` f", &any_http);
        assert_eq!(
            texts(&spans),
            vec![
                ("a ", false, false, false, None),
                ("b", true, false, false, None),
                (" ", false, false, false, None),
                ("c", false, true, false, None),
                (" ", false, false, false, None),
                ("d*e*", false, false, true, None),
                (" f", false, false, false, None),
            ]
        );
    }

    #[test]
    fn links_only_when_allowed() {
        let spans = parse_inline("[ok](https://a.example/x) [bad](javascript:alert(1))", &any_http);
        assert_eq!(spans[0].href.as_deref(), Some("https://a.example/x"));
        assert!(spans.iter().skip(1).all(|s| s.href.is_none()));
        assert!(crate::text::spans_text(&spans).contains("bad"));
    }

    #[test]
    fn images_become_alt_text() {
        let spans = parse_inline("see ![a cat](https://evil.example/pixel.png) here", &any_http);
        assert_eq!(crate::text::spans_text(&spans), "see a cat here");
        assert!(spans.iter().all(|s| s.href.is_none()));
    }

    #[test]
    fn html_stays_literal() {
        let src = "<img src=x onerror=alert(1)><script>alert(2)</script>";
        let spans = parse_inline(src, &any_http);
        assert_eq!(crate::text::spans_text(&spans), src);
    }

    #[test]
    fn snake_case_and_lone_stars_are_text() {
        assert_eq!(crate::text::spans_text(&parse_inline("snake_case_name and 2 * 3 * 4", &any_http)), "snake_case_name and 2 * 3 * 4");
        assert_eq!(parse_inline("snake_case_name", &any_http).len(), 1);
    }

    #[test]
    fn underscores_next_to_words_are_text() {
        let src = "a=__pwn()><b>__pwn() and x_y_z";
        assert_eq!(crate::text::spans_text(&parse_inline(src, &any_http)), src);
        let spans = parse_inline("an _emphasised_ word", &any_http);
        assert!(spans.iter().any(|s| s.italic && s.text == "emphasised"));
    }

    #[test]
    fn markdown_round_trip() {
        let spans = vec![
            Span::plain("Read "),
            Span { text: "the docs".into(), bold: true, href: Some("https://d.example/".into()), ..Span::default() },
            Span::plain(" and "),
            Span { text: "run it".into(), code: true, ..Span::default() },
        ];
        let md = to_markdown(&spans);
        assert_eq!(md, "Read [**the docs**](https://d.example/) and `run it`");
        assert_eq!(parse_inline(&md, &any_http), spans);
    }
}
