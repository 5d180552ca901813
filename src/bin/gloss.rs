//! `gloss`: Gloss's extraction and offline digest from the command line, for debugging a page
//! and for benchmarks.
//!
//!     gloss extract PAGE.html [--url URL]    one JSON object: metadata, text, blocks
//!     gloss digest PAGE.html [--url URL]     the offline extractive digest as JSON
//!
//! PAGE may be `-` for standard input.

use std::io::{Read, Write};
use std::process::ExitCode;

use serde_json::{json, Value};

use gloss::{digest, extract, Article, GlossError};

const USAGE: &str = "usage: gloss extract|digest PAGE.html [--url URL]   (PAGE may be - for stdin)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(value) => {
            let mut out = std::io::stdout().lock();
            let written = serde_json::to_writer_pretty(&mut out, &value).is_ok() && writeln!(out).is_ok();
            if written { ExitCode::SUCCESS } else { ExitCode::FAILURE }
        }
        Err(Failure::Usage(message)) => {
            eprintln!("gloss: {message}\n{USAGE}");
            ExitCode::from(2)
        }
        Err(Failure::Gloss(e)) => {
            eprintln!("gloss: {e} [{}]", e.code());
            ExitCode::FAILURE
        }
    }
}

enum Failure {
    Usage(String),
    Gloss(GlossError),
}

impl From<GlossError> for Failure {
    fn from(e: GlossError) -> Self {
        Failure::Gloss(e)
    }
}

fn run(args: &[String]) -> Result<Value, Failure> {
    let (command, rest) = args.split_first().ok_or_else(|| Failure::Usage("no command".into()))?;
    if command != "extract" && command != "digest" {
        return Err(Failure::Usage(format!("unknown command {command}")));
    }
    let mut page = None;
    let mut url = None;
    let mut iter = rest.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--url" => url = Some(iter.next().ok_or_else(|| Failure::Usage("--url needs a value".into()))?.clone()),
            _ if page.is_none() => page = Some(arg.clone()),
            other => return Err(Failure::Usage(format!("unexpected argument {other}"))),
        }
    }
    let page = page.ok_or_else(|| Failure::Usage("no page given".into()))?;
    let html = gloss::article::charset::decode(&read(&page)?)?;
    let article = extract(&html, url.as_deref())?;
    if command == "extract" {
        Ok(article_json(&article))
    } else {
        Ok(serde_json::to_value(digest::offline(&article)).unwrap_or(Value::Null))
    }
}

fn read(page: &str) -> Result<Vec<u8>, Failure> {
    let mut bytes = Vec::new();
    let result = if page == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::File::open(page).and_then(|mut f| f.read_to_end(&mut bytes)).map(|_| ())
    };
    result.map_err(|e| Failure::Gloss(GlossError::Invalid(format!("cannot read {page}: {e}"))))?;
    Ok(bytes)
}

fn article_json(article: &Article) -> Value {
    let text: Vec<&str> = article.blocks.iter().map(|b| b.text.as_str()).collect();
    let blocks: Vec<Value> = article
        .blocks
        .iter()
        .map(|b| {
            let mut block = json!({"id": b.id, "kind": b.kind, "text": b.text});
            if let (Some(level), Some(obj)) = (b.level, block.as_object_mut()) {
                obj.insert("level".into(), json!(level));
            }
            block
        })
        .collect();
    json!({
        "title": article.title,
        "byline": article.byline,
        "siteName": article.site_name,
        "lang": article.lang,
        "dir": article.dir,
        "publishedTime": article.published_time,
        "excerpt": article.excerpt,
        "text": text.join("\n\n"),
        "blocks": blocks,
        "wordCount": article.word_count,
        "readerable": article.readerable,
    })
}
