//! React's streamed server rendering, resolved as the page's own script would on load: a
//! Suspense boundary is sent first as a placeholder (`<template id="B:0">` before its fallback,
//! "Loading…" or a skeleton), and its content arrives later at the end of the body in a hidden
//! `<div id="S:0">` that the inline `$RC("B:0","S:0")` moves in place (`$RS("S:1","P:1")` does
//! the same for a segment's `<template id="P:1">`). A live page has done this before the
//! extension reads it; HTML fetched without running scripts (`gloss extract`) has not, and there
//! the article is hidden and only the fallback shows.

use std::collections::HashMap;

use dom_query::{Document, NodeRef};

/// Without React's comment markers around a boundary, its fallback is the element after the
/// placeholder; it is dropped only when it holds no more words than this ("Loading paragraph…",
/// a spinner, a skeleton), so that real page content is never lost to a guess.
pub const DEFAULT_MAX_FALLBACK_WORDS: usize = 3;

/// Whether `html` may hold a streamed segment, so that other pages skip the walk.
pub fn may_have_segments(html: &str) -> bool {
    html.contains("id=\"S:") || html.contains("id=S:")
}

/// Moves every streamed segment of `doc` into its placeholder; returns how many it moved.
pub fn resolve(doc: &Document, html: &str) -> usize {
    let pairs = script_pairs(html);
    let templates: HashMap<String, NodeRef> = doc
        .select("template[id]")
        .nodes()
        .iter()
        .filter_map(|t| t.attr("id").map(|id| (id.to_string(), *t)))
        .collect();
    let segments: Vec<NodeRef> = doc
        .select("[hidden][id]")
        .nodes()
        .iter()
        .filter(|n| n.attr("id").is_some_and(|id| id.starts_with("S:")))
        .copied()
        .collect();
    let mut moved = 0;
    for segment in segments {
        let Some(id) = segment.attr("id").map(|id| id.to_string()) else { continue };
        let number = id.trim_start_matches("S:");
        let target = pairs
            .get(&id)
            .and_then(|t| templates.get(t))
            .or_else(|| templates.get(&format!("B:{number}")))
            .or_else(|| templates.get(&format!("P:{number}")));
        let Some(target) = target else { continue };
        if target.attr("id").is_some_and(|t| t.starts_with("B:")) {
            remove_fallback(target);
        }
        if let Some(first) = segment.first_child() {
            target.insert_siblings_before(&first);
        }
        target.remove_from_parent();
        segment.remove_from_parent();
        moved += 1;
    }
    moved
}

/// The segment each placeholder is filled from, as the page's inline scripts say:
/// `$RC("B:x","S:y")` and `$RS("S:y","P:x")`, keyed by the segment.
fn script_pairs(html: &str) -> HashMap<String, String> {
    let mut pairs = HashMap::new();
    for (call, segment_first) in [("$RC(\"", false), ("$RS(\"", true)] {
        for (at, _) in html.match_indices(call) {
            let rest = html.get(at + call.len()..).unwrap_or_default();
            let mut args = rest.splitn(3, '"');
            let (Some(a), Some(sep), Some(tail)) = (args.next(), args.next(), args.next()) else { continue };
            let Some(b) = (sep == ",").then(|| tail.split('"').next()).flatten() else { continue };
            let (segment, target) = if segment_first { (a, b) } else { (b, a) };
            pairs.insert(segment.to_string(), target.to_string());
        }
    }
    pairs
}

/// Drops a boundary's fallback, which follows its placeholder: up to the matching `<!--/$-->`
/// when React's markers are there (the page's script does the same), else the next element
/// when it is only a loading notice.
fn remove_fallback(template: &NodeRef) {
    let marked = template.prev_sibling().is_some_and(|c| c.is_comment() && comment_data(&c).starts_with('$'));
    if marked {
        let mut depth = 0usize;
        let mut next = template.next_sibling();
        while let Some(node) = next {
            if node.is_comment() {
                let data = comment_data(&node);
                if data == "/$" {
                    if depth == 0 {
                        return;
                    }
                    depth -= 1;
                } else if matches!(data.as_str(), "$" | "$?" | "$!") {
                    depth += 1;
                }
            }
            next = node.next_sibling();
            node.remove_from_parent();
        }
        return;
    }
    if let Some(fallback) = template.next_element_sibling() {
        let words = fallback.text().split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).count();
        if words <= DEFAULT_MAX_FALLBACK_WORDS {
            fallback.remove_from_parent();
        }
    }
}

fn comment_data(node: &NodeRef) -> String {
    node.query(|n| match &n.data {
        dom_query::NodeData::Comment { contents } => contents.to_string(),
        _ => String::new(),
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page's blocks after the resolution, one per line.
    fn resolved(html: &str) -> String {
        let doc = Document::from(html);
        resolve(&doc, html);
        let blocks = crate::article::blocks::from_node(&doc.root());
        blocks.iter().map(|b| b.text.as_str()).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn a_boundary_takes_its_streamed_content_in_place_of_the_fallback() {
        let html = "<body><main><h1>Title</h1><!--$?--><template id=\"B:0\"></template><div>Loading <!-- -->paragraph<!-- -->...</div><!--/$--><p>After.</p></main>\
            <div hidden id=\"S:0\"><p>The article text.</p></div><script>$RC(\"B:0\",\"S:0\")</script></body>";
        assert_eq!(resolved(html), "Title\nThe article text.\nAfter.");
    }

    #[test]
    fn the_scripts_say_which_segment_fills_which_placeholder() {
        let html = "<body><div><template id=\"P:1\"></template></div><div><template id=\"B:0\"></template></div>\
            <div hidden id=\"S:0\"><p>First.</p></div><div hidden id=\"S:1\"><p>Second.</p></div>\
            <script>$RS(\"S:0\",\"P:1\");$RC(\"B:0\",\"S:1\")</script></body>";
        assert_eq!(resolved(html), "First.\nSecond.");
    }

    #[test]
    fn without_markers_only_a_loading_notice_is_dropped() {
        let html = "<body><article><template id=\"B:0\"></template><div>Loading paragraph...</div>\
            <template id=\"B:1\"></template><div>Real words that follow the placeholder here.</div></article>\
            <div hidden id=\"S:0\"><p>Zero.</p></div><div hidden id=\"S:1\"><p>One.</p></div></body>";
        assert_eq!(resolved(html), "Zero.\nOne.\nReal words that follow the placeholder here.");
    }

    #[test]
    fn nested_segments_and_unknown_ids_are_handled() {
        let html = "<body><div><template id=\"B:0\"></template></div>\
            <div hidden id=\"S:0\"><section><template id=\"P:2\"></template></section></div>\
            <div hidden id=\"S:2\"><p>Deep.</p></div><div hidden id=\"S:9\"><p>Orphan.</p></div></body>";
        let doc = Document::from(html);
        assert_eq!(resolve(&doc, html), 2);
        assert_eq!(doc.select("section p").text().to_string(), "Deep.");
        assert_eq!(doc.select("[hidden]").length(), 1, "a segment with no placeholder stays hidden");
    }
}
