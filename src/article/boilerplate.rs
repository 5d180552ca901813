//! Drops the blocks of an extracted article that are page furniture rather than the article:
//! what dom_smoothie's scoring lets through inside the article container. Each rule is measured
//! on the dev set's tuning half (`npm run eval:extraction`), where the blocks it drops are mostly
//! absent from the labelled article text.

use crate::article::block::{Block, BlockKind};
use crate::text::is_cjk;

/// Legal and consent lines are short; a longer block that mentions copyright is about it.
pub const DEFAULT_MAX_LEGAL_WORDS: usize = 40;

/// Phrases of copyright notices and sign-up consent lines.
const LEGAL: &[&str] = &["©", "all rights reserved", "by signing up", "by submitting"];

/// The article's blocks without the furniture, renumbered `b1`, `b2`, … in order. Nothing is
/// dropped when that would leave no block.
pub fn filter(blocks: Vec<Block>) -> Vec<Block> {
    let kept: Vec<Block> = blocks.iter().filter(|b| !is_furniture(b)).cloned().collect();
    if kept.is_empty() {
        return blocks;
    }
    kept.into_iter()
        .enumerate()
        .map(|(i, mut b)| {
            b.id = format!("b{}", i + 1);
            b
        })
        .collect()
}

fn is_furniture(block: &Block) -> bool {
    match block.kind {
        BlockKind::Paragraph => {
            let lower = block.text.to_lowercase();
            words(&block.text) <= DEFAULT_MAX_LEGAL_WORDS && LEGAL.iter().any(|p| lower.contains(p))
        }
        _ => false,
    }
}

fn words(text: &str) -> usize {
    text.split_whitespace().map(|w| if w.chars().any(is_cjk) { w.chars().filter(|c| is_cjk(*c)).count() } else { 1 }).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::blocks::from_html;

    #[test]
    fn copyright_and_consent_lines_go_and_the_rest_is_renumbered() {
        let blocks = from_html(
            "<p>By signing up, you agree to receive marketing messages.</p><p>The article's first paragraph.</p>\
             <p>© 2025 Example Media. All Rights Reserved.</p><p>The article's last paragraph.</p>",
        );
        let kept = filter(blocks);
        let texts: Vec<(&str, &str)> = kept.iter().map(|b| (b.id.as_str(), b.text.as_str())).collect();
        assert_eq!(texts, [("b1", "The article's first paragraph."), ("b2", "The article's last paragraph.")]);
    }

    #[test]
    fn a_long_paragraph_about_copyright_and_a_lone_block_stay() {
        let long = format!("<p>All rights reserved is a phrase {}</p>", "from the history of copyright law, ".repeat(8));
        assert_eq!(filter(from_html(&long)).len(), 1);
        assert_eq!(filter(from_html("<p>© 2025 Example.</p>")).len(), 1, "never an empty article");
    }
}
