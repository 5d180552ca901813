// The translation glossary end to end in Chromium: typed in Options, sent with the chunks that
// contain its terms (and no others, as the mock's request log shows), a block whose translation
// drops a rendering marked in the panel, and CSV import and export in Options.
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inExtension, openWithGloss, setSettings, waitForTranslation } from './harness.mjs';
import { glossSuite } from './suite.mjs';

const T = { timeout: 120_000 };
const SAMPLE = '/www/samples/lighthouse-keepers.html';
let gloss, mock, site;

const world = glossSuite();
beforeEach(() => ({ gloss, mock, site } = world));

/** A small chunk size, so that most paragraphs go alone and some chunks have no term at all. */
const settings = () => ({
  provider: 'openai', apiKey: 'test-key', model: 'gpt-4o-mini', baseUrl: `${mock.url}/v1`, digestLang: 'ja', translateLang: 'ja', chunkTokens: 100,
});
const GLOSSARY = [
  'term,rendering',
  'maritime authority,海事当局',
  'Skarholm,',
  '"foghorn, old",霧笛',
].join('\n');
const storedGlossary = async () => (await inExtension(gloss, () => chrome.storage.local.get('glossary'))).glossary;

async function openOptions() {
  const page = await gloss.context.newPage();
  await page.goto(`chrome-extension://${gloss.extensionId}/options.html`);
  await page.locator('#settings:not([aria-busy])').waitFor();
  return page;
}

/** The block texts of a translation request, as the mock received them. */
const blockTexts = (entry) => entry.body.messages.at(-1).content.match(/^\[\[\d+\]\] .*$/gm).map((l) => l.replace(/^\[\[\d+\]\] /, ''));

/** The glossary terms a request should carry: those its blocks contain (case as the core matches it). */
function expectedTerms(entry) {
  const text = blockTexts(entry).join('\n');
  const has = (term) => (term === term.toLowerCase() ? text.toLowerCase().includes(term) : text.includes(term));
  return ['maritime authority', 'Skarholm', 'foghorn, old'].filter(has);
}

