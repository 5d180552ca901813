//! The PDF layout pass on what pdf.js read of PDFs Chromium printed from HTML articles
//! (tests/fixtures/pdf/*/items.json, made by `node tests/pdf-fixtures.mjs --capture` from each
//! folder's source.html): reading order, headings, lists, tables, running heads and footnotes,
//! and the word-level F1 of the PDF's text against the HTML's.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/score.rs"]
mod support;

use std::fs;
use std::path::PathBuf;

use gloss::pdf::{article, PdfDoc};
use gloss::{Article, BlockKind};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pdf").join(name)
}

fn read(name: &str) -> Article {
    let doc: PdfDoc = serde_json::from_str(&fs::read_to_string(fixture(name).join("items.json")).unwrap()).unwrap();
    article(&doc, Some("http://127.0.0.1/x.pdf")).unwrap()
}

/// The HTML source's visible text: the body's, without its style.
fn html_text(name: &str) -> String {
    // A space before every tag keeps the words of adjacent cells apart, as the page shows them.
    let html = fs::read_to_string(fixture(name).join("source.html")).unwrap().replace('<', " <");
    let doc = dom_query::Document::from(html.as_str());
    doc.select("style, script").remove();
    doc.select("body").text().to_string()
}

/// Everything the article says, title and byline included (the HTML has them too).
fn article_text(a: &Article) -> String {
    let mut parts = vec![a.title.clone(), a.byline.clone().unwrap_or_default()];
    parts.extend(a.blocks.iter().map(|b| b.text.clone()));
    parts.join("\n")
}

fn f1(name: &str) -> support::Score {
    let got = article_text(&read(name));
    support::score(&got, &html_text(name))
}

fn texts(a: &Article, kind: BlockKind) -> Vec<String> {
    a.blocks.iter().filter(|b| b.kind == kind).map(|b| b.text.clone()).collect()
}

#[test]
fn printed_fixtures_score_high_against_their_html() {
    let mut report = Vec::new();
    for name in ["one-column", "two-column", "table"] {
        let s = f1(name);
        report.push(format!("{name}: F1 {:.3} (precision {:.3}, recall {:.3})", s.f1, s.precision, s.recall));
        assert!(s.f1 >= 0.97, "{name}: {}", report.join("; "));
    }
    println!("{}", report.join("\n"));
}

#[test]
fn two_columns_are_read_left_column_first() {
    let a = read("two-column");
    let order: Vec<usize> = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel"]
        .iter()
        .map(|w| a.blocks.iter().position(|b| b.text.starts_with(&format!("{w} paragraph."))).unwrap_or_else(|| panic!("no {w} block")))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "blocks out of order: {order:?}");
    // Each paragraph is one block, whole: it ends where the HTML's does.
    let delta = &a.blocks[order[3]].text;
    assert!(delta.ends_with("once flew the same route every week."), "{delta}");
    let headings = texts(&a, BlockKind::Heading);
    assert_eq!(headings, ["Why passengers came back", "What still holds them back"]);
}

#[test]
fn title_byline_headings_lists_and_footnote_of_one_column() {
    let a = read("one-column");
    assert_eq!(a.title, "Tidal Mills of the Atlantic Coast");
    assert_eq!(a.byline.as_deref(), Some("Maren Holloway and Tobias Ferreira"));
    assert_eq!(texts(&a, BlockKind::Heading), ["How the day was ruled by the tide", "Decline and restoration"]);
    assert!(a.blocks.iter().filter(|b| b.kind == BlockKind::Heading).all(|b| b.level == Some(2)));
    let items = texts(&a, BlockKind::ListItem);
    assert_eq!(items.len(), 6, "{items:#?}");
    assert_eq!(items[1], "Neap tides left the pond half full and the stones idle for hours.");
    assert_eq!(items[3], "Measure the tidal range at the site over a full lunar month.");
    // The running head (the title) and the "Page n of 2" footers are gone.
    let all = article_text(&a);
    assert!(!all.contains("Page 1 of 2") && !all.contains("Page 2"), "{all}");
    assert_eq!(all.matches("Tidal Mills of the Atlantic Coast").count(), 1, "{all}");
    // The footnote is apart, after the body; its marker stays in the text.
    let last = a.blocks.last().unwrap();
    assert!(last.text.contains("Oak gates of this kind survive at Woodbridge"), "{:?}", last.text);
    let body = a.blocks.iter().find(|b| b.text.starts_with("The principle is simple")).unwrap();
    assert!(body.text.ends_with("sealed itself.1"), "{}", body.text);
    // A paragraph split by the page break is one block.
    assert!(a.blocks.iter().any(|b| b.text.starts_with("Work was organised") && b.text.ends_with("came out cooler.")));
}

#[test]
fn a_table_reads_as_rows_of_cells() {
    let a = read("table");
    let rows = texts(&a, BlockKind::TableRow);
    assert_eq!(rows, [
        "Country | Last keeper left | Lights automated",
        "Ireland | 1997 | Baily",
        "Scotland | 1998 | Fair Isle South",
        "France | 2019 | Kerdonis",
        "Canada | still staffed | several coastal lights",
    ]);
}
