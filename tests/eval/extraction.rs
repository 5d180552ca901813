//! The extraction harness (`npm run eval:extraction`): scores Gloss's extraction on the labelled
//! dev set (WCXB articles, `../shared/fixtures/extraction-devset`) and on Mozilla Readability's
//! test pages, and writes the figures into `tests/artifacts/`.
//!
//!     cargo run --release --example eval-extraction [-- --devset DIR] [--page ID]... [--blocks]
//!
//! With `--page`, the named pages are scored and printed, nothing is written; `--blocks` adds
//! every extracted block with the share of its words the reference has, and the reference's
//! paragraphs that were missed.
//!
//! The dev set is split by a fixed rule into a tuning half and a held-out half (FNV-1a hash of
//! the page id, even = tuning): tune on the first only, and report both. Scores are per page
//! (bag-of-words precision, recall, F1 as `tests/support/score.rs` computes them) and averaged
//! over pages. `tests/artifacts/extraction-baseline.json`, when present, is the run to compare
//! with: the report shows the change and the pages that moved most.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a harness: a failed read is a failed run

#[path = "../support/score.rs"]
mod support;

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use serde_json::{json, Value};
use support::{score_words, words, Score};

/// Worst pages listed in the report, per corpus.
const WORST: usize = 20;
/// Pages with moves this large against the baseline are listed.
const MOVED: f64 = 0.02;
/// A block counts as extra when less than this share of its words appear in the reference.
const EXTRA_BLOCK_SHARE: f64 = 0.5;

struct Page {
    id: String,
    domain: String,
    file: PathBuf,
    url: Option<String>,
    truth: String,
    title: Option<String>,
    without: Vec<String>,
}

#[derive(Clone)]
struct Outcome {
    id: String,
    domain: String,
    half: &'static str,
    score: Score,
    words: usize,
    ms: f64,
    error: Option<String>,
    readerable: bool,
    title_ok: Option<bool>,
    diagnosis: String,
}

/// Which half of the dev set a page is in: a fixed rule nobody tunes.
fn half(id: &str) -> &'static str {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in id.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    if hash % 2 == 0 { "tuning" } else { "held-out" }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn devset_dir(arg: Option<String>) -> PathBuf {
    let candidates = arg
        .or_else(|| std::env::var("GLOSS_DEVSET").ok())
        .map(PathBuf::from)
        .into_iter()
        .chain([repo().join("../shared/fixtures/extraction-devset"), repo().join("../../shared/fixtures/extraction-devset")]);
    let found = candidates.into_iter().find(|d| d.join("manifest.json").exists());
    found.unwrap_or_else(|| panic!("no dev set found: pass --devset DIR or set GLOSS_DEVSET"))
}

fn devset_pages(dir: &Path) -> Vec<Page> {
    let manifest: Vec<Value> = serde_json::from_str(&fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let truth: Value = serde_json::from_str(&fs::read_to_string(dir.join("truth.json")).unwrap()).unwrap();
    manifest
        .iter()
        .map(|entry| {
            let id = entry["id"].as_str().unwrap().to_string();
            let t = &truth[&id];
            Page {
                domain: entry["domain"].as_str().unwrap_or("").to_string(),
                file: dir.join(entry["file"].as_str().unwrap()),
                url: entry["url"].as_str().map(str::to_string),
                truth: t["articleBody"].as_str().unwrap_or("").to_string(),
                title: t["title"].as_str().map(str::to_string),
                without: t["without"].as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect()).unwrap_or_default(),
                id,
            }
        })
        .collect()
}

fn mozilla_pages() -> Vec<Page> {
    let root = repo().join("tests/fixtures/readability");
    let mut pages: Vec<Page> = fs::read_dir(&root)
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("source.html").exists())
        .map(|e| {
            let dir = e.path();
            let expected = fs::read_to_string(dir.join("expected.html")).unwrap();
            let meta: Value = serde_json::from_str(&fs::read_to_string(dir.join("expected-metadata.json")).unwrap()).unwrap();
            let id = e.file_name().to_string_lossy().into_owned();
            let mut truth = block_text_of(&expected);
            let source = fs::read_to_string(dir.join("source.html")).unwrap();
            if let Some((_, _, part)) = support::reference_addition(&id, &source) {
                truth = format!("{truth}\n\n{part}");
            }
            Page {
                id,
                domain: String::new(),
                file: dir.join("source.html"),
                url: Some("http://fakehost/test/page.html".into()),
                truth,
                title: meta["title"].as_str().map(gloss::text::collapse_whitespace),
                without: Vec::new(),
            }
        })
        .collect();
    pages.sort_by(|a, b| a.id.cmp(&b.id));
    pages
}

