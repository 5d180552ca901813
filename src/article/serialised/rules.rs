//! The tree builder's rules a start tag meets in the body, as far as the reader needs them: the
//! open elements, and where the parser would rebuild what the serialisation says.

use dom_query::NodeId;
use html5ever::{Attribute, LocalName};

use super::names::Space;

/// An open element: `into` is where its children go (a template's contents, else itself).
pub(super) struct Open {
    pub(super) id: NodeId,
    pub(super) into: NodeId,
    pub(super) name: LocalName,
    pub(super) space: Space,
    pub(super) island: Island,
}

impl Open {
    pub(super) fn html(id: NodeId, into: NodeId, name: LocalName) -> Self {
        Open { id, into, name, space: Space::Html, island: Island::No }
    }

    pub(super) fn is(&self, name: &str) -> bool {
        self.space == Space::Html && &*self.name == name
    }

    pub(super) fn is_html(&self) -> bool {
        self.space == Space::Html
    }
}

/// Where SVG or MathML content reads its start tags as HTML.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Island {
    No,
    /// SVG's `foreignObject`, `desc` and `title`; MathML's `annotation-xml` holding HTML.
    Html,
    /// MathML's `mi`, `mo`, `mn`, `ms` and `mtext`: all but `mglyph` and `malignmark`.
    MathText,
    /// MathML's other `annotation-xml`: an `svg` only.
    Annotation,
}

/// Whether the parser would do something else with a start tag `name` in the body (or a
/// template) than insert its element where it stands, `stack` being the open elements.
pub(super) fn rebuilt(stack: &[Open], name: &str) -> bool {
    let Some(current) = stack.last() else { return true };
    let here = if current.is_html() { &*current.name } else { "" };
    // In a table's own structure only its parts go; anything else the parser moves out.
    let allowed = match here {
        "table" => matches!(name, "caption" | "colgroup" | "tbody" | "thead" | "tfoot" | "script" | "style" | "template"),
        "tbody" | "thead" | "tfoot" => matches!(name, "tr" | "script" | "style" | "template"),
        "tr" => matches!(name, "td" | "th" | "script" | "style" | "template"),
        "colgroup" => matches!(name, "col" | "template"),
        _ => match name {
            // (Straight in a template, the first such tag sets how the parser reads the
            // rest; not worth following.)
            "caption" | "colgroup" | "tbody" | "thead" | "tfoot" | "col" | "tr" | "td" | "th" => false,
            "html" | "body" | "head" | "frameset" | "frame" | "plaintext" | "image" => false,
            _ => true,
        },
    };
    if !allowed {
        return true;
    }
    let cursory = |open: &Open| matches!(&*open.name, "dd" | "dt" | "li" | "optgroup" | "option" | "p" | "rb" | "rp" | "rt" | "rtc") && open.is_html();
    let closes_p = matches!(
        name,
        "address" | "article" | "aside" | "blockquote" | "center" | "details" | "dialog" | "dir" | "div" | "dl" | "fieldset"
            | "figcaption" | "figure" | "footer" | "header" | "hgroup" | "main" | "nav" | "ol" | "p" | "search" | "section"
            | "summary" | "ul" | "menu" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "pre" | "listing" | "form" | "li" | "dd"
            | "dt" | "xmp" | "hr"
    );
    if closes_p && in_scope(stack, "p", Scope::Button) {
        return true;
    }
    let heading = |n: &str| matches!(n, "h1" | "h2" | "h3" | "h4" | "h5" | "h6");
    match name {
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => heading(here),
        "li" => closes_item(stack, &["li"]),
        "dd" | "dt" => closes_item(stack, &["dd", "dt"]),
        "form" => stack.iter().any(|o| o.is("form")),
        "button" => in_scope(stack, "button", Scope::Default),
        "nobr" => in_scope(stack, "nobr", Scope::Default),
        "a" => stack.iter().rev().take_while(|o| !(o.is_html() && matches!(&*o.name, "applet" | "marquee" | "object" | "template" | "td" | "th" | "caption"))).any(|o| o.is("a")),
        "select" | "input" => in_scope(stack, "select", Scope::Default),
        "option" => {
            if in_scope(stack, "select", Scope::Default) {
                cursory(current) && !current.is("optgroup")
            } else {
                current.is("option")
            }
        }
        "optgroup" => {
            if in_scope(stack, "select", Scope::Default) {
                cursory(current)
            } else {
                current.is("option")
            }
        }
        "hr" => in_scope(stack, "select", Scope::Default) && cursory(current),
        "rb" | "rtc" => in_scope(stack, "ruby", Scope::Default) && cursory(current),
        "rp" | "rt" => in_scope(stack, "ruby", Scope::Default) && cursory(current) && !current.is("rtc"),
        _ => false,
    }
}

