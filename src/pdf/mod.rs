//! PDF articles: pdf.js's text items (read by the reader page) turned into Gloss's usual
//! article, so the digest, translation, links back, cache and export work as for a web page.
//!
//! 1. Lines: items on one baseline form rows, rows split at wide gaps (`lines`).
//! 2. Running headers, footers and page numbers are dropped (`lines::drop_running`).
//! 3. Reading order per page, columns one after the other (`order`).
//! 4. Paragraphs, headings, lists, table rows and footnotes (`blocks`).
//! 5. Title and authors from the document's metadata, else from the first page.
//!
//! Also here: whether a tab's address is a PDF for the reader page to open (`reader_url`).

pub mod blocks;
pub mod input;
pub mod lines;
pub mod order;

use crate::article::{Article, BlockKind, TextCounts};
use crate::error::GlossError;
use crate::text::{collapse_whitespace, lang};

use blocks::{Draft, Placed};
#[cfg(test)]
use lines::is_page_number;
pub use input::{FontInfo, PdfDoc, PdfFailure, PdfPage, TextItem};

/// Pages beyond this are not read (a 2,000-page PDF is not an article).
pub const DEFAULT_MAX_PAGES: usize = 1_000;
/// Fewer letters and digits than this per page, on average, is a scan without a text layer.
pub const MIN_CHARS_PER_PAGE: usize = 20;
/// An author line under the title has at most this many words.
const MAX_BYLINE_WORDS: usize = 12;

/// The article in a PDF's text items.
pub fn article(doc: &PdfDoc, url: Option<&str>) -> Result<Article, GlossError> {
    if doc.pages.len() > DEFAULT_MAX_PAGES {
        return Err(GlossError::TooLarge(format!("{} pages (limit {DEFAULT_MAX_PAGES})", doc.pages.len())));
    }
    let mut pages: Vec<Vec<lines::Line>> = doc.pages.iter().enumerate().map(|(i, p)| lines::page_lines(p, i)).collect();
    let chars: usize = pages.iter().flatten().map(|l| l.text().chars().filter(|c| c.is_alphanumeric()).count()).sum();
    if doc.pages.is_empty() || chars < MIN_CHARS_PER_PAGE * doc.pages.len().min(5) {
        return Err(GlossError::PdfNoText);
    }
    let body = blocks::body_size(pages.iter().flatten());
    let heights: Vec<f64> = doc.pages.iter().map(|p| p.height).collect();
    lines::drop_running(&mut pages, &heights, body);
    let placed = place(pages);
    let mut drafts = blocks::blocks(&placed, body);
    let title = title(doc, &mut drafts);
    let byline = byline(doc, &title, &mut drafts);
    level_headings(&mut drafts);
    if drafts.is_empty() {
        return Err(GlossError::PdfNoText);
    }
    let blocks: Vec<_> = drafts.into_iter().enumerate().map(|(i, d)| d.into_block(i + 1)).collect();
    let counts = TextCounts::of(blocks.iter().map(|b| b.text.as_str()));
    Ok(Article {
        title,
        byline,
        site_name: None,
        published_time: None,
        lang: lang::detect(blocks.iter().map(|b| b.text.as_str())).to_string(),
        dir: None,
        excerpt: blocks.iter().find(|b| b.kind == BlockKind::Paragraph).map(|b| b.text.chars().take(200).collect()),
        url: url.filter(|u| u.starts_with("http://") || u.starts_with("https://") || u.starts_with("file://")).map(str::to_string),
        word_count: counts.words + counts.cjk_chars,
        reading_minutes: counts.reading_minutes(),
        readerable: true,
        from_selection: false,
        blocks,
    })
}

/// Every page's lines in reading order, the cells of a table's row gathered on its first.
fn place(pages: Vec<Vec<lines::Line>>) -> Vec<Placed> {
    let mut out: Vec<Placed> = Vec::new();
    for lines in pages {
        for (i, x0, x1) in order::reading_order(&lines) {
            let line = lines[i].clone();
            if let Some(last) = out.last_mut() {
                let same_row = last.line.page == line.page && last.line.row == line.row;
                if same_row && (last.col_x0 - x0).abs() < 1.0 && (last.col_x1 - x1).abs() < 1.0 {
                    last.cells.push(line);
                    continue;
                }
            }
            out.push(Placed { line, col_x0: x0, col_x1: x1, cells: Vec::new() });
        }
    }
    out
}

