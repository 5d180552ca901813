//! From lines in reading order to the article's blocks: paragraphs by spacing, indents and
//! ragged ends; headings by size and weight; list items by their marker or indent; table rows
//! from the cells of one row; words hyphenated across lines joined; footnotes (small text
//! below a page's body) kept apart, after the body.

use crate::article::{Block, BlockKind};
use crate::text::{collapse_whitespace, push_span, spans_text, Span};

use super::lines::Line;

/// Text this much larger than the body's is a heading.
pub const HEADING_RATIO: f64 = 1.15;
/// Text this much smaller than the body's, below a page's body text, is a footnote.
pub const FOOTNOTE_RATIO: f64 = 0.9;
/// A baseline gap this many times the usual one between lines starts a paragraph.
pub const PARAGRAPH_GAP: f64 = 1.3;
/// A line ending this share of the column's width short of its right edge is ragged: with a
/// full stop, the paragraph ends there.
pub const RAGGED_SHARE: f64 = 0.15;
/// A bold line-alone heading has at most this many words.
const MAX_BOLD_HEADING_WORDS: usize = 15;

/// A line as read: where its column is, and the cells of its row when it is a table's.
#[derive(Debug, Clone)]
pub struct Placed {
    pub line: Line,
    pub col_x0: f64,
    pub col_x1: f64,
    /// The other cells of the row, left to right, after this one (a table row).
    pub cells: Vec<Line>,
}

/// A block before ids: its kind, level, spans, and the page and size it came from.
#[derive(Debug, Clone)]
pub struct Draft {
    pub kind: BlockKind,
    pub level: Option<u8>,
    pub spans: Vec<Span>,
    pub page: usize,
    pub size: f64,
    pub bold: bool,
}

impl Draft {
    pub fn text(&self) -> String {
        spans_text(&self.spans)
    }

    pub fn into_block(self, n: usize) -> Block {
        let text = self.text();
        Block { id: format!("b{n}"), kind: self.kind, level: self.level, text, spans: self.spans }
    }
}

/// The size most characters are set in (to the nearest half point).
pub fn body_size<'a>(lines: impl Iterator<Item = &'a Line>) -> f64 {
    let mut counts: std::collections::BTreeMap<i64, usize> = std::collections::BTreeMap::new();
    for line in lines {
        let chars = line.text().chars().filter(|c| !c.is_whitespace()).count();
        #[allow(clippy::cast_possible_truncation)] // sizes are a few hundred points at most
        let key = (line.size * 2.0).round() as i64;
        *counts.entry(key).or_default() += chars;
    }
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(k, _)| k as f64 / 2.0).unwrap_or(0.0)
}

/// The usual distance between the baselines of two lines of body text in one paragraph.
fn line_spacing(placed: &[Placed], body: f64) -> f64 {
    let mut gaps: Vec<f64> = placed
        .windows(2)
        .filter(|w| same_column(&w[0], &w[1]) && is_size(&w[0].line, body) && is_size(&w[1].line, body))
        .map(|w| w[1].line.baseline - w[0].line.baseline)
        .filter(|g| *g > 0.0)
        .collect();
    gaps.sort_by(f64::total_cmp);
    gaps.get(gaps.len() / 4).copied().filter(|g| *g > 0.0).unwrap_or(1.4 * body)
}

fn is_size(line: &Line, size: f64) -> bool {
    (line.size - size).abs() <= 0.06 * size.max(1.0)
}

fn same_column(a: &Placed, b: &Placed) -> bool {
    a.line.page == b.line.page && (a.col_x0 - b.col_x0).abs() < 1.0 && (a.col_x1 - b.col_x1).abs() < 1.0
}

/// A list marker at the start of a line, and how many bytes it takes: "•", "–", "1.", "(a)", "iv)".
pub fn list_marker(text: &str) -> Option<usize> {
    let trimmed = text.trim_start();
    let lead = text.len() - trimmed.len();
    let mut chars = trimmed.char_indices();
    let (_, first) = chars.next()?;
    if matches!(first, '•' | '◦' | '▪' | '‣' | '●' | '○' | '■' | '□' | '–' | '—' | '*' | '-' | '·') {
        let rest = &trimmed[first.len_utf8()..];
        return rest.starts_with(' ').then_some(lead + first.len_utf8() + 1);
    }
    let body = trimmed.strip_prefix('(').unwrap_or(trimmed);
    let opened = trimmed.len() - body.len();
    let end = body.find(['.', ')'])?;
    let label = &body[..end];
    let numeric = !label.is_empty() && label.len() <= 3 && label.chars().all(|c| c.is_ascii_digit());
    let letter = label.len() == 1 && label.chars().all(|c| c.is_ascii_lowercase());
    let roman = !label.is_empty() && label.len() <= 4 && label.chars().all(|c| matches!(c, 'i' | 'v' | 'x'));
    let after = &body[end + 1..];
    ((numeric || letter || roman) && after.starts_with(' ') && after.trim_start().chars().next().is_some_and(|c| !c.is_ascii_digit()))
        .then_some(lead + opened + end + 2)
}

