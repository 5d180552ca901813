// End-to-end: the www/ playground in real headless Chromium, served from 127.0.0.1. Each test
// is one thing a contributor does there: check a sample, paste a hostile page, paste nonsense.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, ROOT } from './harness.mjs';
import { SAMPLE_KEY_POINTS, SAMPLE_SUMMARY } from './sample-digest.mjs';
import { startServer } from './server.mjs';

const T = { timeout: 60_000 };
const SAMPLE = 'samples/lighthouse-keepers.html';
const PAYLOAD = '<img src=x onerror=window.__x=1>';
const HOSTILE = `<html><body><article><h1>T</h1><p>&lt;img src=x onerror=window.__x=1&gt; ${
  'This paragraph carries markup that must stay text in the playground. '.repeat(4)}It links to a
  <a href="javascript:window.__x=2">script URL</a> and to <a href="https://example.com/safe">a safe page</a>.
  Every sentence here is long enough for the extractor to treat the paragraph as the article body.
  Nothing in it may ever run, load an image or become an element of the page.</p></article></body></html>`;

let browser, site, page;

before(async () => {
  site = await startServer({ '/': join(ROOT, 'www') });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage();
  await page.goto(`${site.url}/`);
  await page.locator('#extract:enabled').waitFor();
});

after(async () => {
  await browser?.close();
  await site?.close();
});

/** Pastes `html` into the form, extracts it, and waits for the result or an error. */
async function paste(html) {
  await page.evaluate(() => {
    document.getElementById('error').replaceChildren();
    document.getElementById('result').hidden = true;
  });
  await page.fill('#url', '');
  await page.fill('#html', html);
  await page.click('#extract');
  await page.locator('#result:not([hidden]), #error .error').first().waitFor();
}

describe('the playground', () => {
  test('shows what the core extracts from the sample', T, async () => {
    await page.selectOption('#sample', SAMPLE);
    await page.locator('#meta dd', { hasText: 'The Last Lighthouse Keepers of the North Sea' }).waitFor();
    const meta = await page.locator('#meta').innerText();
    assert.match(meta, /Maren Holt/);
    assert.match(meta, /The Gloss Gazette/);
    assert.equal(await page.inputValue('#url'), `${site.url}/${SAMPLE}`);

    const heading = page.locator('#blocks [data-kind="heading"]', { hasText: 'Why keep a light that no ship needs?' });
    assert.equal(await heading.count(), 1);
    assert.match(await heading.evaluate((n) => n.previousElementSibling.textContent), /^b\d+ · heading · 2$/);
    const code = page.locator('#blocks pre[data-kind="code"]');
    assert.equal(await code.count(), 1);
    assert.match(await code.innerText(), /voltage = read_sensor/);

    const sent = await page.locator('#sent').innerText();
    assert.match(sent, /eleven miles off the coast/);
    assert.ok(!sent.includes('Subscribe for unlimited access'), 'navigation stays out');
    const tokens = Number(await page.locator('#tokens').innerText());
    assert.ok(Number.isInteger(tokens) && tokens > 0, `token estimate ${tokens}`);

    assert.equal(await page.locator('#provenance').innerText(), 'built-in · en · extractive');
    const points = (await page.locator('#digest ul.key-points li').allInnerTexts()).map((t) => t.replace(/\s*¶$/, ''));
    assert.deepEqual(points, SAMPLE_KEY_POINTS, 'the key points are the article\'s most central sentences');
    assert.equal(await page.locator('#digest p.summary').innerText(), SAMPLE_SUMMARY, 'the summary is the expected extractive sentences');
    assert.equal(await page.locator('#error').innerText(), '');
  });

  test('shows markup in a pasted page as text, and it never runs', T, async () => {
    await paste(HOSTILE);
    assert.equal(await page.locator('#error .error').count(), 0);
    assert.ok((await page.locator('#blocks').innerText()).includes(PAYLOAD));
    assert.ok((await page.locator('#sent').innerText()).includes(PAYLOAD));
    const found = await page.evaluate(() => ({
      x: window.__x,
      elements: document.querySelectorAll('#output img, #output script, #output iframe, #output svg').length,
      links: [...document.querySelectorAll('#blocks a')].map((a) => [a.getAttribute('href'), a.rel]),
    }));
    assert.equal(found.x, undefined, 'no script ran');
    assert.equal(found.elements, 0);
    assert.deepEqual(found.links, [['https://example.com/safe', 'noopener noreferrer']]);
  });

  test('says clearly when there is no page or no article', T, async () => {
    const cases = [
      ['not html at all', 'invalid', /not an HTML page/],
      ['', 'no_article', /no article found/],
      ['<html><body></body></html>', 'no_article', /no article found/],
    ];
    for (const [input, code, message] of cases) {
      await paste(input);
      const error = page.locator('#error .error');
      assert.equal(await error.getAttribute('data-code'), code, JSON.stringify(input));
      assert.match(await error.innerText(), /Could not extract an article/);
      assert.match(await error.locator('.detail').innerText(), message);
      assert.equal(await page.locator('#result').isHidden(), true);
    }
  });
});
