use super::*;

/// `html` is read, to the parser's tree.
fn same(html: &str) {
    let doc = parse(html).unwrap_or_else(|| panic!("declined: {html}")).doc;
    let parsed = Document::from(html);
    assert_eq!(doc.html(), parsed.html(), "{html}");
    assert_eq!(doc.quirks_mode.get(), parsed.quirks_mode.get());
}

/// `html` is declined; `rebuilt`: the parser's tree is not the literal nesting either.
fn declined(html: &str, rebuilt: bool) {
    assert!(parse(html).is_none(), "read: {html}");
    if rebuilt {
        assert_ne!(Document::from(html).html_root().html().to_string(), html, "the parser keeps {html}");
    }
}

fn page(body: &str) -> String {
    format!("<html><head></head><body>{body}</body></html>")
}

#[test]
fn a_serialisation_is_read_to_the_parsers_tree() {
    same("<html lang=\"en\"><head><meta charset=\"utf-8\"><title>A &amp; B</title></head><body class=\"x\">\n<p>One&nbsp;&lt;two&gt; \"three\"</p><!-- c --><img src=\"a.png\" alt=\"&quot;q&quot; &lt;b&gt;\"></body></html>");
    same(&page("<table>\n<caption>c</caption><colgroup><col span=\"2\"></colgroup><thead><tr><th>h</th></tr></thead>\n<tbody>\n<tr><td>1<table><tbody><tr><td>in</td></tr></tbody></table></td></tr>\n</tbody></table>"));
    same(&page("<ul><li>a<ul><li>b</li></ul></li></ul><dl><dt>t</dt><dd>d</dd></dl><ruby>漢<rt>kan</rt></ruby><select><option>1</option><optgroup><option>2</option></optgroup></select><p><b><i>x</i></b><a href=\"/\">l</a></p>"));
    same(&page("<div><p>a</p><form><input type=\"text\"><button>b</button></form><hr><br><wbr><video><source src=\"v\"><track src=\"t\"></video></div>"));
}

#[test]
fn raw_text_keeps_its_markup_and_pre_and_textarea_lose_one_leading_newline() {
    same("<html><head><script type=\"application/ld+json\">{\"a\":\"<b>&amp;</b>\"}</script><style>p>a{}</style></head><body><pre>\n\nkeep</pre><listing>\nl</listing><textarea>\nx &amp; y</textarea><iframe src=\"x\"><p>no</p></iframe><xmp><b></xmp><noembed><i></noembed></body></html>");
}

#[test]
fn a_script_ends_where_the_tokenizer_ends_it() {
    for script in ["<!-- a --> </b>", "<!-- <script>x</script> -->", "<!-- <SCRIPT/> </script> -->", "<!--> <script>", "--> <!-- -->", "<!-- <scripts>"] {
        same(&format!("<html><head><script>{script}</script></head><body><p>after</p></body></html>"));
    }
    declined("<html><head><script><!-- <script></script></head><body></body></html>", false);
}

#[test]
fn svg_gets_its_names_and_namespaces_and_its_html_islands() {
    same(&page("<svg viewBox=\"0 0 1 1\" xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\"><clipPath id=\"c\"><use xlink:href=\"#p\"></use></clipPath><linearGradient gradientUnits=\"u\"></linearGradient><foreignObject><div><p>html</p></div></foreignObject><title>t</title><path d=\"M0\"/></svg><p>after</p>"));
}

#[test]
fn mathml_gets_its_namespace_and_its_text_islands() {
    same(&page("<p><math display=\"inline\" definitionURL=\"u\"><semantics><mrow><mi>A</mi><mo>&InvisibleTimes;</mo><mi><span>html</span><mglyph></mglyph></mi></mrow><annotation encoding=\"application/x-tex\">A</annotation><annotation-xml encoding=\"text/html\"><b>h</b></annotation-xml><annotation-xml><svg><path></path></svg></annotation-xml></semantics></math></p>"));
    declined(&page("<math><annotation-xml><b>x</b></annotation-xml></math>"), false);
}

#[test]
fn templates_hold_their_content_and_shadow_roots_stay_templates_and_are_noted() {
    let with = page("<div><template shadowrootmode=\"open\"><p>in</p></template></div>");
    assert!(parse(&with).expect("read").shadow_roots);
    assert!(!parse(&page("<template><p>shadowrootmode</p></template>")).expect("read").shadow_roots);
    same(&page("<div><template shadowrootmode=\"open\"><p>inside</p><slot></slot></template><span>light</span></div><template><div>x</div></template>"));
    same("<html><head><template id=\"t\"><div>in the head</div></template></head><body></body></html>");
}

#[test]
fn body_content_in_the_head_starts_the_body_as_the_parser_does() {
    // Gloss's parser reads <noscript> with scripting off: its image is body content.
    same("<html><head><meta name=\"a\"><noscript><img src=\"https://t.example/p?a=1&b=2&noscript=1\"></noscript><title>T</title>\n<link rel=\"x\"></head><body class=\"page\"><p>Text</p></body></html>");
    same("<html><head><noscript><link rel=\"stylesheet\" href=\"s\"></noscript><noscript><style>p{}</style></noscript></head><body></body></html>");
    same("<html><head><iframe src=\"x\"></iframe></head><body id=\"b\" class=\"c\"><p>a</p></body></html>");
    same("<html><head> words</head><body><p>a</p></body></html>");
    same("<html><head></head>\n<meta name=\"late\"><div>between</div><body><p>a</p></body></html>");
}