/// The reference text of an `expected.html`, paragraphs apart, for the diagnosis.
fn block_text_of(html: &str) -> String {
    let blocks = gloss::article::blocks::from_html(html);
    if blocks.is_empty() {
        return dom_query::Document::from(html).root().text().to_string();
    }
    blocks.iter().map(|b| b.text.as_str()).collect::<Vec<_>>().join("\n\n")
}

fn snippet(text: &str, max: usize) -> String {
    let flat = gloss::text::collapse_whitespace(text);
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max).collect();
    format!("{cut}…")
}

/// What went wrong on one page, in a line: the largest extra blocks, the largest missed
/// reference paragraphs, and boilerplate snippets the reference says must not be there.
fn diagnose(page: &Page, blocks: &[gloss::Block], output: &str, score: Score) -> String {
    let truth_words: HashSet<String> = words(&page.truth).into_iter().collect();
    let got_words: HashSet<String> = words(output).into_iter().collect();
    let mut parts = Vec::new();
    if score.precision < 0.97 {
        let mut extra: Vec<(usize, String)> = blocks
            .iter()
            .filter_map(|b| {
                let w = words(&b.text);
                let inside = w.iter().filter(|x| truth_words.contains(*x)).count();
                let share = inside as f64 / w.len().max(1) as f64;
                (share < EXTRA_BLOCK_SHARE).then(|| (w.len(), format!("{:?} \"{}\"", b.kind, snippet(&b.text, 60))))
            })
            .collect();
        extra.sort_by_key(|e| std::cmp::Reverse(e.0));
        let total: usize = extra.iter().map(|e| e.0).sum();
        if !extra.is_empty() {
            let top: Vec<String> = extra.iter().take(3).map(|e| format!("{} w {}", e.0, e.1)).collect();
            parts.push(format!("extra {} blocks, {total} words: {}", extra.len(), top.join("; ")));
        }
    }
    if score.recall < 0.97 {
        let mut missed: Vec<(usize, String)> = page
            .truth
            .split("\n\n")
            .filter_map(|para| {
                let w = words(para);
                let found = w.iter().filter(|x| got_words.contains(*x)).count();
                (!w.is_empty() && (found as f64) < 0.5 * w.len() as f64).then(|| (w.len(), snippet(para, 60)))
            })
            .collect();
        missed.sort_by_key(|e| std::cmp::Reverse(e.0));
        let total: usize = missed.iter().map(|e| e.0).sum();
        if !missed.is_empty() {
            let top: Vec<String> = missed.iter().take(3).map(|e| format!("{} w \"{}\"", e.0, e.1)).collect();
            parts.push(format!("missed {} paragraphs, {total} words: {}", missed.len(), top.join("; ")));
        }
    }
    let lower = gloss::text::collapse_whitespace(output).to_lowercase();
    let kept: Vec<String> = page.without.iter().filter(|s| !s.trim().is_empty() && lower.contains(&gloss::text::collapse_whitespace(s).to_lowercase())).map(|s| format!("\"{}\"", snippet(s, 40))).collect();
    if !kept.is_empty() {
        parts.push(format!("kept must-not snippets: {}", kept.join(", ")));
    }
    parts.join(" | ")
}

/// Every block of one page with the share of its words the reference has (`+` at least half),
/// then the reference paragraphs whose words are mostly missing (`-`).
fn print_blocks(page: &Page) {
    let html = String::from_utf8_lossy(&fs::read(&page.file).unwrap()).into_owned();
    let truth_words: HashSet<String> = words(&page.truth).into_iter().collect();
    println!("\n== {} ({})", page.id, page.url.as_deref().unwrap_or(""));
    let Ok(article) = gloss::extract(&html, page.url.as_deref()) else { return };
    let mut got_words = HashSet::new();
    for b in &article.blocks {
        let w = words(&b.text);
        let inside = w.iter().filter(|x| truth_words.contains(*x)).count();
        let share = inside as f64 / w.len().max(1) as f64;
        let mark = if share >= EXTRA_BLOCK_SHARE { '+' } else { ' ' };
        println!("{mark} {:>4} {:.2} {:?} {}", w.len(), share, b.kind, snippet(&b.text, 110));
        got_words.extend(w);
    }
    for para in page.truth.split("\n\n") {
        let w = words(para);
        let found = w.iter().filter(|x| got_words.contains(*x)).count();
        if !w.is_empty() && (found as f64) < 0.5 * w.len() as f64 {
            println!("- {:>4} {}", w.len(), snippet(para, 110));
        }
    }
}

