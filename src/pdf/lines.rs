//! From pdf.js's items to lines: items on one baseline form a row, and a row splits into
//! segments wherever a gap is wider than a column gutter or a table's cell spacing could be.
//! Running headers, footers and page numbers are removed here.

use super::input::{PdfPage, TextItem};

/// Items whose baselines differ by less than this share of the larger size are on one row (a
/// superscript note marker sits about 0.4 of the size above its line).
pub const ROW_TOLERANCE: f64 = 0.5;
/// A gap wider than this many times the size splits a row into segments (words are about 0.25
/// apart; columns and table cells 2 or more).
pub const SEGMENT_GAP: f64 = 1.2;
/// A gap wider than this share of the size is a space between two items.
const SPACE_GAP: f64 = 0.12;
/// The page's top and bottom bands, as a share of its height, where running heads and page
/// numbers are looked for.
pub const MARGIN_BAND: f64 = 0.09;

/// One run of text in one font, with its box in top-down page coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub text: String,
    pub x0: f64,
    pub x1: f64,
    /// The baseline, measured down from the page's top.
    pub baseline: f64,
    pub size: f64,
    pub bold: bool,
    pub italic: bool,
}

/// A line of text: one segment of a row.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub page: usize,
    /// The row it belongs to on its page (segments of one row share it).
    pub row: usize,
    pub x0: f64,
    pub x1: f64,
    pub baseline: f64,
    /// The size most of its characters have.
    pub size: f64,
    pub bold: bool,
    pub italic: bool,
    pub runs: Vec<Run>,
}

impl Line {
    pub fn text(&self) -> String {
        self.runs.iter().map(|r| r.text.as_str()).collect()
    }

    pub fn top(&self) -> f64 {
        self.baseline - self.size
    }

    pub fn width(&self) -> f64 {
        self.x1 - self.x0
    }
}

/// The runs of one page, top-down, items with no ink (spaces) left out: they show as gaps.
fn runs(page: &PdfPage) -> Vec<Run> {
    let mut out = Vec::new();
    for item in &page.items {
        let Some(run) = run(page, item) else { continue };
        out.push(run);
    }
    out
}

fn run(page: &PdfPage, item: &TextItem) -> Option<Run> {
    let [a, b, c, d, e, f] = <[f64; 6]>::try_from(item.transform.as_slice()).ok()?;
    // Rotated and vertical text (margins' stamps, axis labels) is not part of the prose.
    if b.abs() > 1e-3 || c.abs() > 1e-3 || a <= 0.0 || d <= 0.0 {
        return None;
    }
    let text = item.str.replace(['\u{0}', '\u{FFFD}'], "");
    if text.trim().is_empty() || !e.is_finite() || !f.is_finite() {
        return None;
    }
    let font = page.fonts.get(&item.font_name);
    let width = if item.width.is_finite() && item.width > 0.0 { item.width } else { 0.0 };
    Some(Run {
        text,
        x0: e,
        x1: e + width,
        baseline: page.height - f,
        size: d,
        bold: font.is_some_and(|f| f.is_bold()),
        italic: font.is_some_and(|f| f.is_italic()),
    })
}

/// The page's lines, row by row from the top, each row's segments left to right.
pub fn page_lines(page: &PdfPage, index: usize) -> Vec<Line> {
    let mut runs = runs(page);
    runs.sort_by(|a, b| a.baseline.total_cmp(&b.baseline).then(a.x0.total_cmp(&b.x0)));
    // Rows: each run joins the row whose main baseline is near enough.
    let mut rows: Vec<(f64, f64, Vec<Run>)> = Vec::new();
    for run in runs {
        match rows.last_mut() {
            Some((baseline, size, members)) if (run.baseline - *baseline).abs() <= ROW_TOLERANCE * size.max(run.size) => {
                if run.size > *size {
                    *baseline = run.baseline;
                    *size = run.size;
                }
                members.push(run);
            }
            _ => rows.push((run.baseline, run.size, vec![run])),
        }
    }
    let mut lines = Vec::new();
    for (row, (_, _, mut members)) in rows.into_iter().enumerate() {
        members.sort_by(|a, b| a.x0.total_cmp(&b.x0));
        let mut current: Vec<Run> = Vec::new();
        for run in members {
            if let Some(last) = current.last() {
                let gap = run.x0 - last.x1;
                if gap > SEGMENT_GAP * last.size.max(run.size) {
                    lines.push(line(index, row, std::mem::take(&mut current)));
                }
            }
            current.push(run);
        }
        if !current.is_empty() {
            lines.push(line(index, row, current));
        }
    }
    lines
}

