//! The cheap "looks like an article" check: Readability.js's `isProbablyReaderable` (which
//! dom_smoothie ports), widened to two kinds of prose it cannot see. It scores the text of
//! paragraphs, `<pre>` and `<article>`, and of a `<div>` holding `<br>` line breaks; an article
//! written as lines in a `<span>` or `<section>` between `<br>`s (what some CMS rich-text fields
//! emit), or an abstract in a `<blockquote>` with no paragraphs inside, scores nothing there.
//! Everything else is as Readability.js does it, so the two agree on its own test pages.

use dom_query::{Document, NodeRef};

/// The score a page must pass (Readability.js's `minScore`).
pub const DEFAULT_MIN_SCORE: f32 = 20.0;
/// Nodes with less text than this many characters do not count (its `minContentLength`).
pub const DEFAULT_MIN_CONTENT_LENGTH: usize = 140;

/// Class and id words of page chrome (Readability.js's `unlikelyCandidates`)…
const UNLIKELY: &[&str] = &[
    "-ad-", "ai2html", "banner", "breadcrumbs", "combx", "comment", "community", "cover-wrap", "disqus", "extra",
    "footer", "gdpr", "header", "legends", "menu", "related", "remark", "replies", "rss", "shoutbox", "sidebar",
    "skyscraper", "social", "sponsor", "supplemental", "ad-break", "agegate", "pagination", "pager", "popup",
    "yom-remote",
];
/// …unless one of these is there too (its `okMaybeItsACandidate`).
const MAYBE: &[&str] = &["and", "article", "body", "column", "content", "layout", "main", "mathjax", "shadow"];

/// Whether the page probably holds an article, by the text of its prose nodes.
pub fn probably_readerable(doc: &Document) -> bool {
    let mut nodes: Vec<NodeRef> = doc.select("p, pre, article").nodes().to_vec();
    // Readability.js takes only a <div>'s line breaks; any other container of text lines
    // (never a paragraph, already counted) is prose the same way.
    nodes.extend(doc.select("br").nodes().iter().filter_map(NodeRef::parent).filter(|p| !p.has_name("p")));
    nodes.extend(doc.select("blockquote").nodes().iter().filter(|q| q.descendants_it().all(|d| !d.has_name("p") && !d.has_name("pre"))));
    nodes.sort_by_key(|n| n.id);
    nodes.dedup_by_key(|n| n.id);
    let mut score = 0.0f32;
    for node in nodes {
        if !visible(&node) || unlikely(&node) || (node.has_name("p") && node.ancestors_it(None).any(|a| a.has_name("li"))) {
            continue;
        }
        let length = node.text().trim().chars().count();
        if length < DEFAULT_MIN_CONTENT_LENGTH {
            continue;
        }
        score += ((length - DEFAULT_MIN_CONTENT_LENGTH) as f32).sqrt();
        if score > DEFAULT_MIN_SCORE {
            return true;
        }
    }
    false
}

fn visible(node: &NodeRef) -> bool {
    if node.has_attr("hidden") {
        return false;
    }
    if let Some(style) = node.attr("style") {
        let style = style.to_ascii_lowercase();
        if style_is(&style, "display", "none") || style_is(&style, "visibility", "hidden") {
            return false;
        }
    }
    node.attr("aria-hidden").is_none_or(|a| a.as_ref() != "true") || node.attr("class").is_some_and(|c| c.contains("fallback-image"))
}

/// Whether the first `key` declaration of an inline style is `value`.
fn style_is(style: &str, key: &str, value: &str) -> bool {
    let Some(at) = style.find(key) else { return false };
    let Some(rest) = style.get(at..).and_then(|r| r.split_once(':')).map(|(_, r)| r) else { return false };
    rest.split(';').next().unwrap_or_default().split_whitespace().next() == Some(value)
}

fn unlikely(node: &NodeRef) -> bool {
    let mut names = String::new();
    for attr in ["class", "id"] {
        if let Some(v) = node.attr(attr) {
            names.push_str(&v.to_ascii_lowercase());
            names.push(' ');
        }
    }
    UNLIKELY.iter().any(|u| names.contains(u)) && !MAYBE.iter().any(|m| names.contains(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(i: usize) -> String {
        format!("Line {i} of an article written between line breaks, long enough to be read as prose by the check, and then some more words")
    }

    #[test]
    fn lines_between_breaks_count_in_any_container() {
        let lines: Vec<String> = (0..6).map(line).collect();
        let html = format!("<html><body><section><span>{}</span></section></body></html>", lines.join("<br><br>"));
        assert!(probably_readerable(&Document::from(html.as_str())));
    }

    #[test]
    fn an_abstract_in_a_blockquote_counts_once() {
        let text: String = (0..6).map(line).collect::<Vec<_>>().join(" ");
        let plain = format!("<html><body><blockquote class=abstract>{text}</blockquote></body></html>");
        assert!(probably_readerable(&Document::from(plain.as_str())));
        // With paragraphs inside, the paragraphs are what counts, as in Readability.js.
        let short: String = "Short quoted words. ".repeat(5);
        let quoted = format!("<html><body><blockquote><p>{short}</p><p>{short}</p></blockquote></body></html>");
        assert!(!probably_readerable(&Document::from(quoted.as_str())));
    }

    #[test]
    fn hidden_chrome_and_list_paragraphs_do_not_count() {
        let text: String = (0..6).map(line).collect::<Vec<_>>().join(" ");
        for wrapper in [
            format!("<p hidden>{text}</p>"),
            format!("<p style='display: none'>{text}</p>"),
            format!("<p aria-hidden=true>{text}</p>"),
            format!("<p class=sidebar-text>{text}</p>"),
            format!("<ul><li><p>{text}</p></li></ul>"),
        ] {
            let html = format!("<html><body>{wrapper}</body></html>");
            assert!(!probably_readerable(&Document::from(html.as_str())), "{wrapper}");
        }
        assert!(probably_readerable(&Document::from(format!("<html><body><p class=main-sidebar>{text}</p></body></html>").as_str())));
    }
}
