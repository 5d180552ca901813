//! How good an offline digest is, in figures: key-point length, repetition of the summary, redundancy between key
//! points, how far they spread over the article, and how much of the article's vocabulary the digest covers.
//!
//! It reads the `Digest` the panel shows (not the extractor's internals), so the same measure judges any digest
//! maker. `examples/digest_measure.rs` runs it over the extraction dev set.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::article::{Block, BlockKind};
use crate::digest::extractive::{split_sentences, split_text, terms, word_count};
use crate::digest::Digest;
use crate::text::spans_text;

/// Token overlap at or above which a key point counts as repeating a summary sentence. Default 0.8.
pub const REPEAT_OVERLAP: f64 = 0.8;
/// Share of the article counted as its opening, for the "from the first lines" figure. Default 0.2.
pub const OPENING_SHARE: f64 = 0.2;

/// The figures for one article's digest.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArticleMeasure {
    /// Words in each key point (CJK counted as about two characters a word).
    pub key_point_words: Vec<usize>,
    /// Key points that are a whole sentence of the article, unchanged.
    pub whole_sentences: usize,
    /// Key points whose content words are at least `REPEAT_OVERLAP` inside one summary sentence.
    pub repeating_summary: usize,
    /// Overlap coefficient of the content words of each pair of key points.
    pub pair_overlaps: Vec<f64>,
    /// Where each key point's source block sits in the article, from 0 (start) to 1 (end).
    pub positions: Vec<f64>,
    /// Share of the article's content-word occurrences whose word appears somewhere in the digest.
    pub coverage: f64,
    /// Whether the summary's sentences that are found in the article come in the article's order.
    pub summary_in_order: bool,
    /// The article has prose but the digest has no key point.
    pub empty: bool,
}

/// The figures over a set of articles.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub articles: usize,
    pub key_points: usize,
    pub empty_digests: usize,
    pub mean_key_point_words: f64,
    /// Share of key points longer than 25 words.
    pub long_key_point_share: f64,
    pub whole_sentence_share: f64,
    pub repeats_summary_share: f64,
    /// Mean over articles of the mean pairwise overlap between key points.
    pub pairwise_redundancy: f64,
    /// Mean over articles of the mean distance between key points' sources, as a share of the article.
    pub mean_spread: f64,
    /// Mean over articles of the smallest distance between two key points' sources.
    pub mean_min_distance: f64,
    pub opening_share: f64,
    pub mean_coverage: f64,
    pub summary_in_order_share: f64,
}

fn is_prose(block: &Block) -> bool {
    matches!(block.kind, BlockKind::Paragraph | BlockKind::ListItem | BlockKind::Quote)
}

fn term_set(text: &str) -> HashSet<String> {
    terms(text).into_iter().collect()
}

/// Share of `a`'s terms that are also in `b`; 0 when `a` has none.
pub fn containment(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    if a.is_empty() {
        return 0.0;
    }
    a.intersection(b).count() as f64 / a.len() as f64
}

/// Shared terms over the smaller set's size (the overlap coefficient); 0 when either is empty.
pub fn overlap(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    let smaller = a.len().min(b.len());
    if smaller == 0 {
        return 0.0;
    }
    a.intersection(b).count() as f64 / smaller as f64
}

/// Each prose block's id and the middle of its words, as a share of the article's prose words.
pub fn block_positions(blocks: &[Block]) -> Vec<(&str, f64)> {
    let words: Vec<usize> = blocks.iter().filter(|b| is_prose(b)).map(|b| word_count(&b.text)).collect();
    let total = words.iter().sum::<usize>().max(1) as f64;
    let mut before = 0;
    blocks
        .iter()
        .filter(|b| is_prose(b))
        .zip(words)
        .map(|(block, count)| {
            let middle = (before as f64 + count as f64 / 2.0) / total;
            before += count;
            (block.id.as_str(), middle)
        })
        .collect()
}

/// Pairwise values of `items` under `f`, each unordered pair once.
fn pairs<T>(items: &[T], f: impl Fn(&T, &T) -> f64) -> Vec<f64> {
    let mut out = Vec::new();
    for (i, a) in items.iter().enumerate() {
        for b in items.iter().skip(i + 1) {
            out.push(f(a, b));
        }
    }
    out
}

