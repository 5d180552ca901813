//! Offline extractive digest: the article's most central sentences as key points and summary, when there is no API key.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::article::{Block, BlockKind};
use crate::text::{collapse_whitespace, is_cjk};

mod clause;
pub mod measure;

use clause::key_clause;
pub(crate) use clause::word_count;

/// How many key points the digest offers. Default 3, the same count the LLM digest asks for.
pub const DEFAULT_KEY_POINTS: usize = 3;
/// How many sentences make up the summary, none of them a key point's. Default 4.
pub const DEFAULT_SUMMARY_SENTENCES: usize = 4;
/// Each of the article's `DEFAULT_KEY_POINTS` equal parts gives its best sentence as a key point if that scores at
/// least this share of the best candidate anywhere; otherwise the best of the rest fills in. Default 0.3.
pub const KEY_POINT_FLOOR: f64 = 0.3;
/// A sentence holding this share of a key point's content words repeats it, and stays out of the summary. Default 0.6.
pub const SUMMARY_REPEAT_SHARE: f64 = 0.6;
/// Cosine similarity (TF-IDF) above which a candidate repeats an already chosen sentence. Default 0.5.
pub const DUPLICATE_SIMILARITY: f64 = 0.5;
/// Sentences with fewer words than this rarely stand on their own. Default 6.
pub const SHORT_SENTENCE_WORDS: usize = 6;
/// Sentences with more words than this are usually run-ons or lists, poor as a point. Default 60.
pub const LONG_SENTENCE_WORDS: usize = 60;
/// Score multiplier for short sentences. Default 0.5.
pub const SHORT_SENTENCE_FACTOR: f64 = 0.5;
/// Score multiplier for long sentences. Default 0.6.
pub const LONG_SENTENCE_FACTOR: f64 = 0.6;
/// Score multiplier for questions: they raise a point rather than state it. Default 0.5.
pub const QUESTION_FACTOR: f64 = 0.5;
/// Score multiplier for quote attributions (`"…," she said.`): a voice, not the article's claim. Default 0.6.
pub const ATTRIBUTION_FACTOR: f64 = 0.6;
/// Extra score share for the very first sentence; articles tend to lead with their point. Default 0.15.
pub const EARLY_POSITION_BONUS: f64 = 0.15;
/// Share of the article over which the early bonus fades linearly to nothing. Default 0.25.
pub const EARLY_POSITION_SHARE: f64 = 0.25;
/// Spaced-script terms shorter than this (in chars) carry no topic. Default 2, which keeps "AI" or "EU".
pub const MIN_TERM_CHARS: usize = 2;
/// Centrality floor so that, when no sentences share terms, position and shape still rank them. Default 0.001.
pub const BASE_CENTRALITY: f64 = 0.001;

/// One sentence of the article, with the block it came from so the panel can scroll to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sentence {
    pub text: String,
    pub block_id: String,
    /// Order among the article's sentences, from 0.
    pub position: usize,
}

/// The offline digest: a few key points and a short summary, both in document order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtractiveDigest {
    pub key_points: Vec<Sentence>,
    pub summary: Vec<Sentence>,
}

/// Lowercase stopwords: English plus the commonest Spanish, French and German function words.
#[rustfmt::skip]
const STOPWORDS: &[&str] = &[
    // English
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "as", "at",
    "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do",
    "does", "doing", "don", "down", "during", "each", "even", "few", "for", "from", "further", "had", "has", "have",
    "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "however", "i", "if", "in",
    "into", "is", "isn", "it", "its", "itself", "just", "ll", "many", "may", "me", "might", "more", "most", "much",
    "must", "my", "no", "nor", "not", "now", "of", "off", "on", "once", "one", "only", "or", "other", "our", "ours",
    "out", "over", "own", "re", "said", "same", "says", "she", "should", "so", "some", "such", "than", "that", "the",
    "their", "theirs", "them", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under",
    "until", "up", "us", "ve", "very", "was", "wasn", "we", "were", "what", "when", "where", "which", "while", "who",
    "whom", "why", "will", "with", "would", "you", "your", "yours",
    // Spanish
    "al", "como", "con", "del", "el", "en", "es", "esta", "este", "la", "las", "lo", "los", "más", "para", "pero",
    "por", "que", "se", "sin", "sobre", "su", "sus", "también", "un", "una", "y",
    // French
    "au", "aux", "ce", "ces", "dans", "de", "des", "du", "elle", "est", "et", "il", "ils", "le", "les", "leur", "mais",
    "ne", "nous", "ou", "où", "pas", "plus", "pour", "qui", "sa", "ses", "son", "sont", "sur", "une", "vous",
    // German
    "auch", "auf", "aus", "bei", "das", "dass", "dem", "den", "der", "des", "die", "ein", "eine", "einem", "einen",
    "einer", "es", "für", "hat", "im", "ist", "mit", "nach", "nicht", "noch", "oder", "sich", "sind", "und", "von",
    "war", "wie", "wird", "zu", "über",
];

/// Words that end in a period without ending the sentence, compared lowercase without the period.
/// Left out on purpose: "etc", "inc", "co", "no" and "mar" (Spanish "sea"), which often do end one.
#[rustfmt::skip]
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "sr", "sra", "srta", "dra", "jr", "st", "mt", "gen", "gov", "sen", "rep", "col",
    "lt", "capt", "sgt", "rev", "hon", "pres", "fig", "vol", "vs", "cf", "approx", "dept", "jan", "feb", "apr",
    "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "bzw", "ca",
];

