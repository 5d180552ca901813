// Settings end to end: the reader's own prices and context sizes, typed in the Options page,
// change what the panel shows; stored settings that cannot be used fall back to defaults with a
// notice in Options and in the panel, and a save writes the repaired settings.
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inExtension, openWithGloss as open, setSettings } from './harness.mjs';
import { longArticle } from './long-article.mjs';
import { glossSuite } from './suite.mjs';

const T = { timeout: 90_000 };
const SAMPLE = '/www/samples/lighthouse-keepers.html';
const MEDIUM = '/artifacts/settings-medium-article.html';
let gloss, mock, site;

const world = glossSuite({ articles: { 'settings-medium-article.html': longArticle(2_000, 11) } });
// Root-level `before` hooks are not run one after another: take the suite's world per test.
beforeEach(() => ({ gloss, mock, site } = world));

const openWithGloss = (path) => open(gloss, site.url + path);
const stored = async () => (await inExtension(gloss, () => chrome.storage.local.get('settings'))).settings;
const digestRequests = () => mock.requests((e) => e.kind === 'digest');

async function openOptions() {
  const page = await gloss.context.newPage();
  await page.goto(`chrome-extension://${gloss.extensionId}/options.html`);
  // The form is busy until the stored settings are in it (typing before would be overwritten).
  await page.locator('#settings:not([aria-busy])').waitFor();
  return page;
}

/** Points the form at the mock's OpenAI-compatible endpoint with gpt-4o-mini. */
async function fillProvider(page) {
  await page.selectOption('#provider', 'openai');
  await page.fill('#apiKey', 'test-key');
  await page.fill('#baseUrl', `${mock.url}/v1`);
  await page.fill('#model', 'gpt-4o-mini');
}

/** Adds a row to the model table and types into it (`fields`: by column, as typed). */
async function addRow(page, fields) {
  await page.click('#addModelRow');
  const row = page.locator('#modelRows tbody tr').last();
  for (const [name, text] of Object.entries(fields)) await row.locator(`input[data-field="${name}"]`).fill(text);
  return row;
}

async function save(page) {
  await page.click('#save');
  await page.locator('#status.ok').waitFor();
}

