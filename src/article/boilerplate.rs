//! Drops the blocks of an extracted article that are page furniture rather than the article:
//! what dom_smoothie's scoring lets through inside the article container. Each rule is measured
//! on the dev set's tuning half (`npm run eval:extraction`), where the blocks it drops are mostly
//! absent from the labelled article text.

use crate::article::block::{Block, BlockKind};
use crate::article::sections;
use crate::text::is_cjk;

/// Legal and consent lines are short; a longer block that mentions copyright is about it.
pub const DEFAULT_MAX_LEGAL_WORDS: usize = 40;

/// Phrases of copyright notices and sign-up consent lines.
const LEGAL: &[&str] = &["©", "all rights reserved", "by signing up", "by submitting"];
/// A consent line that begins with its phrase ("By signing up, you agree…") may run longer,
/// with the carrier's fine print.
pub const DEFAULT_MAX_CONSENT_WORDS: usize = 60;
const CONSENT_OPENINGS: &[&str] = &["by signing up", "by submitting", "by subscribing"];

/// Disclaimers and disclosures are a few sentences; a longer block that mentions them is
/// about them.
pub const DEFAULT_MAX_DISCLAIMER_WORDS: usize = 80;
/// Phrases of affiliate disclosures and legal disclaimers.
const DISCLAIMERS: &[&str] = &[
    "may earn a", "earn a small commission", "paid promotion", "informational purposes", "not a substitute for",
    "do not reflect the views", "does not constitute an endorsement", "registered trademark",
];

/// A reference-list entry names at least this many authors as "Surname AB,".
pub const DEFAULT_MIN_CITED_AUTHORS: usize = 3;

/// A stamp line ("Updated on June 18, 2025 at 12:35 PM") is short; a longer block with a date
/// in it says something.
pub const DEFAULT_MAX_DATE_LINE_WORDS: usize = 10;
/// Month names, full and abbreviated, as a date line spells them.
const MONTHS: &[&str] = &[
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
];
/// The other words of a publication or review stamp.
const STAMP_WORDS: &[&str] = &[
    "on", "at", "am", "pm", "posted", "updated", "published", "last", "reviewed", "date", "modified", "edt", "est",
    "gmt", "utc", "pst", "pdt",
];

/// The most words a block may have for any rule but the citation's to apply.
const LONGEST_PHRASE_RULE: usize = max(max(DEFAULT_MAX_LEGAL_WORDS, DEFAULT_MAX_CONSENT_WORDS), max(DEFAULT_MAX_DISCLAIMER_WORDS, DEFAULT_MAX_DATE_LINE_WORDS));

const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

/// The article's blocks without the furniture, renumbered `b1`, `b2`, … in order. Nothing is
/// dropped when that would leave no block.
pub fn filter(blocks: Vec<Block>) -> Vec<Block> {
    let placed = sections::furniture(&blocks);
    let keep: Vec<bool> = blocks.iter().zip(placed).map(|(b, placed)| !placed && !is_furniture(b)).collect();
    if !keep.contains(&true) {
        return blocks;
    }
    blocks
        .into_iter()
        .zip(keep)
        .filter_map(|(b, keep)| keep.then_some(b))
        .enumerate()
        .map(|(i, mut b)| {
            b.id = format!("b{}", i + 1);
            b
        })
        .collect()
}

fn is_furniture(block: &Block) -> bool {
    if !matches!(block.kind, BlockKind::Paragraph | BlockKind::ListItem | BlockKind::Caption) {
        return false;
    }
    let n = words(&block.text);
    if n > LONGEST_PHRASE_RULE {
        // Too long for every rule but the citation's: no lowercase copy of a long paragraph.
        return block.kind != BlockKind::Caption && is_citation(&block.text);
    }
    let lower = block.text.to_lowercase();
    let has = |phrases: &[&str]| phrases.iter().any(|p| lower.contains(p));
    let disclaimer = n <= DEFAULT_MAX_DISCLAIMER_WORDS && has(DISCLAIMERS);
    match block.kind {
        BlockKind::Paragraph => {
            is_citation(&block.text)
                || (n <= DEFAULT_MAX_LEGAL_WORDS && has(LEGAL))
                || (n <= DEFAULT_MAX_CONSENT_WORDS && CONSENT_OPENINGS.iter().any(|p| lower.starts_with(p)))
                || (n <= DEFAULT_MAX_DATE_LINE_WORDS && is_date_stamp(&lower))
                || disclaimer
        }
        BlockKind::ListItem => disclaimer || is_citation(&block.text),
        BlockKind::Caption => disclaimer,
        _ => false,
    }
}

