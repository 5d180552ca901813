//! Pathological pages end within a bounded time with a result or a clear error, never a hang
//! or a crash: huge pages, huge element counts, deep nesting, enormous paragraphs.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code

use std::time::{Duration, Instant};

use gloss::{extract, GlossError};

/// Generous: these run in debug builds on a shared machine; the point is "bounded", not fast.
const BOUND: Duration = Duration::from_secs(20);

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

fn paragraph(words: usize) -> String {
    "The keeper climbed the stairs to check the lamp again. ".repeat(words / 10)
}

#[test]
fn a_20_mb_page_is_refused_clearly() {
    let html = format!("<html><body><article>{}</article></body></html>", format!("<p>{}</p>", paragraph(100)).repeat(36_000));
    assert!(html.len() > 20_000_000);
    let (result, took) = timed(|| extract(&html, None));
    assert!(matches!(result, Err(GlossError::TooLarge(_))), "{result:?}");
    assert!(took < BOUND, "{took:?}");
    println!("20 MB page: {took:?}");
}

#[test]
fn two_hundred_thousand_elements_end_in_bounded_time() {
    let html = format!("<html><body><article><p>{}</p>{}</article></body></html>", paragraph(300), "<span>x</span>".repeat(200_000));
    let (result, took) = timed(|| extract(&html, None));
    assert!(matches!(&result, Err(GlossError::TooLarge(m)) if m.contains("elements")), "{result:?}");
    assert!(took < BOUND, "{took:?}");
    println!("200,000 elements: {took:?} (refused)");
}

#[test]
fn ten_thousand_deep_nesting_does_not_overflow() {
    let depth = 10_000;
    let html = format!("<html><body>{}<p>{}</p>{}</body></html>", "<div>".repeat(depth), paragraph(300), "</div>".repeat(depth));
    // Run on a thread with the stack a browser worker has at most, so a recursion that would
    // overflow there fails here too.
    let handle = std::thread::Builder::new().stack_size(1024 * 1024).spawn(move || timed(|| extract(&html, None).map(|a| a.word_count))).unwrap();
    let (result, took) = handle.join().expect("no stack overflow");
    assert!(matches!(&result, Err(GlossError::TooLarge(m)) if m.contains("nested")), "{result:?}");
    assert!(took < BOUND, "{took:?}");
    println!("10,000-deep nesting: {took:?} -> {result:?}");
}

/// A 9.8 KB page the fuzzer made (about 800 nested lists and 1,400 `<dd>`s): dom_smoothie's
/// scoring grows with the square of the depth, and it took 1.5 s before the depth limit came
/// down to Chromium's own parser limit of 512.
#[test]
fn a_page_of_hundreds_of_nested_lists_ends_quickly() {
    let html = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/pages/nested-lists-fuzz.html")).unwrap();
    let (result, took) = timed(|| extract(&html, None));
    assert!(matches!(&result, Err(GlossError::TooLarge(m)) if m.contains("nested")), "{result:?}");
    assert!(took < BOUND, "{took:?}");
    println!("fuzz-made nested lists (9.8 KB): {took:?}");
}

#[test]
fn a_100_000_character_paragraph_is_kept_whole() {
    let text = "word ".repeat(20_000);
    let html = format!("<html><head><title>T</title></head><body><article><p>{text}</p><p>{}</p></article></body></html>", paragraph(200));
    let (result, took) = timed(|| extract(&html, None));
    let article = result.expect("extracted");
    assert!(article.blocks.iter().any(|b| b.text.len() >= 99_000));
    assert!(took < BOUND, "{took:?}");
    println!("100,000-character paragraph: {took:?}");
}