/// Whether an HTML start tag ends SVG or MathML content (the parser then rebuilds the tree).
pub(super) fn breaks_out(name: &str, attrs: &[Attribute]) -> bool {
    matches!(
        name,
        "b" | "big" | "blockquote" | "body" | "br" | "center" | "code" | "dd" | "div" | "dl" | "dt" | "em" | "embed" | "h1"
            | "h2" | "h3" | "h4" | "h5" | "h6" | "head" | "hr" | "i" | "img" | "li" | "listing" | "menu" | "meta" | "nobr"
            | "ol" | "p" | "pre" | "ruby" | "s" | "small" | "span" | "strong" | "strike" | "sub" | "sup" | "table" | "tt"
            | "u" | "ul" | "var"
    ) || (name == "font" && attrs.iter().any(|a| matches!(&*a.name.local, "color" | "face" | "size")))
}

fn in_scope(stack: &[Open], name: &str, scope: Scope) -> bool {
    for open in stack.iter().rev() {
        if open.is(name) {
            return true;
        }
        let boundary = if !open.is_html() {
            matches!(open.island, Island::Html | Island::MathText) && &*open.name != "annotation-xml"
        } else {
            matches!(&*open.name, "applet" | "caption" | "html" | "table" | "td" | "th" | "marquee" | "object" | "select" | "template")
                || (scope == Scope::Button && &*open.name == "button")
        };
        if boundary {
            return false;
        }
    }
    false
}

/// Whether a new `<li>` (or `<dd>`/`<dt>`) would close an open one, as the parser's loop does.
fn closes_item(stack: &[Open], names: &[&str]) -> bool {
    for open in stack.iter().rev() {
        if names.iter().any(|n| open.is(n)) {
            return true;
        }
        if is_special(open) && !matches!(&*open.name, "address" | "div" | "p") {
            return false;
        }
    }
    false
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    Default,
    Button,
}

/// The parser's "special" elements (they stop its search for an open `<li>`): HTML ones only.
pub(super) fn is_special(open: &Open) -> bool {
    open.is_html()
        && matches!(
        &*open.name,
        "address" | "applet" | "area" | "article" | "aside" | "base" | "basefont" | "bgsound" | "blockquote" | "body" | "br"
            | "button" | "caption" | "center" | "col" | "colgroup" | "dd" | "details" | "dir" | "div" | "dl" | "dt" | "embed"
            | "fieldset" | "figcaption" | "figure" | "footer" | "form" | "frame" | "frameset" | "h1" | "h2" | "h3" | "h4" | "h5"
            | "h6" | "head" | "header" | "hgroup" | "hr" | "html" | "iframe" | "img" | "input" | "isindex" | "li" | "link"
            | "listing" | "main" | "marquee" | "menu" | "meta" | "nav" | "noembed" | "noframes" | "noscript" | "object" | "ol"
            | "p" | "param" | "plaintext" | "pre" | "script" | "section" | "select" | "source" | "style" | "summary"
            | "table" | "tbody" | "td" | "template" | "textarea" | "tfoot" | "th" | "thead" | "title" | "tr" | "track" | "ul"
            | "wbr" | "xmp"
    )
}
