//! The digest and translation of a page as a Markdown document, for copying and downloading.
//!
//! Page text and model text are hostile: viewers render Markdown, and many pass raw HTML through.
//! So every piece of text is escaped (no HTML, no Markdown structure of its own survives), code
//! goes inside fences longer than any backtick run in it, and a link keeps its target only when
//! that is http(s).

use std::collections::HashMap;
use std::fmt::Write;

use crate::article::{Article, BlockKind};
use crate::digest::Digest;
use crate::llm::endpoint::Provenance;
use crate::text::{is_safe_href, Span};

/// What the panel has finished, to be written out.
pub struct Export<'a> {
    pub digest: Option<(&'a Digest, &'a Provenance)>,
    /// Translated spans by block id, and who translated them.
    pub translation: Option<(&'a HashMap<String, Vec<Span>>, &'a Provenance)>,
    /// The questions asked about the article and their answers.
    pub qa: Option<&'a crate::qa::Conversation>,
    /// The date to stamp (ISO 8601, from `date`).
    pub date: &'a str,
}

/// Writes the Markdown document for `article`.
pub fn markdown(article: &Article, export: &Export) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", escape(&article.title));
    if let Some(url) = &article.url {
        let source = if is_safe_href(url) { format!("<{}>", link_target(url)) } else { escape(url) };
        let _ = writeln!(out, "Source: {source}  ");
    }
    let meta: Vec<&str> = [article.byline.as_deref(), article.site_name.as_deref(), article.published_time.as_deref()].into_iter().flatten().collect();
    if !meta.is_empty() {
        let _ = writeln!(out, "{}  ", escape(&meta.join(" · ")));
    }
    let _ = writeln!(out, "Exported by Gloss on {}", escape(export.date));

    if let Some((digest, by)) = export.digest {
        let _ = writeln!(out, "\n## Quick Digest\n\n_{}_\n", provenance(by));
        for point in &digest.key_points {
            let _ = writeln!(out, "- {}", to_markdown(point));
        }
        for paragraph in &digest.summary {
            let _ = writeln!(out, "\n{}", to_markdown(paragraph));
        }
        if !digest.details.is_empty() {
            out.push('\n');
        }
        for point in &digest.details {
            if point.label.trim().is_empty() {
                let _ = writeln!(out, "- {}", to_markdown(&point.text));
            } else {
                let _ = writeln!(out, "- **{}**: {}", escape(&point.label), to_markdown(&point.text));
            }
        }
    }

    if let Some(conversation) = export.qa {
        let _ = writeln!(out, "\n## Questions and answers\n");
        for turn in &conversation.turns {
            let _ = writeln!(out, "**Q:** {}\n", escape(&turn.question));
            let mut answer: Vec<String> = turn.answer.paragraphs.iter().map(|claims| {
                let texts: Vec<String> = claims.iter().map(|c| to_markdown(&c.text)).collect();
                texts.join(" ")
            }).collect();
            if turn.answer.not_in_article {
                answer.insert(0, "_Not in the article._".to_string());
            }
            let _ = writeln!(out, "{}\n", answer.join("\n\n"));
        }
    }

    if let Some((translated, by)) = &export.translation {
        let _ = writeln!(out, "\n## Full Translation\n\n_{} → {}_\n", escape(&article.lang), provenance(by));
        for block in &article.blocks {
            let (text, untranslated) = match translated.get(&block.id) {
                Some(spans) => (to_markdown(spans), false),
                None => (to_markdown(&block.spans), true),
            };
            let text = if untranslated { format!("{text} _(not translated)_") } else { text };
            let line = match block.kind {
                BlockKind::Heading => format!("{} {}", "#".repeat(usize::from(block.level.unwrap_or(2)).clamp(2, 6) + 1).trim_end(), text),
                BlockKind::ListItem => format!("{}- {}", "  ".repeat(usize::from(block.level.unwrap_or(1).saturating_sub(1))), text),
                BlockKind::Quote => format!("> {text}"),
                BlockKind::Code => {
                    let fence = "`".repeat(longest_run(&block.text, '`').max(2) + 1);
                    format!("{fence}\n{}\n{fence}", block.text.replace('\r', ""))
                }
                BlockKind::TableRow => format!("| {text} |"),
                BlockKind::Caption => format!("_{text}_"),
                BlockKind::Paragraph => text,
            };
            let _ = writeln!(out, "{line}\n");
        }
    }
    out.trim_end().to_string() + "\n"
}