fn run_page(page: &Page, half: &'static str) -> Outcome {
    let bytes = fs::read(&page.file).unwrap();
    // The browser hands over text already decoded; every dev-set page is UTF-8.
    let html = String::from_utf8_lossy(&bytes);
    let start = Instant::now();
    let result = gloss::extract(&html, page.url.as_deref());
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    let want = words(&page.truth);
    let mut outcome = Outcome {
        id: page.id.clone(),
        domain: page.domain.clone(),
        half,
        score: Score::default(),
        words: 0,
        ms,
        error: None,
        readerable: false,
        title_ok: None,
        diagnosis: String::new(),
    };
    match result {
        Ok(article) => {
            let output = article.blocks.iter().map(|b| b.text.as_str()).collect::<Vec<_>>().join("\n\n");
            let got = words(&output);
            outcome.score = score_words(&got, &want);
            outcome.words = got.len();
            outcome.readerable = article.readerable;
            outcome.title_ok = page.title.as_ref().map(|t| gloss::text::collapse_whitespace(t) == article.title);
            outcome.diagnosis = diagnose(page, &article.blocks, &output, outcome.score);
        }
        Err(e) => {
            outcome.error = Some(e.code().to_string());
            outcome.diagnosis = format!("error {}: {e}", e.code());
        }
    }
    outcome
}

fn run_all(pages: &[Page], halves: bool) -> Vec<Outcome> {
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::with_capacity(pages.len()));
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(2);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(page) = pages.get(i) else { break };
                let h = if halves { half(&page.id) } else { "all" };
                let outcome = run_page(page, h);
                results.lock().unwrap().push(outcome);
            });
        }
    });
    let mut out = results.into_inner().unwrap();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

#[derive(Default, Clone, Copy)]
struct Summary {
    pages: usize,
    precision: f64,
    recall: f64,
    f1: f64,
    empty: usize,
}

fn summarise<'a>(outcomes: impl Iterator<Item = &'a Outcome>) -> Summary {
    let mut s = Summary::default();
    for o in outcomes {
        s.pages += 1;
        s.precision += o.score.precision;
        s.recall += o.score.recall;
        s.f1 += o.score.f1;
        if o.words == 0 {
            s.empty += 1;
        }
    }
    let n = s.pages.max(1) as f64;
    Summary { precision: s.precision / n, recall: s.recall / n, f1: s.f1 / n, ..s }
}

fn summary_json(s: Summary) -> Value {
    let r = |x: f64| (x * 10_000.0).round() / 10_000.0;
    json!({ "pages": s.pages, "precision": r(s.precision), "recall": r(s.recall), "f1": r(s.f1), "empty": s.empty })
}

