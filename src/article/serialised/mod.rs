//! The page as the browser serialised it (`outerHTML`), read straight into a document.
//!
//! The content script sends the live DOM's serialisation: every element is closed (void ones
//! have no end tag), attribute values are quoted, `&`, `<`, `>` and no-break spaces are escaped,
//! and the nesting is the DOM's own. Such text needs little of the HTML parser's machinery: its
//! tokenizer's state machine, its implied tags, its repairs of misnested markup. This reader
//! scans it with byte searches and builds the tree through the same `TreeSink` the parser uses,
//! in about a quarter of the parser's time.
//!
//! Where the parser would build something else from the same text, it follows the parser: it
//! reads `<noscript>` as markup (Gloss's parser runs with scripting off, so an image in the
//! head's `<noscript>` starts the body early), decodes character references as its tokenizer
//! does, and names SVG and MathML as its tree builder does. It gives `None`, and the caller runs
//! the parser, for the rest: text that is not a serialisation (a raw `<`, a tag left open, a
//! carriage return) and the shapes the parser rebuilds (a `<p>` holding a `<div>`, a `<tr>`
//! straight in a `<table>`, text in a table, an `<a>` in an `<a>`, content after the
//! `</body>`). A DOM the page's scripts built can have those; one the parser built has none.
//! So the tree is node for node the parser's, in the same order. The unit tests (with tag soup,
//! and the parser's own serialisations of it) and the Mozilla pages' tests check that.

use dom_query::{Document, NodeId};
use html5ever::interface::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::tendril::StrTendril;
use html5ever::{local_name, ns, Attribute, LocalName, Namespace, QualName};
use memchr::{memchr, memchr2, memmem};

use names::{foreign_attributes, Space, SVG_TAG_NAMES};
use rules::{is_special, Island, Open};
use scan::{all_space, ascii_lower, decode, is_space, raw_end, script_end};

mod names;
mod rules;
mod scan;
#[cfg(test)]
mod tests;

/// A page read: the parser's tree, and whether an element carries `shadowrootmode` (a shadow
/// root serialised for `shadow::flatten`), seen on the way.
pub struct Read {
    pub doc: Document,
    pub shadow_roots: bool,
}

/// The tree the parser would build from `html`, or `None` when `html` does not read as a
/// browser's serialisation of a parser-built DOM (see the module's comment).
pub fn parse(html: &str) -> Option<Read> {
    let bytes = html.as_bytes();
    if !bytes.starts_with(b"<html") || memchr2(b'\r', b'\0', bytes).is_some() {
        return None;
    }
    let mut reader = Reader {
        src: html,
        pos: 0,
        doc: Document::default(),
        stack: Vec::with_capacity(64),
        mode: Mode::BeforeHtml,
        templates: 0,
        head: None,
        implied_body: ImpliedBody::No,
        shadow_roots: false,
    };
    // The serialisation has no doctype, and the parser reads a document without one in quirks mode.
    reader.doc.set_quirks_mode(QuirksMode::Quirks);
    reader.run()?;
    Some(Read { doc: reader.doc, shadow_roots: reader.shadow_roots })
}

/// Where in the document the reader is: the parser's insertion modes that a serialisation passes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    BeforeHtml,
    BeforeHead,
    InHead,
    HeadNoscript,
    AfterHead,
    InBody,
    AfterBody,
    Done,
}




struct Reader<'a> {
    src: &'a str,
    pos: usize,
    doc: Document,
    stack: Vec<Open>,
    mode: Mode,
    /// Open `<template>` elements: inside one, the body's rules apply wherever it is.
    templates: usize,
    head: Option<NodeId>,
    implied_body: ImpliedBody,
    shadow_roots: bool,
}

/// Whether the parser started the body before the serialisation's `<body>`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ImpliedBody {
    No,
    /// Started early; the `<body>` tag is still to come.
    Open,
    /// Started early, and the `<body>` tag came.
    Merged,
}

/// Raw text (`<style>`) and escapable raw text (`<title>`, `<textarea>`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Raw {
    Text,
    Script,
    Escapable,
}