fn same_text(a: &str, b: &str) -> bool {
    let norm = |s: &str| collapse_whitespace(s).to_lowercase();
    !a.trim().is_empty() && norm(a) == norm(b)
}

/// Metadata titles that name a file or a tool rather than the article.
fn usable_title(title: &str) -> bool {
    let t = title.trim().to_lowercase();
    !t.is_empty() && t != "untitled" && !t.ends_with(".pdf") && !t.ends_with(".doc") && !t.ends_with(".docx") && !t.starts_with("microsoft word")
}

/// The title: the metadata's when it is one, else the first page's largest heading. The block
/// that repeats it is removed, as a page's title is.
fn title(doc: &PdfDoc, drafts: &mut Vec<Draft>) -> String {
    let first_page: Vec<usize> = (0..drafts.len()).filter(|i| drafts[*i].page == 0).take(12).collect();
    let largest = first_page
        .iter()
        .copied()
        .filter(|i| drafts[*i].kind == BlockKind::Heading)
        .max_by(|a, b| drafts[*a].size.total_cmp(&drafts[*b].size));
    let meta = doc.title.as_deref().filter(|t| usable_title(t)).map(collapse_whitespace);
    let title = meta.clone().or_else(|| largest.map(|i| drafts[i].text())).unwrap_or_default();
    if let Some(i) = first_page.iter().copied().find(|i| drafts[*i].kind == BlockKind::Heading && same_text(&drafts[*i].text(), &title)) {
        drafts.remove(i);
    }
    title
}

/// The authors: the metadata's, else a short line of names under the title on the first page
/// (which then leaves the blocks).
fn byline(doc: &PdfDoc, title: &str, drafts: &mut Vec<Draft>) -> Option<String> {
    if let Some(author) = doc.author.as_deref().map(collapse_whitespace).filter(|a| !a.is_empty()) {
        if let Some(i) = drafts.iter().take(3).position(|d| d.page == 0 && same_text(&d.text(), &author)) {
            drafts.remove(i);
        }
        return Some(author);
    }
    let first = drafts.first()?;
    let text = first.text();
    let words: Vec<&str> = text.split_whitespace().collect();
    let names = !words.is_empty()
        && words.len() <= MAX_BYLINE_WORDS
        && !title.is_empty()
        && first.page == 0
        && first.kind == BlockKind::Paragraph
        && blocks::list_marker(&text).is_none()
        && !text.trim_end().ends_with(['.', ':', '?', '!'])
        && words.iter().all(|w| {
            let w = w.trim_start_matches(|c: char| !c.is_alphanumeric());
            w.chars().next().is_none_or(|c| c.is_uppercase() || c.is_ascii_digit()) || matches!(w, "and" | "und" | "et" | "y" | "e" | "de" | "van" | "von")
        });
    names.then(|| {
        drafts.remove(0);
        collapse_whitespace(&text)
    })
}

/// Heading levels by size: the largest is level 2 (the title is the article's level 1), each
/// smaller size one deeper, bold text at the body's size last.
fn level_headings(drafts: &mut [Draft]) {
    let mut sizes: Vec<f64> = drafts.iter().filter(|d| d.kind == BlockKind::Heading).map(|d| d.size).collect();
    sizes.sort_by(|a, b| b.total_cmp(a));
    sizes.dedup_by(|a, b| (*a - *b).abs() < 0.5);
    for d in drafts.iter_mut().filter(|d| d.kind == BlockKind::Heading) {
        let rank = sizes.iter().position(|s| (d.size - s).abs() < 0.5).unwrap_or(sizes.len());
        d.level = Some(u8::try_from(rank + 2).unwrap_or(6).min(6));
    }
}