/// Verbs that mark a quote attribution in the languages the stopword list covers.
#[rustfmt::skip]
const SPEECH_VERBS: &[&str] = &[
    "said", "says", "told", "added", "asked", "explained", "noted", "stated", "wrote", "insisted", "argued",
    "dijo", "afirmó", "explicó", "dit", "déclaré", "expliqué", "sagte", "sagt", "erklärte",
];

/// Quotation marks (not apostrophes, which also serve inside words).
const QUOTE_MARKS: &[char] = &['"', '“', '”', '„', '«', '»', '「', '」', '『', '』'];

/// Splits the prose blocks into sentences, numbered in document order.
///
/// Breaks after `.`, `!`, `?` or `…` followed by whitespace (any closing quotes or brackets stay with the sentence),
/// except after abbreviations ("Dr.", "e.g.", "U.S.", single initials as in "J. Smith") or before a lowercase
/// word; decimals ("3.5") never break since no space follows. CJK `。！？` break with no space. A blank line inside
/// a block also breaks. Headings, code, table rows and captions contribute nothing.
pub fn split_sentences(blocks: &[Block]) -> Vec<Sentence> {
    let mut sentences = Vec::new();
    for block in
        blocks.iter().filter(|b| matches!(b.kind, BlockKind::Paragraph | BlockKind::ListItem | BlockKind::Quote))
    {
        for piece in split_text(&block.text) {
            sentences.push(Sentence {
                text: collapse_whitespace(piece),
                block_id: block.id.clone(),
                position: sentences.len(),
            });
        }
    }
    sentences
}

/// Scores sentences by TF-IDF centrality and picks the key points and summary. Deterministic, linear in the text.
///
/// 1. Split the prose into sentences and score each by its centrality (see `centrality`).
/// 2. Key points: the best sentence of each third of the article (by words), not a question, quotation or fragment,
///    and not repeating another point; each cut to its main clause (`clause::key_clause`).
/// 3. Summary: the best remaining sentences, with a bonus for the opening, none repeating a key point or each other.
/// 4. Both in the article's order.
pub fn extractive_digest(blocks: &[Block]) -> ExtractiveDigest {
    let sentences = split_sentences(blocks);
    let vectors = tfidf_vectors(&sentences);
    let centrality = centrality(&sentences, &vectors);
    let points = pick_key_points(&sentences, &vectors, &centrality);
    let mut key_points: Vec<Sentence> = points
        .iter()
        .filter_map(|&i| sentences.get(i))
        .map(|s| Sentence { text: key_clause(&s.text), ..s.clone() })
        .collect();
    let point_terms: Vec<HashSet<String>> = key_points.iter().map(|k| terms(&k.text).into_iter().collect()).collect();

    let scores: Vec<f64> = sentences
        .iter()
        .zip(&centrality)
        .map(|(s, c)| c * position_factor(s.position, sentences.len()) * shape_factor(&s.text))
        .collect();
    let mut chosen: Vec<usize> = Vec::with_capacity(DEFAULT_SUMMARY_SENTENCES);
    for candidate in ranked(&scores) {
        if chosen.len() >= DEFAULT_SUMMARY_SENTENCES {
            break;
        }
        if points.contains(&candidate) || repeats(candidate, points.iter().chain(&chosen), &sentences, &vectors) {
            continue;
        }
        let words: HashSet<String> =
            sentences.get(candidate).map(|s| terms(&s.text).into_iter().collect()).unwrap_or_default();
        if !point_terms.iter().any(|p| contained(p, &words) >= SUMMARY_REPEAT_SHARE) {
            chosen.push(candidate);
        }
    }
    chosen.sort_unstable();
    key_points.sort_by_key(|s| s.position);
    ExtractiveDigest { key_points, summary: chosen.iter().filter_map(|&i| sentences.get(i).cloned()).collect() }
}

/// Share of `part`'s terms that are in `whole`; 0 when `part` has none.
fn contained(part: &HashSet<String>, whole: &HashSet<String>) -> f64 {
    if part.is_empty() {
        return 0.0;
    }
    part.intersection(whole).count() as f64 / part.len() as f64
}

/// Indices by score, best first; ties go to the earlier sentence so the result never depends on sort internals.
fn ranked(scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| {
        let (sa, sb) = (scores.get(a).copied().unwrap_or(0.0), scores.get(b).copied().unwrap_or(0.0));
        sb.total_cmp(&sa).then(a.cmp(&b))
    });
    order
}

/// Whether sentence `candidate` is too similar to any of `chosen`. Identical text also counts: sentences of
/// stopwords only have empty vectors and no similarity.
fn repeats<'a>(
    candidate: usize,
    mut chosen: impl Iterator<Item = &'a usize>,
    sentences: &[Sentence],
    vectors: &[TermVector],
) -> bool {
    let empty = TermVector::new();
    let vector = |i: usize| vectors.get(i).unwrap_or(&empty);
    let text = |i: usize| sentences.get(i).map_or(String::new(), |s| s.text.to_lowercase());
    chosen.any(|&c| dot(vector(candidate), vector(c)) > DUPLICATE_SIMILARITY || text(candidate) == text(c))
}

/// Where each sentence sits in the article: the middle of its words, as a share of all the prose's words.
fn places(sentences: &[Sentence]) -> Vec<f64> {
    let words: Vec<usize> = sentences.iter().map(|s| word_count(&s.text)).collect();
    let total = words.iter().sum::<usize>().max(1) as f64;
    let mut before = 0;
    words
        .iter()
        .map(|&w| {
            let middle = (before as f64 + w as f64 / 2.0) / total;
            before += w;
            middle
        })
        .collect()
}

