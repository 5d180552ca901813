//! Page furniture recognised by where a block sits among the others rather than by its text
//! alone: a table of contents that repeats the article's headings, a references list closing
//! the article, a "related" line with its links.
//! `boilerplate::filter` drops what these find; each rule is measured on the dev set's tuning
//! half (`npm run eval:extraction`).

use crate::article::block::{Block, BlockKind};

/// A table of contents has at least this many entries in a row.
pub const DEFAULT_MIN_TOC_ENTRIES: usize = 3;
/// The line before a table of contents that names it ("In this article") is this short.
pub const DEFAULT_MAX_TOC_TITLE_WORDS: usize = 4;
/// A "Related" marker is a short line…
pub const DEFAULT_MAX_MARKER_WORDS: usize = 8;
/// …followed by links: blocks of at most this many words, at least half of them linked.
pub const DEFAULT_MAX_TEASER_WORDS: usize = 30;

/// Headings of a closing list of sources (the whole heading, lowercased).
const REFERENCE_HEADINGS: &[&str] = &[
    "references", "reference", "sources", "source", "citations", "bibliography", "works cited", "footnotes", "notes",
    "further reading", "resources",
];
/// How a list of links to other pages is introduced (the start of a short line, lowercased).
const RELATED_MARKERS: &[&str] = &[
    "related", "you might also like", "you may also like", "you might be interested", "more from", "read more",
    "read next", "more stories", "more articles", "more like this", "recommended", "popular", "most popular", "trending",
    "also read", "see also", "further reading", "latest", "recent posts", "keep reading", "up next", "other articles",
];
/// What a table of contents calls itself ("Table of contents", "In this article", "Jump to").
const TOC_TITLE_WORDS: &[&str] = &["contents", "content", "article", "jump"];

/// The indices of the blocks that these patterns mark as furniture.
pub fn furniture(blocks: &[Block]) -> Vec<bool> {
    let mut drop = vec![false; blocks.len()];
    // Only list items and headings are compared, and only a short block can title a contents
    // list: no lowercase copy of the article's paragraphs.
    let keys: Vec<String> = blocks
        .iter()
        .map(|b| match b.kind {
            BlockKind::ListItem | BlockKind::Heading => key(&b.text),
            _ if words(&b.text) <= DEFAULT_MAX_TOC_TITLE_WORDS => key(&b.text),
            _ => String::new(),
        })
        .collect();
    table_of_contents(blocks, &keys, &mut drop);
    closing_references(blocks, &keys, &mut drop);
    related_links(blocks, &mut drop);
    drop
}

/// Lowercased words joined by single spaces: two texts that differ only in case and
/// punctuation get the same key.
fn key(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect::<Vec<_>>().join(" ")
}

fn words(text: &str) -> usize {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).count()
}

fn linked_words(block: &Block) -> usize {
    block.spans.iter().filter(|s| s.href.is_some()).map(|s| words(&s.text)).sum()
}

/// A run of list items each repeating a later heading is the page's table of contents (its
/// in-page links are not kept as links, so the repetition is what shows it); a short title
/// just before it ("Table of contents") goes with it.
fn table_of_contents(blocks: &[Block], keys: &[String], drop: &mut [bool]) {
    let is_entry = |j: usize| {
        blocks[j].kind == BlockKind::ListItem
            && !keys[j].is_empty()
            && blocks.iter().zip(keys).skip(j + 1).any(|(b, k)| b.kind == BlockKind::Heading && *k == keys[j])
    };
    let mut i = 0;
    while i < blocks.len() {
        let end = (i..blocks.len()).find(|&j| !is_entry(j)).unwrap_or(blocks.len());
        if end - i >= DEFAULT_MIN_TOC_ENTRIES {
            drop[i..end].iter_mut().for_each(|d| *d = true);
            if let Some(title) = i.checked_sub(1) {
                let short = words(&blocks[title].text) <= DEFAULT_MAX_TOC_TITLE_WORDS;
                let titled = keys[title].split(' ').any(|w| TOC_TITLE_WORDS.contains(&w));
                if short && titled && matches!(blocks[title].kind, BlockKind::Heading | BlockKind::Paragraph) {
                    drop[title] = true;
                }
            }
            i = end;
        } else {
            i += 1;
        }
    }
}

