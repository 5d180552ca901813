// Gloss against a real local model, as a reader runs one: llama-cpp-python's OpenAI-compatible
// server with SmolLM2-135M-Instruct on 127.0.0.1 (tests/local-model/setup.sh installs it once per
// machine), the "llama.cpp server" preset pointed at it, and the sample article. A 135M model
// writes poor digests and keeps no format, so this checks structure and completion, not quality:
// both sections finish, the digest is never empty, every block ends translated or visibly failed.
// Run by `npm run test:local-model`; not part of `npm test` (it takes minutes).
//
// GLOSS_LOCAL_MODEL_URL=http://127.0.0.1:PORT uses a server already running instead (e.g. the
// mock, `node tests/mock-llm.mjs`, with GLOSS_LOCAL_MODEL_KEY=test-key and
// GLOSS_LOCAL_MODEL_MODEL=gpt-4o-mini, to check the test itself);
// GLOSS_LOCAL_MODEL_QUEUE=1 starts llama-cpp-python with
// --interrupt_requests false (queueing like Ollama) instead of its default;
// GLOSS_LOCAL_MODEL_CONCURRENCY=N sets Options' "requests at once".
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, launch, openWithGloss, setSettings } from './harness.mjs';
import { startServer } from './server.mjs';
import { MODEL_ALIAS, N_CTX, startCountingProxy, startLocalModel } from './local-model/llm-server.mjs';

const SAMPLE = '/www/samples/lighthouse-keepers.html';
const MODEL = process.env.GLOSS_LOCAL_MODEL_MODEL ?? MODEL_ALIAS;
const ARTIFACTS = join(ROOT, 'tests', 'artifacts');
/** A laptop CPU reads and writes slowly, and the lead's machine is shared: be patient. */
const SECTION_TIMEOUT_MS = Number(process.env.GLOSS_LOCAL_MODEL_TIMEOUT_MS ?? 30 * 60_000);

let model, proxy, site, gloss;
const t0 = Date.now();
let clickedAt = t0;
/** Seconds since the reader clicked Gloss's button. */
const since = (t) => `${((t - clickedAt) / 1000).toFixed(1)} s`;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const started = Date.now();
  model = process.env.GLOSS_LOCAL_MODEL_URL
    ? { url: process.env.GLOSS_LOCAL_MODEL_URL, close: async () => {} }
    : await startLocalModel({ logPath: join(ARTIFACTS, 'local-model-server.log'), interrupt: process.env.GLOSS_LOCAL_MODEL_QUEUE !== '1' });
  console.log(`# local model server ready at ${model.url} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  // Each request as it is sent and as it ends, so a stall shows where it happened.
  proxy = await startCountingProxy(model.url, t0, (r) => console.log(r.endMs === null
    ? `# ${since(Date.now())}: sent ${r.path} (${r.requestBytes} B)`
    : `# ${since(Date.now())}: ended ${r.status ?? '-'} ${r.bytes} B${r.aborted ? ', aborted' : ''} (${((r.endMs - r.sentMs) / 1000).toFixed(1)} s)`));
  site = await startServer({ '/www/': join(ROOT, 'www') });
  gloss = await launch();
});

after(async () => {
  await gloss?.close();
  await site?.close();
  await proxy?.close();
  await model?.close();
});

/** What the panel shows in a section: its text, status line and error, if any. */
const sectionState = (section) => section.evaluate((node) => ({
  content: node.querySelector('.content')?.textContent.trim() ?? '',
  status: node.querySelector('.status')?.textContent.trim() ?? '',
  error: node.querySelector('.status .error, .error')?.textContent.trim() ?? null,
}));

