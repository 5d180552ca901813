//! Turns dom_smoothie's cleaned article HTML into Gloss's ordered blocks with inline spans.

use dom_query::{Document, NodeRef};

use crate::article::block::{Block, BlockKind};
use crate::text::{collapse_whitespace, is_safe_href, push_span, spans_text, Span};

/// Elements whose content is skipped entirely.
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "video",
    "audio", "canvas", "button", "input", "select", "textarea", "form", "nav", "head", "title",
];

/// Elements that start a new block; anything else is inline content of the current block.
const BLOCK_LEVEL: &[&str] = &[
    "address", "article", "aside", "blockquote", "body", "dd", "details", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "html", "li", "main", "ol", "p", "pre", "section", "summary", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "ul", "caption",
];

/// The style in force while walking inline content.
#[derive(Clone, Default)]
struct Style {
    bold: bool,
    italic: bool,
    code: bool,
    href: Option<String>,
}

/// Where a paragraph-like run of inline content is being collected.
#[derive(Clone, Copy)]
struct Context {
    kind: BlockKind,
    level: Option<u8>,
    list_depth: u8,
}

struct Builder {
    blocks: Vec<Block>,
    spans: Vec<Span>,
    /// Kind and level of the block the pending spans belong to.
    pending: Context,
}

/// Builds the blocks of an article from its cleaned HTML.
pub fn from_html(html: &str) -> Vec<Block> {
    from_node(&Document::from(html).root())
}

/// Builds the blocks of an article from a node of an already parsed document (its children, in
/// order), so the cleaned article need not be serialised and parsed again.
pub fn from_node(root: &NodeRef) -> Vec<Block> {
    let mut builder = Builder {
        blocks: Vec::new(),
        spans: Vec::new(),
        pending: Context { kind: BlockKind::Paragraph, level: None, list_depth: 0 },
    };
    let ctx = builder.pending;
    builder.walk_children(root, ctx, &Style::default());
    builder.flush();
    builder.blocks
}

impl Builder {
    fn walk_children(&mut self, node: &NodeRef, ctx: Context, style: &Style) {
        for child in node.children_it(false) {
            self.walk(&child, ctx, style);
        }
    }

    fn walk(&mut self, node: &NodeRef, ctx: Context, style: &Style) {
        if node.is_text() {
            self.text(&node.text(), ctx, style);
            return;
        }
        if !node.is_element() {
            return;
        }
        let name = node.node_name().map(|n| n.to_ascii_lowercase()).unwrap_or_default();
        let name = name.as_str();
        if SKIPPED.contains(&name) || node.has_attr("hidden") {
            return;
        }
        if BLOCK_LEVEL.contains(&name) {
            self.flush();
            self.block(node, name, ctx, style);
            self.flush();
        } else {
            self.inline(node, name, ctx, style);
        }
    }