describe('the glossary', () => {
  test('typed in Options, it goes with the chunks that hold its terms, and a dropped rendering is marked', T, async () => {
    await setSettings(gloss, settings());
    const options = await openOptions();
    assert.equal(await options.locator('#glossaryLang').inputValue(), 'ja', 'the editor starts on the translation language');
    await options.fill('#glossaryText', GLOSSARY);
    await options.click('#save');
    await options.locator('#status.ok').waitFor();
    assert.deepEqual((await storedGlossary()).languages.ja, [
      { term: 'maritime authority', rendering: '海事当局' }, { term: 'Skarholm', rendering: '' }, { term: 'foghorn, old', rendering: '霧笛' }]);
    await options.close();

    // The mock follows the glossary but for one term, which it leaves in English.
    mock.setDefault({ dropTerms: ['maritime authority'] });
    const { page, p } = await openWithGloss(gloss, site.url + SAMPLE);
    await waitForTranslation(page, 60_000);
    const sent = mock.requests((e) => e.kind === 'translate');
    assert.ok(sent.length >= 4, `${sent.length} chunks`);
    for (const entry of sent) {
      assert.deepEqual((entry.glossary ?? []).map((t) => t.term).sort(), expectedTerms(entry).sort(), `the terms of: ${blockTexts(entry).join(' | ').slice(0, 200)}`);
    }
    assert.ok(sent.some((e) => !e.glossary?.length), 'a chunk without terms is sent no glossary');
    assert.ok(sent.some((e) => e.glossary?.some((t) => t.term === 'Skarholm' && t.rendering === null)), 'a kept term is sent as kept');
    assert.ok(sent.every((e) => !JSON.stringify(e.body).includes('foghorn')), 'a term the article lacks is never sent');

    // Marked: exactly the blocks whose source has the dropped term, each with a note it names.
    const sources = await p.original.locator('[data-block]').allTextContents();
    const ids = await p.original.locator('[data-block]').evaluateAll((nodes) => nodes.map((n) => n.dataset.block));
    const expected = ids.filter((_, i) => sources[i].includes('maritime authority'));
    assert.ok(expected.length >= 2, `${expected.length} blocks name the maritime authority`);
    const marked = await p.translation.locator('[data-block].glossary-missed').evaluateAll((nodes) => nodes.map((n) => n.dataset.block));
    assert.deepEqual(marked, expected);
    const first = p.translation.locator(`[data-block="${expected[0]}"]`);
    const noteId = await first.getAttribute('aria-describedby');
    const note = p.translation.locator(`[id="${noteId}"]`);
    assert.equal(await note.getAttribute('role'), 'note');
    assert.equal(await note.innerText(), 'Glossary not followed: “maritime authority” should be “海事当局”');
    // A block that kept "Skarholm" as asked is not marked.
    const skarholm = ids.find((id, i) => sources[i].includes('Skarholm') && !sources[i].includes('maritime authority'));
    assert.ok(skarholm, 'a block names Skarholm alone');
    assert.equal(await p.translation.locator(`[data-block="${skarholm}"]`).getAttribute('aria-describedby'), null);
    await page.close();
  });

  test('a CSV import with a bad row says which line and keeps the glossary; a good one merges and exports', T, async () => {
    await setSettings(gloss, settings());
    await inExtension(gloss, (g) => chrome.storage.local.set({ glossary: g }),
      { schemaVersion: 1, languages: { ja: [{ term: 'lens', rendering: 'レンズ' }] } });
    const options = await openOptions();
    const before = await options.locator('#glossaryText').inputValue();
    assert.equal(before, 'term,rendering\nlens,レンズ\n');
    const file = (text) => ({ name: 'glossary.csv', mimeType: 'text/csv', buffer: Buffer.from(text) });
    await options.setInputFiles('#glossaryFile', file('term,rendering\ngallery rail,手すり\n"fog signal,霧信号\nbeacon,灯標\n'));
    const status = options.locator('#glossaryStatus.error');
    await status.waitFor();
    assert.equal(await status.innerText(), 'Nothing was imported, and the glossary is as it was: line 3: a quote is opened and never closed');
    assert.equal(await options.locator('#glossaryText').inputValue(), before);
    assert.deepEqual((await storedGlossary()).languages.ja, [{ term: 'lens', rendering: 'レンズ' }]);

    await options.setInputFiles('#glossaryFile', file('\ufeffterm,rendering\r\nlens,"レンズ, 光学"\r\ngallery rail,手すり\r\n'));
    await options.locator('#glossaryStatus.ok').waitFor();
    assert.match(await options.locator('#glossaryStatus').innerText(), /^Imported: 1 new, 1 replaced\. The glossary is saved\.$/);
    const merged = [{ term: 'lens', rendering: 'レンズ, 光学' }, { term: 'gallery rail', rendering: '手すり' }];
    assert.deepEqual((await storedGlossary()).languages.ja, merged, 'a good import is saved at once');

    const download = options.waitForEvent('download');
    await options.click('#glossaryExport');
    const saved = await download;
    assert.equal(saved.suggestedFilename(), 'gloss-glossary-ja.csv');
    const chunks = [];
    for await (const chunk of await saved.createReadStream()) chunks.push(chunk);
    assert.equal(Buffer.concat(chunks).toString('utf8'), 'term,rendering\r\nlens,"レンズ, 光学"\r\ngallery rail,手すり\r\n');

    // A bad row typed in the editor blocks the save, says its line, and stores nothing.
    await options.fill('#glossaryText', 'term,rendering\nlens,a,b\n');
    await options.click('#save');
    await options.locator('#status.error').waitFor();
    assert.match(await options.locator('#glossaryText-error').innerText(), /^line 2: more than two fields/);
    assert.equal(await options.locator('#glossaryText').getAttribute('aria-invalid'), 'true');
    assert.deepEqual((await storedGlossary()).languages.ja, merged);
    await options.close();
  });
});
