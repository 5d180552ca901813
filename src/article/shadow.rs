//! Open shadow roots, as the extension serialises them (`<template shadowrootmode="open">`
//! inside the host, from `Element.getHTML({shadowRoots})`), flattened into their hosts: the
//! shadow tree takes the host's place in the document, and each `<slot>` is replaced by the
//! light-DOM children assigned to it (or by its fallback content). The extractor then sees the
//! text a reader sees on web-component sites. Closed shadow roots never reach here: a page's
//! script cannot read them and Gloss does not either.

use dom_query::{Document, NodeRef};

/// Shadow roots nested deeper than this (a shadow tree holding a host holding a shadow tree…)
/// stay unflattened: each pass flattens one level.
const MAX_PASSES: usize = 32;

/// Whether `html` may hold a serialised shadow root, so that pages without one skip the walk.
pub fn may_have_shadow_roots(html: &str) -> bool {
    const ATTRIBUTE: &[u8] = b"shadowrootmode";
    let bytes = html.as_bytes();
    // memchr finds the candidates' first letter many bytes at a time.
    memchr::memchr2_iter(b's', b'S', bytes).any(|i| bytes.get(i..i + ATTRIBUTE.len()).is_some_and(|w| w.eq_ignore_ascii_case(ATTRIBUTE)))
}

/// Flattens every serialised shadow root in `doc` into its host; returns how many it flattened.
pub fn flatten(doc: &Document) -> usize {
    let mut flattened = 0;
    for _ in 0..MAX_PASSES {
        // Roots inside a shadow tree are in a template's contents, outside the document, until
        // the tree around them is flattened: one level per pass, outermost first.
        let templates: Vec<NodeRef> = doc.select("template[shadowrootmode]").nodes().to_vec();
        if templates.is_empty() {
            break;
        }
        for template in templates {
            if template.parent().is_some_and(|host| can_host(&host)) {
                flatten_one(&template);
                flattened += 1;
            } else {
                // A browser leaves such a template inert: its contents are never shown.
                template.remove_from_parent();
            }
        }
    }
    flattened
}

/// Elements a shadow root can be attached to (the DOM standard's list, and custom elements):
/// a declarative root anywhere else is an inert template, not a shadow tree.
fn can_host(node: &NodeRef) -> bool {
    const HOSTS: &[&str] = &["article", "aside", "blockquote", "body", "div", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "main", "nav", "p", "section", "span"];
    let Some(name) = node.node_name() else { return false };
    let name = name.to_ascii_lowercase();
    HOSTS.contains(&name.as_str()) || (name.contains('-') && name.starts_with(|c: char| c.is_ascii_lowercase()))
}

/// The slot a light-DOM child of a host is assigned to: elements by their `slot` attribute,
/// text to the default slot. Comments and the like are assigned nowhere.
fn slot_of(node: &NodeRef) -> Option<String> {
    if node.is_element() {
        Some(node.attr("slot").map(|s| s.to_string()).unwrap_or_default())
    } else if node.is_text() {
        Some(String::new())
    } else {
        None
    }
}

