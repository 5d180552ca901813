//! The fuzz targets, in one place: `examples/fuzz.rs` drives them with mutated inputs and
//! `tests/fuzz_regressions.rs` replays the corpus and every saved crash through them.
//!
//! A target takes arbitrary bytes and returns `Err` when a cheap invariant breaks; a panic is a
//! crash. Everything a target varies (split points, chunk size) is derived from the input bytes,
//! so a saved input replays exactly.

use gloss::llm::{StreamDecoder, StreamEvent};
use gloss::llm::wire::Wire;
use gloss::text::{is_safe_href, spans_text, Span};
use gloss::translate::{ChunkOutcome, TranslationParser};
use gloss::{Block, BlockKind, ExtractOptions, GlossError};

/// One thing to fuzz.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `gloss::extract` on a page, then `extract_with` taking the input as the reader's selection.
    Extract,
    /// A stream decoder, fed whole, in pieces split at input-derived points, and byte by byte.
    Stream(Wire),
    /// `TranslationParser` reading a model's `[[n]]` answer, whole and in pieces.
    Translation,
    /// `digest::parse` on an answer and on a few of its prefixes (as while streaming).
    Digest,
    /// `markdown::parse_inline` with links allowed (http only) and with none allowed.
    Inline,
}

impl Target {
    pub const ALL: [Target; 8] = [
        Target::Extract,
        Target::Stream(Wire::Anthropic),
        Target::Stream(Wire::OpenAi),
        Target::Stream(Wire::Gemini),
        Target::Stream(Wire::OllamaNative),
        Target::Translation,
        Target::Digest,
        Target::Inline,
    ];

    /// The name on the command line and in corpus and crash file names.
    pub fn name(self) -> &'static str {
        match self {
            Target::Extract => "extract",
            Target::Stream(Wire::Anthropic) => "stream-anthropic",
            Target::Stream(Wire::OpenAi) => "stream-openai",
            Target::Stream(Wire::Gemini) => "stream-gemini",
            Target::Stream(Wire::OllamaNative) => "stream-ollama",
            Target::Translation => "translation",
            Target::Digest => "digest",
            Target::Inline => "inline",
        }
    }

    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Largest input the driver generates. Extraction is capped so that one input is cheap
    /// enough for thousands of runs and a slow one is a finding, not the norm.
    pub fn max_len(self) -> usize {
        match self {
            Target::Extract => 64 * 1024,
            Target::Stream(_) | Target::Translation | Target::Digest => 16 * 1024,
            Target::Inline => 4 * 1024,
        }
    }

    /// Runs one input. `Err` names the invariant that broke.
    pub fn run(self, data: &[u8]) -> Result<(), String> {
        match self {
            Target::Extract => extract(data),
            Target::Stream(wire) => stream(wire, data),
            Target::Translation => translation(data),
            Target::Digest => digest(data),
            Target::Inline => inline(data),
        }
    }
}

/// Stack for the thread that runs a target. wasm32's default stack is 1 MiB, and in the
/// extension a stack overflow kills the worker; natively the main thread has 8 MiB, which would
/// hide deep recursion the extension cannot survive.
pub const STACK_BYTES: usize = 1024 * 1024;

/// FNV-1a: names crash files and seeds the split points of an input.
pub fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// SplitMix64: a tiny deterministic PRNG, used by the targets and the driver alike.
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform-enough in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        usize::try_from(self.next_u64() % n as u64).unwrap_or(0)
    }
}

