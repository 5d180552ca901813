//! The extracted article: metadata plus an ordered list of blocks with stable ids, built from
//! dom_smoothie's cleaned content. Digest and translation both work from these blocks.

use dom_smoothie::{Config, Readability, ReadabilityError};
use serde::{Deserialize, Serialize};

use crate::error::GlossError;
use crate::text::Span;
use crate::{blocks, lang};

/// What kind of structure a block had in the page, so a translation can keep it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum BlockKind {
    Heading,
    Paragraph,
    ListItem,
    Quote,
    Code,
    TableRow,
    Caption,
}

/// One unit of the article. `text` is plain text; `spans` is the same text with inline styling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Block {
    /// Stable within an article: `b1`, `b2`, … in document order.
    pub id: String,
    pub kind: BlockKind,
    /// Heading level (1–6) or list nesting depth (1 = top level).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub level: Option<u8>,
    pub text: String,
    pub spans: Vec<Span>,
}

/// What the reader sees in the Original section and what prompts are built from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    pub blocks: Vec<Block>,
}

/// Pages larger than this many bytes of HTML are refused with a clear message rather than
/// risking a worker that hangs on them.
pub const DEFAULT_MAX_HTML_BYTES: usize = 10 * 1024 * 1024;
/// dom_smoothie's element cap: beyond it the parse is refused (`TooLarge`).
pub const DEFAULT_MAX_ELEMENTS: usize = 200_000;
/// Reading speed for space-separated scripts, words per minute.
const WORDS_PER_MINUTE: usize = 230;
/// Reading speed for CJK text, characters per minute.
const CJK_CHARS_PER_MINUTE: usize = 500;

/// Extracts the article from a page's serialised HTML.
///
/// 1. Refuse oversized input.
/// 2. Run dom_smoothie (Readability.js's algorithm) for the cleaned content and metadata.
/// 3. Walk the cleaned content into ordered blocks (`blocks::from_html`).
/// 4. Count words and settle the language (declared, else detected from the text).
pub fn extract(html: &str, url: Option<&str>) -> Result<Article, GlossError> {
    if html.len() > DEFAULT_MAX_HTML_BYTES {
        return Err(GlossError::TooLarge(format!(
            "{} MB of HTML (limit {} MB)",
            html.len() / (1024 * 1024),
            DEFAULT_MAX_HTML_BYTES / (1024 * 1024)
        )));
    }
    let url = url.filter(|u| u.starts_with("http://") || u.starts_with("https://"));
    let config = Config { max_elements_to_parse: DEFAULT_MAX_ELEMENTS, ..Config::default() };
    let mut readability = Readability::new(html, url, Some(config)).map_err(map_readability_error)?;
    let parsed = readability.parse().map_err(map_readability_error)?;

    let blocks = blocks::from_html(&parsed.content);
    if blocks.is_empty() {
        return Err(GlossError::NoArticle);
    }
    let counts = TextCounts::of(blocks.iter().map(|b| b.text.as_str()));
    let lang = parsed
        .lang
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| lang::detect(blocks.iter().map(|b| b.text.as_str())).to_string());

    Ok(Article {
        title: clean(&parsed.title).unwrap_or_default(),
        byline: parsed.byline.as_deref().and_then(clean),
        site_name: parsed.site_name.as_deref().and_then(clean),
        published_time: parsed.published_time.as_deref().and_then(clean),
        lang,
        dir: parsed.dir.as_deref().and_then(clean),
        excerpt: parsed.excerpt.as_deref().and_then(clean),
        url: url.map(str::to_string),
        word_count: counts.words + counts.cjk_chars,
        reading_minutes: counts.reading_minutes(),
        blocks,
    })
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
            blocks: crate::blocks::from_html(html),
        }
    }
}