fn flatten_one(template: &NodeRef) {
    let host = template.parent();
    let contents = template.element_ref().and_then(|e| e.template_contents);
    template.remove_from_parent();
    let (Some(host), Some(contents)) = (host, contents) else { return };
    let Some(fragment) = template.tree.get(&contents) else { return };
    let slots: Vec<NodeRef> = fragment.descendants().into_iter().filter(|n| n.has_name("slot")).collect();
    for slot in slots {
        // A slot inside a slot that was already replaced went with it.
        if !slot.ancestors_it(None).any(|a| a.id == fragment.id) {
            continue;
        }
        let name = slot.attr("name").map(|s| s.to_string()).unwrap_or_default();
        // What is still a child of the host: the first slot of a name takes its nodes.
        let assigned: Vec<NodeRef> = host.children().into_iter().filter(|n| slot_of(n).as_deref() == Some(name.as_str())).collect();
        let content = if assigned.is_empty() { slot.children() } else { assigned };
        for node in content {
            slot.insert_before(&node);
        }
        slot.remove_from_parent();
    }
    // Light-DOM children assigned to no slot are not rendered.
    for child in host.children() {
        child.remove_from_parent();
    }
    for node in fragment.children() {
        host.append_child(&node);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(html: &str) -> String {
        let doc = Document::from(html);
        flatten(&doc);
        doc.select("body").inner_html().to_string().split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn the_shadow_tree_replaces_the_template_inside_its_host() {
        let html = r#"<body><x-story><template shadowrootmode="open"><h1>Title</h1><p>Shadow text.</p></template></x-story></body>"#;
        assert_eq!(flat(html), "<x-story><h1>Title</h1><p>Shadow text.</p></x-story>");
    }

    #[test]
    fn slotted_light_children_take_their_slots_and_unassigned_ones_go() {
        let html = r#"<body><x-card><template shadowrootmode="open"><header><slot name="title">Untitled</slot></header><div><slot></slot></div><footer><slot name="foot">Fallback</slot></footer></template><h2 slot="title">Real title</h2><p>Body one.</p><p>Body two.</p><span slot="nowhere">hidden</span></x-card></body>"#;
        assert_eq!(
            flat(html),
            "<x-card><header><h2 slot=\"title\">Real title</h2></header><div><p>Body one.</p><p>Body two.</p></div><footer>Fallback</footer></x-card>"
        );
    }

    #[test]
    fn nested_shadow_roots_are_flattened_from_the_outside_in() {
        let html = r#"<body><x-page><template shadowrootmode="open"><main><x-para><template shadowrootmode="open"><p><slot></slot></p></template>Inner text.</x-para><slot></slot></main></template><p>Light text.</p></x-page></body>"#;
        assert_eq!(flat(html), "<x-page><main><x-para><p>Inner text.</p></x-para><p>Light text.</p></main></x-page>");
    }

    #[test]
    fn a_declarative_root_on_an_element_that_cannot_host_one_stays_inert() {
        let html = r#"<body><ul><li><template shadowrootmode="open"><b>x</b></template>Visible item text</li></ul></body>"#;
        assert_eq!(flat(html), "<ul><li>Visible item text</li></ul>");
        assert_eq!(flat(r#"<body><div><template shadowrootmode="open"><p>Shadow.</p></template>Light.</div></body>"#), "<div><p>Shadow.</p></div>");
    }

    #[test]
    fn ordinary_templates_and_pages_without_shadow_roots_are_left_alone() {
        let html = r#"<body><template><p>Inert.</p></template><p>Text.</p></body>"#;
        assert!(!may_have_shadow_roots(html));
        let doc = Document::from(html);
        assert_eq!(flatten(&doc), 0);
        assert!(doc.select("body").inner_html().contains("<template><p>Inert.</p></template>"));
        assert!(may_have_shadow_roots(r#"<template ShadowRootMode="open">"#));
        // At the very end, after text full of the needle's first letter, and cut short.
        assert!(may_have_shadow_roots("sss Shadows sshadowrootmode"));
        assert!(!may_have_shadow_roots("<template shadowrootmod"));
    }

    #[test]
    fn an_article_inside_a_shadow_root_is_extracted() {
        let paragraphs: String = (0..8)
            .map(|i| format!("<p>Paragraph {i} of the story told inside a web component, long enough to count as prose for the extractor, with commas, and more words.</p>"))
            .collect();
        let html = format!(
            r#"<html lang="en"><head><title>Shadow story</title></head><body><nav>Home</nav><x-article><template shadowrootmode="open"><article><h1>Shadow story</h1>{paragraphs}</article></template></x-article></body></html>"#
        );
        let article = crate::extract(&html, Some("https://example.com/story")).unwrap();
        assert!(article.blocks.iter().any(|b| b.text.starts_with("Paragraph 3 of the story")), "{:?}", article.blocks);
    }
}
