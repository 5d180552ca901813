// How Gloss turns its structured plain text into DOM nodes, shared by the panel (panel.html), the
// options page and the playground (www/): elements are built and text is set as text, so page
// text and model output never become HTML. A classic script that defines a frozen global, loaded
// once by each of those pages (none of them is a page a website controls); the build copies it
// next to the playground's WASM.
(() => {
  /**
   * Creates an element with attributes, `on…` listeners and children (strings become text nodes).
   * @type {typeof GlossRender.el}
   */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value == null || value === false) continue;
      if (key === 'class') node.className = String(value);
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    node.append(...children.flat().filter((c) => c != null));
    return node;
  }

  /**
   * Renders spans (plain text with inline styles) as nodes. Links are http(s) only.
   * @type {typeof GlossRender.renderSpans}
   */
  function renderSpans(spans) {
    return (spans ?? []).map((span) => {
      /** @type {Node} */
      let node = document.createTextNode(span.text);
      if (span.code) node = el('code', {}, node);
      if (span.italic) node = el('em', {}, node);
      if (span.bold) node = el('strong', {}, node);
      if (span.href && /^https?:\/\//i.test(span.href)) {
        node = el('a', { href: span.href, target: '_blank', rel: 'noopener noreferrer' }, node);
      }
      return node;
    });
  }

  /**
   * A block of the article (or its translation, when `spans` are given) as one element.
   * @type {typeof GlossRender.renderBlock}
   */
  function renderBlock(block, spans = block.spans) {
    /** @type {Partial<Record<Block['kind'], string>>} */
    const kinds = { heading: 'h' + Math.min(Math.max(block.level ?? 3, 3), 6), listItem: 'p', quote: 'blockquote', code: 'pre', tableRow: 'p', caption: 'figcaption' };
    const node = el(kinds[block.kind] ?? 'p', { class: `block ${block.kind}`, 'data-block': block.id }, renderSpans(spans));
    if (block.kind === 'listItem') node.style.marginInlineStart = `${(block.level ?? 1) - 1}em`;
    return node;
  }

  globalThis.GlossRender = Object.freeze({ el, renderSpans, renderBlock });
})();
