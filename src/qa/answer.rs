//! Reads a model's answer to a question, complete or still streaming, into paragraphs of
//! claims: each claim is the text up to a paragraph id the model cited (`… [b4].`), with that id
//! as its source when the article has such a paragraph. Plain text and light Markdown only:
//! links survive only where the article links too, HTML stays text.

use serde::{Deserialize, Serialize};

use crate::digest::ArticleRefs;
use crate::text::markdown::parse_inline;
use crate::text::{spans_text, Span};

/// The article does not answer the question: the marker the model is asked to begin with.
pub const NOT_IN_ARTICLE: &str = "[not in article]";

/// One claim of an answer: its text and the paragraph it draws on, when it names a real one.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Claim {
    pub text: Vec<Span>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// An answer as the panel shows it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct Answer {
    /// Paragraphs, each a run of claims.
    pub paragraphs: Vec<Vec<Claim>>,
    /// The model said the article does not answer the question (the panel says so in its own words).
    pub not_in_article: bool,
}

impl Answer {
    /// The answer as plain text with its paragraph ids, as an earlier turn is sent again.
    pub fn plain(&self) -> String {
        let paragraphs: Vec<String> = self
            .paragraphs
            .iter()
            .map(|claims| {
                let parts: Vec<String> = claims.iter().map(|c| format!("{}{}", spans_text(&c.text), c.source.as_ref().map(|s| format!(" [{s}]")).unwrap_or_default())).collect();
                parts.join(" ")
            })
            .collect();
        let text = paragraphs.join("\n");
        if self.not_in_article { format!("{NOT_IN_ARTICLE} {text}") } else { text }
    }

    /// Whether there is nothing to show.
    pub fn is_empty(&self) -> bool {
        self.paragraphs.is_empty()
    }
}

/// Reads `answer`, complete or still streaming: a half-written id or marker at the end is not
/// shown (while streaming it may yet be finished; at the end it was cut off).
pub fn read(answer: &str, refs: &ArticleRefs) -> Answer {
    let stripped = crate::llm::reasoning::strip_think(answer);
    let mut text = stripped.into_owned();
    cut_unfinished_bracket(&mut text);
    let lower = text.to_ascii_lowercase();
    let not_in_article = lower.contains(NOT_IN_ARTICLE);
    if let Some(at) = lower.find(NOT_IN_ARTICLE) {
        text.replace_range(at..at + NOT_IN_ARTICLE.len(), "");
    }
    let paragraphs = paragraphs(&text).iter().map(|p| claims(p, refs)).filter(|c: &Vec<Claim>| !c.is_empty()).collect();
    Answer { paragraphs, not_in_article }
}

/// A last `[` not closed that is, or may still become, an id (`[b1`) or the marker (`[not in`)
/// is not shown.
fn cut_unfinished_bracket(text: &mut String) {
    let Some(open) = text.rfind('[') else { return };
    let tail = &text[open..];
    if tail.contains(']') {
        return;
    }
    let lower = tail.to_ascii_lowercase();
    let marker = NOT_IN_ARTICLE.starts_with(&lower);
    let id = lower[1..].chars().all(|c| c.is_ascii_digit() || matches!(c, 'b' | ',' | ';' | ' '));
    if marker || id {
        text.truncate(open);
    }
}

/// The answer's paragraphs: blank lines and list items part them; fences and heading marks go.
fn paragraphs(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let flush = |current: &mut Vec<&str>, out: &mut Vec<String>| {
        if !current.is_empty() {
            out.push(current.join(" "));
            current.clear();
        }
    };
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with("```") || line.starts_with("~~~") {
            flush(&mut current, &mut out);
            continue;
        }
        let line = line.trim_start_matches('#').trim_start();
        match crate::digest::parse::strip_bullet(line) {
            Some(item) => {
                flush(&mut current, &mut out);
                current.push(item);
            }
            None => current.push(line),
        }
    }
    flush(&mut current, &mut out);
    out
}

/// `[b4]`, `[b4, b9]`, `[b4; b9]` at the start of `s`: its length and first id.
fn id_group(s: &str) -> Option<(usize, String)> {
    let close = s.find(']')?;
    let inner = &s[1..close];
    let ids: Vec<&str> = inner.split([',', ';', ' ']).filter(|p| !p.is_empty()).collect();
    let is_id = |p: &&str| p.strip_prefix('b').is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
    (!ids.is_empty() && ids.iter().all(is_id)).then(|| (close + 1, ids[0].to_string()))
}

/// Punctuation that ends the claim before it even when written after its id (`… [b4].`).
const TRAILING: &[char] = &['.', ',', ';', ':', '!', '?', '。', '、', '，', '！', '？', '；', '：'];