    fn block(&mut self, node: &NodeRef, name: &str, ctx: Context, style: &Style) {
        let mut inner = ctx;
        match name {
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                inner.kind = BlockKind::Heading;
                inner.level = name[1..].parse().ok();
            }
            "ul" | "ol" | "dl" => {
                inner.list_depth = ctx.list_depth.saturating_add(1);
            }
            "li" | "dd" | "dt" => {
                inner.kind = BlockKind::ListItem;
                inner.level = Some(ctx.list_depth.max(1));
            }
            "blockquote" => inner.kind = BlockKind::Quote,
            "figcaption" | "caption" => inner.kind = BlockKind::Caption,
            "pre" => {
                self.code_block(node);
                return;
            }
            "tr" => {
                self.table_row(node, style);
                return;
            }
            "hr" => return,
            "p" if ctx.kind == BlockKind::Heading => {}
            // A paragraph inside a list item, quote or caption keeps that kind.
            "p" | "div" | "section" | "article" | "main" | "figure" | "header" | "footer"
                if !matches!(ctx.kind, BlockKind::ListItem | BlockKind::Quote | BlockKind::Caption) =>
            {
                inner.kind = BlockKind::Paragraph;
                inner.level = None;
            }
            _ => {}
        }
        self.walk_children(node, inner, style);
    }

    fn inline(&mut self, node: &NodeRef, name: &str, ctx: Context, style: &Style) {
        let mut inner = style.clone();
        match name {
            "b" | "strong" => inner.bold = true,
            "i" | "em" | "cite" | "dfn" => inner.italic = true,
            "code" | "kbd" | "samp" | "tt" => inner.code = true,
            "a" => {
                inner.href = node
                    .attr("href")
                    .map(|h| h.trim().to_string())
                    .filter(|h| is_safe_href(h));
            }
            "br" => {
                self.text("\n", ctx, style);
                return;
            }
            // Images are not text: Readability.js's text leaves their alt out too.
            "img" => return,
            _ => {}
        }
        self.walk_children(node, ctx, &inner);
    }

    fn text(&mut self, raw: &str, ctx: Context, style: &Style) {
        if self.spans.is_empty() {
            if raw.trim().is_empty() {
                return;
            }
            self.pending = ctx;
        }
        let text = if raw == "\n" { raw.to_string() } else { squeeze(raw) };
        push_span(
            &mut self.spans,
            Span { text, bold: style.bold, italic: style.italic, code: style.code, href: style.href.clone() },
        );
    }

    fn code_block(&mut self, node: &NodeRef) {
        let text = node.text().trim_matches('\n').to_string();
        if !text.trim().is_empty() {
            let spans = vec![Span { text: text.clone(), code: true, ..Span::default() }];
            self.push(BlockKind::Code, None, text, spans);
        }
    }

    fn table_row(&mut self, row: &NodeRef, style: &Style) {
        let mut spans: Vec<Span> = Vec::new();
        for cell in row.element_children() {
            let mut cell_builder = Builder { blocks: Vec::new(), spans: Vec::new(), pending: self.pending };
            cell_builder.walk_children(&cell, self.pending, style);
            let cell_spans = trim_spans(std::mem::take(&mut cell_builder.spans));
            let mut cell_text: Vec<Span> = cell_spans;
            for nested in cell_builder.blocks {
                cell_text.extend(nested.spans);
            }
            if cell_text.is_empty() {
                continue;
            }
            if !spans.is_empty() {
                push_span(&mut spans, Span::plain(" | "));
            }
            for span in cell_text {
                push_span(&mut spans, span);
            }
        }
        let text = spans_text(&spans);
        if !text.trim().is_empty() {
            self.push(BlockKind::TableRow, None, text, spans);
        }
    }

    /// Ends the pending run of inline content as a block.
    fn flush(&mut self) {
        let spans = trim_spans(std::mem::take(&mut self.spans));
        let text = spans_text(&spans);
        if text.chars().any(char::is_alphanumeric) {
            let Context { kind, level, .. } = self.pending;
            self.push(kind, level, text, spans);
        }
    }

    fn push(&mut self, kind: BlockKind, level: Option<u8>, text: String, spans: Vec<Span>) {
        let id = format!("b{}", self.blocks.len() + 1);
        self.blocks.push(Block { id, kind, level, text, spans });
    }
}

/// Collapses whitespace inside a text node but keeps one space at either end if there was any,
/// so words in adjacent inline elements stay apart.
fn squeeze(raw: &str) -> String {
    let inner = collapse_whitespace(raw);
    if inner.is_empty() {
        return " ".to_string();
    }
    let mut out = String::with_capacity(inner.len() + 2);
    if raw.starts_with(char::is_whitespace) {
        out.push(' ');
    }
    out.push_str(&inner);
    if raw.ends_with(char::is_whitespace) {
        out.push(' ');
    }
    out
}

