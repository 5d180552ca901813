//! Word-level scoring of an extraction against a reference text, shared by the Mozilla cases
//! (`tests/extraction.rs`) and the dev-set harness (`tests/eval/extraction.rs`): bag-of-words
//! precision, recall and F1 over lower-cased words, as article-extraction benchmarks score it.

use std::collections::HashMap;

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
