// What the content script reads from the page and does to it: the page's HTML (open shadow roots
// included), the reader's selection, and the paragraph a digest point links back to.
import { pruneHtml } from './prune.js';

/** A selection this long is what the reader wants read, rather than the whole page. */
const MIN_SELECTION_CHARS = 200;

/** The page's open shadow roots, nested ones included (never `skip`, the panel's own host). */
export function openShadowRoots(skip) {
  const roots = [];
  const collect = (scope) => {
    for (const node of scope.querySelectorAll('*')) {
      if (node.shadowRoot && node !== skip) {
        roots.push(node.shadowRoot);
        collect(node.shadowRoot);
      }
    }
  };
  collect(document);
  return roots;
}

/** The selection as HTML, when there is one worth reading (any, for "Translate selection"). */
export function selectionHtml(intent) {
  const selection = getSelection();
  const minimum = intent === 'selection' ? 1 : MIN_SELECTION_CHARS;
  if (!selection || selection.isCollapsed || selection.toString().trim().length < minimum) return null;
  const holder = document.createElement('div');
  for (let i = 0; i < selection.rangeCount; i++) holder.append(selection.getRangeAt(i).cloneContents());
  return holder.innerHTML;
}

/**
 * The page as HTML, without what is never article text (prune.js). Open shadow roots (web
 * components) are included as declarative `<template shadowrootmode>` for the core to flatten;
 * closed ones cannot be read, and frames are not read at all (see README, "What Gloss reads").
 */
export function pageHtml(host) {
  return pruneHtml(serialised(host));
}

function serialised(host) {
  // The host is an empty element in the page's markup: its closed root, and the frame in it, are
  // not serialised.
  const html = document.documentElement;
  const roots = openShadowRoots(host);
  if (!roots.length || typeof html.getHTML !== 'function') return html.outerHTML;
  try {
    const shell = /** @type {Element} */ (html.cloneNode(false)).outerHTML;
    return shell.slice(0, shell.lastIndexOf('</html>')) + html.getHTML({ shadowRoots: roots }) + '</html>';
  } catch {
    return html.outerHTML;
  }
}

/** Whether the page declares only a dark colour scheme (the panel's `auto` theme follows it). */
export function pageDark() {
  return /^\s*dark\s*$/.test(getComputedStyle(document.documentElement).colorScheme || '');
}

const normalize = (text) => text.replace(/\s+/g, ' ').trim();
const PROSE = 'p, li, blockquote, pre, h1, h2, h3, h4, h5, h6, figcaption, td, th, dd, dt';

/**
 * The smallest element of the page (outside the panel, open shadow roots included) whose text
 * holds the block's opening words; prose elements first, then any `div`.
 */
function findInPage(text, host) {
  const needle = normalize(text).slice(0, 80);
  if (!needle || !document.body) return null;
  const scopes = [document.body, ...openShadowRoots(host)];
  for (const selector of [PROSE, 'div']) {
    /** @type {Element | null} */
    let best = null;
    for (const scope of scopes) {
      for (const node of scope.querySelectorAll(selector)) {
        const found = node.textContent;
        if (found.length < needle.length || (best && found.length >= best.textContent.length)) continue;
        if (normalize(found).includes(needle)) best = node;
      }
    }
    if (best) return best;
  }
  return null;
}

/** Scrolls the page to a block's paragraph and highlights it briefly; false when it is not found. */
export function showInPage(text, host) {
  const target = findInPage(String(text ?? ''), host);
  if (!target) return false;
  const still = matchMedia('(prefers-reduced-motion: reduce)').matches;
  target.scrollIntoView({ behavior: still ? 'auto' : 'smooth', block: 'center' });
  target.animate(
    [{ backgroundColor: 'rgba(255, 213, 0, 0.55)', outline: '3px solid rgba(230, 160, 0, 0.9)' }, { backgroundColor: 'transparent', outline: '3px solid transparent' }],
    { duration: 2500, easing: 'ease-out' },
  );
  return true;
}
