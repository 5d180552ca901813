//! The extracted article: metadata plus an ordered list of blocks with stable ids, built from
//! dom_smoothie's cleaned content. Digest and translation both work from these blocks.

use dom_smoothie::{Config, Metadata, Readability, ReadabilityError};
use serde::{Deserialize, Serialize};

use crate::error::GlossError;
use crate::text::lang;

pub mod block;
pub mod blocks;
pub mod boilerplate;

pub use block::{Block, BlockKind};
#[cfg(not(target_arch = "wasm32"))]
pub mod charset;
pub mod fallback;
pub mod readerable;
pub mod sections;
pub mod serialised;
pub mod shadow;
pub mod streamed;

/// What the reader sees in the Original section and what prompts are built from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Article {
    pub title: String,
    pub byline: Option<String>,
    pub site_name: Option<String>,
    pub published_time: Option<String>,
    /// BCP 47 tag as declared by the page or detected from the text (`und` when unknown).
    pub lang: String,
    pub dir: Option<String>,
    pub excerpt: Option<String>,
    pub url: Option<String>,
    pub word_count: usize,
    pub reading_minutes: u32,
    /// Whether the page passed the cheap "looks like an article" check.
    pub readerable: bool,
    /// The blocks are the reader's selection rather than the whole article.
    pub from_selection: bool,
    pub blocks: Vec<Block>,
}

/// How to extract.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct ExtractOptions {
    /// Refuse pages that do not look like articles (`NotReaderable`) instead of parsing them.
    pub readerable_gate: bool,
    /// The reader's selection, as HTML: its blocks replace the article's.
    pub selection_html: Option<String>,
}

/// Pages larger than this many bytes of HTML are refused with a clear message rather than
/// risking a worker that hangs on them.
pub const DEFAULT_MAX_HTML_BYTES: usize = 10 * 1024 * 1024;
/// dom_smoothie's element cap: beyond it the parse is refused (`TooLarge`).
pub const DEFAULT_MAX_ELEMENTS: usize = 200_000;
/// Deeper element nesting than this is refused: the extraction walks the tree recursively (in
/// WebAssembly a stack overflow would kill the worker for every tab), and dom_smoothie's scoring
/// costs grow with the square of the depth (a 9.8 KB fuzz-made page of ~800 nested lists took
/// 1.5 s). Chromium's HTML parser itself stops nesting at 512, so no parsed page goes deeper.
pub const DEFAULT_MAX_DEPTH: usize = 512;
/// Reading speed for space-separated scripts, words per minute.
const WORDS_PER_MINUTE: usize = 230;
/// Reading speed for CJK text, characters per minute.
const CJK_CHARS_PER_MINUTE: usize = 500;

/// The points of an extraction a timing report marks (`extract_observed`): each is reached once,
/// in this order, by an extraction that gets that far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The HTML is parsed into a document (shadow roots flattened).
    Parsed,
    /// dom_smoothie has run: the readerable check, metadata and the cleaned content.
    Readability,
    /// The blocks are built (second opinion and counts included): the article is ready.
    Blocks,
}

/// Extracts the article from a page's serialised HTML, whatever it looks like.
pub fn extract(html: &str, url: Option<&str>) -> Result<Article, GlossError> {
    extract_with(html, url, &ExtractOptions::default())
}

/// Extracts the article from a page's serialised HTML.
///
/// 1. Refuse oversized input.
/// 2. Parse once (the browser's serialisation without the parser when it can, `serialised`;
///    flattening shadow roots and React's streamed segments), and run the cheap readerable check
///    on that parse (before the expensive grab).
/// 3. With a selection: page metadata plus the selection's blocks. Otherwise run dom_smoothie
///    (Readability.js's algorithm) for the cleaned content and metadata.
/// 4. Walk the content into ordered blocks (`blocks::from_node`), in dom_smoothie's document.
/// 5. A second opinion: the page's own article container when dom_smoothie kept far too little
///    of it (`fallback`).
/// 6. Drop the page furniture left among the blocks (`boilerplate`).
/// 7. Count words and settle the language (declared, else detected from the text).
pub fn extract_with(html: &str, url: Option<&str>, options: &ExtractOptions) -> Result<Article, GlossError> {
    extract_observed(html, url, options, &mut |_| {})
}

