// Positive markers for tests of a negative ("nothing more was sent"): instead of sleeping and
// hoping, run something through the same worker and mock, and look once it has come back.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openWithGloss } from './harness.mjs';
import { ARTIFACTS } from './suite.mjs';

let markers = 0;

/**
 * Opens a fresh article (never cached: its text carries a token) with Gloss in a new tab and
 * resolves once the mock has answered its digest request. Whatever the earlier work still had
 * queued reached the mock before this did. Resolves to `isMarker(entry)`, true for the marker's
 * own requests (its digest and any translation), so a test can leave them out.
 */
export async function roundTrip(gloss, site, mock) {
  markers += 1;
  const token = `marker${process.pid}x${markers}x${Date.now()}`;
  const sentence = `The ${token} article is a marker page that a test opens to see that the worker has gone on working.`;
  const html = `<!doctype html><html lang="en"><head><title>Marker ${token}</title></head><body><article><h1>Marker ${token}</h1>${
    Array.from({ length: 6 }, () => `<p>${sentence} ${sentence} ${sentence}</p>`).join('')}</article></body></html>`;
  writeFileSync(join(ARTIFACTS, `${token}.html`), html);
  const isMarker = (entry) => JSON.stringify(entry.body ?? '').includes(token);
  const { page, p } = await openWithGloss(gloss, `${site.url}/artifacts/${token}.html`);
  await p.digest.locator('.spend, .error').first().waitFor({ timeout: 30_000 });
  await page.close();
  if (!mock.requests().some(isMarker)) throw new Error('the marker digest never reached the mock');
  return isMarker;
}
