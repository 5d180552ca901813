// End-to-end through Chromium's own UI, which headless Chromium does not have: the keyboard
// shortcut and the native context menu. Chromium runs headful on a private Xvfb display and
// xdotool sends real X input to it. Alt+Shift+G goes through the browser's accelerator handling
// (CDP key events go to the page and never reach it); the context menu is Chromium's own menu
// window, opened by a right-click in the page, and Gloss's item in it is found on the screen by
// its icon and clicked, as a reader would: its position in the list depends on which other items
// Chromium shows for that page and selection.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, frameOf, inExtension, launch, panel, setSettings, uniqueUrl, waitForTranslation } from './harness.mjs';
import { startMockLlm } from './mock-llm.mjs';
import { startServer } from './server.mjs';

const T = { timeout: 90_000 };
const SAMPLE = '/www/samples/lighthouse-keepers.html';
const QUOTE = 'A light is a promise that somebody thought about you before you needed them.';
/** The 16 px icon's one colour (extension/icons/16.png), as the menu draws it. */
const ICON_RGB = [0x0f, 0x76, 0x6e];

let xvfb, gloss, mock, site;

const openai = () => ({ provider: 'openai', apiKey: 'test-key', model: 'gpt-4o-mini', baseUrl: `${mock.url}/v1`, digestLang: 'ja', translateLang: 'ja' });

/** Starts Xvfb on a free display (it picks one and says which); its screen is mirrored to a file. */
async function startXvfb() {
  const fbdir = mkdtempSync(join(tmpdir(), 'gloss-xvfb-'));
  const proc = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1400x1000x24', '-nolisten', 'tcp', '-fbdir', fbdir],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  const killOnExit = () => proc.kill();
  process.on('exit', killOnExit);
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const display = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdio[3].on('data', (d) => { out += d; if (out.includes('\n')) resolve(`:${out.trim()}`); });
    proc.on('exit', (code) => reject(new Error(`Xvfb exited (${code}) before giving a display: ${stderr}`)));
    setTimeout(() => reject(new Error(`Xvfb gave no display within 20 s: ${stderr}`)), 20_000).unref();
  });
  return {
    display,
    screen: join(fbdir, 'Xvfb_screen0'),
    async stop() {
      process.off('exit', killOnExit);
      if (proc.exitCode === null) {
        const exited = new Promise((resolve) => proc.once('exit', resolve));
        proc.kill();
        await exited;
      }
      rmSync(fbdir, { recursive: true, force: true });
    },
  };
}

/** Runs xdotool against the test display. */
const xdotool = (...args) => execFileSync('xdotool', args, { env: { ...process.env, DISPLAY: xvfb.display }, encoding: 'utf8' }).trim();

/**
 * Reads the screen from Xvfb's XWD file and returns the box around the pixels of the Gloss icon's
 * colour, or null when there are none. Throws when they do not look like one 16 px icon.
 */
function findIconOnScreen() {
  const b = readFileSync(xvfb.screen);
  const h = (i) => b.readUInt32BE(i * 4);
  const [headerSize, width, height, byteOrder, bitsPerPixel, bytesPerLine, rMask, gMask, bMask, colours] =
    [h(0), h(4), h(5), h(7), h(11), h(12), h(14), h(15), h(16), h(19)];
  assert.equal(bitsPerPixel, 32, 'Xvfb screen is 32 bits per pixel');
  const start = headerSize + colours * 12;
  const shift = (mask) => 31 - Math.clz32(mask & -mask);
  let n = 0, x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = start + y * bytesPerLine + x * 4;
      const v = byteOrder ? b.readUInt32BE(at) : b.readUInt32LE(at);
      const rgb = [(v & rMask) >>> shift(rMask), (v & gMask) >>> shift(gMask), (v & bMask) >>> shift(bMask)];
      if (rgb.every((c, i) => Math.abs(c - ICON_RGB[i]) <= 8)) {
        n += 1;
        x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
      }
    }
  }
  if (n < 64) return null; // nothing, or an icon still being drawn
  const box = { x0, y0, x1, y1, n };
  if (x1 - x0 > 24 || y1 - y0 > 24) throw new Error(`the icon's colour is spread over more than one icon: ${JSON.stringify(box)}`);
  return box;
}

/**
 * Right-clicks at the page point (x, y), which opens Chromium's native context menu (the page is
 * headful), then clicks the menu's Gloss item with the X pointer.
 */
