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
        && !blocks::list_marker(&text).is_some()
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