fn provenance(p: &Provenance) -> String {
    let style = p.style.as_deref().map(|s| format!(" · {s}")).unwrap_or_default();
    escape(&format!("{} · {} · {}{style}", p.provider, p.lang, p.model))
}

/// Spans as Markdown, every text escaped; a link whose target is not http(s) is its text alone.
fn to_markdown(spans: &[Span]) -> String {
    let mut out = String::new();
    for span in spans {
        let mut text = if span.code { code_span(&span.text) } else { escape_inline(&span.text) };
        let trimmed = text.trim();
        if !span.code && !trimmed.is_empty() && (span.bold || span.italic) {
            // Keep the spaces outside the markers, where Markdown needs them.
            let marker = match (span.bold, span.italic) {
                (true, true) => "***",
                (true, false) => "**",
                _ => "*",
            };
            let (lead, trail) = (&text[..text.len() - text.trim_start().len()], &text[text.trim_end().len()..]);
            text = format!("{lead}{marker}{trimmed}{marker}{trail}");
        }
        match span.href.as_deref() {
            Some(href) if is_safe_href(href) && !text.trim().is_empty() => {
                let _ = write!(out, "[{text}]({})", link_target(href.trim()));
            }
            _ => out.push_str(&text),
        }
    }
    escape_line_start(&out)
}

/// Characters that start Markdown (or HTML) anywhere in a line.
const INLINE_SPECIAL: &[char] = &['\\', '`', '*', '_', '[', ']', '<', '>', '&', '|', '~'];

/// One line of plain text, safe anywhere in a line: no HTML tag, entity, link, emphasis or
/// code can start in it.
fn escape_inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c if INLINE_SPECIAL.contains(&c) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Plain text as a line of its own: escaped inline, and not able to open a block.
fn escape(text: &str) -> String {
    escape_line_start(&escape_inline(&crate::text::collapse_whitespace(text)))
}

/// Escapes what would make a line a heading, list item, quote, rule or setext underline.
fn escape_line_start(line: &str) -> String {
    let body = line.trim_start();
    let lead = &line[..line.len() - body.len()];
    let digits = body.bytes().take_while(u8::is_ascii_digit).count();
    match body.as_bytes().first() {
        Some(b'#' | b'-' | b'+' | b'=' | b'>') => format!("{lead}\\{body}"),
        Some(_) if digits > 0 && matches!(body.as_bytes().get(digits), Some(b'.' | b')')) => {
            format!("{lead}{}\\{}", &body[..digits], &body[digits..])
        }
        _ => line.to_string(),
    }
}