/// [`extract_with`], telling `mark` each [`Phase`] as it is reached: the host's timing hook
/// (the extraction itself reads no clock).
pub fn extract_observed(html: &str, url: Option<&str>, options: &ExtractOptions, mark: &mut dyn FnMut(Phase)) -> Result<Article, GlossError> {
    if html.len() > DEFAULT_MAX_HTML_BYTES {
        return Err(GlossError::TooLarge(format!(
            "{} MB of HTML (limit {} MB)",
            html.len() / (1024 * 1024),
            DEFAULT_MAX_HTML_BYTES / (1024 * 1024)
        )));
    }
    if html.trim().is_empty() {
        return Err(GlossError::NoArticle);
    }
    if !looks_like_html(html) {
        return Err(GlossError::Invalid("this is not an HTML page: it has no tags".into()));
    }
    // Cheap checks on the text first, so a pathological page is refused before the parse.
    let (tags, rough_depth) = scan_tags(html);
    if tags > DEFAULT_MAX_ELEMENTS {
        return Err(GlossError::TooLarge(format!("{tags} elements (limit {DEFAULT_MAX_ELEMENTS})")));
    }
    if rough_depth > 4 * DEFAULT_MAX_DEPTH {
        return Err(GlossError::TooLarge(format!("elements nested about {rough_depth} deep (limit {DEFAULT_MAX_DEPTH})")));
    }
    let url = url.filter(|u| u.starts_with("http://") || u.starts_with("https://"));
    let config = Config { max_elements_to_parse: DEFAULT_MAX_ELEMENTS, ..Config::default() };
    // The content script's page is the browser's serialisation: read as such, unless it is not one.
    let (doc, shadow_roots) = match serialised::parse(html) {
        Some(read) => (read.doc, read.shadow_roots),
        None => (dom_query::Document::from(html), crate::article::shadow::may_have_shadow_roots(html)),
    };
    if shadow_roots {
        crate::article::shadow::flatten(&doc);
    }
    if streamed::may_have_segments(html) {
        streamed::resolve(&doc, html);
    }
    mark(Phase::Parsed);
    // dom_smoothie changes its document; the second opinion reads the page as it was (a copy is
    // far cheaper than a second parse).
    let pristine = options.selection_html.is_none().then(|| doc.clone());
    let mut readability = Readability::with_document(doc, url, Some(config)).map_err(map_readability_error)?;
    let depth = max_depth(&readability.doc);
    if depth > DEFAULT_MAX_DEPTH {
        return Err(GlossError::TooLarge(format!("elements nested {depth} deep (limit {DEFAULT_MAX_DEPTH})")));
    }
    // Gloss's own port of isProbablyReaderable (dom_smoothie's counts script text, which the
    // content script has cut by now).
    let readerable = readerable::probably_readerable(&readability.doc);

    let (metadata, blocks) = match options.selection_html.as_deref() {
        Some(selection) => {
            // The selection is walked recursively too, so it gets the page's depth limit.
            let depth = max_depth(&dom_query::Document::from(selection));
            if depth > DEFAULT_MAX_DEPTH {
                return Err(GlossError::TooLarge(format!("the selection is nested {depth} deep (limit {DEFAULT_MAX_DEPTH})")));
            }
            let mut meta = readability.get_article_metadata(readability.parse_json_ld());
            if meta.title.trim().is_empty() {
                meta.title = readability.get_article_title().to_string();
            }
            if meta.lang.is_none() {
                meta.lang = readability.doc.select("html").attr("lang").map(|l| l.to_string());
            }
            mark(Phase::Readability);
            (meta, blocks::from_html(selection))
        }
        None => {
            if options.readerable_gate && !readerable {
                return Err(GlossError::NotReaderable);
            }
            let parsed = readability.parse().map_err(map_readability_error)?;
            mark(Phase::Readability);
            // The cleaned article is still in dom_smoothie's document: walk it there rather
            // than parse its serialisation a second time.
            let content = readability.doc.select_single("#readability-page-1");
            let mut blocks = match content.nodes().first() {
                Some(node) => blocks::from_node(node),
                None => blocks::from_html(&parsed.content),
            };
            if let Some(more) = pristine.as_ref().and_then(|page| fallback::container_blocks_in(page, &blocks)) {
                blocks = more;
            }
            let blocks = boilerplate::filter(blocks);
            let meta = Metadata {
                title: parsed.title,
                byline: parsed.byline,
                excerpt: parsed.excerpt,
                site_name: parsed.site_name,
                published_time: parsed.published_time,
                lang: parsed.lang,
                dir: parsed.dir,
                ..Metadata::default()
            };
            (meta, blocks)
        }
    };
    if blocks.is_empty() {
        return Err(GlossError::NoArticle);
    }
    let counts = TextCounts::of(blocks.iter().map(|b| b.text.as_str()));
    let lang = metadata
        .lang
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| lang::detect(blocks.iter().map(|b| b.text.as_str())).to_string());
    mark(Phase::Blocks);

    Ok(Article {
        title: clean(&metadata.title).unwrap_or_default(),
        byline: metadata.byline.as_deref().and_then(clean),
        site_name: metadata.site_name.as_deref().and_then(clean),
        published_time: metadata.published_time.as_deref().and_then(clean),
        lang,
        dir: metadata.dir.as_deref().and_then(clean),
        excerpt: metadata.excerpt.as_deref().and_then(clean),
        url: url.map(str::to_string),
        word_count: counts.words + counts.cjk_chars,
        reading_minutes: counts.reading_minutes(),
        readerable,
        from_selection: options.selection_html.is_some(),
        blocks,
    })
}