/// Whether a sentence can stand as a key point: long enough, a statement, and the article's own voice.
fn is_point_candidate(text: &str) -> bool {
    let trimmed = text.trim_end_matches(|c: char| is_closer(c) || c.is_whitespace());
    word_count(text) >= SHORT_SENTENCE_WORDS
        && !trimmed.ends_with(['?', '？', ':', '：'])
        && !text.starts_with(QUOTE_MARKS)
        && !is_attribution(text)
}

/// Whether sentence `i` may join the key points `chosen` in one pass of `pick_key_points`.
type Allowed<'a> = dyn Fn(usize, &[usize]) -> bool + 'a;

/// The key points' sentences: the best candidate of each equal part of the article when it is good enough, then the
/// best of the rest away from those, then (in short articles) any sentence that repeats none chosen.
fn pick_key_points(sentences: &[Sentence], vectors: &[TermVector], centrality: &[f64]) -> Vec<usize> {
    let count = DEFAULT_KEY_POINTS;
    let scores: Vec<f64> = sentences
        .iter()
        .zip(centrality)
        .map(|(s, c)| if is_point_candidate(&s.text) { c * shape_factor(&s.text) } else { 0.0 })
        .collect();
    let score = |i: usize| scores.get(i).copied().unwrap_or(0.0);
    let places = places(sentences);
    let place = |i: usize| places.get(i).copied().unwrap_or(0.0);
    let floor = scores.iter().copied().fold(0.0, f64::max) * KEY_POINT_FLOOR;
    let mut chosen: Vec<usize> = Vec::with_capacity(count);
    for part in 0..count {
        let part_of = |i: usize| ((place(i) * count as f64) as usize).min(count - 1);
        let best = (0..sentences.len())
            .filter(|&i| part_of(i) == part && score(i) > 0.0 && score(i) >= floor)
            .filter(|&i| !repeats(i, chosen.iter(), sentences, vectors))
            .max_by(|&a, &b| score(a).total_cmp(&score(b)).then(b.cmp(&a)));
        chosen.extend(best);
    }
    let gap = 0.5 / count as f64;
    let order = ranked(&scores);
    let passes: [&Allowed; 3] = [
        &|i, chosen| score(i) > 0.0 && chosen.iter().all(|&c| (place(c) - place(i)).abs() >= gap),
        &|i, _| score(i) > 0.0,
        &|_, _| true,
    ];
    for allowed in passes {
        for &i in &order {
            if chosen.len() >= count {
                return chosen;
            }
            if !chosen.contains(&i) && allowed(i, &chosen) && !repeats(i, chosen.iter(), sentences, vectors) {
                chosen.push(i);
            }
        }
    }
    chosen
}

/// Splits one block's text into trimmed sentence slices.
pub(crate) fn split_text(text: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let char_at = |i: usize| chars.get(i).map(|&(_, c)| c);
    let byte_at = |i: usize| chars.get(i).map_or(text.len(), |&(b, _)| b);

    let mut pieces = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while let Some(c) = char_at(i) {
        if is_cjk_terminator(c) {
            let mut j = i + 1;
            while char_at(j).is_some_and(|c| is_cjk_terminator(c) || is_closer(c)) {
                j += 1;
            }
            push_piece(&mut pieces, text, start, byte_at(j));
            start = byte_at(j);
            i = j;
        } else if is_terminator(c) {
            let mut j = i + 1;
            while char_at(j).is_some_and(is_terminator) {
                j += 1;
            }
            // Only a lone period can belong to an abbreviation; "?!" or "..." cannot.
            let lone_period = c == '.' && j == i + 1;
            while char_at(j).is_some_and(is_closer) {
                j += 1;
            }
            let followed_by_space = char_at(j).is_some_and(char::is_whitespace);
            let next_word_lowercase =
                chars.iter().skip(j).map(|&(_, c)| c).find(|c| !c.is_whitespace()).is_some_and(char::is_lowercase);
            let before = text.get(start..byte_at(i)).unwrap_or("");
            if followed_by_space && !next_word_lowercase && !(lone_period && ends_with_abbreviation(before)) {
                push_piece(&mut pieces, text, start, byte_at(j));
                start = byte_at(j);
            }
            i = j;
        } else {
            if c == '\n' {
                let mut j = i + 1;
                while char_at(j).is_some_and(|c| c != '\n' && c.is_whitespace()) {
                    j += 1;
                }
                if char_at(j) == Some('\n') {
                    push_piece(&mut pieces, text, start, byte_at(i));
                    start = byte_at(i);
                }
            }
            i += 1;
        }
    }
    push_piece(&mut pieces, text, start, text.len());
    pieces
}

/// Keeps `text[from..to]`, trimmed, if it has any letter or digit (a stray "…" or ")" is no sentence).
fn push_piece<'a>(pieces: &mut Vec<&'a str>, text: &'a str, from: usize, to: usize) {
    let piece = text.get(from..to).unwrap_or("").trim();
    if piece.chars().any(char::is_alphanumeric) {
        pieces.push(piece);
    }
}

fn is_terminator(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '…')
}

fn is_cjk_terminator(c: char) -> bool {
    matches!(c, '。' | '！' | '？')
}