/// One segment from its runs, with spaces where the gaps show them.
fn line(page: usize, row: usize, runs: Vec<Run>) -> Line {
    let mut spaced: Vec<Run> = Vec::with_capacity(runs.len());
    for mut run in runs {
        if let Some(last) = spaced.last() {
            let gap = run.x0 - last.x1;
            let spaced_already = last.text.ends_with(char::is_whitespace) || run.text.starts_with(char::is_whitespace);
            if gap > SPACE_GAP * last.size.min(run.size) && !spaced_already {
                run.text.insert(0, ' ');
            }
        }
        spaced.push(run);
    }
    let mut by_size: Vec<(f64, usize)> = Vec::new();
    let mut bold_chars = 0;
    let mut italic_chars = 0;
    let mut chars = 0;
    for run in &spaced {
        let n = run.text.chars().filter(|c| !c.is_whitespace()).count();
        chars += n;
        if run.bold {
            bold_chars += n;
        }
        if run.italic {
            italic_chars += n;
        }
        match by_size.iter_mut().find(|(s, _)| (s - run.size).abs() < 0.25) {
            Some((_, count)) => *count += n,
            None => by_size.push((run.size, n)),
        }
    }
    let size = by_size.iter().max_by_key(|(_, n)| *n).map(|(s, _)| *s).unwrap_or(0.0);
    let main = spaced.iter().find(|r| (r.size - size).abs() < 0.25).or(spaced.first());
    Line {
        page,
        row,
        x0: spaced.first().map(|r| r.x0).unwrap_or(0.0),
        x1: spaced.iter().map(|r| r.x1).fold(f64::MIN, f64::max),
        baseline: main.map(|r| r.baseline).unwrap_or(0.0),
        size,
        bold: chars > 0 && bold_chars * 2 > chars,
        italic: chars > 0 && italic_chars * 2 > chars,
        runs: spaced,
    }
}

/// The text with every digit as `#`, so "Page 3 of 9" on each page reads the same.
fn shape(text: &str) -> String {
    let text = crate::text::collapse_whitespace(text).to_lowercase();
    text.chars().map(|c| if c.is_ascii_digit() { '#' } else { c }).collect()
}

/// A page number on its own: "7", "- 7 -", "vii", "Page 7", "7 of 20", "7/20".
pub fn is_page_number(text: &str) -> bool {
    let t = crate::text::collapse_whitespace(text).to_lowercase();
    let t = t.trim_matches(|c: char| c == '-' || c == '–' || c == '—' || c.is_whitespace());
    let t = t.strip_prefix("page").map(str::trim).unwrap_or(t);
    if !t.is_empty() && t.len() <= 8 && t.chars().all(|c| matches!(c, 'i' | 'v' | 'x' | 'l')) {
        return true;
    }
    let parts: Vec<&str> = t.split(|c: char| c == '/' || c.is_whitespace()).filter(|p| !p.is_empty() && *p != "of").collect();
    !parts.is_empty() && parts.len() <= 2 && parts.iter().all(|p| p.len() <= 5 && p.chars().all(|c| c.is_ascii_digit()))
}

/// Removes running headers and footers: lines in the page's top or bottom band that are a page
/// number, that recur (digits aside) in the bands of at least half the pages, or, in a
/// one-page document, that are set smaller than the text and stand apart from it.
pub fn drop_running(pages: &mut [Vec<Line>], heights: &[f64], body_size: f64) {
    let in_band = |line: &Line, height: f64| line.top() < MARGIN_BAND * height || line.baseline > (1.0 - MARGIN_BAND) * height;
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (lines, height) in pages.iter().zip(heights) {
        let mut shapes: Vec<String> = lines.iter().filter(|l| in_band(l, *height)).map(|l| shape(&l.text())).collect();
        shapes.sort();
        shapes.dedup();
        for s in shapes {
            *seen.entry(s).or_default() += 1;
        }
    }
    let count = pages.len();
    for (lines, height) in pages.iter_mut().zip(heights) {
        let keep: Vec<bool> = lines
            .iter()
            .map(|line| {
                if !in_band(line, *height) {
                    return true;
                }
                let text = line.text();
                if is_page_number(&text) {
                    return false;
                }
                let recurs = count >= 2 && seen.get(&shape(&text)).is_some_and(|n| *n * 2 >= count && *n >= 2);
                let small = line.size < 0.8 * body_size;
                let apart = lines.iter().filter(|o| !std::ptr::eq(*o, line)).all(|o| (o.baseline - line.baseline).abs() > 2.5 * line.size.max(o.size) || o.row == line.row);
                !(recurs || (count == 1 && small && apart))
            })
            .collect();
        let mut flags = keep.into_iter();
        lines.retain(|_| flags.next().unwrap_or(true));
    }
}