/// Whether a (lowercased) line is only a date, with a year, a month name and stamp words
/// ("posted", "updated on", a time of day): the page's dateline, which the metadata carries.
fn is_date_stamp(lower: &str) -> bool {
    let tokens: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).collect();
    let year = tokens.iter().any(|t| t.len() == 4 && (t.starts_with("19") || t.starts_with("20")) && t.chars().all(|c| c.is_ascii_digit()));
    let month = tokens.iter().any(|t| MONTHS.contains(t));
    let other = tokens.iter().any(|t| !MONTHS.contains(t) && !STAMP_WORDS.contains(t) && !t.chars().all(|c| c.is_ascii_digit()));
    year && month && !other
}

/// An entry of a reference list in the Vancouver style ("Hu FB, Willett WC. Diet quality…
/// 2014"): authors as a surname and initials, and a year. The article's sources, not its text.
fn is_citation(text: &str) -> bool {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let initials = |t: &str| {
        let letters = t.trim_end_matches([',', '.']);
        t.len() > letters.len() && (1..=3).contains(&letters.len()) && letters.chars().all(|c| c.is_ascii_uppercase())
    };
    let surname = |t: &str| t.chars().next().is_some_and(char::is_uppercase) && t.chars().all(|c| c.is_alphabetic() || matches!(c, '\'' | '’' | '-'));
    let authors = tokens.windows(2).filter(|w| surname(w[0]) && initials(w[1])).count();
    let year = text.split(|c: char| !c.is_ascii_digit()).any(|t| t.len() == 4 && (t.starts_with("19") || t.starts_with("20")));
    authors >= DEFAULT_MIN_CITED_AUTHORS && year
}

fn words(text: &str) -> usize {
    text.split_whitespace().map(|w| if w.chars().any(is_cjk) { w.chars().filter(|c| is_cjk(*c)).count() } else { 1 }).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::blocks::from_html;

    #[test]
    fn copyright_and_consent_lines_go_and_the_rest_is_renumbered() {
        let blocks = from_html(
            "<p>By signing up, you agree to receive marketing messages.</p><p>The article's first paragraph.</p>\
             <p>© 2025 Example Media. All Rights Reserved.</p><p>The article's last paragraph.</p>",
        );
        let kept = filter(blocks);
        let texts: Vec<(&str, &str)> = kept.iter().map(|b| (b.id.as_str(), b.text.as_str())).collect();
        assert_eq!(texts, [("b1", "The article's first paragraph."), ("b2", "The article's last paragraph.")]);
    }

    #[test]
    fn date_stamp_lines_go_and_sentences_with_dates_stay() {
        let blocks = from_html(
            "<p>Updated on June 18, 2025 at 12:35 PM</p><p>| December 17, 2025</p><p>The article's first paragraph.</p>\
             <p>On May 3, 2024 the council voted.</p><p>Posted 2025-12-12</p>",
        );
        let texts: Vec<String> = filter(blocks).into_iter().map(|b| b.text).collect();
        assert_eq!(texts, ["The article's first paragraph.", "On May 3, 2024 the council voted.", "Posted 2025-12-12"]);
    }

    #[test]
    fn a_reference_entry_goes_however_long_and_a_long_caption_stays() {
        let title = "on the long-term effects of diet quality ".repeat(12);
        let html = format!(
            "<p>The article's paragraph.</p><ol><li>Hu FB, Willett WC, Stampfer MJ, Manson JE. {title}. JAMA 2014;312:1-9.</li></ol>\
             <figure><img src=a.png><figcaption>A caption that may earn a mention {title}</figcaption></figure>"
        );
        let blocks = from_html(&html);
        assert!(blocks.iter().any(|b| b.kind == BlockKind::ListItem && words(&b.text) > LONGEST_PHRASE_RULE));
        let kinds: Vec<BlockKind> = filter(blocks).into_iter().map(|b| b.kind).collect();
        assert_eq!(kinds, [BlockKind::Paragraph, BlockKind::Caption]);
    }

    #[test]
    fn a_long_paragraph_about_copyright_and_a_lone_block_stay() {
        let long = format!("<p>All rights reserved is a phrase {}</p>", "from the history of copyright law, ".repeat(8));
        assert_eq!(filter(from_html(&long)).len(), 1);
        assert_eq!(filter(from_html("<p>© 2025 Example.</p>")).len(), 1, "never an empty article");
    }
}