/// Removes doubled spaces across span borders and the whitespace at both ends.
fn trim_spans(spans: Vec<Span>) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    let mut last_space = true; // at the start, leading whitespace is dropped
    for mut span in spans {
        let mut text = String::with_capacity(span.text.len());
        for ch in span.text.chars() {
            let space = ch == ' ';
            if ch == '\n' {
                while text.ends_with(' ') {
                    text.pop();
                }
                text.push('\n');
                last_space = true;
                continue;
            }
            if space && last_space {
                continue;
            }
            text.push(ch);
            last_space = space;
        }
        span.text = text;
        push_span(&mut out, span);
    }
    // Trim the end: whitespace and newlines.
    while let Some(last) = out.last_mut() {
        let trimmed = last.text.trim_end().len();
        last.text.truncate(trimmed);
        if last.text.is_empty() {
            out.pop();
        } else {
            break;
        }
    }
    if let Some(first) = out.first_mut() {
        first.text = first.text.trim_start().to_string();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(blocks: &[Block]) -> Vec<(BlockKind, Option<u8>, &str)> {
        blocks.iter().map(|b| (b.kind, b.level, b.text.as_str())).collect()
    }

    #[test]
    fn headings_paragraphs_and_ids() {
        let blocks = from_html("<div><h2>Title  here</h2><p>First <b>bold</b> para.</p><p>Second.</p></div>");
        assert_eq!(
            kinds(&blocks),
            vec![
                (BlockKind::Heading, Some(2), "Title here"),
                (BlockKind::Paragraph, None, "First bold para."),
                (BlockKind::Paragraph, None, "Second."),
            ]
        );
        let ids: Vec<&str> = blocks.iter().map(|b| b.id.as_str()).collect();
        assert_eq!(ids, ["b1", "b2", "b3"]);
        assert_eq!(blocks[1].spans.len(), 3);
        assert!(blocks[1].spans[1].bold);
        assert_eq!(blocks[1].spans[1].text, "bold");
    }

    #[test]
    fn nested_lists_keep_depth() {
        let blocks = from_html("<ul><li>One<ul><li>One.a</li></ul></li><li>Two</li></ul>");
        assert_eq!(
            kinds(&blocks),
            vec![
                (BlockKind::ListItem, Some(1), "One"),
                (BlockKind::ListItem, Some(2), "One.a"),
                (BlockKind::ListItem, Some(1), "Two"),
            ]
        );
    }

    #[test]
    fn quotes_code_and_tables() {
        let blocks = from_html(
            "<blockquote><p>Quoted words.</p></blockquote><pre>let x = 1;\n  x + 1</pre>\
             <table><tr><th>Name</th><th>Age</th></tr><tr><td>Ann</td><td>7</td></tr></table>\
             <figure><img src=a.png alt=pic><figcaption>A caption</figcaption></figure>",
        );
        assert_eq!(
            kinds(&blocks),
            vec![
                (BlockKind::Quote, None, "Quoted words."),
                (BlockKind::Code, None, "let x = 1;\n  x + 1"),
                (BlockKind::TableRow, None, "Name | Age"),
                (BlockKind::TableRow, None, "Ann | 7"),
                (BlockKind::Caption, None, "A caption"),
            ]
        );
    }

    #[test]
    fn links_only_keep_http_targets() {
        let blocks = from_html(
            r#"<p>See <a href="https://example.com/a">this</a> and <a href="javascript:alert(1)">that</a>.</p>"#,
        );
        assert_eq!(blocks.len(), 1);
        let links: Vec<_> = blocks[0].spans.iter().filter_map(|s| s.href.as_deref()).collect();
        assert_eq!(links, ["https://example.com/a"]);
        assert_eq!(blocks[0].text, "See this and that.");
    }

    #[test]
    fn markup_in_text_stays_text() {
        let blocks = from_html("<p>&lt;img src=x onerror=alert(1)&gt; hi</p><script>alert(2)</script>");
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].text, "<img src=x onerror=alert(1)> hi");
    }

    #[test]
    fn inline_spacing_is_kept_between_elements() {
        let blocks = from_html("<p>a<em>b</em> <strong>c</strong>\n d<br>e</p>");
        assert_eq!(blocks[0].text, "ab c d\ne");
    }

    #[test]
    fn text_directly_in_divs_becomes_paragraphs() {
        let blocks = from_html("<div>Loose text<div>Inner text</div>tail text</div>");
        assert_eq!(
            kinds(&blocks),
            vec![
                (BlockKind::Paragraph, None, "Loose text"),
                (BlockKind::Paragraph, None, "Inner text"),
                (BlockKind::Paragraph, None, "tail text"),
            ]
        );
    }
}