/// Closing quotes and brackets that belong to the sentence they follow.
fn is_closer(c: char) -> bool {
    matches!(c, '"' | '\'' | '”' | '’' | '»' | '›' | ')' | ']' | '}' | '」' | '』' | '）' | '】' | '》' | '〉')
}

/// Whether the text before a period ends in an abbreviation, a dotted acronym or a single initial.
fn ends_with_abbreviation(before: &str) -> bool {
    let word = before
        .rsplit(char::is_whitespace)
        .next()
        .unwrap_or("")
        .trim_start_matches(['(', '[', '"', '\'', '“', '‘', '«', '¿', '¡']);
    let mut chars = word.chars();
    if let (Some(only), None) = (chars.next(), chars.next()) {
        return only.is_uppercase();
    }
    // "e.g", "U.S", "a.m", "Ph.D": short letter groups joined by periods.
    if word.contains('.') {
        return word
            .split('.')
            .all(|part| (1..=2).contains(&part.chars().count()) && part.chars().all(char::is_alphabetic));
    }
    ABBREVIATIONS.contains(&word.to_lowercase().as_str())
}

/// A sparse term vector: (term id, weight), sorted by id, unit length unless empty.
type TermVector = Vec<(usize, f64)>;

/// Builds one unit-length TF-IDF vector per sentence, with sentences as the IDF documents.
fn tfidf_vectors(sentences: &[Sentence]) -> Vec<TermVector> {
    let stopwords: HashSet<&str> = STOPWORDS.iter().copied().collect();
    let mut vocabulary: HashMap<String, usize> = HashMap::new();
    let mut terms = Vec::new();
    let mut counts: Vec<Vec<(usize, f64)>> = Vec::with_capacity(sentences.len());
    for sentence in sentences {
        terms.clear();
        push_terms(&sentence.text, &stopwords, &mut terms);
        let mut ids: Vec<usize> = terms
            .drain(..)
            .map(|term| {
                let next = vocabulary.len();
                *vocabulary.entry(term).or_insert(next)
            })
            .collect();
        ids.sort_unstable();
        let mut tf: Vec<(usize, f64)> = Vec::new();
        for id in ids {
            match tf.last_mut() {
                Some((last, count)) if *last == id => *count += 1.0,
                _ => tf.push((id, 1.0)),
            }
        }
        counts.push(tf);
    }

    let mut document_frequency = vec![0usize; vocabulary.len()];
    for tf in &counts {
        for &(id, _) in tf {
            if let Some(df) = document_frequency.get_mut(id) {
                *df += 1;
            }
        }
    }
    let n = sentences.len() as f64;
    counts
        .into_iter()
        .map(|tf| {
            // Sublinear TF keeps a repeated word from drowning out the rest of the sentence; the smoothed IDF stays
            // positive for terms in every sentence, since those carry the theme centrality should find.
            let mut vector: TermVector = tf
                .into_iter()
                .map(|(id, count)| {
                    let df = document_frequency.get(id).copied().unwrap_or(1).max(1) as f64;
                    (id, (1.0 + count.ln()) * (1.0 + n / df).ln())
                })
                .collect();
            let norm = vector.iter().map(|&(_, w)| w * w).sum::<f64>().sqrt();
            if norm > 0.0 {
                for (_, w) in &mut vector {
                    *w /= norm;
                }
            }
            vector
        })
        .collect()
}

/// The lowercase content terms of `text`, as the scoring sees them (see `push_terms`).
pub(crate) fn terms(text: &str) -> Vec<String> {
    let stopwords: HashSet<&str> = STOPWORDS.iter().copied().collect();
    let mut out = Vec::new();
    push_terms(text, &stopwords, &mut out);
    out
}

/// Appends the lowercase terms of `text`: words of spaced scripts (stopwords and very short words dropped, English
/// plurals folded) and character bigrams of CJK runs, which have no spaces to split on.
fn push_terms(text: &str, stopwords: &HashSet<&str>, out: &mut Vec<String>) {
    let mut word = String::new();
    let mut run: Vec<char> = Vec::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if is_cjk(c) {
            flush_word(&mut word, stopwords, out);
            run.push(c);
        } else if c.is_alphanumeric() {
            flush_run(&mut run, out);
            word.push(c);
        } else {
            flush_word(&mut word, stopwords, out);
            flush_run(&mut run, out);
        }
    }
    flush_word(&mut word, stopwords, out);
    flush_run(&mut run, out);
}

fn flush_word(word: &mut String, stopwords: &HashSet<&str>, out: &mut Vec<String>) {
    if word.chars().count() >= MIN_TERM_CHARS && !stopwords.contains(word.as_str()) {
        out.push(fold_plural(word));
    }
    word.clear();
}

fn flush_run(run: &mut Vec<char>, out: &mut Vec<String>) {
    if let [only] = run.as_slice() {
        out.push(only.to_string());
    }
    for pair in run.windows(2) {
        // Two hiragana in a row are almost always grammar (particles, verb endings), not topic.
        if let [a, b] = pair {
            if !(is_hiragana(*a) && is_hiragana(*b)) {
                out.push([*a, *b].iter().collect());
            }
        }
    }
    run.clear();
}

fn is_hiragana(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{309F}')
}

/// Folds English plurals ("colonies" → "colony", "bees" → "bee") so both forms count as one term. ASCII only, and
/// leaves "-ss", "-us", "-is" words ("process", "virus", "analysis") alone.
fn fold_plural(word: &str) -> String {
    if word.is_ascii() && word.len() >= 4 && !word.ends_with("ss") && !word.ends_with("us") && !word.ends_with("is") {
        if let Some(stem) = word.strip_suffix("ies").filter(|stem| stem.len() >= 2) {
            return format!("{stem}y");
        }
        if let Some(stem) = word.strip_suffix('s') {
            return stem.to_string();
        }
    }
    word.to_string()
}