/// Inline code whose fence no backtick inside can close.
fn code_span(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ");
    let fence = "`".repeat(longest_run(&text, '`') + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

fn longest_run(text: &str, c: char) -> usize {
    text.split(|x| x != c).map(str::len).max().unwrap_or(0)
}

/// A link target that cannot end early or carry markup: spaces, brackets, quotes, angle
/// brackets, backslashes and control characters percent-encoded.
fn link_target(href: &str) -> String {
    let mut out = String::with_capacity(href.len());
    for c in href.chars() {
        if c.is_control() || c.is_whitespace() || "<>()[]\"'`\\".contains(c) {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "%{b:02X}");
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A file name for the download: the title, kept to safe characters.
pub fn file_name(article: &Article) -> String {
    let slug: String = article
        .title
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|w| !w.is_empty())
        .take(8)
        .collect::<Vec<_>>()
        .join("-");
    format!("{}.gloss.md", if slug.is_empty() { "article".to_string() } else { slug.to_lowercase() })
}

/// The UTC date of `now_ms` (ms since the Unix epoch) as ISO 8601, `2026-11-26`.
pub fn date(now_ms: u64) -> String {
    // Days to a civil date (Howard Hinnant's algorithm), for the proleptic Gregorian calendar.
    let z = (now_ms / 86_400_000) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_days() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(1_795_651_200_000), "2026-11-26");
        assert_eq!(date(1_709_164_800_000 - 1), "2024-02-28", "the last ms of a day");
        assert_eq!(date(1_709_164_800_000), "2024-02-29", "a leap day");
    }
    use crate::article::tests_support::sample_article;

    fn by(model: &str) -> Provenance {
        Provenance { provider: "anthropic".into(), lang: "ja".into(), model: model.into(), style: None }
    }

    #[test]
    fn writes_source_provenance_digest_and_translation_in_order() {
        let article = sample_article();
        let digest = crate::digest::parse("## Key points\n- One\n## Summary\nAll.\n## Details\n- **Why**: Because.");
        let provenance = by("claude-haiku-4-5");
        let translated = HashMap::from([("b2".to_string(), vec![Span::plain("Traduit.")])]);
        let md = markdown(&article, &Export { digest: Some((&digest, &provenance)), translation: Some((&translated, &provenance)), qa: None, date: "2026-11-26" });
        assert!(md.starts_with("# Sample\n\nSource: <https://example.com/a>  \n"));
        assert!(md.contains("Exported by Gloss on 2026-11-26"));
        assert!(md.contains("## Quick Digest\n\n_anthropic · ja · claude-haiku-4-5_\n\n- One\n\nAll.\n\n- **Why**: Because.\n"));
        assert!(md.contains("_en → anthropic · ja · claude-haiku-4-5_"));
        // Untranslated blocks keep their original text, marked, in their place.
        assert!(md.contains("### Heading one _(not translated)_"));
        assert!(md.contains("- Item one _(not translated)_"));
        assert!(md.contains("\nTraduit.\n"));
        let heading = md.find("### Heading one").unwrap_or(usize::MAX);
        let item = md.find("- Item one").unwrap_or(0);
        assert!(heading < item);
    }

    /// The document with its fenced code blocks and the `Source: <…>` autolink taken out: what
    /// is left must have no unescaped `<`, `[`, or backtick.
    fn outside_code(md: &str) -> String {
        let mut out = String::new();
        let mut fence: Option<String> = None;
        for line in md.lines() {
            let ticks: String = line.chars().take_while(|&c| c == '`').collect();
            match &fence {
                Some(f) if line == f => fence = None,
                Some(_) => {}
                None if ticks.len() >= 3 && line == ticks => fence = Some(ticks),
                // The autolink Gloss writes, and inline code (literal in every viewer).
                None if line.starts_with("Source: <https://") || line.starts_with("- ````") => {}
                None => {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
        out
    }

    fn unescaped(md: &str, c: char) -> Vec<usize> {
        let chars: Vec<char> = md.chars().collect();
        (0..chars.len())
            .filter(|&i| chars[i] == c)
            .filter(|&i| {
                let backslashes = chars[..i].iter().rev().take_while(|&&b| b == '\\').count();
                backslashes % 2 == 0
            })
            .collect()
    }

    fn hostile_export() -> String {
        let mut article = sample_article();
        article.title = "<img src=x onerror=alert(1)>\n# Not a heading".into();
        article.url = Some("https://example.com/a?q=<b>&x=\"y\"".into());
        article.byline = Some("[x](javascript:alert(1))".into());
        article.blocks[0].spans = vec![Span::plain("1. not a list <script>alert(1)</script>")];
        if let Some(code) = article.blocks.iter_mut().rev().find(|b| b.kind == BlockKind::Paragraph) {
            code.kind = BlockKind::Code;
            code.text = "```\n<img src=x onerror=alert(2)>\n```".into();
        }
        let digest = crate::digest::Digest {
            key_points: vec![
                vec![Span { href: Some("javascript:alert(3)".into()), ..Span::plain("click me") }],
                vec![Span { href: Some("https://ok.example/p?a=(1)".into()), ..Span::plain("fine") }],
                vec![Span { code: true, ..Span::plain("a ``` b` <i>") }],
            ],
            key_point_sources: vec![],
            summary: vec![vec![Span::plain("> quoted <iframe src=//evil> &lt;b&gt; ![img](https://evil.example/x.png)")]],
            details: vec![crate::digest::DetailPoint { label: "**<u>bold</u>**".into(), text: vec![Span::plain("- item [y](data:text/html,x)")], source: None }],
            format_missed: false,
        };
        let provenance = by("model<script>");
        let translated = HashMap::from([("b2".to_string(), vec![Span::plain("<svg onload=alert(4)>")])]);
        markdown(&article, &Export { digest: Some((&digest, &provenance)), translation: Some((&translated, &provenance)), qa: None, date: "<date>" })
    }

    #[test]
    fn no_raw_html_survives_outside_code() {
        let md = hostile_export();
        let text = outside_code(&md);
        assert_eq!(unescaped(&text, '<'), Vec::<usize>::new(), "{md}");
        assert!(!text.contains("<img") || text.contains("\\<img"), "{md}");
        assert!(md.contains("\\<img src=x onerror=alert(1)\\>"), "{md}");
        assert!(md.contains("\\<svg onload=alert(4)\\>"), "{md}");
        assert!(md.contains("\\&lt;b\\&gt;"), "an entity stays text: {md}");
    }

    #[test]
    fn only_http_links_keep_their_target() {
        let md = hostile_export();
        let real = md.replace("\\](", "");
        assert!(!real.contains("](javascript:") && !real.contains("](data:"), "{md}");
        assert!(md.contains("- click me\n"), "the javascript: link is its text alone: {md}");
        assert!(md.contains("[fine](https://ok.example/p?a=%281%29)"), "{md}");
        assert!(md.contains("\\[x\\](javascript:alert(1))"), "a link written in page text is text: {md}");
        assert!(md.contains("!\\[img\\](https://evil.example/x.png)"), "no image loads from model text: {md}");
        assert!(md.contains("Source: <https://example.com/a?q=%3Cb%3E&x=%22y%22>"), "{md}");
        let links = unescaped(&outside_code(&md), '[').len();
        assert_eq!(links, 1, "one real link: {md}");
    }

    #[test]
    fn markdown_structure_in_text_is_escaped() {
        let md = hostile_export();
        assert!(md.starts_with("# \\<img src=x onerror=alert(1)\\> # Not a heading\n"), "the title is one line: {md}");
        assert!(md.contains("\n### 1\\. not a list"), "{md}");
        assert!(md.contains("\n\\> quoted"), "{md}");
        assert!(md.contains("- **\\*\\*\\<u\\>bold\\</u\\>\\*\\***: \\- item"), "{md}");
        assert!(md.contains("model\\<script\\>") && md.contains("on \\<date\\>"), "{md}");
        assert!(md.contains("- ````a ``` b` <i>````\n"), "inline code is fenced past its backticks: {md}");
        assert!(md.contains("\n````\n```\n<img src=x onerror=alert(2)>\n```\n````\n"), "a code block's fence outlasts its content: {md}");
    }

    #[test]
    fn file_names_are_safe() {
        let mut article = sample_article();
        article.title = "Hello, World: a/b <test>".into();
        assert_eq!(file_name(&article), "hello-world-a-b-test.gloss.md");
        article.title = "***".into();
        assert_eq!(file_name(&article), "article.gloss.md");
    }
}