/// Measures `digest` as made for the article of `blocks`.
pub fn measure(blocks: &[Block], digest: &Digest) -> ArticleMeasure {
    let sentences = split_sentences(blocks);
    let sentence_texts: HashSet<&str> = sentences.iter().map(|s| s.text.as_str()).collect();
    let points: Vec<String> = digest.key_points.iter().map(|p| spans_text(p).trim().to_string()).collect();
    let summary: Vec<String> = digest
        .summary
        .iter()
        .flat_map(|p| split_text(&spans_text(p)).into_iter().map(str::to_string).collect::<Vec<_>>())
        .collect();

    let point_terms: Vec<HashSet<String>> = points.iter().map(|p| term_set(p)).collect();
    let summary_terms: Vec<HashSet<String>> = summary.iter().map(|s| term_set(s)).collect();
    let repeating_summary = point_terms
        .iter()
        .filter(|p| summary_terms.iter().any(|s| containment(p, s) >= REPEAT_OVERLAP))
        .count();

    let places = block_positions(blocks);
    let positions = digest
        .key_point_sources
        .iter()
        .flatten()
        .filter_map(|id| places.iter().find(|(b, _)| b == id).map(|&(_, at)| at))
        .collect();

    let mut digest_terms: HashSet<String> = point_terms.iter().chain(&summary_terms).flatten().cloned().collect();
    for detail in &digest.details {
        digest_terms.extend(term_set(&format!("{} {}", detail.label, spans_text(&detail.text))));
    }
    let article_terms: Vec<String> = blocks.iter().filter(|b| is_prose(b)).flat_map(|b| terms(&b.text)).collect();
    let covered = article_terms.iter().filter(|t| digest_terms.contains(*t)).count();
    let coverage = if article_terms.is_empty() { 0.0 } else { covered as f64 / article_terms.len() as f64 };

    let found: Vec<usize> =
        summary.iter().filter_map(|s| sentences.iter().position(|a| a.text == *s)).collect();

    ArticleMeasure {
        key_point_words: points.iter().map(|p| word_count(p)).collect(),
        whole_sentences: points.iter().filter(|p| sentence_texts.contains(p.as_str())).count(),
        repeating_summary,
        pair_overlaps: pairs(&point_terms, overlap),
        positions,
        coverage,
        summary_in_order: found.windows(2).all(|w| w[0] < w[1]),
        empty: points.is_empty() && !sentences.is_empty(),
    }
}

