//! The cheap "looks like an article" check: Readability.js's `isProbablyReaderable` (which
//! dom_smoothie ports), widened to two kinds of prose it cannot see. It scores the text of
//! paragraphs, `<pre>` and `<article>`, and of a `<div>` holding `<br>` line breaks; an article
//! written as lines in a `<span>` or `<section>` between `<br>`s (what some CMS rich-text fields
//! emit), or an abstract in a `<blockquote>` with no paragraphs inside, scores nothing there.
//! Two more differences keep the verdict honest. Script and style text does not count: it is
//! never prose, and the content script cuts it before the page reaches the core, so counting it
//! would make the verdict depend on that cut (Mozilla's `qq` passed Readability.js's check only
//! by a 25 KB script inside a paragraph). And an ideograph, kana or hangul syllable counts as
//! `DEFAULT_CJK_CHAR_WEIGHT` characters: the length thresholds are made for alphabetic text, by
//! which a page of Chinese paragraphs, each a full sentence or two, never scores.
//! Everything else is as Readability.js does it, so the two agree on its own test pages.

use dom_query::{Document, NodeRef};

use crate::text::is_cjk;

/// The score a page must pass (Readability.js's `minScore`).
pub const DEFAULT_MIN_SCORE: f32 = 20.0;
/// Nodes with less text than this many characters do not count (its `minContentLength`).
pub const DEFAULT_MIN_CONTENT_LENGTH: usize = 140;

/// What one CJK character counts for against `DEFAULT_MIN_CONTENT_LENGTH`: a Chinese word is
/// about 1.7 characters, an English one about 5.7 with its space, so one character carries about
/// as much as three Latin letters.
pub const DEFAULT_CJK_CHAR_WEIGHT: usize = 3;

/// Elements whose text is never prose.
const NOT_TEXT: &[&str] = &["script", "style"];

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
        let length = weighted_length(&prose_text(&node));
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

/// The node's text without what scripts and style sheets hold.
fn prose_text(node: &NodeRef) -> String {
    if !node.descendants_it().any(|d| NOT_TEXT.iter().any(|n| d.has_name(n))) {
        return node.text().to_string();
    }
    let mut text = String::new();
    let mut stack: Vec<NodeRef> = node.children_it(true).collect();
    while let Some(n) = stack.pop() {
        if n.is_text() {
            text.push_str(&n.text());
        } else if n.is_element() && !NOT_TEXT.iter().any(|name| n.has_name(name)) {
            stack.extend(n.children_it(true));
        }
    }
    text
}

/// The trimmed text's length in characters, CJK characters weighted.
fn weighted_length(text: &str) -> usize {
    text.trim().chars().map(|c| if is_cjk(c) { DEFAULT_CJK_CHAR_WEIGHT } else { 1 }).sum()
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

    #[test]
    fn script_and_style_text_is_not_prose() {
        let text: String = (0..6).map(line).collect::<Vec<_>>().join(" ");
        let scripted = format!("<html><body><p>Related videos<script>var feed = '{text}';</script><style>.x{{}}</style></p></body></html>");
        assert!(!probably_readerable(&Document::from(scripted.as_str())), "the same whether the content script cut the script or not");
        let prose = format!("<html><body><p>Related videos <b>{text}</b><script>var x;</script></p></body></html>");
        assert!(probably_readerable(&Document::from(prose.as_str())));
    }

    #[test]
    fn cjk_paragraphs_count_by_weight() {
        // Seven paragraphs of 50 ideographs: 50 characters, far under the 140 alphabetic ones.
        let sentence = "这款产品具有极其重要的意义因为这意味着未来的人工智能技术可能不需要人类来教它就能回答人类提出的问题很好";
        let para: String = sentence.chars().take(50).collect();
        let html = format!("<html><body>{}</body></html>", format!("<p>{para}</p>").repeat(7));
        assert!(probably_readerable(&Document::from(html.as_str())));
        let latin = format!("<html><body>{}</body></html>", format!("<p>{}</p>", "word ".repeat(20)).repeat(7));
        assert!(!probably_readerable(&Document::from(latin.as_str())), "100 Latin characters stay under the bar");
    }
}