/// Dot product of two sparse vectors by merging their sorted ids.
fn dot(a: &TermVector, b: &TermVector) -> f64 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0);
    while let (Some(&(ia, wa)), Some(&(ib, wb))) = (a.get(i), b.get(j)) {
        match ia.cmp(&ib) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += wa * wb;
                i += 1;
                j += 1;
            }
        }
    }
    sum
}

/// Each sentence's centrality: mean cosine similarity to every other sentence (degree centrality, as in LexRank),
/// plus `BASE_CENTRALITY`. The sum of similarities is the dot product with the sum of all vectors minus the self term,
/// so this is linear in the text rather than quadratic in sentences, and needs no candidate cap.
fn centrality(sentences: &[Sentence], vectors: &[TermVector]) -> Vec<f64> {
    let dimensions = vectors.iter().filter_map(|v| v.last()).map(|&(id, _)| id + 1).max().unwrap_or(0);
    let mut total = vec![0.0; dimensions];
    for &(id, w) in vectors.iter().flatten() {
        if let Some(t) = total.get_mut(id) {
            *t += w;
        }
    }
    let others = sentences.len().saturating_sub(1).max(1) as f64;
    vectors
        .iter()
        .map(|vector| {
            let with_all: f64 = vector.iter().map(|&(id, w)| w * total.get(id).copied().unwrap_or(0.0)).sum();
            // Clamped because rounding can leave a lone sentence a hair below zero.
            ((with_all - dot(vector, vector)) / others).max(0.0) + BASE_CENTRALITY
        })
        .collect()
}

/// A bonus for the opening sentences, fading linearly over the first `EARLY_POSITION_SHARE` of the article.
fn position_factor(position: usize, count: usize) -> f64 {
    let relative = position as f64 / count.max(1) as f64;
    1.0 + EARLY_POSITION_BONUS * (1.0 - relative / EARLY_POSITION_SHARE).max(0.0)
}

/// Penalties for sentences that make poor points on their own: too short, too long, questions, quotations.
fn shape_factor(text: &str) -> f64 {
    let words = word_count(text);
    let mut factor = 1.0;
    if words < SHORT_SENTENCE_WORDS {
        factor *= SHORT_SENTENCE_FACTOR;
    } else if words > LONG_SENTENCE_WORDS {
        factor *= LONG_SENTENCE_FACTOR;
    }
    if text.trim_end_matches(|c: char| is_closer(c) || c.is_whitespace()).ends_with(['?', '？']) {
        factor *= QUESTION_FACTOR;
    }
    // A quotation standing alone is a voice too, even with its speaker in the sentence before.
    if is_attribution(text) || text.starts_with(QUOTE_MARKS) {
        factor *= ATTRIBUTION_FACTOR;
    }
    factor
}

