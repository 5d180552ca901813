// Drives real headless Chromium with the unpacked Gloss build loaded, the way a reader uses it:
// a real toolbar-action click (CDP Extensions.triggerAction), then the panel's frame in the page.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
export const EXTENSION = join(ROOT, 'extension', 'dist', 'chrome');
export const CHROMIUM = process.env.GLOSS_CHROMIUM ?? '/usr/bin/chromium';

/** Flags that keep Chromium off the network (this machine has none) and quiet. */
const QUIET = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-default-apps', '--no-default-browser-check'];

/**
 * Launches Chromium with the extension; resolves once its service worker runs. `env` is added to
 * Chromium's environment (e.g. a `DISPLAY` for a headful browser under Xvfb), `args` to its
 * command line; `locale` is Playwright's (the browser's language, e.g. 'ja'). `hosts` (origins
 * such as the mock's `http://localhost:PORT`) are added to a copy of the build's host
 * permissions: the manifest names only the local presets' ports, and Chromium's permission
 * prompt cannot be answered in a headless test, as a reader would answer it in Options.
 */
export async function launch({ headless = true, extension = EXTENSION, env, args = [], locale, hosts = [] } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'gloss-profile-'));
  if (hosts.length) extension = withHosts(extension, hosts, profile);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless,
    ...(env ? { env: { ...process.env, ...env } } : {}),
    ...(locale ? { locale } : {}),
    viewport: { width: 1280, height: 900 },
    ignoreDefaultArgs: ['--disable-extensions'],
    args: [`--disable-extensions-except=${extension}`, `--load-extension=${extension}`, ...QUIET, ...args],
  });
  const worker = context.serviceWorkers()[0] ?? await context.waitForEvent('serviceworker');
  /** The worker's console, for diagnosing a failed test. */
  const logs = [];
  const listen = (w) => w.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
  listen(worker);
  context.on('serviceworker', listen);
  const extensionId = new URL(worker.url()).host;
  // A new profile is still installing the extension: a click is sent once its worker has run
  // its script and loaded the core (the WASM), as a reader's first click comes after install.
  await worker.evaluate(() => globalThis.glossWasmBytes?.());
  const cdp = await context.browser().newBrowserCDPSession();
  return {
    context, worker, extensionId, cdp, logs,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A copy of the built extension (inside `profile`) whose manifest also grants `hosts`. */
function withHosts(extension, hosts, profile) {
  const copy = join(profile, 'extension');
  cpSync(extension, copy, { recursive: true });
  const file = join(copy, 'manifest.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8'));
  manifest.host_permissions = [...manifest.host_permissions, ...hosts.map((h) => `${new URL(h).origin}/*`)];
  writeFileSync(file, JSON.stringify(manifest, null, 2));
  return copy;
}

/**
 * Runs `fn(arg)` with the extension's privileges: in its service worker, or, when the browser
 * has stopped the worker, in one of its pages.
 */
export async function inExtension(gloss, fn, arg) {
  const worker = gloss.context.serviceWorkers().filter((w) => w.url().includes(gloss.extensionId)).at(-1);
  try {
    if (worker) return await worker.evaluate(fn, arg);
  } catch {
    // That worker was stopped: use a page instead.
  }
  const page = await gloss.context.newPage();
  try {
    await page.goto(`chrome-extension://${gloss.extensionId}/options.html`);
    return await page.evaluate(fn, arg);
  } finally {
    await page.close();
  }
}

/** Stores settings as the options page would (or clears all storage when `settings` is null). */
export async function setSettings(gloss, settings) {
  await inExtension(gloss, async (s) => {
    if (s) await chrome.storage.local.set({ settings: s });
    else await chrome.storage.local.clear();
  }, settings);
}

