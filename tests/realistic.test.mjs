// The digest and translation end to end a second time, against the mock's realistic mode: answers
// as real models write them (preamble, fences, reordered blocks, `[[n]]:` markers, a title and
// headings in the digest language, translated code, `<think>` and `reasoning_content`, no usage)
// and requests checked as the real APIs check them, with no CORS header. Gloss must still show
// correct, aligned sections, or a visible, specific failure.
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openWithGloss, setSettings, waitForTranslation } from './harness.mjs';
import { longArticle } from './long-article.mjs';
import { glossSuite } from './suite.mjs';

const T = { timeout: 90_000 };
const SAMPLE = '/www/samples/lighthouse-keepers.html';
let gloss, mock, site;

const world = glossSuite({ mock: { realistic: true }, articles: { 'realistic-long.html': longArticle(2_800, 31) } });
// Root-level `before` hooks are not run one after another: take the suite's world per test.
beforeEach(() => ({ gloss, mock, site } = world));

const families = {
  anthropic: () => ({ provider: 'anthropic', apiKey: 'test-key', model: 'claude-haiku-4-5', baseUrl: mock.url }),
  openai: () => ({ provider: 'openai', apiKey: 'test-key', model: 'gpt-4o-mini', baseUrl: `${mock.url}/v1` }),
  gemini: () => ({ provider: 'gemini', apiKey: 'test-key', model: 'gemini-2.5-flash', baseUrl: `${mock.url}/v1beta` }),
  ollama: () => ({ schemaVersion: 2, provider: 'ollama', model: 'llama3.2', baseUrl: mock.url }),
};
const settingsFor = (name, extra = {}) => ({ ...families[name](), digestLang: 'ja', translateLang: 'ja', ...extra });

/** Text of the model's own that must never reach the panel. */
const LEAKS = [/Here is (the|a)/, /```/, /<\/?think>/, /keep every marker/, /b9999/, /^#/m];

describe('a realistic model, on each provider family', () => {
  for (const name of Object.keys(families)) {
    test(`${name}: the digest shows its three parts without the model's wrapping`, T, async () => {
      await setSettings(gloss, settingsFor(name));
      const { page, p } = await openWithGloss(gloss, site.url + SAMPLE);
      await p.digest.locator('.spend, .error').first().waitFor({ timeout: 60_000 });
      const errors = await p.digest.locator('.error').allInnerTexts();
      assert.deepEqual(errors, [], 'no error in the digest');
      const requests = mock.requests((e) => e.kind === 'digest');
      assert.deepEqual(requests.map((e) => e.status), [200], 'the request was one the real API accepts');
      const points = (await p.digest.locator('ul.key-points li').allInnerTexts()).map((t) => t.replace(/\s*¶$/, ''));
      assert.deepEqual(points, ['(ja) First key point.', '(ja) Second key point.', '(ja) Third key point.'], 'the numbered list under 要点, not the title');
      assert.equal(await p.digest.locator('p.summary').innerText(), '(ja) A short summary paragraph of the article.');
      const details = await p.digest.locator('ul.details li').allInnerTexts();
      assert.deepEqual(details.map((d) => d.replace(/\s*¶$/, '')), [
        '(ja) Context: The article discusses its topic.',
        '(ja) Finding: Something important was found.',
        '(ja) Impact: It matters to readers.',
        '(ja) Next: What happens next.',
      ]);
      // Cited ids become links to their paragraph; the id that is no block's does not.
      const linked = await p.digest.locator('ul.key-points li').evaluateAll((items) => items.map((li) => Boolean(li.querySelector('button.source'))));
      assert.deepEqual(linked, [true, true, false]);
      const shown = await p.digest.locator('.content').innerText();
      for (const leak of LEAKS) assert.doesNotMatch(shown, leak);
      await page.close();
    });

    test(`${name}: every block of the translation lands in its place, code untouched`, T, async () => {
      await setSettings(gloss, settingsFor(name));
      const { page, p } = await openWithGloss(gloss, site.url + SAMPLE);
      await waitForTranslation(page, 60_000);
      const source = await p.original.locator('[data-block]').allTextContents();
      const isCode = await p.original.locator('[data-block]').evaluateAll((nodes) => nodes.map((n) => n.classList.contains('code')));
      const slots = await p.translation.locator('[data-block]').allTextContents();
      assert.equal(slots.length, source.length);
      const wrong = slots.map((text, i) => [i + 1, text, isCode[i] ? source[i] : `(ja) ${source[i]}`]).filter(([, text, want]) => text !== want);
      assert.deepEqual(wrong, [], 'each block shows its own translation (code as it is), none failed');
      const translate = mock.requests((e) => e.kind === 'translate');
      assert.ok(translate.length > 0 && translate.every((e) => e.status === 200), translate.map((e) => e.status).join());
      assert.ok(translate.every((e) => !JSON.stringify(e.body).includes('voltage = read_sensor')), 'the code block was not sent');
      const shown = await p.translation.locator('.content').innerText();
      for (const leak of LEAKS) assert.doesNotMatch(shown, leak);
      // The OpenAI wire sent no usage: the counts are Gloss's estimate, and marked so.
      const spend = await p.translation.locator('.spend').innerText();
      if (name === 'openai') assert.match(spend, /^~/, spend);
      else assert.doesNotMatch(spend, /~/, spend);
      await page.close();
    });
  }
});