async function chooseGlossMenuItem(page, x, y) {
  assert.equal(findIconOnScreen(), null, 'no Gloss icon on screen before the menu opens');
  await page.mouse.click(x, y, { button: 'right' });
  let icon = null;
  try {
    for (let i = 0; i < 100 && !icon; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      icon = findIconOnScreen();
    }
    if (!icon) throw new Error('the context menu showed no Gloss item within 10 s');
  } catch (err) {
    xdotool('key', 'Escape'); // close the menu, so that the next test starts clean
    throw err;
  }
  // The item's row spans the menu's width; its label starts just right of the icon.
  const cx = icon.x1 + 40;
  const cy = Math.round((icon.y0 + icon.y1) / 2);
  xdotool('mousemove', '--sync', String(cx), String(cy));
  xdotool('click', '1');
}

/** Gives the X input focus to the browser window showing `page` (there is no window manager). */
async function focusWindow(page) {
  await page.bringToFront();
  const title = (await page.title()).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const window = xdotool('search', '--sync', '--onlyvisible', '--name', title).split('\n')[0];
  xdotool('windowfocus', '--sync', window);
}

async function openPage() {
  const page = await gloss.context.newPage();
  await page.goto(uniqueUrl(site.url + SAMPLE));
  await focusWindow(page);
  return page;
}

/** The panel, once visible; unlike harness.waitForPanel it never falls back to a toolbar click. */
async function panelShown(page, timeout = 20_000) {
  await frameOf(page, timeout);
  const p = panel(page);
  await p.aside.waitFor({ state: 'visible', timeout });
  return p;
}

before(async () => {
  for (const tool of ['Xvfb', 'xdotool']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
      throw new Error(`${tool} is missing: run \`npm test\` or \`bash .ci/setup.sh xvfb\` (it installs Debian's xvfb and xdotool)`);
    }
  }
  xvfb = await startXvfb();
  mock = await startMockLlm();
  site = await startServer({ '/www/': join(ROOT, 'www') });
  gloss = await launch({ headless: false, env: { DISPLAY: xvfb.display } });
});

after(async () => {
  await gloss?.close();
  await site?.close();
  await mock?.close();
  await xvfb?.stop();
});

beforeEach(async () => {
  mock.reset();
  await setSettings(gloss, openai());
});

describe('Chromium UI', () => {
  test('Alt+Shift+G opens the panel', T, async () => {
    const shortcut = await inExtension(gloss, async () => (await chrome.commands.getAll()).find((c) => c.name === '_execute_action')?.shortcut);
    assert.equal(shortcut, 'Alt+Shift+G', 'Chromium bound the suggested key in a fresh profile');
    const page = await openPage();
    xdotool('key', '--clearmodifiers', 'alt+shift+g');
    // One key press: if it does not open the panel, the test fails (no second press).
    const p = await panelShown(page);
    await p.original.locator('dl.meta').waitFor();
    assert.match(await p.original.locator('dl.meta').innerText(), /The Last Lighthouse Keepers of the North Sea/);
    await page.close();
  });

  test('the context menu\'s "Digest this page" opens the panel with a digest of the page', T, async () => {
    const page = await openPage();
    // The left margin, beside the article: no link, no text, so the menu is the page's.
    await chooseGlossMenuItem(page, 60, 500);
    const p = await panelShown(page);
    await p.digest.locator('ul.key-points li').nth(2).waitFor({ timeout: 30_000 });
    assert.match(await p.original.locator('dl.meta').innerText(), /The Last Lighthouse Keepers of the North Sea/);
    assert.doesNotMatch(await p.original.locator('.status').innerText(), /your selection/);
    assert.ok((await p.original.locator('[data-block]').count()) > 5, 'the whole article is read');
    const sent = mock.requests((e) => e.kind === 'digest')[0].body.messages.at(-1).content;
    assert.match(sent, /eleven miles off the coast/);
    await page.close();
  });

  test('the context menu\'s "Translate selection" opens the panel on the selection alone, however short', T, async () => {
    const page = await openPage();
    const quote = page.locator('blockquote p');
    await quote.evaluate((node) => {
      const range = document.createRange();
      range.selectNodeContents(node);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
    });
    const box = await quote.boundingBox();
    // Well under the 200 characters the toolbar button needs to read a selection instead of the page.
    assert.ok(QUOTE.length < 200);
    await chooseGlossMenuItem(page, box.x + 40, box.y + box.height / 2);
    const p = await panelShown(page);
    await p.original.locator('[data-block]').first().waitFor({ state: 'attached' }); // the Original starts collapsed
    assert.match(await p.original.locator('.status').innerText(), /your selection/);
    assert.deepEqual(await p.original.locator('[data-block]').allTextContents(), [QUOTE]);
    await waitForTranslation(page);
    assert.deepEqual(await p.translation.locator('[data-block]').allTextContents(), [`(ja) ${QUOTE}`]);
    const sent = mock.requests((e) => e.kind === 'translate').map((e) => e.body.messages.at(-1).content).join('\n');
    assert.match(sent, /A light is a promise/);
    assert.ok(!sent.includes('eleven miles off the coast'), 'the rest of the article is not sent');
    await page.close();
  });
});
