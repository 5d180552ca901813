//! Measures the offline extractive digest over the extraction dev set: each page is extracted with
//! `gloss::extract`, digested with `gloss::digest::offline`, and judged by `digest::extractive::measure`.
//!
//!     cargo run --release --example digest_measure -- [--devset DIR] [--label NAME] [--cache FILE] [--limit N]
//!         [--show N]
//!
//! DIR defaults to `$GLOSS_DEVSET`, else `../shared/fixtures/extraction-devset`. The table is printed and stored
//! under NAME (default `current`) in `tests/artifacts/extractive-digest.json`, beside the labels already there,
//! so a run before a change and one after sit side by side. `--cache FILE` keeps the extracted articles in FILE
//! (read when present), so that tuning the digest does not extract 700 pages each time. `--show N` also prints the
//! key points and summary of every Nth article, to read them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{json, Map, Value};

use gloss::digest::extractive::measure::{measure, report, ArticleMeasure, Report};
use gloss::digest::extractive::{extractive_digest, split_sentences};
use gloss::{digest, extract, Article};

const ARTIFACT: &str = "tests/artifacts/extractive-digest.json";

struct Options {
    devset: PathBuf,
    label: String,
    cache: Option<PathBuf>,
    limit: usize,
    show: usize,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        devset: std::env::var_os("GLOSS_DEVSET")
            .map_or_else(|| PathBuf::from("../shared/fixtures/extraction-devset"), PathBuf::from),
        label: "current".into(),
        cache: None,
        limit: usize::MAX,
        show: 0,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--devset" => o.devset = PathBuf::from(value()?),
            "--label" => o.label = value()?,
            "--cache" => o.cache = Some(PathBuf::from(value()?)),
            "--limit" => o.limit = value()?.parse().map_err(|e| format!("--limit: {e}"))?,
            "--show" => o.show = value()?.parse().map_err(|e| format!("--show: {e}"))?,
            other => return Err(format!("unexpected argument {other}")),
        }
    }
    Ok(o)
}

/// The dev set's articles, extracted, as (page id, article); pages that fail to extract are skipped and counted.
fn articles(o: &Options) -> Result<(Vec<(String, Article)>, usize), String> {
    if let Some(cached) = o.cache.as_deref().filter(|p| p.exists()) {
        let text = std::fs::read_to_string(cached).map_err(|e| format!("{}: {e}", cached.display()))?;
        let (list, failed): (Vec<(String, Article)>, usize) =
            serde_json::from_str(&text).map_err(|e| format!("cache: {e}"))?;
        return Ok((list.into_iter().take(o.limit).collect(), failed));
    }
    let manifest_path = o.devset.join("manifest.json");
    let manifest: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(&manifest_path).map_err(|e| format!("{}: {e}", manifest_path.display()))?,
    )
    .map_err(|e| format!("manifest: {e}"))?;
    let mut out = Vec::new();
    let mut failed = 0;
    for page in manifest.iter().take(o.limit) {
        let (Some(id), Some(file)) = (page["id"].as_str(), page["file"].as_str()) else { continue };
        let bytes = std::fs::read(o.devset.join(file)).map_err(|e| format!("{file}: {e}"))?;
        match gloss::article::charset::decode(&bytes).and_then(|html| extract(&html, page["url"].as_str())) {
            Ok(article) => out.push((id.to_string(), article)),
            Err(e) => {
                eprintln!("{id}: not extracted: {e}");
                failed += 1;
            }
        }
    }
    if let Some(cache) = &o.cache {
        let text = serde_json::to_string(&(&out, failed)).map_err(|e| format!("cache: {e}"))?;
        std::fs::write(cache, text).map_err(|e| format!("{}: {e}", cache.display()))?;
    }
    Ok((out, failed))
}

/// A row of the table: its name and how to write one report's cell.
type Row = (&'static str, fn(&Report) -> String);

fn table(labelled: &[(String, Report)]) -> String {
    let rows: [Row; 13] = [
        ("articles", |r| r.articles.to_string()),
        ("key points", |r| r.key_points.to_string()),
        ("empty digests", |r| r.empty_digests.to_string()),
        ("key point words, mean", |r| format!("{:.1}", r.mean_key_point_words)),
        ("key points over 25 words", |r| percent(r.long_key_point_share)),
        ("key points = whole sentence", |r| percent(r.whole_sentence_share)),
        ("key points repeating summary", |r| percent(r.repeats_summary_share)),
        ("pairwise key point overlap", |r| format!("{:.3}", r.pairwise_redundancy)),
        ("spread: mean distance", |r| format!("{:.3}", r.mean_spread)),
        ("spread: min distance", |r| format!("{:.3}", r.mean_min_distance)),
        ("key points in first 20%", |r| percent(r.opening_share)),
        ("coverage of content words", |r| percent(r.mean_coverage)),
        ("summary in article order", |r| percent(r.summary_in_order_share)),
    ];
    let mut out = format!("{:<30}", "measure");
    for (label, _) in labelled {
        out.push_str(&format!("{label:>12}"));
    }
    out.push('\n');
    for (name, cell) in &rows {
        out.push_str(&format!("{name:<30}"));
        for (_, r) in labelled {
            out.push_str(&format!("{:>12}", cell(r)));
        }
        out.push('\n');
    }
    out
}

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

fn run() -> Result<(), String> {
    let o = options()?;
    let (articles, failed) = articles(&o)?;
    let measures: Vec<ArticleMeasure> =
        articles.iter().map(|(_, a)| measure(&a.blocks, &digest::offline(a))).collect();
    let current = report(&measures);
    for (id, article) in articles.iter().step_by(o.show.max(1)).filter(|_| o.show > 0) {
        let sentences = split_sentences(&article.blocks);
        let d = extractive_digest(&article.blocks);
        println!("== {id} {}", article.title);
        for point in &d.key_points {
            println!("  - {} [{}]", point.text, point.block_id);
            let whole = sentences.get(point.position).map_or("", |s| s.text.as_str());
            if whole != point.text {
                println!("    from: {whole}");
            }
        }
        for s in &d.summary {
            println!("  > {}", s.text);
        }
    }

    let artifact = Path::new(ARTIFACT);
    let mut stored: Map<String, Value> = std::fs::read_to_string(artifact)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    stored.insert(o.label.clone(), json!({ "report": current, "notExtracted": failed }));
    let mut labelled: Vec<(String, Report)> = stored
        .iter()
        .filter(|(label, _)| **label != o.label)
        .filter_map(|(label, v)| Some((label.clone(), serde_json::from_value(v["report"].clone()).ok()?)))
        .collect();
    labelled.push((o.label.clone(), current));
    if let Some(dir) = artifact.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let text = serde_json::to_string_pretty(&stored).map_err(|e| e.to_string())?;
    std::fs::write(artifact, text + "\n").map_err(|e| format!("{ARTIFACT}: {e}"))?;
    print!("{}", table(&labelled));
    if failed > 0 {
        println!("({failed} pages not extracted)");
    }
    println!("written to {ARTIFACT}");
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("digest_measure: {e}");
            ExitCode::FAILURE
        }
    }
}