/// Elements that have no end tag, or whose end tag pages often leave out: not counted as
/// nesting by the rough scan.
const UNNESTED: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
    "p", "li", "dt", "dd", "tr", "td", "th", "option", "!doctype",
];

/// Whether `name` (a tag name as written, any case) is one of [`UNNESTED`].
fn is_unnested(name: &[u8]) -> bool {
    let mut lower = [0u8; 8];
    let Some(buffer) = lower.get_mut(..name.len()) else {
        return false; // longer than every name in the list
    };
    for (to, from) in buffer.iter_mut().zip(name) {
        *to = from.to_ascii_lowercase();
    }
    UNNESTED.iter().any(|u| u.as_bytes() == &*buffer)
}

/// Counts start tags and estimates the deepest nesting from the raw text, without parsing.
fn scan_tags(html: &str) -> (usize, usize) {
    let bytes = html.as_bytes();
    let (mut tags, mut depth, mut max) = (0usize, 0usize, 0usize);
    let mut i = 0;
    while let Some(offset) = bytes.get(i..).and_then(|rest| memchr::memchr(b'<', rest)) {
        i += offset + 1;
        let closing = bytes.get(i) == Some(&b'/');
        let start = if closing { i + 1 } else { i };
        let name_len = bytes.get(start..).map_or(0, |rest| rest.iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'!').count());
        if name_len == 0 {
            continue;
        }
        let name = bytes.get(start..start + name_len).unwrap_or_default();
        let nests = !is_unnested(name);
        if closing {
            if nests {
                depth = depth.saturating_sub(1);
            }
        } else {
            tags += 1;
            let self_closing = bytes.get(start + name_len..).and_then(|rest| rest.iter().position(|b| *b == b'>')).is_some_and(|end| bytes.get(start + name_len + end - 1) == Some(&b'/'));
            if nests && !self_closing {
                depth += 1;
                max = max.max(depth);
            }
        }
    }
    (tags, max)
}

/// The deepest element nesting in a parsed document, found without recursion.
fn max_depth(doc: &dom_query::Document) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(doc.root(), 0usize)];
    while let Some((node, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        if depth > DEFAULT_MAX_DEPTH {
            break;
        }
        stack.extend(node.children_it(false).filter(|c| c.is_element()).map(|c| (c, depth + 1)));
    }
    deepest
}

/// Whether the text has at least one tag (`<` followed by a letter, `/` or `!`).
fn looks_like_html(text: &str) -> bool {
    text.as_bytes().windows(2).any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/' || w[1] == b'!'))
}

fn map_readability_error(e: ReadabilityError) -> GlossError {
    match e {
        ReadabilityError::TooManyElements(found, max) => {
            GlossError::TooLarge(format!("{found} elements (limit {max})"))
        }
        ReadabilityError::GrabFailed => GlossError::NoArticle,
        ReadabilityError::BadDocumentURL => GlossError::Invalid(e.to_string()),
    }
}

fn clean(s: &str) -> Option<String> {
    let s = crate::text::collapse_whitespace(s);
    (!s.is_empty()).then_some(s)
}

/// Word and CJK character counts, which read at different speeds.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TextCounts {
    pub words: usize,
    pub cjk_chars: usize,
}