impl Reader<'_> {
    fn run(&mut self) -> Option<()> {
        let bytes = self.src.as_bytes();
        while self.pos < bytes.len() {
            if bytes[self.pos] != b'<' {
                let end = memchr(b'<', &bytes[self.pos..]).map_or(bytes.len(), |at| self.pos + at);
                let run = &self.src[self.pos..end];
                self.pos = end;
                self.text(run)?;
                continue;
            }
            match bytes.get(self.pos + 1)? {
                b'!' => self.comment()?,
                b'/' => self.end_tag()?,
                b if b.is_ascii_alphabetic() => self.start_tag()?,
                _ => return None,
            }
        }
        (self.mode == Mode::Done).then_some(())
    }

    fn current(&self) -> Option<&Open> {
        self.stack.last()
    }

    fn parent(&self) -> NodeId {
        self.current().map_or_else(|| self.doc.get_document(), |open| open.into)
    }

    fn append_text(&self, parent: NodeId, text: &str) {
        if !text.is_empty() {
            self.doc.append(&parent, NodeOrText::AppendText(StrTendril::from(text)));
        }
    }

    /// A run of text between tags, as the parser's current insertion mode takes it.
    fn text(&mut self, run: &str) -> Option<()> {
        let text = decode(run, false);
        if self.templates > 0 || self.mode == Mode::InBody {
            // Text straight in a table is moved out of it by the parser (unless it is blank).
            let in_table = self.current().is_some_and(|c| c.is_html() && matches!(&*c.name, "table" | "tbody" | "thead" | "tfoot" | "tr" | "colgroup"));
            if in_table && !all_space(&text) {
                return None;
            }
            self.append_text(self.parent(), &text);
            return Some(());
        }
        if !all_space(&text) {
            // Text in the head: its leading blanks stay there, and the rest starts the body.
            let rest = text.trim_start_matches(|c: char| c.is_ascii() && is_space(c as u8));
            if !matches!(self.mode, Mode::InHead | Mode::HeadNoscript | Mode::AfterHead) || self.templates > 0 {
                return None;
            }
            self.append_text(self.parent(), &text[..text.len() - rest.len()]);
            self.imply_body()?;
            self.append_text(self.parent(), rest);
            return Some(());
        }
        match self.mode {
            // The parser drops blanks before <head>.
            Mode::BeforeHead => {}
            Mode::InHead | Mode::HeadNoscript | Mode::AfterHead => self.append_text(self.parent(), &text),
            // After </body> the body is still the current node.
            Mode::AfterBody => self.append_text(self.stack.get(1)?.into, &text),
            _ => return None,
        }
        Some(())
    }

    fn comment(&mut self) -> Option<()> {
        let bytes = self.src.as_bytes();
        if !bytes[self.pos..].starts_with(b"<!--") {
            return None;
        }
        let start = self.pos + 4;
        let end = start + memmem::find(&bytes[start..], b"-->")?;
        let data = &self.src[start..end];
        // `<!-->`, `<!--->` and `--!>` end a comment early in the parser.
        if data.starts_with('>') || data.starts_with("->") || data.contains("--!>") {
            return None;
        }
        self.pos = end + 3;
        let comment = self.doc.create_comment(StrTendril::from(data));
        let parent = match self.mode {
            Mode::AfterBody => self.stack.first()?.id,
            Mode::Done | Mode::BeforeHtml => return None,
            _ => self.parent(),
        };
        self.doc.append(&parent, NodeOrText::AppendNode(comment));
        Some(())
    }

    fn end_tag(&mut self) -> Option<()> {
        let bytes = self.src.as_bytes();
        let start = self.pos + 2;
        let close = start + memchr(b'>', &bytes[start..])?;
        let name = ascii_lower(self.src[start..close].trim_end_matches(|c: char| is_space(c as u8) && c.is_ascii()));
        if name.is_empty() || name.bytes().any(|b| is_space(b) || b == b'/') {
            return None;
        }
        self.pos = close + 1;
        if self.mode == Mode::AfterBody {
            if name == "html" {
                self.mode = Mode::Done;
                return Some(());
            }
            return None;
        }
        let top = self.current()?;
        if !str::eq_ignore_ascii_case(&top.name, &name) {
            // Left over from a head the parser ended early: it ignores them.
            let leftover = self.implied_body != ImpliedBody::No && matches!(&*name, "head" | "noscript") && is_special(top);
            return leftover.then_some(());
        }
        match (self.mode, &*name) {
            (Mode::InHead, "head") if self.templates == 0 => {
                self.stack.pop();
                self.mode = Mode::AfterHead;
            }
            (Mode::HeadNoscript, "noscript") => {
                self.stack.pop();
                self.mode = Mode::InHead;
            }
            (Mode::InBody, "body") if self.templates == 0 => {
                // The parser keeps the body open after </body>; only </html> may follow.
                if self.stack.len() != 2 {
                    return None;
                }
                self.mode = Mode::AfterBody;
            }
            _ if self.templates > 0 || self.mode == Mode::InBody => {
                if top.is("html") || top.is("body") {
                    return None;
                }
                if top.is("template") {
                    self.templates -= 1;
                }
                self.stack.pop();
            }
            _ => return None,
        }
        Some(())
    }

    fn start_tag(&mut self) -> Option<()> {
        let bytes = self.src.as_bytes();
        let start = self.pos + 1;
        let mut at = start;
        while at < bytes.len() && !is_space(bytes[at]) && bytes[at] != b'/' && bytes[at] != b'>' {
            at += 1;
        }
        let raw_name = &self.src[start..at];
        let mut attrs: Vec<Attribute> = Vec::new();
        let mut self_closing = false;
        loop {
            while is_space(*bytes.get(at)?) {
                at += 1;
            }
            match bytes[at] {
                b'>' => {
                    at += 1;
                    break;
                }
                b'/' => {
                    at += 1;
                    if bytes.get(at) == Some(&b'>') {
                        self_closing = true;
                        at += 1;
                        break;
                    }
                    continue;
                }
                _ => {}
            }
            let name_start = at;
            at += 1; // a name may begin with `=`
            while at < bytes.len() && !is_space(bytes[at]) && !matches!(bytes[at], b'/' | b'>' | b'=') {
                at += 1;
            }
            let name = &self.src[name_start..at];
            while is_space(*bytes.get(at)?) {
                at += 1;
            }
            let value = if bytes[at] == b'=' {
                at += 1;
                while is_space(*bytes.get(at)?) {
                    at += 1;
                }
                match bytes[at] {
                    quote @ (b'"' | b'\'') => {
                        let end = at + 1 + memchr(quote, &bytes[at + 1..])?;
                        let value = &self.src[at + 1..end];
                        at = end + 1;
                        value
                    }
                    b'>' => "",
                    _ => {
                        let begin = at;
                        while at < bytes.len() && !is_space(bytes[at]) && bytes[at] != b'>' {
                            at += 1;
                        }
                        &self.src[begin..at]
                    }
                }
            } else {
                ""
            };
            let name = ascii_lower(name);
            // A repeated attribute is dropped: the first one stands.
            if attrs.iter().any(|a| *a.name.local == *name) {
                continue;
            }
            self.shadow_roots |= *name == *"shadowrootmode";
            let value = decode(value, true);
            attrs.push(Attribute { name: QualName::new(None, ns!(), LocalName::from(&*name)), value: StrTendril::from(&*value) });
        }
        self.pos = at;
        self.start(&ascii_lower(raw_name), attrs, self_closing)
    }

    fn start(&mut self, name: &str, attrs: Vec<Attribute>, self_closing: bool) -> Option<()> {
        if let Some(top) = self.current() {
            let html_rules = match top.island {
                _ if top.is_html() => true,
                Island::Html => true,
                Island::MathText => !matches!(name, "mglyph" | "malignmark"),
                Island::Annotation => name == "svg",
                Island::No => false,
            };
            if !html_rules {
                return self.foreign_start(top.space, name, attrs, self_closing);
            }
        }
        if self.templates > 0 {
            return self.body_start(name, attrs, self_closing);
        }
        match self.mode {
            Mode::BeforeHtml if name == "html" => {
                self.push(ns!(html), local_name!("html"), attrs);
                self.mode = Mode::BeforeHead;
            }
            Mode::BeforeHead if name == "head" => {
                self.push(ns!(html), local_name!("head"), attrs);
                self.head = self.current().map(|open| open.id);
                self.mode = Mode::InHead;
            }
            Mode::InHead => match name {
                "base" | "basefont" | "bgsound" | "link" | "meta" | "title" | "style" | "noframes" | "script" => {
                    self.head_element(name, attrs)?;
                }
                // Read with scripting off, as Gloss's parser reads it: its markup is markup.
                "noscript" => {
                    self.push(ns!(html), local_name!("noscript"), attrs);
                    self.mode = Mode::HeadNoscript;
                }
                "template" => self.template(attrs),
                _ => {
                    self.imply_body()?;
                    return self.body_start(name, attrs, self_closing);
                }
            },
            Mode::HeadNoscript => match name {
                "basefont" | "bgsound" | "link" | "meta" | "style" | "noframes" => self.head_element(name, attrs)?,
                // Anything else ends the <noscript>, and the head reads the tag.
                _ => {
                    self.stack.pop();
                    self.mode = Mode::InHead;
                    return self.start(name, attrs, self_closing);
                }
            },
            Mode::AfterHead => match name {
                "body" => {
                    self.push(ns!(html), local_name!("body"), attrs);
                    self.mode = Mode::InBody;
                }
                // The parser puts these back in the head.
                "base" | "basefont" | "bgsound" | "link" | "meta" | "title" | "style" | "noframes" | "script" => {
                    let head = self.head?;
                    self.stack.push(Open::html(head, head, local_name!("head")));
                    let done = self.head_element(name, attrs);
                    self.stack.pop();
                    done?;
                }
                "template" | "head" | "html" | "frameset" => return None,
                _ => {
                    self.imply_body()?;
                    return self.body_start(name, attrs, self_closing);
                }
            },
            Mode::InBody => return self.body_start(name, attrs, self_closing),
            _ => return None,
        }
        Some(())
    }

    /// An element the head holds, at the current node.
    fn head_element(&mut self, name: &str, attrs: Vec<Attribute>) -> Option<()> {
        match name {
            "title" => self.raw(name, attrs, Raw::Escapable),
            "style" | "noframes" => self.raw(name, attrs, Raw::Text),
            "script" => self.raw(name, attrs, Raw::Script),
            _ => {
                self.element(ns!(html), LocalName::from(name), attrs);
                Some(())
            }
        }
    }

    /// What the parser does with body content in the head (an image in a `<noscript>`, as it
    /// reads one with scripting off, or an `<iframe>` a script put there): it ends the head and
    /// starts a body of its own. The serialisation's `</head>` and `</noscript>` then mean
    /// nothing, and its `<body>` only lends its attributes.
    fn imply_body(&mut self) -> Option<()> {
        match self.mode {
            Mode::HeadNoscript => {
                self.stack.pop();
                self.stack.pop();
            }
            Mode::InHead => {
                self.stack.pop();
            }
            Mode::AfterHead => {}
            _ => return None,
        }
        if self.stack.len() != 1 || self.templates > 0 {
            return None;
        }
        self.push(ns!(html), local_name!("body"), Vec::new());
        self.mode = Mode::InBody;
        self.implied_body = ImpliedBody::Open;
        Some(())
    }

    /// A start tag inside the body (or a template): `None` where the parser would not simply
    /// insert the element where it stands.
    fn body_start(&mut self, name: &str, attrs: Vec<Attribute>, self_closing: bool) -> Option<()> {
        if name == "body" && self.implied_body == ImpliedBody::Open && self.templates == 0 {
            let body = self.stack.get(1)?.id;
            self.doc.add_attrs_if_missing(&body, attrs);
            self.implied_body = ImpliedBody::Merged;
            return Some(());
        }
        if rules::rebuilt(&self.stack, name) {
            return None;
        }
        match name {
            "area" | "base" | "basefont" | "bgsound" | "br" | "col" | "embed" | "hr" | "img" | "input" | "keygen" | "link"
            | "meta" | "param" | "source" | "track" | "wbr" => {
                self.element(ns!(html), LocalName::from(name), attrs);
            }
            "svg" | "math" => {
                let space = if name == "svg" { Space::Svg } else { Space::MathMl };
                self.foreign(space, LocalName::from(name), attrs, self_closing);
            }
            "pre" | "listing" => {
                self.push(ns!(html), LocalName::from(name), attrs);
                self.skip_newline();
            }
            "textarea" | "title" => self.raw(name, attrs, Raw::Escapable)?,
            "style" | "xmp" | "iframe" | "noembed" | "noframes" => self.raw(name, attrs, Raw::Text)?,
            "script" => self.raw(name, attrs, Raw::Script)?,
            "template" => self.template(attrs),
            _ => self.push(ns!(html), LocalName::from(name), attrs),
        }
        Some(())
    }

    /// A start tag in SVG or MathML content (outside its HTML islands).
    fn foreign_start(&mut self, space: Space, name: &str, attrs: Vec<Attribute>, self_closing: bool) -> Option<()> {
        if rules::breaks_out(name, &attrs) {
            return None;
        }
        let local = match space {
            Space::Svg => SVG_TAG_NAMES.iter().find(|n| n.eq_ignore_ascii_case(name)).map_or_else(|| LocalName::from(name), |n| LocalName::from(*n)),
            _ => LocalName::from(name),
        };
        self.foreign(space, local, attrs, self_closing);
        Some(())
    }

    /// An SVG or MathML element, its attributes named as the parser names them.
    fn foreign(&mut self, space: Space, local: LocalName, attrs: Vec<Attribute>, self_closing: bool) {
        let attrs = foreign_attributes(space, attrs);
        let island = match (space, &*local) {
            (Space::Svg, "foreignObject" | "desc" | "title") => Island::Html,
            (Space::MathMl, "mi" | "mo" | "mn" | "ms" | "mtext") => Island::MathText,
            (Space::MathMl, "annotation-xml") => {
                let html = attrs.iter().any(|a| {
                    &*a.name.local == "encoding" && (a.value.eq_ignore_ascii_case("text/html") || a.value.eq_ignore_ascii_case("application/xhtml+xml"))
                });
                if html { Island::Html } else { Island::Annotation }
            }
            _ => Island::No,
        };
        let ns = if space == Space::Svg { ns!(svg) } else { ns!(mathml) };
        let mut flags = ElementFlags::default();
        flags.mathml_annotation_xml_integration_point = space == Space::MathMl && island == Island::Html;
        let id = self.doc.create_element(QualName::new(None, ns, local.clone()), attrs, flags);
        self.doc.append(&self.parent(), NodeOrText::AppendNode(id));
        if !self_closing {
            self.stack.push(Open { id, into: id, name: local, space, island });
        }
    }

    fn skip_newline(&mut self) {
        if self.src.as_bytes().get(self.pos) == Some(&b'\n') {
            self.pos += 1;
        }
    }

    fn element(&mut self, ns: Namespace, local: LocalName, attrs: Vec<Attribute>) -> NodeId {
        let mut flags = ElementFlags::default();
        flags.template = ns == ns!(html) && local == local_name!("template");
        let id = self.doc.create_element(QualName::new(None, ns, local), attrs, flags);
        self.doc.append(&self.parent(), NodeOrText::AppendNode(id));
        id
    }

    fn push(&mut self, ns: Namespace, local: LocalName, attrs: Vec<Attribute>) {
        let id = self.element(ns, local.clone(), attrs);
        self.stack.push(Open::html(id, id, local));
    }

    fn template(&mut self, attrs: Vec<Attribute>) {
        let id = self.element(ns!(html), local_name!("template"), attrs);
        let contents = self.doc.get_template_contents(&id);
        self.stack.push(Open::html(id, contents, local_name!("template")));
        self.templates += 1;
    }

    /// An element whose content is text up to its end tag.
    fn raw(&mut self, name: &str, attrs: Vec<Attribute>, kind: Raw) -> Option<()> {
        let id = self.element(ns!(html), LocalName::from(name), attrs);
        if name == "textarea" {
            self.skip_newline();
        }
        let bytes = self.src.as_bytes();
        let start = self.pos;
        let end = if kind == Raw::Script { script_end(bytes, start)? } else { raw_end(bytes, start, name)? };
        let content = &self.src[start..end];
        let close = end + memchr(b'>', &bytes[end..])?;
        if !self.src[end + 2 + name.len()..close].bytes().all(is_space) {
            return None;
        }
        self.pos = close + 1;
        if kind == Raw::Escapable {
            self.append_text(id, &decode(content, false));
        } else {
            self.append_text(id, content);
        }
        Some(())
    }
}