/// Sorted cut points in `1..len` (a few, input-derived) where the input is split into pushes.
fn cut_points(data: &[u8], len: usize, rng: &mut Rng) -> Vec<usize> {
    if len < 2 {
        return Vec::new();
    }
    let count = 1 + rng.below(8.min(len - 1));
    let mut cuts: Vec<usize> = (0..count).map(|_| 1 + rng.below(len - 1)).collect();
    // Also cut right after a `\r` now and then, the classic split-CRLF case.
    if let Some(cr) = data.iter().position(|&b| b == b'\r') {
        if cr + 1 < len && rng.below(2) == 0 {
            cuts.push(cr + 1);
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

fn check_spans(spans: &[Span], what: &str, allowed: &dyn Fn(&str) -> bool) -> Result<(), String> {
    for span in spans {
        if span.text.is_empty() {
            return Err(format!("{what}: empty span"));
        }
        if let Some(href) = &span.href {
            if !allowed(href) {
                return Err(format!("{what}: link {href:?} was not allowed"));
            }
        }
    }
    Ok(())
}

// ---- extraction ----

/// The page around a fuzzed selection.
const PAGE: &str = "<html lang=en><head><title>Page</title></head><body><p>Some page text.</p></body></html>";

fn extract(data: &[u8]) -> Result<(), String> {
    // The extension hands the core a JS string, which is always valid Unicode.
    let html = String::from_utf8_lossy(data);
    let url = Some("https://example.com/fuzz/page.html");
    if let Ok(article) = gloss::extract(&html, url) {
        check_blocks(&article.blocks, "article")?;
    }
    // A selection is raw page HTML, not dom_smoothie's cleaned output.
    let options = ExtractOptions { selection_html: Some(html.into_owned()), ..ExtractOptions::default() };
    if let Ok(article) = gloss::extract_with(PAGE, url, &options) {
        check_blocks(&article.blocks, "selection")?;
    }
    Ok(())
}

fn check_blocks(blocks: &[Block], what: &str) -> Result<(), String> {
    for (i, block) in blocks.iter().enumerate() {
        if block.id != format!("b{}", i + 1) {
            return Err(format!("{what}: block {i} has id {:?}", block.id));
        }
        if block.text.trim().is_empty() {
            return Err(format!("{what}: block {} is empty", block.id));
        }
        if spans_text(&block.spans) != block.text {
            return Err(format!("{what}: block {} text differs from its spans", block.id));
        }
        check_spans(&block.spans, what, &is_safe_href)?;
    }
    Ok(())
}

// ---- stream decoders ----

/// What a caller folds a stream into; the error ends it.
#[derive(Debug, Default, PartialEq)]
struct Folded {
    text: String,
    reasoning: String,
    usage: Option<(Option<u64>, Option<u64>)>,
    stop: Option<Option<String>>,
    error: Option<GlossError>,
}

fn decode(wire: Wire, pieces: &[&[u8]]) -> Result<Folded, String> {
    let mut decoder = StreamDecoder::new(wire);
    let mut folded = Folded::default();
    let mut events = Vec::new();
    for piece in pieces {
        match decoder.push(piece) {
            Ok(evs) => events.extend(evs),
            Err(e) => {
                folded.error = Some(e);
                break;
            }
        }
    }
    if folded.error.is_none() {
        match decoder.finish() {
            Ok(evs) => events.extend(evs),
            Err(e) => folded.error = Some(e),
        }
    }
    if let Some(e) = &folded.error {
        // A failed decoder stays failed with the same error.
        if decoder.push(b"data: {}\n\n").as_ref().err() != Some(e) || decoder.finish().as_ref().err() != Some(e) {
            return Err(format!("decoder did not stay failed with {e:?}"));
        }
    }
    for (i, event) in events.iter().enumerate() {
        match event {
            StreamEvent::Text { text } | StreamEvent::Reasoning { text } if text.is_empty() => {
                return Err("empty text event".into());
            }
            StreamEvent::Text { text } => folded.text.push_str(text),
            StreamEvent::Reasoning { text } => folded.reasoning.push_str(text),
            StreamEvent::Usage { input_tokens, output_tokens } => folded.usage = Some((*input_tokens, *output_tokens)),
            StreamEvent::Done { stop_reason } => {
                if i + 1 != events.len() {
                    return Err("events after Done".into());
                }
                folded.stop = Some(stop_reason.clone());
            }
        }
    }
    if folded.error.is_none() && folded.stop.is_none() {
        return Err("finish() returned Ok without a Done event".into());
    }
    Ok(folded)
}

/// However the bytes are split into pushes, the stream decodes to the same text and end, or
/// fails with the same error (text decoded before an error may differ, since the error wins
/// within a push, but only by how much of it was kept).
fn stream(wire: Wire, data: &[u8]) -> Result<(), String> {
    let whole = decode(wire, &[data])?;
    let mut rng = Rng(fnv1a(data));
    let cuts = cut_points(data, data.len(), &mut rng);
    let mut pieces = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for &cut in &cuts {
        pieces.extend(data.get(start..cut));
        start = cut;
    }
    pieces.extend(data.get(start..));
    let split = decode(wire, &pieces)?;
    same_stream(&whole, &split, &format!("split at {cuts:?}"))?;
    if data.len() <= 2048 {
        let bytes: Vec<&[u8]> = data.chunks(1).collect();
        let bytewise = decode(wire, &bytes)?;
        same_stream(&whole, &bytewise, "byte by byte")?;
        // Before an error, byte by byte keeps every event that came before the failing line;
        // coarser pieces keep a prefix of those.
        if !bytewise.text.starts_with(&split.text) || !bytewise.reasoning.starts_with(&split.reasoning) {
            return Err(format!("text kept before the error is not a prefix:\n  split: {split:?}\n  bytes: {bytewise:?}"));
        }
    }
    Ok(())
}

fn same_stream(whole: &Folded, other: &Folded, how: &str) -> Result<(), String> {
    let same = match (&whole.error, &other.error) {
        (None, None) => whole == other,
        (a, b) => a == b,
    };
    if same {
        Ok(())
    } else {
        Err(format!("decoded differently {how}:\n  whole: {whole:?}\n  split: {other:?}"))
    }
}

// ---- translation answers ----

/// The chunk the answer is read against: 1–8 blocks (input-derived), each with one link, so
/// the "only the source's own links" rule is exercised.
fn chunk_blocks(rng: &mut Rng) -> Vec<Block> {
    let count = 1 + rng.below(8);
    (1..=count)
        .map(|i| {
            let text = format!("Source paragraph {i} with a link.");
            Block {
                id: format!("b{}", 100 + i),
                kind: BlockKind::Paragraph,
                level: None,
                text: text.clone(),
                spans: vec![
                    Span::plain(format!("Source paragraph {i} with a ")),
                    Span { text: "link".into(), href: Some(format!("https://example.com/{i}")), ..Span::default() },
                    Span::plain("."),
                ],
            }
        })
        .collect()
}

fn translation(data: &[u8]) -> Result<(), String> {
    let answer = String::from_utf8_lossy(data);
    let mut rng = Rng(fnv1a(data));
    let blocks = chunk_blocks(&mut rng);
    let languages_differ = rng.below(2) == 0;
    let refs: Vec<&Block> = blocks.iter().collect();
    let ids: Vec<&str> = blocks.iter().map(|b| b.id.as_str()).collect();
    let link_of = |id: &str| blocks.iter().find(|b| b.id == id).and_then(|b| b.spans.get(1)).and_then(|s| s.href.clone());
    let check = |block: &gloss::translate::TranslatedBlock, what: &str| -> Result<(), String> {
        if !ids.contains(&block.id.as_str()) {
            return Err(format!("{what}: unknown block id {:?}", block.id));
        }
        let own = link_of(&block.id);
        check_spans(&block.spans, what, &|href| own.as_deref() == Some(href))
    };

    let mut whole = TranslationParser::new(&refs, languages_differ);
    let update = whole.push(&answer);
    for block in update.completed.iter().chain(update.partial.as_ref()) {
        check(block, "whole push")?;
    }
    let whole = whole.finish(true);

    // The same answer in pieces cut at character boundaries.
    let cuts = cut_points(data, answer.len(), &mut rng);
    let mut split = TranslationParser::new(&refs, languages_differ);
    let mut start = 0;
    for end in cuts.into_iter().chain([answer.len()]) {
        let Some(piece) = answer.get(start..end) else { continue };
        let update = split.push(piece);
        for block in update.completed.iter().chain(update.partial.as_ref()) {
            check(block, "split push")?;
        }
        start = end;
    }
    let split = split.finish(true);
    if whole != split {
        return Err(format!("answer read differently in pieces:\n  whole: {whole:?}\n  split: {split:?}"));
    }

    let mut cut = TranslationParser::new(&refs, languages_differ);
    cut.push(&answer);
    for outcome in [whole, cut.finish(false)] {
        check_outcome(&outcome, &ids)?;
        for block in &outcome.translated {
            check(block, "outcome")?;
        }
    }
    Ok(())
}

/// Every block of the chunk is reported exactly once, as translated or failed. Order is not
/// checked here: both lists are sorted before they are compared.
fn check_outcome(outcome: &ChunkOutcome, ids: &[&str]) -> Result<(), String> {
    let mut reported: Vec<&str> = outcome.translated.iter().map(|b| b.id.as_str()).collect();
    reported.extend(outcome.failed.iter().map(String::as_str));
    reported.sort_unstable();
    let mut want = ids.to_vec();
    want.sort_unstable();
    if reported != want {
        return Err(format!("outcome does not cover the chunk once: {outcome:?}"));
    }
    Ok(())
}

// ---- digest and inline Markdown ----

fn digest(data: &[u8]) -> Result<(), String> {
    let answer = String::from_utf8_lossy(data);
    let mut rng = Rng(fnv1a(data));
    // While streaming, the panel re-parses every prefix of the answer.
    let mut ends: Vec<usize> = (0..3).map(|_| rng.below(answer.len() + 1)).collect();
    ends.push(answer.len());
    for end in ends {
        let Some(prefix) = answer.get(..end) else { continue };
        let d = gloss::digest::parse(prefix);
        for spans in d.key_points.iter().chain(&d.summary).chain(d.details.iter().map(|p| &p.text)) {
            check_spans(spans, "digest", &is_safe_href)?;
        }
    }
    Ok(())
}

fn inline(data: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(data);
    check_spans(&gloss::text::markdown::parse_inline(&text, &gloss::text::markdown::any_http), "http links", &is_safe_href)?;
    check_spans(&gloss::text::markdown::parse_inline(&text, &|_| false), "no links", &|_| false)
}
