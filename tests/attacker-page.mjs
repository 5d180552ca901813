// The hostile page of the attacker suites (tests/attacker.test.mjs in Chromium,
// tests/firefox-attacker.test.mjs in Firefox): an article whose own script watches everything
// from the start and gives elements the ids of Gloss's old globals, and what the page's scripts
// can collect about themselves once Gloss is open.
import { longArticle } from './long-article.mjs';

/** What the page's own script does from the start: watch everything, and clobber Gloss's old globals. */
const WATCHER = `<script>
  window.__seen = { urls: [], mutations: [], errors: [] };
  new PerformanceObserver((list) => { for (const e of list.getEntries()) __seen.urls.push(e.name); })
    .observe({ entryTypes: ['resource', 'navigation', 'paint', 'mark', 'measure'] });
  new MutationObserver((records) => {
    for (const r of records) {
      for (const n of r.addedNodes) __seen.mutations.push(n.outerHTML ?? n.textContent ?? '');
      if (r.type === 'attributes') __seen.mutations.push(r.attributeName + '=' + r.target.getAttribute(r.attributeName));
    }
  }).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  addEventListener('error', (e) => __seen.errors.push([e.message, e.filename, e.error && e.error.stack].join(' ')), true);
  addEventListener('unhandledrejection', (e) => __seen.errors.push(String(e.reason && e.reason.stack || e.reason)));
</script>`;
const CLOBBERS = ['GlossRender', 'GlossProtocol', 'GlossOnDevice', '__glossPanel', '__glossIntent', 'chrome', 'browser']
  .map((id) => `<div id="${id}" name="${id}"></div>`).join('');

/** The hostile page: an article of 1,200 words, watched and clobbered by its own script. */
export function attackerPage() {
  return longArticle(1_200, 31).replace('</head>', `${WATCHER}</head>`).replace('<body>', `<body>${CLOBBERS}`);
}

/** An Arabic article, right to left, for the panel's own direction. */
export function arabicArticle() {
  const sentence = 'يضيء المنار كل ليلة فوق الصخرة البعيدة ويحرسه المتطوعون في عطلات نهاية الأسبوع منذ سنوات طويلة.';
  const paragraphs = Array.from({ length: 14 }, (_, i) => `<p>${sentence} ${sentence} الفقرة ${i + 1}.</p>`).join('\n');
  return `<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>حراس المنار الأخيرون</title></head>
<body><article><h1>حراس المنار الأخيرون</h1>${paragraphs}</article></body></html>`;
}

/** Every string the page can collect about itself: its DOM, attributes, styles, timings, frames, errors. */
export const pageKnowledge = () => {
  const found = [];
  const walk = (root) => {
    for (const node of root.querySelectorAll('*')) {
      for (const a of node.attributes) found.push(`${a.name}=${a.value}`);
      if (node.shadowRoot) walk(node.shadowRoot);
    }
  };
  walk(document);
  found.push(document.documentElement.outerHTML, document.body.innerText);
  for (const e of performance.getEntries()) found.push(e.name);
  for (const sheet of document.styleSheets) {
    found.push(sheet.href ?? '');
    try { for (const rule of sheet.cssRules) found.push(rule.cssText); } catch { /* cross-origin sheet */ }
  }
  const host = document.querySelector('#gloss-extension-root');
  if (host) {
    found.push(String(host.shadowRoot), host.innerHTML, host.textContent);
    const style = getComputedStyle(host);
    for (const name of style) found.push(`${name}:${style.getPropertyValue(name)}`);
  }
  for (let i = 0; i < window.length; i++) {
    try { found.push(frames[i].location.href); } catch (e) { found.push(`frame ${i}: ${e.message}`); }
    try { found.push(frames[i].document.documentElement.outerHTML); } catch (e) { found.push(`frame ${i} document: ${e.message}`); }
    try { found.push(String(frames[i].origin)); } catch (e) { found.push(`frame ${i} origin: ${e.message}`); }
  }
  try { null.x(); } catch (e) { found.push(e.stack); }
  found.push(...__seen.urls, ...__seen.mutations, ...__seen.errors);
  return found.join('\n');
};

