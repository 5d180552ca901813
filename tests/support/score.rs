//! Word-level scoring of an extraction against a reference text, shared by the Mozilla cases
//! (`tests/extraction.rs`) and the dev-set harness (`tests/eval/extraction.rs`): bag-of-words
//! precision, recall and F1 over lower-cased words, as article-extraction benchmarks score it.

use std::collections::HashMap;

#[allow(dead_code)] // only the Mozilla cases and the harness read it
/// Mozilla pages whose `expected.html` lacks a part of the article, with the source element
/// that holds it and why: the reference is the expected text plus that element's. Every page,
/// these included, must reach F1 0.98 against its reference.
pub const CORRECTED_REFERENCES: &[(&str, &str, &str)] = &[(
    "mercurial",
    "#example-1-amend-a-shared-changeset",
    "Readability.js leaves out the section \"Example 1: Amend a shared changeset\" (10 paragraphs, \
     4 commands and 3 figure notes; about 470 words) between two sections it keeps: the page's own \
     table of contents, which the expected text keeps, lists it, and Example 2 begins \"This process \
     can repeat\", continuing it.",
)];

/// What a Mozilla page's reference adds to its expected text (`CORRECTED_REFERENCES`): the
/// selector, the reason and the added text, which must not be empty.
#[allow(dead_code)]
pub fn reference_addition(page: &str, source_html: &str) -> Option<(&'static str, &'static str, String)> {
    let (_, selector, why) = CORRECTED_REFERENCES.iter().find(|(p, _, _)| *p == page)?;
    let text = dom_query::Document::from(source_html).select_single(selector).text().to_string();
    assert!(!text.trim().is_empty(), "{page}: {selector} not in the source");
    Some((selector, why, text))
}

/// Lower-cased words (letters and digits), each CJK character a word of its own.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for ch in text.chars() {
        if gloss::text::is_cjk(ch) {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            out.push(ch.to_string());
        } else if ch.is_alphanumeric() {
            word.extend(ch.to_lowercase());
        } else if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// Word-level precision, recall and F1 of one extraction, counting repeats.
#[derive(Debug, Clone, Copy, Default)]
pub struct Score {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

#[allow(dead_code)] // the harness scores word lists it already has
pub fn score(got: &str, want: &str) -> Score {
    score_words(&words(got), &words(want))
}

pub fn score_words(got: &[String], want: &[String]) -> Score {
    if got.is_empty() || want.is_empty() {
        let same = if got.is_empty() && want.is_empty() { 1.0 } else { 0.0 };
        return Score { precision: same, recall: same, f1: same };
    }
    let mut counts: HashMap<&str, i64> = HashMap::new();
    for w in want {
        *counts.entry(w).or_default() += 1;
    }
    let mut overlap = 0usize;
    for w in got {
        if let Some(c) = counts.get_mut(w.as_str()) {
            if *c > 0 {
                *c -= 1;
                overlap += 1;
            }
        }
    }
    let precision = overlap as f64 / got.len() as f64;
    let recall = overlap as f64 / want.len() as f64;
    let f1 = if overlap == 0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
    Score { precision, recall, f1 }
}