#[test]
fn what_follows_the_body_goes_where_the_parser_puts_it() {
    same("<html><head></head><body><p>a</p>\n</body><!-- after -->\n</html>");
}

#[test]
fn character_references_decode_as_the_tokenizer_decodes_them() {
    same(&page("<noscript><p>&copy; &#169; &#x27; &notin; &noti; &#150; &#0; &#x110000; &amp &bogus; &#; &#xZ; &AMP; &lt3</p><a href=\"?a=1&not=2&copy=3&amp;x&notin;\">l</a><IMG SRC=x ALT='y' data-x=1 data-x=2 checked></noscript>"));
}

#[test]
fn shapes_the_parser_rebuilds_are_declined() {
    declined(&page("<p><div>x</div></p>"), true);
    declined(&page("<table><tr><td>1</td></tr></table>"), true);
    declined(&page("<table>text<tbody></tbody></table>"), true);
    declined(&page("<table><div>x</div></table>"), true);
    declined(&page("<a href=\"1\"><a href=\"2\">x</a></a>"), true);
    declined(&page("<li><div><li>x</li></div></li>"), true);
    declined(&page("<h1><h2>x</h2></h1>"), true);
    declined(&page("<form><form></form></form>"), true);
    declined(&page("<svg><div>x</div></svg>"), true);
    declined(&page("<td>cell</td>"), true);
    declined(&page("<template><tr><td>x</td></tr><col></template>"), false);
    declined("<html><head></head><body></body><div>late</div></html>", true);
}

#[test]
fn what_is_not_a_serialisation_is_declined() {
    declined("<!DOCTYPE html><html><head></head><body></body></html>", false);
    declined("<html><head></head><body><p>a\r\nb</p></body></html>", false);
    declined("<html><head></head><body><div>open</body></html>", false);
    declined("<html><head></head><body>1 < 2</body></html>", false);
    declined("<html><head></head><body><!--> x --></body></html>", false);
    declined("<html><head></head><body><![CDATA[x]]></body></html>", false);
    declined("<html><head></head><body></body></html>\n", false);
    declined("<html><head></head><body><p>cut</p", false);
    declined("<html><head></head><body><p class=\"cut", false);
}

/// A small generator of tag soup, for the property below.
struct Soup(u64);

impl Soup {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 33) as usize
    }

    fn page(&mut self) -> String {
        const PARTS: &[&str] = &[
            "<p>", "</p>", "<div>", "</div>", "<a href=x>", "</a>", "<b>", "</b>", "<i>", "</i>", "<li>", "</li>", "<ul>", "</ul>",
            "<table>", "</table>", "<tr>", "<td>", "</td>", "<tbody>", "<h2>", "</h2>", "<span>", "</span>", "<br>", "<img src=a>",
            "<svg>", "</svg>", "<path/>", "<foreignObject>", "<template>", "</template>", "<noscript>", "</noscript>", "<select>",
            "<option>", "<pre>", "\n", "<textarea>", "</textarea>", "<form>", "</form>", "<button>", "</button>", "<dd>", "<dt>",
            "<ruby>", "<rt>", "<rp>", "<nobr>", "<iframe>", "</iframe>", "<title>", "</title>", "<head>", "<body>", "<!-- c -->",
            "text", " ", "&amp;", "&copy", "&#169;", "&nbsp;", "<h1>", "<caption>", "<colgroup>", "<col>", "<hr>", "<object>",
            "</object>", "<meta name=m>", "<style>", "</style>", "<input>", "<math>", "<em>", "</em>", "<script>", "</script>",
            "<!--", "-->", "<desc>", "<search>", "<address>", "<p class=a>", "<font color=red>", "<rb>", "<rtc>", "</table>",
            "</tr>", "</select>", "</option>", "<optgroup>", "<area>", "<listing>", "<xmp>", "</xmp>", "&not", "&#x80;", "</math>",
            "<mi>", "</mi>", "<annotation-xml encoding=text/html>", "<annotation-xml>", "<mglyph>", "<clippath>",
        ];
        let n = self.next() % 40;
        let mut body = String::new();
        for _ in 0..n {
            body.push_str(PARTS[self.next() % PARTS.len()]);
        }
        if self.next() % 2 == 0 {
            format!("<html><head>{}</head><body>{body}</body></html>", PARTS[self.next() % PARTS.len()])
        } else {
            format!("<html><head></head><body>{body}</body></html>")
        }
    }
}

#[test]
fn whatever_is_read_is_the_parsers_tree() {
    // Tag soup straight, and the parser's own serialisation of it (a DOM it built, as the
    // browser's is): read to the same tree, or declined. Most serialisations are read.
    let mut soup = Soup(0x9e37_79b9_7f4a_7c15);
    let (mut serialisations, mut read) = (0, 0);
    for _ in 0..3000 {
        let html = soup.page();
        let parsed = Document::from(html.as_str());
        if let Some(Read { doc, .. }) = parse(&html) {
            assert_eq!(doc.html(), parsed.html(), "{html}");
        }
        let Some(root) = parsed.html_root().html().get(..).map(str::to_string) else { continue };
        serialisations += 1;
        let reparsed = Document::from(root.as_str());
        if let Some(Read { doc, .. }) = parse(&root) {
            read += 1;
            assert_eq!(doc.html(), reparsed.html(), "{root}\n(from {html})");
        }
    }
    assert!(read * 2 > serialisations, "{read} of {serialisations} serialisations read");
}