/// Whether the tab's address is a PDF Gloss reads in its reader page: a `.pdf` path, or the
/// browser said so (`content_type`). Returns the reader page's address for it.
pub fn reader_url(extension_url: &str, tab_url: &str, content_type: Option<&str>) -> Option<String> {
    let url = tab_url.trim();
    let lower = url.to_ascii_lowercase();
    let web = ["http://", "https://", "file://"].iter().any(|s| lower.starts_with(s));
    if !web || extension_url.is_empty() {
        return None;
    }
    let path = lower.split(['?', '#']).next().unwrap_or(&lower);
    let typed = content_type.is_some_and(|t| t.trim().to_ascii_lowercase().starts_with("application/pdf"));
    (path.ends_with(".pdf") || typed).then(|| format!("{extension_url}reader.html?src={}", encode_component(url)))
}

/// `encodeURIComponent`: everything but unreserved characters, percent-encoded as UTF-8.
fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for byte in s.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The error a reader page's failure stands for.
pub fn failure_error(failure: &PdfFailure, url: Option<&str>) -> GlossError {
    let url = url.unwrap_or_default();
    let host = url.split("://").nth(1).and_then(|rest| rest.split('/').next()).unwrap_or_default().to_string();
    let file = url.get(..7).is_some_and(|s| s.eq_ignore_ascii_case("file://"));
    match failure {
        PdfFailure::Fetch { file_access: false, .. } if file => GlossError::PdfFileAccess,
        PdfFailure::Fetch { status: Some(status), message, .. } => GlossError::Network(format!("{host}: {message} ({status})")),
        // No answer at all, from a host Gloss may not fetch from: the permission is missing.
        PdfFailure::Fetch { granted: false, .. } if !file => GlossError::PdfNotGranted(host),
        PdfFailure::Fetch { message, .. } => GlossError::Network(format!("{host}: {message}")),
        PdfFailure::Unreadable { name, .. } if name == "PasswordException" => GlossError::PdfEncrypted,
        PdfFailure::Unreadable { message, .. } => GlossError::PdfUnreadable(message.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const W: f64 = 600.0;
    const H: f64 = 800.0;

    /// An item drawn at `x`, `top` (down from the page's top) in `font` at `size`.
    fn item(text: &str, x: f64, top: f64, size: f64, font: &str) -> TextItem {
        #[allow(clippy::cast_precision_loss)]
        let width = text.chars().count() as f64 * size * 0.5;
        TextItem { str: text.into(), transform: vec![size, 0.0, 0.0, size, x, H - top], width, height: size, font_name: font.into(), has_eol: true }
    }

    fn page(items: Vec<TextItem>) -> PdfPage {
        let fonts = BTreeMap::from([
            ("r".to_string(), FontInfo { name: "AAAAAA+Serif".into(), ..FontInfo::default() }),
            ("b".to_string(), FontInfo { name: "BAAAAA+Serif-Bold".into(), ..FontInfo::default() }),
        ]);
        PdfPage { width: W, height: H, items, fonts }
    }

    /// Body lines of ~60 characters from `top` down, 14 points apart.
    fn lines(words: &[&str], x: f64, top: f64) -> Vec<TextItem> {
        words.iter().enumerate().map(|(i, w)| item(w, x, top + 14.0 * i as f64, 10.0, "r")).collect()
    }

    fn texts(a: &Article) -> Vec<String> {
        a.blocks.iter().map(|b| b.text.clone()).collect()
    }

    #[test]
    fn a_word_hyphenated_at_a_line_end_is_joined_and_a_hyphen_within_a_line_kept() {
        let doc = PdfDoc {
            pages: vec![page(lines(
                &["The survey counted every light on the coast, from the well-known", "towers to the small harbour lamps, and recon-", "structed how each one had been kept for a century."],
                50.0,
                100.0,
            ))],
            ..PdfDoc::default()
        };
        let a = article(&doc, None).unwrap();
        assert_eq!(texts(&a), ["The survey counted every light on the coast, from the well-known towers to the small harbour lamps, and reconstructed how each one had been kept for a century."]);
    }

    #[test]
    fn running_heads_and_page_numbers_repeated_on_every_page_are_dropped() {
        let pages = (1..=3)
            .map(|n| {
                let mut items = vec![item("The Keepers' Report", 250.0, 30.0, 8.0, "r"), item(&format!("{n}"), 295.0, 780.0, 8.0, "r")];
                items.extend(lines(&[&format!("Page {n} has its own paragraph of text, long enough to be prose and end here.")], 50.0, 100.0));
                page(items)
            })
            .collect();
        let a = article(&PdfDoc { pages, ..PdfDoc::default() }, None).unwrap();
        let all = texts(&a).join(" ");
        assert!(!all.contains("Keepers' Report"), "{all}");
        assert_eq!(a.blocks.len(), 3, "{all}");
        assert!(is_page_number("- 12 -") && is_page_number("Page 3 of 9") && is_page_number("xiv") && is_page_number("4/20"));
        assert!(!is_page_number("1997 was the year") && !is_page_number("Chapter 3"));
    }

    #[test]
    fn three_columns_are_read_in_turn_and_a_bold_line_is_a_heading() {
        // Three columns and a table look alike in geometry: what tells them apart here is that a
        // column's lines fill it (blocks::MIN_COLUMN_SHARE), where a table's cells do not.
        let col = |x: f64, name: &str| {
            let mut items = vec![item(&format!("{name} heading"), x, 100.0, 10.0, "b")];
            // Lines that fill their column (35 characters, 175 points of a 190-point pitch).
            items.extend(lines(&[&format!("{name:<6} col text runs on to its edge"), "and it ends on this second line."], x, 118.0));
            items
        };
        let mut items = col(40.0, "First");
        items.extend(col(230.0, "Second"));
        items.extend(col(420.0, "Third"));
        let a = article(&PdfDoc { pages: vec![page(items)], title: Some("Three".into()), ..PdfDoc::default() }, None).unwrap();
        let kinds: Vec<(BlockKind, String)> = a.blocks.iter().map(|b| (b.kind, b.text.chars().take(12).collect())).collect();
        let want = ["First headin", "First col te", "Second headi", "Second col t", "Third headin", "Third col te"];
        assert_eq!(kinds.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>(), want);
        assert!(kinds.iter().step_by(2).all(|(k, _)| *k == BlockKind::Heading), "{kinds:?}");
    }

    #[test]
    fn list_markers() {
        assert_eq!(list_marker_text("• First point"), Some("First point"));
        assert_eq!(list_marker_text("2. Second"), Some("Second"));
        assert_eq!(list_marker_text("(b) Third"), Some("Third"));
        assert_eq!(list_marker_text("iv) Fourth"), Some("Fourth"));
        assert_eq!(list_marker_text("3.5 million keepers"), None);
        assert_eq!(list_marker_text("1997. The last year"), None);
        assert_eq!(list_marker_text("-5 degrees"), None);
    }

    fn list_marker_text(s: &str) -> Option<&str> {
        blocks::list_marker(s).map(|n| s[n..].trim_start())
    }

    #[test]
    fn a_page_without_text_is_a_scan() {
        let doc = PdfDoc { pages: vec![page(vec![item("  ", 10.0, 10.0, 10.0, "r")]), page(Vec::new())], ..PdfDoc::default() };
        assert_eq!(article(&doc, None).unwrap_err(), GlossError::PdfNoText);
    }

    #[test]
    fn pdf_addresses_open_the_reader_page() {
        let base = "chrome-extension://abc/";
        assert_eq!(reader_url(base, "https://x.example/a/Paper.PDF?dl=1#p2", None).as_deref(), Some("chrome-extension://abc/reader.html?src=https%3A%2F%2Fx.example%2Fa%2FPaper.PDF%3Fdl%3D1%23p2"));
        assert!(reader_url(base, "file:///home/r/report.pdf", None).is_some());
        assert!(reader_url(base, "https://x.example/get?id=4", Some("application/pdf")).is_some());
        assert!(reader_url(base, "https://x.example/pdf-news.html", None).is_none());
        assert!(reader_url(base, "chrome://settings/a.pdf", None).is_none());
        assert!(reader_url("", "https://x.example/a.pdf", None).is_none());
    }
}