/** Clicks the Gloss toolbar button for the tab showing `page`. */
export async function clickAction(gloss, page) {
  // A reader clicks the toolbar of the tab in front; activeTab is granted to that tab.
  await page.bringToFront();
  const { targetInfos } = await gloss.cdp.send('Target.getTargets', { filter: [{ type: 'tab' }] });
  const url = page.url();
  const tab = targetInfos.find((t) => t.url === url);
  if (!tab) throw new Error(`no tab target for ${url}`);
  await gloss.cdp.send('Extensions.triggerAction', { id: gloss.extensionId, targetId: tab.targetId });
}

/** Whether `url` is the panel's page (panel.html, an extension page framed in the tab). */
const isPanelUrl = (url) => /^(chrome|moz)-extension:\/\/[^/]+\/panel\.html/.test(url);

/**
 * The panel's frame in `page`, or undefined. Page scripts cannot reach it (it is an extension
 * page inside a closed shadow root); the browser's automation can, as a frame.
 */
export function panelFrame(page) {
  return page.frames().find((f) => isPanelUrl(f.url()));
}

/**
 * Locators inside the panel's frame; `host` is its element in the page (the only part of the
 * panel the page's DOM holds). Call once the panel is open (waitForPanel).
 */
export function panel(page) {
  const frame = panelFrame(page);
  const root = frame ? frame.locator(':root') : page.locator('#gloss-extension-root gloss-frame-not-loaded-yet');
  const section = (name) => root.locator(`section[data-section="${name}"]`);
  return {
    frame,
    host: page.locator('#gloss-extension-root'),
    root,
    aside: root.locator('aside.panel'),
    tab: root.locator('button.tab'),
    original: section('original'),
    digest: section('digest'),
    translation: section('translation'),
  };
}

/** Resolves to the panel's frame once it has loaded panel.html. */
export async function frameOf(page, timeout) {
  return panelFrame(page) ?? page.waitForEvent('framenavigated', { predicate: (f) => isPanelUrl(f.url()), timeout });
}

let visits = 0;

/** A URL no other tab has had, so an action click finds this tab and no closed one. */
export function uniqueUrl(url) {
  visits += 1;
  return `${url}${url.includes('?') ? '&' : '?'}visit=${visits}`;
}

/** Opens `url` in a new tab, clicks Gloss, and returns the page with the panel's locators. */
export async function openWithGloss(gloss, url) {
  const page = await gloss.context.newPage();
  await page.goto(uniqueUrl(url));
  await clickAction(gloss, page);
  return { page, p: await waitForPanel(gloss, page) };
}

/**
 * Waits for the panel to show after one click; if it does not, fails saying what state the page
 * and worker are in. There is no second click: a click that does not open the panel is a failure.
 */
export async function waitForPanel(gloss, page) {
  let p = panel(page);
  try {
    await p.host.waitFor({ state: 'attached', timeout: 20_000 });
    await frameOf(page, 20_000);
    p = panel(page);
    await p.aside.waitFor({ state: 'visible', timeout: 20_000 });
  } catch (err) {
    const state = await page.evaluate(() => {
      const host = document.getElementById('gloss-extension-root');
      return { url: location.href, host: Boolean(host), size: host ? `${host.offsetWidth}x${host.offsetHeight}` : null };
    });
    const frames = page.frames().map((f) => f.url().slice(0, 60)).join(', ');
    const { targetInfos } = await gloss.cdp.send('Target.getTargets');
    const targets = targetInfos.map((t) => `${t.type}:${t.url.slice(0, 60)}`).join(', ');
    throw new Error(`panel not visible: ${JSON.stringify(state)}; frames: ${frames}; targets: ${targets}; worker log: ${gloss.logs.slice(-8).join(' | ')}`, { cause: err });
  }
  return p;
}

/** Resolves once no translation slot is pending or still streaming. */
export async function waitForTranslation(page, timeout = 30_000) {
  await (await frameOf(page, timeout)).waitForFunction(() => {
    const slots = [...document.querySelectorAll('section[data-section="translation"] [data-block]')];
    return slots.length > 0 && slots.every((s) => !s.classList.contains('pending') && !s.classList.contains('partial'));
  }, null, { timeout });
}
