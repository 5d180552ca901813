// What most browser test files share: a mock LLM, the page server and Chromium with Gloss, up
// before the file's tests and down after them, with empty storage and an empty request log
// before each test.
import { after, before, beforeEach } from 'node:test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, launch, setSettings } from './harness.mjs';
import { startMockLlm } from './mock-llm.mjs';
import { startServer } from './server.mjs';

/** Generated pages (long articles and the like), served under /artifacts/. */
export const ARTIFACTS = join(ROOT, 'tests', 'artifacts');

/**
 * Registers the hooks and returns `{gloss, mock, site}`, filled in once `before` has run.
 * `articles` (file name → HTML) are written to tests/artifacts first; `mock` is passed to
 * `startMockLlm`. Pages are served from /www/, /fixtures/ (tests/fixtures) and /artifacts/. The
 * extension is granted the mock's origin and `hosts` (see `launch`), and with `grantSite` the
 * page server's origin too (a permission the reader would grant at a click, which a test cannot).
 */
export function glossSuite({ mock: mockOptions, articles = {}, hosts = [], grantSite = false } = {}) {
  const world = { gloss: null, mock: null, site: null };
  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    for (const [name, html] of Object.entries(articles)) writeFileSync(join(ARTIFACTS, name), html);
    world.mock = await startMockLlm(mockOptions);
    world.site = await startServer({ '/www/': join(ROOT, 'www'), '/fixtures/': join(ROOT, 'tests', 'fixtures'), '/artifacts/': ARTIFACTS });
    world.gloss = await launch({ hosts: [world.mock.url, ...hosts, ...(grantSite ? [world.site.url] : [])] });
  });
  after(async () => {
    await world.gloss?.close();
    await world.site?.close();
    await world.mock?.close();
  });
  beforeEach(async () => {
    world.mock.reset();
    await setSettings(world.gloss, null);
  });
  return world;
}
