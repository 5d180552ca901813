// The content script's pruning of the page's HTML (extension/content/prune.js): what is never
// article text goes, everything else stays byte for byte.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pruneHtml } from '../extension/content/prune.js';

test('scripts and style sheets go; JSON-LD, comments and the text around them stay', () => {
  const html = '<html><head><style>p { color: red }</style><script src="a.js"></script>'
    + '<script type="application/ld+json">{"@type":"NewsArticle"}</script></head>'
    + '<body><p>One</p><SCRIPT>var s = "<p>not text</p>";</SCRIPT><!-- note --><p>Two</p></body></html>';
  assert.equal(pruneHtml(html), '<html><head><script type="application/ld+json">{"@type":"NewsArticle"}</script></head>'
    + '<body><p>One</p><!-- note --><p>Two</p></body></html>');
});

test('a tag inside a comment, a script or a style is not taken for a real one', () => {
  // A comment's "<script>" would otherwise swallow the paragraph up to the real script's end.
  assert.equal(pruneHtml('<!-- <script> --><p>Kept</p><script>x()</script>'), '<!-- <script> --><p>Kept</p>');
  // A script's "<style>" and "<!--" are part of the script, gone with it.
  assert.equal(pruneHtml('<script>a = "<style>"; b = "<!--";</script><p>Kept</p><style>q{}</style>'), '<p>Kept</p>');
});

test('a page with nothing to prune is returned unchanged', () => {
  const html = '<html><body><article><h1>T</h1><p>Scripted &lt;script&gt; words.</p><svg><title>icon</title></svg></article></body></html>';
  assert.equal(pruneHtml(html), html);
});