/// Whether a line's text ends a sentence.
fn ends_sentence(text: &str) -> bool {
    text.trim_end().ends_with(['.', '!', '?', ':', '"', '”', '»', ')', ';'])
}

fn starts_lower(text: &str) -> bool {
    text.trim_start().chars().next().is_some_and(char::is_lowercase)
}

/// The blocks of `placed` (in reading order), footnotes after the body.
pub fn blocks(placed: &[Placed], body: f64) -> Vec<Draft> {
    let spacing = line_spacing(placed, body);
    // The lowest body line of each page: small text below it is the page's footnotes.
    let mut floor: std::collections::BTreeMap<usize, f64> = std::collections::BTreeMap::new();
    for p in placed.iter().filter(|p| p.line.size >= FOOTNOTE_RATIO * body) {
        let f = floor.entry(p.line.page).or_insert(f64::MIN);
        *f = f.max(p.line.baseline);
    }
    let is_note = |p: &Placed| p.line.size < FOOTNOTE_RATIO * body && floor.get(&p.line.page).is_some_and(|f| p.line.top() > *f);
    let (notes, text): (Vec<&Placed>, Vec<&Placed>) = placed.iter().partition(|p| is_note(p));
    let mut out = paragraphs(&text, body, spacing);
    for mut note in paragraphs(&notes, body, spacing) {
        if note.kind == BlockKind::Heading {
            note.kind = BlockKind::Paragraph;
            note.level = None;
        }
        out.push(note);
    }
    out
}

/// Groups lines into blocks.
fn paragraphs(placed: &[&Placed], body: f64, spacing: f64) -> Vec<Draft> {
    let mut out: Vec<Draft> = Vec::new();
    // The block being built: its lines, and whether its first line had a list marker.
    let mut open: Vec<&Placed> = Vec::new();
    for p in placed {
        let fresh = match open.last() {
            None => true,
            Some(prev) => !p.cells.is_empty() || !prev.cells.is_empty() || starts_new(&open, prev, p, body, spacing),
        };
        if fresh && !open.is_empty() {
            out.push(draft(&open, body));
            open.clear();
        }
        open.push(p);
    }
    if !open.is_empty() {
        out.push(draft(&open, body));
    }
    out
}

/// Whether `p` starts a new block after `prev`, the last line of `open`.
fn starts_new(open: &[&Placed], prev: &Placed, p: &Placed, body: f64, spacing: f64) -> bool {
    let (a, b) = (&prev.line, &p.line);
    let size = a.size.max(b.size);
    if (a.size - b.size).abs() > 0.06 * size || (a.size >= HEADING_RATIO * body && a.bold != b.bold) {
        return true;
    }
    let text = b.text();
    if list_marker(&text).is_some() {
        return true;
    }
    // Bold lines alone (headings at the body's size) stand apart from the text after them.
    if a.bold != b.bold && (a.bold || b.bold) && !(a.runs.len() > 1 || b.runs.len() > 1) {
        return true;
    }
    let prev_text = a.text();
    if !same_column(prev, p) {
        // A paragraph runs on into the next column or page when the sentence does.
        return ends_sentence(&prev_text) || !starts_lower(&text);
    }
    let gap = b.baseline - a.baseline;
    if gap > PARAGRAPH_GAP * spacing.max(0.8 * size) || gap < 0.0 {
        return true;
    }
    let first = open.first().map(|f| f.line.x0).unwrap_or(a.x0);
    let marked = open.first().is_some_and(|f| list_marker(&f.line.text()).is_some());
    if b.x0 > a.x0 + size && !marked {
        return true; // a first-line indent
    }
    if b.x0 < a.x0 - size && !(open.len() == 1 && b.x0 >= p.col_x0 - 1.0 && first > p.col_x0 + size * 0.5) {
        return true;
    }
    if !ends_sentence(&prev_text) || starts_lower(&text) {
        return false;
    }
    // The sentence ended at the line's end: a new paragraph when the line is ragged, when the
    // next line's first word would have fitted after it, or in an indented list (items with
    // their markers drawn as shapes, not text, have only this to tell them apart).
    let room = p.col_x1 - a.x1;
    let ragged = room > RAGGED_SHARE * (p.col_x1 - p.col_x0);
    let fits = room > first_word_width(b) + 0.25 * size;
    let listed = first > p.col_x0 + 1.5 * size && b.x0 > p.col_x0 + 1.5 * size;
    ragged || fits || listed
}