describe('models: prices and context in Options', () => {
  test('a price typed for the model is what the digest header charges', T, async () => {
    const page = await openOptions();
    await fillProvider(page);
    await addRow(page, { model: 'gpt-4o-mini', inputPerMtok: '1000', outputPerMtok: '$2,000' });
    await save(page);
    assert.deepEqual((await stored()).modelOverrides, [{ model: 'gpt-4o-mini', inputPerMtok: 1000, outputPerMtok: 2000 }]);
    await page.close();

    const { page: article, p } = await openWithGloss(SAMPLE);
    const spend = p.digest.locator('.spend');
    await spend.waitFor({ timeout: 30_000 });
    const text = await spend.innerText();
    const match = text.match(/^([\d,]+) → ([\d,]+) tokens · [\d.]+ s · \$(\d+\.\d+)$/);
    assert.ok(match, `spend line: ${text}`);
    const [input, output] = [match[1], match[2]].map((n) => Number(n.replaceAll(',', '')));
    const request = digestRequests()[0];
    assert.ok(request?.completed, 'the digest was answered by the mock');
    const edited = (input * 1000 + output * 2000) / 1e6;
    const listed = (input * 0.15 + output * 0.6) / 1e6;
    assert.equal(match[3], edited.toFixed(edited < 0.01 ? 4 : 3), `${input} in, ${output} out at $1000/$2000 per million`);
    assert.notEqual(match[3], listed.toFixed(listed < 0.01 ? 4 : 3), 'not the list price');
    await article.close();
  });

  test('a small context typed for the model makes the digest go in parts', T, async () => {
    const page = await openOptions();
    await fillProvider(page);
    await addRow(page, { model: 'gpt-4o-mini', contextTokens: '2,000' });
    await save(page);
    assert.equal((await stored()).modelOverrides[0].contextTokens, 2000);
    await page.close();

    const { page: article, p } = await openWithGloss(MEDIUM);
    await p.digest.locator('.spend').waitFor({ timeout: 60_000 });
    assert.match(await p.digest.locator('.provenance').innerText(), /^openai · en · gpt-4o-mini · in \d+ parts$/);
    const requests = digestRequests();
    assert.ok(requests.length >= 3, `${requests.length} digest requests (parts, then the merge)`);
    assert.match(requests.at(-1).body.messages.at(-1).content, /Digest of part 1/);
    await article.close();
  });

  test('the same article with no row is digested in one request', T, async () => {
    await setSettings(gloss, { schemaVersion: 3, provider: 'openai', apiKeys: { openai: 'test-key' }, model: 'gpt-4o-mini', baseUrl: `${mock.url}/v1`, digestLang: 'en', translateLang: 'en' });
    const { page: article, p } = await openWithGloss(MEDIUM);
    await p.digest.locator('.spend').waitFor({ timeout: 60_000 });
    assert.equal(await p.digest.locator('.provenance').innerText(), 'openai · en · gpt-4o-mini');
    assert.equal(digestRequests().length, 1);
    await article.close();
  });

  test('a wrong field is named next to it, nothing is saved, and nothing typed is lost', T, async () => {
    const page = await openOptions();
    await fillProvider(page);
    const row = await addRow(page, { model: 'my-local-model', contextTokens: 'lots', inputPerMtok: '-1' });
    await page.click('#save');
    await page.locator('#status.error').waitFor();
    const context = row.locator('input[data-field="contextTokens"]');
    const input = row.locator('input[data-field="inputPerMtok"]');
    assert.equal(await context.getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator(`#${await context.getAttribute('aria-describedby')}`).innerText(), 'This is not a number.');
    assert.equal(await page.locator(`#${await input.getAttribute('aria-describedby')}`).innerText(), 'Use a number from 0 to 10,000.');
    assert.equal(await row.locator('input[data-field="model"]').getAttribute('aria-invalid'), 'false');
    assert.deepEqual([await context.inputValue(), await input.inputValue()], ['lots', '-1'], 'what was typed is still there');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.field), 'contextTokens', 'the first wrong field has the focus');
    assert.equal(await stored(), undefined, 'nothing was saved');

    await context.fill('32000');
    await input.fill('0.5');
    await save(page);
    assert.equal(await context.getAttribute('aria-invalid'), 'false');
    assert.deepEqual((await stored()).modelOverrides, [{ model: 'my-local-model', contextTokens: 32000, inputPerMtok: 0.5 }]);
    await page.reload();
    await page.locator('#settings:not([aria-busy])').waitFor();
    assert.equal(await page.locator('#modelRows tbody tr input[data-field="model"]').inputValue(), 'my-local-model', 'the row is shown again');
    assert.ok(await page.locator('#builtinRows tbody tr', { hasText: 'claude-haiku-4-5' }).count() === 1, 'the built-in rows are listed');
    await page.close();
  });
});