fn mean(values: impl IntoIterator<Item = f64>) -> f64 {
    let (sum, count) = values.into_iter().fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if count == 0 { 0.0 } else { sum / count as f64 }
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

/// Sums the figures of many articles: shares of key points are pooled, spreads and overlaps averaged per article.
pub fn report(measures: &[ArticleMeasure]) -> Report {
    let key_points: usize = measures.iter().map(|m| m.key_point_words.len()).sum();
    let words: Vec<usize> = measures.iter().flat_map(|m| m.key_point_words.iter().copied()).collect();
    let positioned: Vec<&ArticleMeasure> = measures.iter().filter(|m| m.positions.len() >= 2).collect();
    let distances = |m: &ArticleMeasure| pairs(&m.positions, |a, b| (a - b).abs());
    let with_pairs = measures.iter().filter(|m| !m.pair_overlaps.is_empty());
    Report {
        articles: measures.len(),
        key_points,
        empty_digests: measures.iter().filter(|m| m.empty).count(),
        mean_key_point_words: mean(words.iter().map(|&w| w as f64)),
        long_key_point_share: share(words.iter().filter(|&&w| w > 25).count(), key_points),
        whole_sentence_share: share(measures.iter().map(|m| m.whole_sentences).sum(), key_points),
        repeats_summary_share: share(measures.iter().map(|m| m.repeating_summary).sum(), key_points),
        pairwise_redundancy: mean(with_pairs.map(|m| mean(m.pair_overlaps.iter().copied()))),
        mean_spread: mean(positioned.iter().map(|m| mean(distances(m)))),
        mean_min_distance: mean(positioned.iter().map(|m| distances(m).into_iter().fold(1.0, f64::min))),
        opening_share: share(
            measures.iter().flat_map(|m| &m.positions).filter(|&&p| p < OPENING_SHARE).count(),
            measures.iter().map(|m| m.positions.len()).sum(),
        ),
        mean_coverage: mean(measures.iter().filter(|m| !m.empty).map(|m| m.coverage)),
        summary_in_order_share: share(measures.iter().filter(|m| m.summary_in_order).count(), measures.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::DetailPoint;
    use crate::text::Span;

    fn paragraphs(texts: &[&str]) -> Vec<Block> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| Block {
                id: format!("b{}", i + 1),
                kind: BlockKind::Paragraph,
                level: None,
                text: t.to_string(),
                spans: Vec::new(),
            })
            .collect()
    }

    fn digest(points: &[(&str, &str)], summary: &str) -> Digest {
        Digest {
            key_points: points.iter().map(|(t, _)| vec![Span::plain(*t)]).collect(),
            key_point_sources: points.iter().map(|(_, id)| Some(id.to_string())).collect(),
            summary: vec![vec![Span::plain(summary)]],
            ..Digest::default()
        }
    }

    fn set(text: &str) -> HashSet<String> {
        term_set(text)
    }

    #[test]
    fn overlap_and_containment() {
        let a = set("honeybee colonies collapse");
        let b = set("Honeybee colonies collapse in winter across Europe");
        assert_eq!(containment(&a, &b), 1.0);
        assert_eq!(containment(&b, &a), 0.5, "three of honeybee, colony, collapse, winter, across, europe");
        assert_eq!(overlap(&a, &b), 1.0);
        assert_eq!(overlap(&a, &set("rivers flood valleys")), 0.0);
        assert_eq!(overlap(&a, &HashSet::new()), 0.0);
    }

    #[test]
    fn block_positions_are_word_midpoints() {
        let blocks = paragraphs(&["one two", "three four five six", "seven eight"]);
        let places = block_positions(&blocks);
        assert_eq!(places, [("b1", 0.125), ("b2", 0.5), ("b3", 0.875)]);
    }

    const ARTICLE: &[&str] = &[
        "Honeybee colonies are collapsing across Europe. Beekeepers lose a third of their hives each winter.",
        "Pesticides weaken the immune system of foraging honeybees.",
        "Varroa mites spread viruses between weakened colonies.",
        "Farmers rent colonies to pollinate almonds and apples.",
        "Researchers breed mite-resistant queens in laboratories across the continent to slow the losses.",
        "Some farmers now plant wildflower strips along their fields to feed wild bees through summer.",
    ];

    #[test]
    fn a_lead_digest_repeats_its_summary_and_bunches_at_the_start() {
        let blocks = paragraphs(ARTICLE);
        let lead = digest(
            &[
                ("Honeybee colonies are collapsing across Europe.", "b1"),
                ("Beekeepers lose a third of their hives each winter.", "b1"),
            ],
            "Honeybee colonies are collapsing across Europe. Beekeepers lose a third of their hives each winter.",
        );
        let m = measure(&blocks, &lead);
        assert_eq!(m.whole_sentences, 2);
        assert_eq!(m.repeating_summary, 2);
        assert_eq!(m.positions.len(), 2);
        assert!(m.positions.iter().all(|&p| p < OPENING_SHARE), "{:?}", m.positions);
        assert!(m.summary_in_order);
        let r = report(&[m]);
        assert_eq!(r.repeats_summary_share, 1.0);
        assert_eq!(r.mean_spread, 0.0);
        assert_eq!(r.opening_share, 1.0);
    }

    #[test]
    fn a_spread_digest_scores_apart_from_its_summary() {
        let blocks = paragraphs(ARTICLE);
        let spread = digest(
            &[("Honeybee colonies collapse", "b1"), ("Varroa mites spread viruses", "b3"), ("Farmers rent colonies", "b4")],
            "Farmers rent colonies to pollinate almonds and apples. Pesticides weaken the immune system of foraging \
             honeybees.",
        );
        let m = measure(&blocks, &spread);
        assert_eq!(m.whole_sentences, 0);
        // "Farmers rent colonies" sits inside the first summary sentence; the other two do not.
        assert_eq!(m.repeating_summary, 1);
        assert_eq!(m.key_point_words, [3, 4, 3]);
        assert!(!m.summary_in_order, "the summary runs backwards");
        let r = report(std::slice::from_ref(&m));
        // Sources at about 0.12, 0.41 and 0.52 of the article's words.
        assert!(r.mean_spread > 0.25 && r.mean_min_distance > 0.1, "{r:?}");
        assert!((r.repeats_summary_share - 1.0 / 3.0).abs() < 1e-9);
        // "colony" is in the first and last points, so that pair overlaps; the others share nothing.
        assert_eq!(m.pair_overlaps.iter().filter(|&&o| o > 0.0).count(), 1);
        assert!(m.coverage > 0.3 && m.coverage < 1.0, "{}", m.coverage);
    }

    #[test]
    fn details_count_towards_coverage_and_empty_digests_are_counted() {
        let blocks = paragraphs(ARTICLE);
        let mut d = digest(&[], "");
        assert!(measure(&blocks, &d).empty);
        assert_eq!(measure(&blocks, &d).coverage, 0.0);
        d.details.push(DetailPoint { label: "Mites".into(), text: vec![Span::plain("Varroa spreads viruses")], source: None });
        assert!(measure(&blocks, &d).coverage > 0.0);
        assert!(!measure(&[], &Digest::default()).empty, "no prose, nothing to miss");
        assert_eq!(report(&[measure(&blocks, &d)]).empty_digests, 1);
    }

    #[test]
    fn cjk_key_points_are_counted_in_words() {
        let blocks = paragraphs(&["蜜蜂の数が急速に減っている。農薬が主な原因だと科学者は考えている。"]);
        let d = digest(&[("農薬が主な原因", "b1")], "蜜蜂の数が急速に減っている。");
        let m = measure(&blocks, &d);
        assert_eq!(m.key_point_words, [4]);
        assert_eq!(m.repeating_summary, 0);
        assert_eq!(m.whole_sentences, 0);
    }
}