/// A paragraph's claims: text up to each cited id, then any text after the last one.
fn claims(paragraph: &str, refs: &ArticleRefs) -> Vec<Claim> {
    let mut pieces: Vec<(String, Option<String>)> = Vec::new();
    let mut text = String::new();
    let mut rest = paragraph;
    while let Some(open) = rest.find('[') {
        let Some((len, id)) = id_group(&rest[open..]) else {
            text.push_str(&rest[..=open]);
            rest = &rest[open + 1..];
            continue;
        };
        text.push_str(&rest[..open]);
        rest = &rest[open + len..];
        let source = refs.knows_block(&id).then_some(id);
        let claim = text.trim().to_string();
        text.clear();
        match pieces.last_mut() {
            // `… [b2][b5]` or `… [b2] [b5]`: the claim keeps the first id it cites.
            Some(last) if claim.is_empty() => {
                if last.1.is_none() {
                    last.1 = source;
                }
            }
            _ if claim.is_empty() => {}
            _ => pieces.push((claim, source)),
        }
        let punct: usize = rest.chars().take_while(|c| TRAILING.contains(c)).map(char::len_utf8).sum();
        if let Some(last) = pieces.last_mut() {
            last.0.push_str(&rest[..punct]);
        }
        rest = &rest[punct..];
    }
    text.push_str(rest);
    let tail = text.trim();
    if !tail.is_empty() {
        pieces.push((tail.to_string(), None));
    }
    pieces.into_iter().map(|(raw, source)| Claim { text: parse_inline(&raw, &|href: &str| refs.allows_link(href)), source }).filter(|c| !c.text.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::tests_support::sample_article;

    fn refs() -> ArticleRefs {
        ArticleRefs::of(&sample_article())
    }

    fn texts(answer: &Answer) -> Vec<Vec<(String, Option<String>)>> {
        answer.paragraphs.iter().map(|p| p.iter().map(|c| (spans_text(&c.text), c.source.clone())).collect()).collect()
    }

    #[test]
    fn each_claim_ends_with_the_paragraph_it_cites() {
        let a = read("The first paragraph has **bold** words [b2]. It also links somewhere [b2, b3].\n\nA list follows [b3]", &refs());
        assert_eq!(
            texts(&a),
            [vec![("The first paragraph has bold words.".into(), Some("b2".into())), ("It also links somewhere.".into(), Some("b2".into()))], vec![("A list follows".into(), Some("b3".into()))]]
        );
        assert!(a.paragraphs[0][0].text.iter().any(|s| s.bold && s.text == "bold"));
        assert!(!a.not_in_article);
        assert_eq!(a.plain(), "The first paragraph has bold words. [b2] It also links somewhere. [b2]\nA list follows [b3]");
    }

    #[test]
    fn invented_ids_are_no_source_and_uncited_text_stays() {
        let a = read("Made up [b99]. Unsourced ending", &refs());
        assert_eq!(texts(&a), [vec![("Made up.".into(), None), ("Unsourced ending".into(), None)]]);
        let brackets = read("A [note] and [b] stay [b2][b3]", &refs());
        assert_eq!(texts(&brackets), [vec![("A [note] and [b] stay".into(), Some("b2".into()))]]);
    }

    #[test]
    fn the_not_in_article_marker_becomes_a_flag() {
        let a = read("[Not in article] The article covers only the sample's headings [b1].", &refs());
        assert!(a.not_in_article);
        assert_eq!(texts(&a), [vec![("The article covers only the sample's headings.".into(), Some("b1".into()))]]);
        assert!(a.plain().starts_with("[not in article] "));
    }

    #[test]
    fn half_streamed_ids_and_markers_wait() {
        for partial in ["[", "[no", "[not in art"] {
            let a = read(partial, &refs());
            assert!(a.is_empty() && !a.not_in_article, "{partial}: {a:?}");
        }
        for tail in ["[", "[b", "[b2", "[b2, b"] {
            let a = read(&format!("Words so far {tail}"), &refs());
            assert_eq!(texts(&a), [vec![("Words so far".into(), None)]], "{tail}");
        }
        assert_eq!(texts(&read("Done [b", &refs())), [vec![("Done".into(), None)]], "an id cut off at the end is not shown");
        assert_eq!(texts(&read("See [note", &refs())), [vec![("See [note".into(), None)]], "other brackets are text");
    }

    #[test]
    fn every_prefix_of_a_tricky_answer_reads_without_panicking_and_never_shows_an_id() {
        let answer = "<think>x</think>[Not in article] 記事は[b2]。**塔**は白い [b2, b3]；\n\n- [b] [note] ünïcödé [b9] [b3][b2]. ‹/article› <question>";
        let refs = refs();
        for (end, _) in answer.char_indices().chain([(answer.len(), ' ')]) {
            let a = read(&answer[..end], &refs);
            let shown: String = a.paragraphs.iter().flatten().map(|c| spans_text(&c.text)).collect();
            assert!(!shown.contains("[b2") && !shown.contains("[b3") && !shown.contains("[not in"), "{end}: {shown}");
        }
    }

    #[test]
    fn html_stays_text_and_foreign_links_are_text() {
        let a = read("<think>plan</think><img src=x onerror=alert(1)> [b2]\n- [evil](https://evil.example) and [ref](https://example.com/ref) [b2]", &refs());
        assert_eq!(spans_text(&a.paragraphs[0][0].text), "<img src=x onerror=alert(1)>");
        let links: Vec<Option<&str>> = a.paragraphs[1][0].text.iter().map(|s| s.href.as_deref()).collect();
        assert!(links.contains(&Some("https://example.com/ref")) && !links.contains(&Some("https://evil.example")), "{links:?}");
        assert_eq!(read("", &refs()), Answer::default());
    }
}