/// A "References" or "Sources" heading with no heading after it: the list of sources that
/// closes the article, which is not its text.
fn closing_references(blocks: &[Block], keys: &[String], drop: &mut [bool]) {
    let last_heading = blocks.iter().rposition(|b| b.kind == BlockKind::Heading);
    if let Some(h) = last_heading.filter(|&h| REFERENCE_HEADINGS.contains(&keys[h].as_str())) {
        drop[h..].iter_mut().for_each(|d| *d = true);
    }
}

/// A short "Related posts" / "You might also like" line followed by links to other pages:
/// the line and the links go.
fn related_links(blocks: &[Block], drop: &mut [bool]) {
    for (i, marker) in blocks.iter().enumerate() {
        let short = matches!(marker.kind, BlockKind::Heading | BlockKind::Paragraph) && words(&marker.text) <= DEFAULT_MAX_MARKER_WORDS;
        if !short {
            continue;
        }
        let lower = marker.text.trim().to_lowercase();
        if !RELATED_MARKERS.iter().any(|m| lower.starts_with(m)) {
            continue;
        }
        let teasers = blocks[i + 1..]
            .iter()
            .take_while(|b| {
                let n = words(&b.text);
                matches!(b.kind, BlockKind::ListItem | BlockKind::Paragraph)
                    && n <= DEFAULT_MAX_TEASER_WORDS
                    && 2 * linked_words(b) >= n
            })
            .count();
        if teasers > 0 {
            drop[i..=i + teasers].iter_mut().for_each(|d| *d = true);
        }
    }
}


#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::blocks::from_html;

    fn kept(html: &str) -> Vec<String> {
        let blocks = from_html(html);
        let drop = furniture(&blocks);
        blocks.into_iter().zip(drop).filter(|(_, d)| !d).map(|(b, _)| b.text).collect()
    }

    #[test]
    fn a_list_repeating_the_later_headings_is_a_table_of_contents() {
        let got = kept(
            "<p>Table of Contents</p><ul><li>Why rivers bend</li><li>How deltas form</li><li>What floods do</li></ul>\
             <p>Intro.</p><h2>Why rivers bend</h2><p>A.</p><h2>How deltas form</h2><p>B.</p><h2>What floods do</h2><p>C.</p>",
        );
        assert_eq!(got, ["Intro.", "Why rivers bend", "A.", "How deltas form", "B.", "What floods do", "C."]);
        // Two entries are a list that happens to repeat a heading, not a table of contents.
        let got = kept("<ul><li>Rivers</li><li>Deltas</li></ul><h2>Rivers</h2><p>A.</p><h2>Deltas</h2><p>B.</p>");
        assert_eq!(got.len(), 6);
    }

    #[test]
    fn a_closing_references_section_goes_and_one_in_the_middle_stays() {
        let got = kept("<p>Body.</p><h2>References</h2><ol><li>Smith J. Rivers. 2020.</li><li>Doe A. Deltas. 2021.</li></ol>");
        assert_eq!(got, ["Body."]);
        let got = kept("<p>Body.</p><h2>Sources</h2><p>Where the data came from.</p><h2>Results</h2><p>More.</p>");
        assert_eq!(got.len(), 5);
    }

    #[test]
    fn a_related_marker_followed_by_links_goes_with_them() {
        let got = kept(
            "<p>Body.</p><h3>You might also like</h3><ul><li><a href=https://e.com/1>Twelve deck projects</a></li>\
             <li><a href=https://e.com/2>A farmhouse table</a></li></ul><p>Last words of the article, not linked.</p>",
        );
        assert_eq!(got, ["Body.", "Last words of the article, not linked."]);
        // The same words without links after them are the article's own.
        assert_eq!(kept("<h3>Recommended reading order</h3><p>Start with the first book.</p>").len(), 2);
    }
}