fn summary_line(label: &str, s: Summary, base: Option<&Value>) -> String {
    let delta = |field: &str, now: f64| {
        base.and_then(|b| b[field].as_f64()).map_or(String::new(), |was| format!(" ({:+.4})", now - was))
    };
    format!(
        "| {label} | {} | {:.4}{} | {:.4}{} | {:.4}{} | {} |\n",
        s.pages,
        s.precision,
        delta("precision", s.precision),
        s.recall,
        delta("recall", s.recall),
        s.f1,
        delta("f1", s.f1),
        s.empty
    )
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn worst_table(out: &mut String, outcomes: &[Outcome]) {
    let mut worst: Vec<&Outcome> = outcomes.iter().collect();
    worst.sort_by(|a, b| a.score.f1.total_cmp(&b.score.f1));
    out.push_str("| page | half | F1 | P | R | words | what went wrong |\n|---|---|---|---|---|---|---|\n");
    for o in worst.iter().take(WORST) {
        let what = o.diagnosis.replace('|', "/");
        let _ = writeln!(out, "| {} | {} | {:.3} | {:.3} | {:.3} | {} | {} |", o.id, o.half, o.score.f1, o.score.precision, o.score.recall, o.words, what);
    }
}

fn moved(out: &mut String, outcomes: &[Outcome], base: Option<&Value>) {
    let Some(pages) = base.and_then(|b| b.as_object()) else { return };
    let mut moves: Vec<(f64, &Outcome)> = outcomes.iter().filter_map(|o| pages.get(&o.id).and_then(Value::as_f64).map(|was| (o.score.f1 - was, o))).filter(|(d, _)| d.abs() >= MOVED).collect();
    moves.sort_by(|a, b| a.0.total_cmp(&b.0));
    let worse = moves.iter().filter(|m| m.0 < 0.0).count();
    let _ = writeln!(out, "\n{} pages moved by {MOVED} or more against the baseline: {} better, {worse} worse.\n", moves.len(), moves.len() - worse);
    for (d, o) in moves.iter().filter(|m| m.0 < 0.0).take(15) {
        let _ = writeln!(out, "- worse {d:+.3}: {} ({}) now {:.3}: {}", o.id, o.half, o.score.f1, o.diagnosis.replace('|', "/"));
    }
}

fn tsv(path: &Path, outcomes: &[Outcome]) {
    let mut s = String::from("id\tdomain\thalf\tf1\tprecision\trecall\twords\treaderable\terror\n");
    for o in outcomes {
        let _ = writeln!(s, "{}\t{}\t{}\t{:.4}\t{:.4}\t{:.4}\t{}\t{}\t{}", o.id, o.domain, o.half, o.score.f1, o.score.precision, o.score.recall, o.words, o.readerable, o.error.as_deref().unwrap_or(""));
    }
    fs::write(path, s).unwrap();
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut devset, mut only, mut show_blocks) = (None, Vec::new(), false);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--devset" => devset = args.next(),
            "--page" => only.extend(args.next()),
            "--blocks" => show_blocks = true,
            other => panic!("unknown argument {other}; usage: eval-extraction [--devset DIR] [--page ID]... [--blocks]"),
        }
    }
    let dir = devset_dir(devset);
    let mut dev = devset_pages(&dir);
    if !only.is_empty() {
        // One page, for a look at what goes wrong: print it and write nothing.
        dev.retain(|p| only.contains(&p.id));
        for o in run_all(&dev, true) {
            println!("{} {} F1 {:.4} P {:.4} R {:.4} words {} {:.1} ms\n  {}", o.id, o.half, o.score.f1, o.score.precision, o.score.recall, o.words, o.ms, o.diagnosis);
        }
        if show_blocks {
            dev.iter().for_each(print_blocks);
        }
        return;
    }
    let started = Instant::now();
    let dev_out = run_all(&dev, true);
    let dev_secs = started.elapsed().as_secs_f64();
    let moz = mozilla_pages();
    let moz_out = run_all(&moz, false);

    let artifacts = repo().join("tests/artifacts");
    fs::create_dir_all(&artifacts).unwrap();
    let baseline: Option<Value> = fs::read_to_string(artifacts.join("extraction-baseline.json")).ok().and_then(|s| serde_json::from_str(&s).ok());
    let base = |path: &[&str]| {
        let mut v = baseline.as_ref()?;
        for p in path {
            v = v.get(*p)?;
        }
        Some(v)
    };

    let all = summarise(dev_out.iter());
    let tuning = summarise(dev_out.iter().filter(|o| o.half == "tuning"));
    let held = summarise(dev_out.iter().filter(|o| o.half == "held-out"));
    let mozilla = summarise(moz_out.iter());
    let moz_below: Vec<&Outcome> = moz_out.iter().filter(|o| o.score.f1 < 0.98).collect();
    let moz_titles_wrong: Vec<&str> = moz_out.iter().filter(|o| o.title_ok == Some(false)).map(|o| o.id.as_str()).collect();
    let empty: Vec<&Outcome> = dev_out.iter().filter(|o| o.words == 0).collect();
    let refused: Vec<&str> = dev_out.iter().filter(|o| o.error.is_none() && !o.readerable).map(|o| o.id.as_str()).collect();
    let mut ms: Vec<f64> = dev_out.iter().map(|o| o.ms).collect();
    ms.sort_by(f64::total_cmp);

    let mut sites: BTreeMap<&str, Vec<&Outcome>> = BTreeMap::new();
    for o in &dev_out {
        sites.entry(o.domain.as_str()).or_default().push(o);
    }

    let mut md = String::new();
    md.push_str("# Extraction: figures from the harness\n\nWritten by `npm run eval:extraction` (`tests/eval/extraction.rs`); do not edit by hand.\n");
    md.push_str("Scores are word-level bag-of-words precision, recall and F1 per page, averaged over pages.\n");
    md.push_str("The dev set's halves: FNV-1a hash of the page id, even = tuning, odd = held out (never tuned on).\n");
    if baseline.is_some() {
        md.push_str("Figures in brackets: the change against `extraction-baseline.json`.\n");
    }
    md.push_str("\n## Dev set (WCXB v1.0 dev articles)\n\n| set | pages | precision | recall | F1 | empty |\n|---|---|---|---|---|---|\n");
    md.push_str(&summary_line("all", all, base(&["devset", "all"])));
    md.push_str(&summary_line("tuning half", tuning, base(&["devset", "tuning"])));
    md.push_str(&summary_line("held-out half", held, base(&["devset", "heldOut"])));
    md.push_str(&summary_line("Mozilla pages", mozilla, base(&["mozilla", "all"])));
    let _ = writeln!(md, "\nNative extraction time per dev-set page (release build, this machine): median {:.1} ms, p90 {:.1} ms; whole run {dev_secs:.0} s.", percentile(&ms, 0.5), percentile(&ms, 0.9));
    let _ = writeln!(md, "\nEmpty pages (no words extracted): {}{}", empty.len(), empty.iter().map(|o| format!("\n- {}: {}", o.id, o.diagnosis)).collect::<String>());
    let _ = writeln!(md, "\nPages the readerable check refuses: {} of {}{}", refused.len(), dev_out.len(), if refused.is_empty() { String::new() } else { format!(": {}", refused.join(", ")) });
    md.push_str("\n### Worst 20 dev-set pages\n\n");
    worst_table(&mut md, &dev_out);
    moved(&mut md, &dev_out, base(&["devsetPages"]));
    md.push_str("\n### Sites with more than one page\n\n| site | pages | F1 |\n|---|---|---|\n");
    for (site, outs) in sites.iter().filter(|(_, o)| o.len() > 1) {
        let s = summarise(outs.iter().copied());
        let _ = writeln!(md, "| {site} | {} | {:.3} |", s.pages, s.f1);
    }
    md.push_str("\nEvery page with its site, half and scores: `extraction-devset-pages.tsv`.\n");
    let _ = writeln!(md, "\n## Mozilla Readability's test pages\n\nBelow F1 0.98: {}{}\n\nTitle differs from expected-metadata.json: {}\n", moz_below.len(), moz_below.iter().map(|o| format!(" {} ({:.3})", o.id, o.score.f1)).collect::<String>(), if moz_titles_wrong.is_empty() { "none".to_string() } else { moz_titles_wrong.join(", ") });
    for (page, selector, why) in support::CORRECTED_REFERENCES {
        let _ = writeln!(md, "Reference corrected (`tests/support/score.rs`): {page} adds `{selector}` to expected.html: {why}\n");
    }
    md.push_str("### Worst 20 Mozilla pages\n\n");
    worst_table(&mut md, &moz_out);
    moved(&mut md, &moz_out, base(&["mozillaPages"]));

    let pages_f1 = |outs: &[Outcome]| -> Value { outs.iter().map(|o| (o.id.clone(), json!((o.score.f1 * 10_000.0).round() / 10_000.0))).collect::<serde_json::Map<_, _>>().into() };
    let summary = json!({
        "devset": { "all": summary_json(all), "tuning": summary_json(tuning), "heldOut": summary_json(held) },
        "mozilla": { "all": summary_json(mozilla), "below098": moz_below.iter().map(|o| o.id.clone()).collect::<Vec<_>>(), "titlesWrong": moz_titles_wrong },
        "empty": empty.iter().map(|o| o.id.clone()).collect::<Vec<_>>(),
        "notReaderable": refused,
        "devsetPages": pages_f1(&dev_out),
        "mozillaPages": pages_f1(&moz_out),
    });
    fs::write(artifacts.join("extraction.json"), serde_json::to_string_pretty(&summary).unwrap() + "\n").unwrap();
    fs::write(artifacts.join("extraction.md"), &md).unwrap();
    tsv(&artifacts.join("extraction-devset-pages.tsv"), &dev_out);
    tsv(&artifacts.join("extraction-mozilla-pages.tsv"), &moz_out);
    println!("dev set F1 {:.4} (P {:.4}, R {:.4}), tuning {:.4}, held-out {:.4}, empty {}; Mozilla F1 {:.4}, {} below 0.98; not readerable {}", all.f1, all.precision, all.recall, tuning.f1, held.f1, empty.len(), mozilla.f1, moz_below.len(), refused.len());
    println!("wrote {}", artifacts.join("extraction.md").display());
}