test('a digest and a translation of the sample article from a real local model both finish', { timeout: SECTION_TIMEOUT_MS * 2 + 60_000 }, async () => {
  await setSettings(gloss, {
    provider: 'llamacpp',
    apiKey: process.env.GLOSS_LOCAL_MODEL_KEY ?? '',
    baseUrl: `${proxy.url}/v1`,
    model: MODEL,
    digestLang: 'en',
    translateLang: 'fr',
    // The server has no /props: the reader tells Gloss the context it was started with.
    modelOverrides: [{ model: MODEL, contextTokens: N_CTX }],
    ...(process.env.GLOSS_LOCAL_MODEL_CONCURRENCY ? { concurrency: Number(process.env.GLOSS_LOCAL_MODEL_CONCURRENCY) } : {}),
  });
  clickedAt = Date.now();
  const { page, p } = await openWithGloss(gloss, site.url + SAMPLE);
  const report = { panelOpen: since(Date.now()) };
  // What the panel shows, every minute: a run that stops moving shows where it stopped.
  const watch = setInterval(async () => {
    const [digest, translation] = await Promise.all([sectionState(p.digest), sectionState(p.translation)]).catch(() => []);
    if (!digest) return;
    const slots = await p.translation.locator('[data-block]').evaluateAll((nodes) => nodes.map((n) => n.className)).catch(() => []);
    const count = (re) => slots.filter((c) => re.test(c)).length;
    console.log(`# ${since(Date.now())}: digest ${digest.content.length} chars, status "${digest.status.slice(0, 120)}"; translation ${slots.length} blocks, ${count(/\bpending\b/)} pending, ${count(/\bpartial\b/)} partial, ${count(/\bfailed\b/)} failed, status "${translation.status.slice(0, 120)}"`);
  }, 60_000);
  try {
    // The panel is its own frame (panel.html, the extension's origin): the waits run inside it.
    const frame = p.frame;
    // Quick Digest: first text, then its end (the status line clears, or an error shows).
    await frame.waitForFunction(() => {
      const section = document.querySelector('section[data-section="digest"]');
      return Boolean(section?.querySelector('.error')) || (section?.querySelector('.content')?.textContent.trim() ?? '') !== '';
    }, null, { timeout: SECTION_TIMEOUT_MS, polling: 200 });
    report.digestFirstText = since(Date.now());
    await frame.waitForFunction(() => {
      const section = document.querySelector('section[data-section="digest"]');
      const status = section?.querySelector('.status');
      return Boolean(section?.querySelector('.error')) || (status?.textContent.trim() === '' && section.querySelector('.content').textContent.trim() !== '');
    }, null, { timeout: SECTION_TIMEOUT_MS, polling: 500 });
    report.digestEnd = since(Date.now());
    const digest = await sectionState(p.digest);
    report.digest = { chars: digest.content.length, error: digest.error, starts: digest.content.slice(0, 160) };

    // Full Translation: every block settles, translated or marked as failed.
    await frame.waitForFunction(() => {
      const section = document.querySelector('section[data-section="translation"]');
      const slots = section ? [...section.querySelectorAll('[data-block]')] : [];
      const settled = slots.length > 0 && slots.every((s) => !s.classList.contains('pending') && !s.classList.contains('partial'));
      return settled || Boolean(section?.querySelector('.status .error') && !slots.some((s) => s.classList.contains('partial')));
    }, null, { timeout: SECTION_TIMEOUT_MS, polling: 1_000 });
    report.translationEnd = since(Date.now());
    const slots = await p.translation.locator('[data-block]').evaluateAll((nodes) => nodes.map((n) => n.className));
    const translation = await sectionState(p.translation);
    report.translation = {
      blocks: slots.length,
      done: slots.filter((c) => !/\b(failed|pending|partial)\b/.test(c)).length,
      failed: slots.filter((c) => /\bfailed\b/.test(c)).length,
      pending: slots.filter((c) => /\bpending\b/.test(c)).length,
      status: translation.status,
    };

    assert.ok(digest.content.length > 0, 'the Quick Digest shows something: sections, or the answer as its summary');
    assert.equal(digest.error, null, `the Quick Digest finished without an error: ${digest.error}`);
    assert.equal(report.translation.pending, 0, 'no block is left waiting');
    assert.equal(report.translation.done + report.translation.failed, report.translation.blocks, 'every block is translated or visibly failed');
  } finally {
    clearInterval(watch);
    const requests = proxy.stats.requests;
    report.requests = {
      sent: requests.length,
      maxOpenAtOnce: proxy.stats.maxOpen,
      byStatus: requests.reduce((acc, r) => ({ ...acc, [r.status ?? 'none']: (acc[r.status ?? 'none'] ?? 0) + 1 }), {}),
      aborted: requests.filter((r) => r.aborted).length,
      emptyAnswers: requests.filter((r) => r.status === 200 && r.bytes === 0).length,
    };
    console.log(`# local model run:\n${JSON.stringify(report, null, 2).replace(/^/gm, '# ')}`);
    console.log(`# requests (ms since the server was up: sent → first byte → end, bytes):\n${requests.map((r) => `#   ${r.path} ${r.sentMs} → ${r.firstByteMs ?? '-'} → ${r.endMs ?? 'open'}  ${r.status ?? '-'}  ${r.bytes} B${r.aborted ? '  aborted' : ''}`).join('\n')}`);
    if (gloss.logs.length) console.log(`# worker log (last 10):\n${gloss.logs.slice(-10).map((l) => `#   ${l}`).join('\n')}`);
    await page.close();
  }
});
