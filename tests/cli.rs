//! The `gloss` command line: extract and digest on a fixture page, and clear failures on empty
//! and non-HTML input.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed read is a failed test

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn gloss(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gloss"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gloss runs");
    child.stdin.take().expect("stdin").write_all(stdin).expect("write stdin");
    child.wait_with_output().expect("gloss exits")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

#[test]
fn extract_prints_metadata_text_and_blocks() {
    let out = gloss(&["extract", "tests/fixtures/readability/aclu/source.html", "--url", "http://fakehost/test/page.html"], b"");
    assert!(out.status.success());
    let v = json(&out);
    assert_eq!(v["title"], "Facebook Is Tracking Me Even Though I’m Not on Facebook");
    assert_eq!(v["byline"], "Daniel Kahn Gillmor");
    assert_eq!(v["siteName"], "American Civil Liberties Union");
    assert_eq!(v["lang"], "en");
    assert_eq!(v["readerable"], true);
    assert!(v["wordCount"].as_u64().is_some_and(|n| n > 1000));
    let blocks = v["blocks"].as_array().expect("blocks");
    assert_eq!(blocks[0]["id"], "b1");
    assert!(blocks.iter().any(|b| b["kind"] == "heading" && b["level"].is_u64()));
    assert!(v["text"].as_str().is_some_and(|t| t.contains("non-participants")));
}

#[test]
fn extract_reads_stdin() {
    let page = std::fs::read("www/samples/lighthouse-keepers.html").expect("sample");
    let out = gloss(&["extract", "-"], &page);
    assert!(out.status.success());
    assert_eq!(json(&out)["title"], "The Last Lighthouse Keepers of the North Sea");
}

#[test]
fn digest_prints_three_key_points() {
    let out = gloss(&["digest", "www/samples/lighthouse-keepers.html"], b"");
    assert!(out.status.success());
    assert_eq!(json(&out)["keyPoints"].as_array().map(Vec::len), Some(3));
}

#[test]
fn empty_input_fails_clearly() {
    let out = gloss(&["extract", "-"], b"");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no article found"));
}

#[test]
fn non_html_input_fails_clearly() {
    let out = gloss(&["extract", "extension/icons/128.png"], b"");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("binary, not an HTML page"));
    let out = gloss(&["digest", "-"], b"just some words, no markup and no article at all");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(gloss(&[], b"").status.code(), Some(2));
    assert_eq!(gloss(&["extract"], b"").status.code(), Some(2));
    assert_eq!(gloss(&["frobnicate", "x.html"], b"").status.code(), Some(2));
}