describe('base URLs in Options', () => {
  test('each provider keeps its own base URL, and plain http to another machine is refused beside the field', T, async () => {
    const page = await openOptions();
    await fillProvider(page);
    await save(page);
    await page.selectOption('#provider', 'anthropic');
    assert.equal(await page.inputValue('#baseUrl'), '', "openai's base URL is not carried over to anthropic");
    assert.equal(await page.getAttribute('#baseUrl', 'placeholder'), 'https://api.anthropic.com');
    await page.fill('#apiKey', 'sk-ant-test');
    await page.fill('#baseUrl', 'http://192.168.1.5:8000');
    await page.click('#save');
    await page.locator('#status.error').waitFor();
    assert.equal(await page.getAttribute('#baseUrl', 'aria-invalid'), 'true');
    assert.match(await page.locator('#baseUrl-error').innerText(), /https:\/\//);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'baseUrl');
    const before = await stored();
    assert.deepEqual([before.provider, before.baseUrls], ['openai', { openai: `${mock.url}/v1` }], 'nothing was saved');
    assert.equal(await page.inputValue('#baseUrl'), 'http://192.168.1.5:8000', 'what was typed is still there');

    await page.selectOption('#provider', 'openai');
    assert.equal(await page.inputValue('#baseUrl'), `${mock.url}/v1`, "openai shows its own base URL again");
    await page.selectOption('#provider', 'anthropic');
    await page.fill('#baseUrl', mock.url); // plain http is fine on this machine
    await save(page);
    const after = await stored();
    assert.equal(after.schemaVersion, 5);
    assert.deepEqual(after.baseUrls, { openai: `${mock.url}/v1`, anthropic: mock.url });
    assert.equal(after.baseUrl, undefined, 'the one shared field is gone');
    assert.equal(await page.locator('#baseUrl-error').innerText(), '');
    await page.close();
  });
});

describe('stored settings that cannot be used', () => {
  /** The notice's items as `field:reason`. */
  const noticeItems = (page) => page.locator('#notice li').evaluateAll((items) => items.map((li) => `${li.dataset.field}:${li.dataset.reason}`));

  /** Opens the panel on the sample article: the notice line is there and the offline digest appears. */
  async function panelNotice() {
    const { page, p } = await openWithGloss(SAMPLE);
    await p.digest.locator('ul.key-points li').first().waitFor({ timeout: 30_000 });
    assert.equal(await p.digest.locator('.provenance').innerText(), 'built-in · en · extractive');
    const notice = p.root.locator('.settings-notice');
    assert.equal(await notice.count(), 1, 'one notice line');
    const text = await notice.innerText();
    await page.close();
    return text;
  }

  test('a string instead of settings: defaults, and a notice that says so', T, async () => {
    await setSettings(gloss, 'garbage');
    const page = await openOptions();
    await page.locator('#notice li').first().waitFor();
    assert.deepEqual(await noticeItems(page), [':unreadable']);
    assert.match(await page.locator('#notice').innerText(), /could not be read at all/);
    assert.equal(await page.inputValue('#provider'), 'builtin');
    assert.equal(await page.inputValue('#concurrency'), '3');
    assert.match(await panelNotice(), /could not be read, so Gloss is using its defaults/);

    await save(page);
    assert.equal(await page.locator('#notice').isVisible(), false, 'the notice goes once the repaired settings are saved');
    assert.equal((await stored()).schemaVersion, 5);
    await page.reload();
    await page.locator('#settings:not([aria-busy])').waitFor();
    assert.equal(await page.locator('#notice').isVisible(), false);
    await page.close();
  });

  test('a field of the wrong type and an unknown provider reset only those fields', T, async () => {
    await setSettings(gloss, { schemaVersion: 2, concurrency: 'lots', provider: 'nope', digestLang: 'fr', requestsPerMinute: 12 });
    const page = await openOptions();
    await page.locator('#notice li').first().waitFor();
    assert.deepEqual((await noticeItems(page)).sort(), ['concurrency:wrong_type', 'provider:unknown_provider']);
    const notice = await page.locator('#notice').innerText();
    assert.match(notice, /Requests at once \(1–8\): the saved value was not of the right kind/);
    assert.match(notice, /Provider: the saved provider is not one Gloss knows/);
    assert.equal(await page.inputValue('#concurrency'), '3', 'the default');
    assert.equal(await page.inputValue('#provider'), 'builtin');
    assert.equal(await page.inputValue('#digestLang'), 'fr', 'the rest is kept');
    assert.equal(await page.inputValue('#requestsPerMinute'), '12');
    const line = await panelNotice();
    assert.match(line, /at their defaults: (Requests at once \(1–8\), Provider|Provider, Requests at once \(1–8\))/);

    await save(page);
    assert.equal(await page.locator('#notice').isVisible(), false);
    const repaired = await stored();
    assert.deepEqual([repaired.concurrency, repaired.provider, repaired.digestLang, repaired.requestsPerMinute], [3, 'builtin', 'fr', 12]);
    const { page: again, p } = await openWithGloss(SAMPLE);
    await p.digest.locator('ul.key-points li').first().waitFor({ timeout: 30_000 });
    assert.equal(await p.root.locator('.settings-notice').count(), 0, 'no notice once repaired');
    await again.close();
    await page.close();
  });

  test('settings from a newer Gloss are read as far as they can be, and the notice says so', T, async () => {
    await setSettings(gloss, { schemaVersion: 99, concurrency: 5, digestLang: 'de', somethingNew: { nested: true } });
    const page = await openOptions();
    await page.locator('#notice li').first().waitFor();
    assert.deepEqual(await noticeItems(page), ['schemaVersion:newer_schema']);
    assert.match(await page.locator('#notice').innerText(), /saved by a newer version of Gloss/);
    assert.equal(await page.inputValue('#concurrency'), '5');
    assert.equal(await page.inputValue('#digestLang'), 'de');
    assert.match(await panelNotice(), /saved by a newer version of Gloss/);
    await page.close();
  });
});