describe('a digest in parts', () => {
  test('the merged digest is made of what the parts said', T, async () => {
    // A small context (set as Options' model table would) makes a 2,800-word article go in parts.
    await setSettings(gloss, settingsFor('ollama', { modelOverrides: [{ model: 'llama3.2', contextTokens: 2_000 }] }));
    const { page, p } = await openWithGloss(gloss, `${site.url}/artifacts/realistic-long.html`);
    await p.digest.locator('.spend, .error').first().waitFor({ timeout: 60_000 });
    const requests = mock.requests((e) => e.kind === 'digest');
    assert.ok(requests.length >= 4, `the parts and the merge were asked for (${requests.length})`);
    assert.match(await p.digest.locator('.provenance').innerText(), /in \d+ parts$/);
    const points = (await p.digest.locator('ul.key-points li').allInnerTexts()).map((t) => t.replace(/\s*¶$/, ''));
    assert.deepEqual(points, ['(ja) Part 1: First key point.', '(ja) Part 2: First key point.', '(ja) Part 3: First key point.']);
    await page.close();
  });
});

describe('a stall with the default timeouts', () => {
  test('an answer that stops mid-stream ends with a timeout after the default 30 s, keeping what arrived', T, async () => {
    await setSettings(gloss, settingsFor('anthropic'));
    mock.enqueue({ hangAfterChunks: 20, match: (e) => e.kind === 'digest' });
    const { page, p } = await openWithGloss(gloss, site.url + SAMPLE);
    const error = p.digest.locator('.error');
    await error.waitFor({ timeout: 75_000 });
    const shownAt = Date.now();
    assert.equal(await error.getAttribute('data-code'), 'timeout', await error.innerText());
    const [stalled] = mock.requests((e) => e.kind === 'digest');
    assert.ok(shownAt - stalled.at >= 29_000, `not given up on before 30 s (${shownAt - stalled.at} ms)`);
    assert.equal(stalled.aborted, true, 'the stalled request was closed');
    assert.ok(await p.digest.locator('.content').innerText() !== '', 'what arrived is kept');
    await page.close();
  });
});

describe('a host the extension was not granted', () => {
  test('without CORS headers, a provider on an ungranted host fails visibly and points to Options', T, async () => {
    // 127.0.0.1 is the same mock, but the manifest grants only http://localhost/*.
    const ungranted = `http://127.0.0.1:${mock.port}/v1`;
    await setSettings(gloss, settingsFor('openai', { baseUrl: ungranted }));
    const { page, p } = await openWithGloss(gloss, site.url + SAMPLE);
    const error = p.digest.locator('.error');
    await error.waitFor({ timeout: 30_000 });
    const code = await error.getAttribute('data-code');
    assert.notEqual(code, 'internal', 'a specific error');
    assert.equal(await error.locator('button.link').count(), 1, `the ${code} error links to Options, where the host is granted: ${await error.innerText()}`);
    assert.match(await error.innerText(), /127\.0\.0\.1/, 'and names the host');
    await page.close();
  });
});
