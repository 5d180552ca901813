//! The digest parser against answers as real models write them: one file per case in
//! tests/fixtures/digest-answers/, each run as its own test. A case file holds the answer, then a
//! line `===== expected =====` (or `===== expected while streaming =====` for an answer still
//! arriving) and the digest as `render` writes it. To add a case, write the answer and an empty
//! expectation, run with `GLOSS_BLESS=1` to fill it in, read it, and add its name to `cases!`.

use std::fs;
use std::path::{Path, PathBuf};

use gloss::digest::{read, ArticleRefs, Digest};
use gloss::text::markdown::to_markdown;

const COMPLETE: &str = "\n===== expected =====\n";
const STREAMING: &str = "\n===== expected while streaming =====\n";

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/digest-answers")
}

/// The article the answers are about: paragraphs b1–b30 and two links of its own.
fn refs() -> ArticleRefs {
    ArticleRefs::new((1..=30).map(|i| format!("b{i}")), ["https://example.com/ref".to_string(), "https://example.org/report".to_string()])
}

/// The digest as plain lines: sections in order, Markdown for inline styles and surviving
/// links, the cited paragraph in brackets, and the missed-format flag.
fn render(d: &Digest) -> String {
    let cite = |s: &Option<String>| s.as_ref().map(|id| format!(" [{id}]")).unwrap_or_default();
    let mut out = String::new();
    if !d.key_points.is_empty() {
        out.push_str("KEY POINTS\n");
        for (p, s) in d.key_points.iter().zip(d.key_point_sources.iter().chain(std::iter::repeat(&None))) {
            out.push_str(&format!("- {}{}\n", to_markdown(p), cite(s)));
        }
    }
    if !d.summary.is_empty() {
        out.push_str("SUMMARY\n");
        for p in &d.summary {
            out.push_str(&format!("{}\n", to_markdown(p)));
        }
    }
    if !d.details.is_empty() {
        out.push_str("DETAILS\n");
        for p in &d.details {
            out.push_str(&format!("- {} | {}{}\n", p.label, to_markdown(&p.text), cite(&p.source)));
        }
    }
    if d.format_missed {
        out.push_str("FORMAT MISSED\n");
    }
    out
}

fn run(name: &str) {
    let path = folder().join(format!("{name}.txt"));
    let source = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (answer, expected, complete) = match (source.split_once(COMPLETE), source.split_once(STREAMING)) {
        (Some((a, e)), None) => (a, e, true),
        (None, Some((a, e))) => (a, e, false),
        _ => panic!("{name}: one expectation line, `{}` or `{}`", COMPLETE.trim(), STREAMING.trim()),
    };
    // The answer's own last newline is the separator's: a streaming answer may end mid-line.
    let got = render(&read(answer, &refs(), complete));
    if std::env::var_os("GLOSS_BLESS").is_some() && got != expected {
        let sep = if complete { COMPLETE } else { STREAMING };
        fs::write(&path, format!("{answer}{sep}{got}")).unwrap_or_else(|e| panic!("{e}"));
        return;
    }
    assert_eq!(got, expected, "{name}: the answer was\n{answer}");
}

macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        $(#[test] fn $name() { run(&stringify!($name).replace('_', "-")); })*
        const NAMES: &[&str] = &[$(stringify!($name)),*];
    };
}

cases!(
    exact_format,
    prose,
    prose_with_preamble,
    bullets_only,
    bold_headings,
    numbered_headings,
    plain_headings_with_colons,
    title_before_headings,
    fenced_markdown,
    think_block,
    emoji_headings,
    german,
    french,
    spanish,
    japanese,
    chinese,
    unlisted_language_in_order,
    prose_under_headings,
    details_with_sub_headings,
    nested_detail_bullets,
    injected_link,
    invented_ids,
    streaming_mid_heading,
    streaming_prose,
    streaming_preamble,
);

#[test]
fn every_case_file_is_listed() {
    let mut files: Vec<String> = fs::read_dir(folder())
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".txt").map(|n| n.replace('-', "_")))
        .collect();
    files.sort();
    let mut listed: Vec<String> = NAMES.iter().map(|n| n.to_string()).collect();
    listed.sort();
    assert_eq!(files, listed, "each file in tests/fixtures/digest-answers/ runs as a case of its own");
}