/// How wide the line's first word is drawn, from its run's width per character.
fn first_word_width(line: &Line) -> f64 {
    let Some(run) = line.runs.first() else { return 0.0 };
    let chars = run.text.chars().count().max(1);
    let word = run.text.split_whitespace().next().map_or(0, |w| w.chars().count());
    #[allow(clippy::cast_precision_loss)] // a line has a few hundred characters
    let share = word as f64 / chars as f64;
    (run.x1 - run.x0) * share
}

/// One block from its lines.
fn draft(lines: &[&Placed], body: f64) -> Draft {
    let first = lines[0];
    let page = first.line.page;
    let size = first.line.size;
    if !first.cells.is_empty() {
        let cells: Vec<String> =
            std::iter::once(&first.line).chain(&first.cells).map(|l| collapse_whitespace(&l.text())).filter(|t| !t.is_empty()).collect();
        let text = cells.join(" | ");
        return Draft { kind: BlockKind::TableRow, level: None, spans: vec![Span::plain(text)], page, size, bold: first.line.bold };
    }
    let mut spans: Vec<Span> = Vec::new();
    for p in lines {
        join_line(&mut spans, &p.line);
    }
    let text = spans_text(&spans);
    let all_bold = lines.iter().all(|p| p.line.bold);
    let words = text.split_whitespace().count();
    let heading = size >= HEADING_RATIO * body
        || (all_bold && lines.len() <= 2 && words <= MAX_BOLD_HEADING_WORDS && !text.trim_end().ends_with('.') && size >= 0.95 * body);
    if heading {
        return Draft { kind: BlockKind::Heading, level: None, spans: vec![Span::plain(collapse_whitespace(&text))], page, size, bold: all_bold };
    }
    let marker = list_marker(&text);
    let indented = first.line.x0 > first.col_x0 + 1.5 * size && lines.iter().all(|p| p.line.x0 > p.col_x0 + 1.5 * size);
    if let Some(n) = marker {
        strip_front(&mut spans, n);
    }
    let kind = if marker.is_some() || indented { BlockKind::ListItem } else { BlockKind::Paragraph };
    let level = (kind == BlockKind::ListItem).then_some(1);
    Draft { kind, level, spans, page, size, bold: all_bold }
}

/// Appends a line to a block's spans: a word hyphenated at the end of the last line is joined
/// with the first word of this one; otherwise the lines meet at a space.
fn join_line(spans: &mut Vec<Span>, line: &Line) {
    let mut lead = !spans.is_empty();
    if let Some(last) = spans.last_mut() {
        let trimmed = last.text.trim_end().to_string();
        let hyphened = trimmed.strip_suffix('-').or_else(|| trimmed.strip_suffix('\u{AD}'));
        let next = line.text();
        if let Some(stem) = hyphened {
            if stem.chars().last().is_some_and(char::is_alphabetic) && starts_lower(&next) {
                last.text = stem.to_string();
                lead = false;
            }
        }
        if lead {
            last.text = trimmed;
        }
    }
    for (i, run) in line.runs.iter().enumerate() {
        let mut text = collapse_whitespace(&run.text);
        if run.text.starts_with(char::is_whitespace) && i > 0 {
            text.insert(0, ' ');
        }
        if i == 0 && lead {
            text.insert(0, ' ');
        }
        push_span(spans, Span { text, bold: run.bold, italic: run.italic, ..Span::default() });
    }
}

/// Removes the first `n` bytes of the spans' text (a list marker).
fn strip_front(spans: &mut Vec<Span>, mut n: usize) {
    while n > 0 {
        let Some(first) = spans.first_mut() else { return };
        if first.text.len() <= n {
            n -= first.text.len();
            spans.remove(0);
        } else {
            let cut = (n..=first.text.len()).find(|i| first.text.is_char_boundary(*i)).unwrap_or(first.text.len());
            first.text = first.text[cut..].trim_start().to_string();
            n = 0;
        }
    }
}
