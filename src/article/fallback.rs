//! The second opinion when dom_smoothie keeps too little: Readability's scoring sometimes picks
//! one section of a long article (a lead, a card, a single table) and drops the rest. When the
//! page's own article container (`<article>`, `<main>`, `[itemprop=articleBody]`, …) holds far
//! more prose than what was kept, that container's blocks are the article instead.

use dom_query::{Document, NodeRef};

use crate::article::block::Block;
use crate::article::blocks;

/// The container must hold at least this many times the words dom_smoothie kept…
pub const DEFAULT_MIN_GAIN: f64 = 2.0;
/// …and at least this many words of its own.
pub const DEFAULT_MIN_WORDS: usize = 150;
/// Pages whose extraction already has this many words are never second-guessed.
pub const DEFAULT_ENOUGH_WORDS: usize = 1500;

/// Containers pages mark their article with.
const CONTAINERS: &str = "article, main, [role=main], [itemprop=articleBody]";
/// Never article text, wherever they are.
const CHROME: &str = "script, style, noscript, template, nav, aside, footer, form, dialog, iframe, svg, button, \
    select, [hidden], [aria-hidden=true], [role=navigation], [role=complementary], [role=contentinfo], [role=dialog]";

/// The blocks of the page's article container, when its paragraphs hold far more words than the
/// blocks dom_smoothie `kept`.
#[cfg(test)]
pub fn container_blocks(html: &str, kept: &[Block]) -> Option<Vec<Block>> {
    let doc = Document::from(html);
    if crate::article::shadow::may_have_shadow_roots(html) {
        crate::article::shadow::flatten(&doc);
    }
    if crate::article::streamed::may_have_segments(html) {
        crate::article::streamed::resolve(&doc, html);
    }
    container_blocks_in(&doc, kept)
}

/// [`container_blocks`] in the page's document as parsed (shadow roots flattened), before
/// dom_smoothie changed it: a copy of the parse rather than a second one. The copy is changed.
pub fn container_blocks_in(doc: &Document, kept: &[Block]) -> Option<Vec<Block>> {
    let kept_words: usize = kept.iter().map(|b| count_words(&b.text)).sum();
    if kept_words >= DEFAULT_ENOUGH_WORDS {
        return None;
    }
    doc.select(CHROME).remove();
    // Comment threads sit inside many article containers, in paragraphs like the article's.
    for node in doc.select("[class], [id]").nodes() {
        if is_comment_thread(node) {
            node.remove_from_parent();
        }
    }
    let (words, node) = doc.select(CONTAINERS).nodes().iter().map(|node| (prose_words(node), *node)).max_by_key(|(words, _)| *words)?;
    let enough = words >= DEFAULT_MIN_WORDS && words as f64 >= DEFAULT_MIN_GAIN * kept_words as f64;
    enough.then(|| blocks::from_node(&node))
}

/// Words of the node's paragraphs (outside list items and links): what decides whether the
/// container is the larger article, since a container grows by comment threads and lists of
/// other stories too, and those are list items or links.
fn prose_words(node: &NodeRef) -> usize {
    dom_query::Selection::from(*node)
        .select("p")
        .nodes()
        .iter()
        .filter(|p| !p.ancestors_it(None).take_while(|a| a.id != node.id).any(|a| a.has_name("li")))
        .map(|p| {
            let linked: usize = dom_query::Selection::from(*p).select("a").iter().map(|a| count_words(&a.text())).sum();
            count_words(&p.text()).saturating_sub(linked)
        })
        .sum()
}

fn count_words(text: &str) -> usize {
    text.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).count()
}

/// Class and id words of comment threads.
const COMMENTS: &[&str] = &["comment", "comments", "respond", "discussion"];

fn is_comment_thread(node: &NodeRef) -> bool {
    ["class", "id"].iter().filter_map(|a| node.attr(a)).any(|v| {
        v.to_ascii_lowercase().split(|c: char| !c.is_ascii_alphanumeric()).any(|t| COMMENTS.contains(&t))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn para(i: usize) -> String {
        format!("<p>Paragraph {i} of the long article body, with enough words in it to count as real prose for the check.</p>")
    }

    #[test]
    fn a_container_with_far_more_prose_replaces_a_short_extraction() {
        let body: String = (0..12).map(para).collect();
        let html = format!("<html><body><nav><a href=/>Home</a></nav><article>{body}</article></body></html>");
        let kept = blocks::from_html(&para(0));
        let blocks = container_blocks(&html, &kept).expect("the article container");
        assert_eq!(blocks.len(), 12);
        assert!(blocks[11].text.starts_with("Paragraph 11"));
    }

    #[test]
    fn lists_links_and_comment_threads_do_not_make_a_container_larger() {
        let items: String = (0..12).map(|i| format!("<li><a href=/s{i}>Another story, number {i}, with a headline long enough to be many words</a></li>")).collect();
        let comments: String = (0..12).map(para).collect();
        let html = format!("<html><body><main>{}<ul>{items}</ul><div class=comment-list>{comments}</div></main></body></html>", para(0));
        assert_eq!(container_blocks(&html, &blocks::from_html(&para(0))), None);
    }

    #[test]
    fn a_long_extraction_is_left_alone() {
        let body: String = (0..200).map(para).collect();
        let html = format!("<html><body><article>{body}</article></body></html>");
        let kept: String = (0..90).map(para).collect();
        assert_eq!(container_blocks(&html, &blocks::from_html(&kept)), None);
    }
}