impl TextCounts {
    pub fn of<'a>(texts: impl Iterator<Item = &'a str>) -> Self {
        let mut counts = TextCounts::default();
        for text in texts {
            let mut in_word = false;
            for ch in text.chars() {
                if crate::text::is_cjk(ch) {
                    counts.cjk_chars += 1;
                    in_word = false;
                } else if ch.is_alphanumeric() {
                    if !in_word {
                        counts.words += 1;
                    }
                    in_word = true;
                } else if ch.is_whitespace() {
                    in_word = false;
                }
            }
        }
        counts
    }

    pub fn reading_minutes(&self) -> u32 {
        let minutes = self.words.div_ceil(WORDS_PER_MINUTE) + self.cjk_chars.div_ceil(CJK_CHARS_PER_MINUTE);
        u32::try_from(minutes.max(1)).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "<html lang=de><head><title>Ein Titel</title><meta name=author content='A. Autor'></head>\
        <body><nav><a href=/>Start</a></nav><article><h1>Ein Titel</h1>\
        <p>Erster Absatz mit genug Text, damit die Seite wie ein Artikel aussieht, und noch ein wenig mehr Text dazu. Dieser Satz verlängert den Absatz deutlich, damit er über die Schwelle der Lesbarkeitsprüfung kommt.</p>\
        <p>Zweiter Absatz mit genug Text, damit die Seite wie ein Artikel aussieht, und noch ein wenig mehr Text. Dieser Satz verlängert den Absatz deutlich, damit er über die Schwelle der Lesbarkeitsprüfung kommt.</p>\
        <p>Dritter Absatz, der ebenfalls lang genug ist, um als Inhalt zu zählen, und der den Artikel abschließt. Dieser Satz verlängert den Absatz deutlich, damit er über die Schwelle der Prüfung kommt.</p>\
        </article></body></html>";

    #[test]
    fn selection_replaces_the_blocks_and_keeps_page_metadata() {
        let options = ExtractOptions { selection_html: Some("<p>Only <b>this</b> part.</p>".into()), ..ExtractOptions::default() };
        let article = extract_with(PAGE, Some("https://example.com/a"), &options).unwrap();
        assert!(article.from_selection);
        assert_eq!(article.blocks.len(), 1);
        assert_eq!(article.blocks[0].text, "Only this part.");
        assert_eq!(article.title, "Ein Titel");
        assert_eq!(article.lang, "de");
    }

    #[test]
    fn readerable_gate_refuses_non_articles_only_when_asked() {
        let feed = "<html><body><ul><li><a href=/1>One</a></li><li><a href=/2>Two</a></li></ul><p>Short.</p></body></html>";
        let gated = ExtractOptions { readerable_gate: true, ..ExtractOptions::default() };
        assert_eq!(extract_with(feed, None, &gated).err(), Some(GlossError::NotReaderable));
        assert!(extract_with(PAGE, None, &gated).is_ok_and(|a| a.readerable));
    }

    #[test]
    fn oversized_and_empty_pages_are_refused() {
        let huge = "x".repeat(DEFAULT_MAX_HTML_BYTES + 1);
        assert!(matches!(extract(&huge, None), Err(GlossError::TooLarge(_))));
        assert_eq!(extract("", None).err(), Some(GlossError::NoArticle));
        assert!(matches!(extract("just words, 2 < 3", None), Err(GlossError::Invalid(_))));
    }

    #[test]
    fn the_tag_scan_counts_and_estimates_depth() {
        let (tags, depth) = scan_tags("<!doctype html><html><body><div><p>a<p>b<br><img src=x/><div/></div></body></html>");
        assert_eq!(tags, 9);
        assert_eq!(depth, 3, "html > body > div; p, br and img do not nest");
        assert_eq!(scan_tags("a < b and c<d"), (1, 1));
        // Any case; a name longer than every unnested one nests, and so does one they begin.
        assert_eq!(scan_tags("<DIV><P>a<BR><blockquote><pre><Li>b"), (6, 3));
    }

    #[test]
    fn deep_nesting_is_refused_before_it_can_overflow() {
        let deep = format!("<html><body>{}<p>x</p>{}</body></html>", "<div>".repeat(5_000), "</div>".repeat(5_000));
        assert!(matches!(extract(&deep, None), Err(GlossError::TooLarge(m)) if m.contains("nested")));
        let medium = format!("<html><body>{}<p>x</p>{}</body></html>", "<span>".repeat(1_500), "</span>".repeat(1_500));
        assert!(matches!(extract(&medium, None), Err(GlossError::TooLarge(m)) if m.contains(&format!("nested {} deep", DEFAULT_MAX_DEPTH + 1))));
    }

    #[test]
    fn reading_time_counts_cjk_characters() {
        let counts = TextCounts::of(["日本語の文章です", "two words"].into_iter());
        assert_eq!(counts, TextCounts { words: 2, cjk_chars: 8 });
        assert_eq!(counts.reading_minutes(), 2);
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    /// A small article for prompt and translation tests.
    pub fn sample_article() -> Article {
        let html = "<html lang=en><head><title>Sample</title></head><body><article>\
            <h1>Heading one</h1><p>A first paragraph with <b>bold</b> words and a \
            <a href=\"https://example.com/ref\">link</a>.</p><ul><li>Item one</li><li>Item two</li></ul>\
            <p>A closing paragraph.</p></article></body></html>";
        Article {
            title: "Sample".into(),
            byline: None,
            site_name: None,
            published_time: None,
            lang: "en".into(),
            dir: None,
            excerpt: None,
            url: Some("https://example.com/a".into()),
            word_count: 20,
            reading_minutes: 1,
            readerable: true,
            from_selection: false,
            blocks: crate::article::blocks::from_html(html),
        }
    }
}
