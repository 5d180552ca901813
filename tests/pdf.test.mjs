// PDF articles in Chromium: a PDF opened from 127.0.0.1, Gloss clicked, and Gloss's reader page
// in its place with the PDF's text on the left and the panel beside it. The PDFs are printed
// by Chromium from tests/fixtures/pdf/*/source.html at the start (tests/pdf-fixtures.mjs).
import { before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, clickAction, setSettings, uniqueUrl } from './harness.mjs';
import { printAll } from './pdf-fixtures.mjs';
import { ARTIFACTS, glossSuite } from './suite.mjs';

const T = { timeout: 90_000 };
const DIR = join(ARTIFACTS, 'pdf');
let gloss, mock, site;

before(async () => {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    mkdirSync(DIR, { recursive: true });
    for (const [name, bytes] of await printAll(browser)) writeFileSync(join(DIR, `${name}.pdf`), bytes);
  } finally {
    await browser.close();
  }
});
// The PDFs' host, granted as a reader grants it (any port of 127.0.0.1).
const world = glossSuite({ hosts: ['http://127.0.0.1'] });
beforeEach(() => ({ gloss, mock, site } = world));

const openai = () => ({ provider: 'openai', apiKey: 'test-key', model: 'gpt-4o-mini', baseUrl: `${mock.url}/v1`, digestLang: 'ja', translateLang: 'ja' });

const isPanel = (url) => /^chrome-extension:\/\/[^/]+\/panel\.html/.test(url);

/**
 * Opens the PDF `name` in a tab, clicks Gloss once, and waits for the reader page with its
 * panel. Returns the page and locators in the reader and the panel.
 */
async function openPdf(name) {
  const page = await gloss.context.newPage();
  if (process.env.GLOSS_DEBUG) {
    page.on('console', (m) => console.log('page:', m.type(), m.text()));
    page.on('pageerror', (e) => console.log('pageerror:', e.message));
  }
  const url = uniqueUrl(`${site.url}/artifacts/pdf/${name}.pdf`);
  // Chromium shows the PDF in its viewer; the navigation's own promise may end as an abort.
  await page.goto(url).catch(() => {});
  await page.waitForURL(url);
  await clickAction(gloss, page);
  await page.waitForURL(/^chrome-extension:\/\/[^/]+\/reader\.html\?src=/, { timeout: 20_000 });
  assert.equal(new URL(page.url()).searchParams.get('src'), url, 'the reader page reads the tab\'s PDF');
  const frame = page.frames().find((f) => isPanel(f.url()))
    ?? await page.waitForEvent('framenavigated', { predicate: (f) => isPanel(f.url()), timeout: 20_000 });
  const section = (s) => frame.locator(`section[data-section="${s}"]`);
  return { page, frame, blocks: page.locator('main .block'), original: section('original'), digest: section('digest'), translation: section('translation') };
}

describe('a PDF', () => {
  if (process.env.GLOSS_ONLY) test.only ??= test;
  test('opens in the reader page, two columns in reading order, digested and translated', T, async () => {
    await setSettings(gloss, openai());
    const { page, frame, blocks, digest } = await openPdf('two-column');
    await blocks.first().waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('main h1').innerText(), 'Night Trains Return to Europe');
    const texts = await blocks.allTextContents();
    const order = ['Alpha', 'Bravo', 'Charlie', 'Delta', 'Echo', 'Foxtrot', 'Golf', 'Hotel'].map((w) => texts.findIndex((t) => t.startsWith(`${w} paragraph.`)));
    assert.ok(order.every((i) => i >= 0), `every paragraph is a block: ${JSON.stringify(texts)}`);
    assert.deepEqual([...order].sort((a, b) => a - b), order, 'the left column is read before the right one');
    assert.ok(!texts.some((t) => /Page 1 of 1/.test(t)), 'the running footer is not part of the text');
    // The digest and the translation complete against the mock.
    await digest.locator('ul.key-points li').nth(2).waitFor({ timeout: 30_000 });
    await frame.waitForFunction(() => {
      const slots = [...document.querySelectorAll('section[data-section="translation"] [data-block]')];
      return slots.length > 0 && slots.every((s) => !s.classList.contains('pending') && !s.classList.contains('partial'));
    }, null, { timeout: 30_000 });
    const translated = await frame.locator('section[data-section="translation"] [data-block]').allTextContents();
    assert.equal(translated.length, texts.length, 'every block of the PDF is translated');
    assert.ok(translated.some((t) => t.startsWith('(ja) Alpha paragraph.')), translated.join('\n'));
    const sent = mock.requests((e) => e.kind === 'translate').map((e) => JSON.stringify(e.body)).join('');
    assert.match(sent, /Hotel paragraph\. Even so, the network keeps growing\./, 'the PDF\'s text reached the model');
    await page.close();
  });

  test('a digest point links to its paragraph in the reader page', T, async () => {
    await setSettings(gloss, openai());
    const { page, blocks, digest } = await openPdf('one-column');
    await blocks.first().waitFor({ timeout: 30_000 });
    const link = digest.locator('a.source, button.source, [data-source]').first();
    await link.waitFor({ timeout: 30_000 });
    await link.click();
    await page.locator('main .block.shown').waitFor({ timeout: 10_000 });
    await page.close();
  });

  test('that is a scan says it has no text to read', T, async () => {
    const { page, original } = await openPdf('scanned');
    await original.locator('.error[data-code="pdf_no_text"]').waitFor({ timeout: 30_000 });
    assert.match(await original.locator('.error').innerText(), /no text to read/);
    await page.close();
  });

  test('that is broken says it could not be read', T, async () => {
    const { page, original } = await openPdf('broken');
    await original.locator('.error[data-code="pdf_unreadable"]').waitFor({ timeout: 30_000 });
    assert.match(await original.locator('.error').innerText(), /could not be read/);
    await page.close();
  });
});
