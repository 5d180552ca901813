// The PDF fixtures, made by the tests themselves: Chromium prints each HTML article in
// tests/fixtures/pdf/*/source.html to PDF (page.pdf), with a running header and footer. Also a
// scanned-like PDF (one image, no text) and a broken one (truncated bytes).
//   node tests/pdf-fixtures.mjs --capture   rewrites each fixture's items.json (what pdf.js
//                                           reads of the printed PDF), the native tests' data
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM, ROOT } from './harness.mjs';

export const FIXTURES = join(ROOT, 'tests', 'fixtures', 'pdf');

/** Print settings per fixture: page size and whether it has a running header and footer. */
const PRINT = {
  'one-column': { format: 'A5', header: true },
  'two-column': { format: 'A4', header: true },
  table: { format: 'A5', header: false },
};

const HEADER = '<div style="font-size:8px; width:100%; text-align:center; font-family:serif;"><span class="title"></span></div>';
const FOOTER = '<div style="font-size:8px; width:100%; text-align:center; font-family:serif;">Page <span class="pageNumber"></span> of <span class="totalPages"></span></div>';

/** The printed fixtures' names. */
export const printed = () => readdirSync(FIXTURES).filter((name) => PRINT[name]).sort();

/** Prints every fixture with `browser` (a Playwright Chromium); resolves to name → PDF bytes. */
export async function printAll(browser) {
  const page = await browser.newPage();
  /** @type {Map<string, Buffer>} */
  const out = new Map();
  try {
    for (const name of printed()) {
      const { format, header } = PRINT[name];
      await page.setContent(readFileSync(join(FIXTURES, name, 'source.html'), 'utf8'));
      out.set(name, await page.pdf({
        format, printBackground: false, displayHeaderFooter: header, headerTemplate: header ? HEADER : '<span></span>',
        footerTemplate: header ? FOOTER : '<span></span>', margin: { top: '18mm', bottom: '18mm', left: '16mm', right: '16mm' },
      }));
    }
    // Scanned-like: a page that is one picture of text.
    await page.setContent(`<!doctype html><body style="margin:0"><canvas id="c" width="600" height="300"></canvas><script>
      const g = document.getElementById('c').getContext('2d');
      g.fillStyle = '#fff'; g.fillRect(0, 0, 600, 300); g.fillStyle = '#000'; g.font = '28px serif';
      g.fillText('A scanned page: pixels, not text.', 20, 80);
    </script></body>`);
    out.set('scanned', await page.pdf({ format: 'A5' }));
  } finally {
    await page.close();
  }
  const whole = /** @type {Buffer} */ (out.get('one-column'));
  out.set('broken', whole.subarray(0, Math.floor(whole.length / 3)));
  return out;
}

/** Files a capture page loads, from the build inputs (the same pdf.js the extension ships). */
const SERVED = {
  '/pdf.mjs': join(ROOT, 'node_modules', 'pdfjs-dist', 'build', 'pdf.mjs'),
  '/pdf.worker.mjs': join(ROOT, 'node_modules', 'pdfjs-dist', 'build', 'pdf.worker.mjs'),
  '/pdf-text.js': join(ROOT, 'extension', 'reader', 'pdf-text.js'),
};

/**
 * What pdf.js reads of `pdf` in a Chromium page, exactly as the reader page reads it: the
 * PdfDoc the core is given.
 */
export async function readInBrowser(browser, pdf) {
  const page = await browser.newPage();
  try {
    await page.route('http://pdf.test/**', (route) => {
      const file = SERVED[new URL(route.request().url()).pathname];
      if (!file) return route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>capture</title>' });
      return route.fulfill({ status: 200, contentType: 'text/javascript', body: readFileSync(file) });
    });
    await page.goto('http://pdf.test/');
    return await page.evaluate(async (b64) => {
      const pdfjs = await import('/pdf.mjs');
      const { readPdf } = await import('/pdf-text.js');
      pdfjs.GlobalWorkerOptions.workerSrc = '/pdf.worker.mjs';
      const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      return readPdf(pdfjs, data);
    }, pdf.toString('base64'));
  } finally {
    await page.close();
  }
}

async function capture() {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const pdfs = await printAll(browser);
    for (const name of printed()) {
      const doc = await readInBrowser(browser, /** @type {Buffer} */ (pdfs.get(name)));
      writeFileSync(join(FIXTURES, name, 'items.json'), JSON.stringify(doc, null, 0).replaceAll('{"str"', '\n{"str"') + '\n');
      console.log(`${name}: ${doc.pages.length} pages, ${doc.pages.reduce((n, p) => n + p.items.length, 0)} items`);
    }
  } finally {
    await browser.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--capture')) await capture();