/// A quotation with a speech verb, such as `"We are losing colonies," said one beekeeper.`
fn is_attribution(text: &str) -> bool {
    text.contains(QUOTE_MARKS)
        && text.split(|c: char| !c.is_alphanumeric()).any(|w| SPEECH_VERBS.contains(&w.to_lowercase().as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(id: &str, kind: BlockKind, text: &str) -> Block {
        Block { id: id.to_string(), kind, level: None, text: text.to_string(), spans: Vec::new() }
    }

    fn paragraphs(texts: &[&str]) -> Vec<Block> {
        texts.iter().enumerate().map(|(i, t)| block(&format!("b{}", i + 1), BlockKind::Paragraph, t)).collect()
    }

    fn texts(sentences: &[Sentence]) -> Vec<&str> {
        sentences.iter().map(|s| s.text.as_str()).collect()
    }

    fn split(text: &str) -> Vec<String> {
        split_sentences(&paragraphs(&[text])).into_iter().map(|s| s.text).collect()
    }

    #[test]
    fn abbreviations_initials_and_decimals_do_not_end_sentences() {
        assert_eq!(
            split(
                "Dr. Smith met Mr. Jones in the U.S. capital. Prices rose 3.5 percent, e.g. in March. \
                 J. Smith agreed! Was it enough? Yes."
            ),
            [
                "Dr. Smith met Mr. Jones in the U.S. capital.",
                "Prices rose 3.5 percent, e.g. in March.",
                "J. Smith agreed!",
                "Was it enough?",
                "Yes."
            ]
        );
    }

    #[test]
    fn lowercase_continuation_and_ellipsis() {
        assert_eq!(
            split("It weighs approx. five kilos... or so. Then it broke… Nobody knew why."),
            ["It weighs approx. five kilos... or so.", "Then it broke…", "Nobody knew why."]
        );
    }

    #[test]
    fn cjk_terminators_split_without_spaces() {
        assert_eq!(
            split("今天天气很好。我们去公园吧！你来吗？「好的。」他说"),
            ["今天天气很好。", "我们去公园吧！", "你来吗？", "「好的。」", "他说"]
        );
    }

    #[test]
    fn closing_quotes_and_brackets_stay_with_their_sentence() {
        assert_eq!(
            split("She said, \"It works.\" Then she left. (This was an aside.) “Really?” Yes, really.'"),
            ["She said, \"It works.\"", "Then she left.", "(This was an aside.)", "“Really?”", "Yes, really.'"]
        );
    }

    #[test]
    fn newlines_and_blank_lines() {
        assert_eq!(
            split("First line ends here.\nSecond starts here\n\nA new paragraph without a stop"),
            ["First line ends here.", "Second starts here", "A new paragraph without a stop"]
        );
    }

    #[test]
    fn headings_code_tables_and_captions_are_ignored() {
        let blocks = vec![
            block("b1", BlockKind::Heading, "A heading. With two sentences."),
            block("b2", BlockKind::Code, "let x = 1. Not prose."),
            block("b3", BlockKind::Paragraph, "Only this counts. And this."),
            block("b4", BlockKind::TableRow, "Cell one. Cell two."),
            block("b5", BlockKind::Caption, "A photo caption."),
            block("b6", BlockKind::ListItem, "A list item."),
            block("b7", BlockKind::Quote, "A quoted line."),
        ];
        let sentences = split_sentences(&blocks);
        assert_eq!(texts(&sentences), ["Only this counts.", "And this.", "A list item.", "A quoted line."]);
        assert_eq!(sentences.iter().map(|s| s.block_id.as_str()).collect::<Vec<_>>(), ["b3", "b3", "b6", "b7"]);
        assert_eq!(sentences.iter().map(|s| s.position).collect::<Vec<_>>(), [0, 1, 2, 3]);
    }

    const THESIS: &str = "The collapse of honeybee colonies threatens the crops that depend on honeybee pollination.";
    const OFF_TOPIC: &str = "The city council approved a new parking garage next to the football stadium on Tuesday.";

    fn bee_article() -> Vec<Block> {
        let mut blocks = vec![block("b0", BlockKind::Heading, "Why honeybee colonies are collapsing")];
        blocks.extend(paragraphs(&[
            "Spring arrived early this year in the valley. Honeybee colonies across Europe are collapsing at an \
             alarming rate. Beekeepers report losing a third of their honeybee colonies every winter.",
            THESIS,
            "Scientists blame pesticides, parasites and poor nutrition for the collapse of the colonies. \
             Neonicotinoid pesticides weaken the honeybee immune system and disorient foraging bees. \
             Varroa mites spread viruses through weakened honeybee colonies.",
            OFF_TOPIC,
            "Farmers who grow almonds and apples rent honeybee colonies for crop pollination each spring. \
             Without honeybee pollination, almond crops would fall sharply. \
             Some farmers now plant wildflower strips to feed wild bees.",
            "What can ordinary people do about the collapse of honeybee colonies? \
             Planting flowers and avoiding pesticides in gardens helps bees.",
            "\"We are losing honeybee colonies faster than we can rebuild them,\" said one beekeeper.",
            "Researchers hope that breeding mite-resistant honeybee colonies will slow the collapse.",
        ]));
        blocks
    }

    #[test]
    fn key_points_carry_the_dominant_theme() {
        let digest = extractive_digest(&bee_article());
        let points = texts(&digest.key_points);
        assert_eq!(points.len(), DEFAULT_KEY_POINTS);
        assert!(points.contains(&THESIS), "{points:?}");
        assert!(points.iter().all(|p| p.contains("honeybee")), "{points:?}");
        assert!(!points.contains(&OFF_TOPIC), "{points:?}");
        assert!(!texts(&digest.summary).contains(&OFF_TOPIC));
        assert!(!texts(&digest.summary).contains(&"Spring arrived early this year in the valley."));
    }

    #[test]
    fn summary_is_ordered_and_repeats_no_key_point() {
        let digest = extractive_digest(&bee_article());
        assert_eq!(digest.summary.len(), DEFAULT_SUMMARY_SENTENCES);
        assert!(digest.summary.windows(2).all(|w| w[0].position < w[1].position));
        for point in &digest.key_points {
            assert!(digest.summary.iter().all(|s| s.position != point.position), "{point:?} in {:?}", digest.summary);
            let words: HashSet<String> = terms(&point.text).into_iter().collect();
            for s in &digest.summary {
                let found = terms(&s.text).into_iter().filter(|t| words.contains(t)).collect::<HashSet<_>>().len();
                assert!((found as f64) < measure::REPEAT_OVERLAP * words.len() as f64, "{point:?} repeated by {s:?}");
            }
        }
    }

    /// The digest as the panel gets it, for the measure.
    fn as_digest(d: &ExtractiveDigest) -> crate::digest::Digest {
        let spans = |s: &Sentence| vec![crate::text::Span::plain(s.text.clone())];
        crate::digest::Digest {
            key_points: d.key_points.iter().map(spans).collect(),
            key_point_sources: d.key_points.iter().map(|s| Some(s.block_id.clone())).collect(),
            summary: d.summary.iter().map(spans).collect(),
            ..crate::digest::Digest::default()
        }
    }

    /// Nine paragraphs on one theme: the three most central sentences all in the first third, weaker ones later.
    fn front_loaded_article() -> Vec<Block> {
        paragraphs(&[
            "Solar panels on home roofs lower the electricity bills of many families.",
            "Home batteries keep the local grid stable through the night for many families.",
            "Solar panels and home batteries lower electricity bills and ease the grid.",
            "The village council met on Monday evening to discuss new solar panels.",
            "Children at the school painted pictures of bright summer gardens and flowers.",
            "Neighbours argued about electricity bills at a crowded meeting in the hall.",
            "Engineers inspected the grid connection near the old railway station last week.",
            "The bakery on the corner sold bread and cakes to the early visitors.",
            "Some residents bought home batteries from a shop in the next town.",
        ])
    }

    #[test]
    fn key_points_are_spread_over_the_article() {
        let blocks = front_loaded_article();
        let digest = extractive_digest(&blocks);
        let blocks_of = |sentences: &[Sentence]| sentences.iter().map(|s| s.block_id.clone()).collect::<Vec<_>>();
        let sources = blocks_of(&digest.key_points);
        assert_eq!(sources.len(), DEFAULT_KEY_POINTS);
        // One from each third: b1-b3, b4-b6, b7-b9.
        let index = |id: &str| id.trim_start_matches('b').parse::<usize>().unwrap();
        let thirds: Vec<usize> = sources.iter().map(|id| (index(id) - 1) * 3 / blocks.len()).collect();
        assert_eq!(thirds, [0, 1, 2], "{:?}", texts(&digest.key_points));
        assert!(digest.key_points.windows(2).all(|w| w[0].position < w[1].position));
        let m = measure::measure(&blocks, &as_digest(&digest));
        assert!(measure::report(&[m]).mean_min_distance > 0.2);
    }

    #[test]
    fn a_part_with_nothing_on_the_theme_gives_no_key_point() {
        let mut blocks = front_loaded_article();
        blocks.truncate(6);
        blocks.extend(paragraphs(&[
            "The weather turned cold in November and the lake froze early.",
            "A new bakery opened on the high street selling rye bread and pastries.",
            "The football club won its first match of the season on Saturday afternoon.",
        ]));
        for (i, b) in blocks.iter_mut().enumerate() {
            b.id = format!("b{}", i + 1);
        }
        let digest = extractive_digest(&blocks);
        let points = texts(&digest.key_points);
        assert_eq!(points.len(), DEFAULT_KEY_POINTS);
        // The last third shares no word with the theme: its best sentence is under the floor, the rest fills in.
        assert!(digest.key_points.iter().all(|p| ["b7", "b8", "b9"].iter().all(|b| p.block_id != *b)), "{points:?}");
    }

    #[test]
    fn a_long_central_sentence_becomes_its_main_clause() {
        let long = "However, rooftop solar panels cut electricity bills for families by half, which is why installers \
                    in the region now have waiting lists that run well into the next spring and summer.";
        let mut blocks = front_loaded_article();
        blocks[0].text = long.into();
        let digest = extractive_digest(&blocks);
        let point = digest.key_points.iter().find(|p| p.block_id == "b1").unwrap();
        assert_eq!(point.text, "Rooftop solar panels cut electricity bills for families by half.");
        assert!(word_count(&point.text) <= clause::DEFAULT_KEY_POINT_WORDS);
        assert!(!digest.summary.iter().any(|s| s.text == long), "{:?}", digest.summary);
    }

    #[test]
    fn a_japanese_article_gets_spread_points_apart_from_its_summary() {
        let blocks = paragraphs(&[
            "日本では蜜蜂の数が急速に減っている。養蜂家は毎年の冬に多くの蜂群を失っている。",
            "科学者は農薬が蜜蜂の減少の主な原因だと考えている。",
            "今日の野球の試合は午後三時に始まる。",
            "しかし、蜜蜂の減少（特に都市部）は果物の受粉にも影響している。",
            "ダニも蜜蜂の蜂群を弱らせる原因になっている。",
            "農家は蜜蜂を借りて果物の受粉を行っている。",
            "研究者はダニに強い蜜蜂の育種で減少を止めたいと考えている。",
            "政府は農薬の使用を減らして蜜蜂を守る計画を発表した。",
        ]);
        let digest = extractive_digest(&blocks);
        let points = texts(&digest.key_points);
        assert_eq!(points.len(), DEFAULT_KEY_POINTS);
        assert!(points.iter().all(|p| p.contains("蜜蜂") && p.ends_with('。')), "{points:?}");
        assert!(!points.iter().any(|p| p.starts_with("しかし") || p.contains('（')), "{points:?}");
        assert!(!points.contains(&"今日の野球の試合は午後三時に始まる。"));
        let summary = texts(&digest.summary);
        assert!(!summary.is_empty() && points.iter().all(|p| !summary.contains(p)), "{summary:?}");
        let m = measure::measure(&blocks, &as_digest(&digest));
        assert_eq!(m.repeating_summary, 0, "{points:?} / {summary:?}");
        assert!(m.positions.iter().any(|&p| p > 0.66), "{:?}", m.positions);
    }

    #[test]
    fn key_points_are_in_document_order_and_near_duplicates_are_dropped() {
        let first = "Solar panels on home roofs convert sunlight into cheap electricity for families.";
        let second = "Solar panels on home roofs convert sunlight into cheap electricity for many families.";
        let blocks = paragraphs(&[
            "Solar power is changing how households pay for electricity.",
            first,
            "Batteries store solar electricity so homes can use it after sunset.",
            second,
            "Installers say solar panel prices fell by half in ten years, making solar electricity cheap.",
            "Grid operators must adapt to the midday surge of solar electricity from rooftops.",
            "The weather was mild.",
        ]);
        let digest = extractive_digest(&blocks);
        let points = texts(&digest.key_points);
        assert_eq!(points.len(), DEFAULT_KEY_POINTS);
        assert!(
            points.contains(&first) != points.contains(&second),
            "exactly one of the twins should be chosen: {points:?}"
        );
        assert!(digest.key_points.windows(2).all(|w| w[0].position < w[1].position), "{points:?}");
        let summary = texts(&digest.summary);
        assert!(!(summary.contains(&first) && summary.contains(&second)), "{summary:?}");
    }

    #[test]
    fn identical_stopword_only_sentences_are_chosen_once() {
        let digest = extractive_digest(&paragraphs(&["It is what it is.", "It is what it is.", "So it was."]));
        assert_eq!(texts(&digest.key_points), ["It is what it is.", "So it was."]);
    }

    #[test]
    fn short_articles_return_what_there_is() {
        let digest = extractive_digest(&paragraphs(&["Just one sentence about rivers and lakes."]));
        assert_eq!(texts(&digest.key_points), ["Just one sentence about rivers and lakes."]);
        assert!(digest.summary.is_empty(), "the one sentence is a key point, not repeated: {digest:?}");
    }

    #[test]
    fn empty_input_gives_empty_digest() {
        for blocks in [Vec::new(), vec![block("b1", BlockKind::Heading, "Only a heading.")], paragraphs(&["", "  …  "])]
        {
            let digest = extractive_digest(&blocks);
            assert!(digest.key_points.is_empty() && digest.summary.is_empty(), "{digest:?}");
        }
    }

    #[test]
    fn questions_and_attributions_are_penalised() {
        assert!(shape_factor("Why are so many honeybee colonies dying this year?") < 1.0);
        assert!(shape_factor("“Bees need clean flowers to survive,” said the head beekeeper.") < 1.0);
        assert!(shape_factor("\"A lamp on a rock is the simplest possible backup for the boats.\"") < 1.0);
        assert!(shape_factor("Bee colonies need clean flowers to survive the long winter.") == 1.0);
        assert!(shape_factor("Too short.") < 1.0);
    }

    #[test]
    fn cjk_text_is_tokenised_into_bigrams() {
        let stopwords: HashSet<&str> = STOPWORDS.iter().copied().collect();
        let mut terms = Vec::new();
        push_terms("蜜蜂减少 Bees", &stopwords, &mut terms);
        assert_eq!(terms, ["蜜蜂", "蜂减", "减少", "bee"]);
    }

    #[test]
    fn cjk_article_picks_the_theme() {
        let digest = extractive_digest(&paragraphs(&[
            "蜜蜂的数量正在迅速减少。科学家认为农药是蜜蜂减少的主要原因。今天的足球比赛在下午三点开始。\
             养蜂人每年冬天都会失去很多蜂群。蜜蜂减少会影响农作物的授粉。",
        ]));
        let points = texts(&digest.key_points);
        assert_eq!(points.len(), 3);
        assert!(!points.contains(&"今天的足球比赛在下午三点开始。"), "{points:?}");
    }

    #[test]
    fn digest_is_deterministic() {
        let blocks = bee_article();
        assert_eq!(extractive_digest(&blocks), extractive_digest(&blocks));
        let large = generated_article(2_000);
        assert_eq!(extractive_digest(&large), extractive_digest(&large));
    }

    #[test]
    fn serialises_in_camel_case() {
        let digest = extractive_digest(&paragraphs(&["Rivers carry water to the sea every single day."]));
        let json = serde_json::to_value(&digest).unwrap();
        assert_eq!(json["keyPoints"][0]["blockId"], "b1");
        assert_eq!(json["keyPoints"][0]["position"], 0);
        let back: ExtractiveDigest = serde_json::from_value(json).unwrap();
        assert_eq!(back, digest);
    }

    /// A pseudo-random article of about `words` words, the same on every run.
    fn generated_article(words: usize) -> Vec<Block> {
        const VOCABULARY: &[&str] = &[
            "river", "water", "energy", "market", "policy", "climate", "farmer", "city", "research", "data", "model",
            "school", "health", "price", "storm", "forest", "ocean", "budget", "vote", "court", "engine", "battery",
            "the", "a", "of", "and", "to", "in", "is", "that", "with", "for", "on", "new", "rising", "local", "global",
            "report", "study", "team", "system", "network", "growth", "risk", "supply", "demand", "crop", "harvest",
        ];
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = |bound: usize| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) as usize % bound
        };
        let mut blocks = Vec::new();
        let mut paragraph = String::new();
        let mut written = 0;
        while written < words {
            let length = 5 + next(25);
            for w in 0..length {
                let word = VOCABULARY[next(VOCABULARY.len())];
                if w == 0 {
                    let mut chars = word.chars();
                    paragraph.extend(chars.next().map(|c| c.to_ascii_uppercase()));
                    paragraph.push_str(chars.as_str());
                } else {
                    paragraph.push(' ');
                    paragraph.push_str(word);
                }
            }
            paragraph.push_str(if next(10) == 0 { "? " } else { ". " });
            written += length;
            if next(5) == 0 {
                blocks.push(block(&format!("b{}", blocks.len() + 1), BlockKind::Paragraph, paragraph.trim()));
                paragraph.clear();
            }
        }
        blocks.push(block(&format!("b{}", blocks.len() + 1), BlockKind::Paragraph, paragraph.trim()));
        blocks
    }

    #[test]
    fn ten_thousand_word_article_gives_three_key_points() {
        let blocks = generated_article(10_000);
        let started = std::time::Instant::now();
        let digest = extractive_digest(&blocks);
        eprintln!("10,000 words: {} sentences in {:?}", split_sentences(&blocks).len(), started.elapsed());
        assert_eq!(digest.key_points.len(), DEFAULT_KEY_POINTS);
        assert_eq!(digest.summary.len(), DEFAULT_SUMMARY_SENTENCES);
    }
}
