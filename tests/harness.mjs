// Drives real headless Chromium with the unpacked Gloss build loaded, the way a reader uses it:
// a real toolbar-action click (CDP Extensions.triggerAction), then the panel in the page.
import { mkdtempSync, rmSync } from 'node:fs';
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

/** Launches Chromium with the extension; resolves once its service worker runs. */
export async function launch({ headless = true, extension = EXTENSION } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'gloss-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless,
    viewport: { width: 1280, height: 900 },
    ignoreDefaultArgs: ['--disable-extensions'],
    args: [`--disable-extensions-except=${extension}`, `--load-extension=${extension}`, ...QUIET],
  });
  const worker = context.serviceWorkers()[0] ?? await context.waitForEvent('serviceworker');
  /** The worker's console, for diagnosing a failed test. */
  const logs = [];
  const listen = (w) => w.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
  listen(worker);
  context.on('serviceworker', listen);
  const extensionId = new URL(worker.url()).host;
  const cdp = await context.browser().newBrowserCDPSession();
  return {
    context, worker, extensionId, cdp, logs,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Stores settings as the options page would. */
export async function setSettings(gloss, settings) {
  await gloss.worker.evaluate(async (s) => {
    if (s) await chrome.storage.local.set({ settings: s });
    else await chrome.storage.local.clear();
  }, settings);
}

/** Clicks the Gloss toolbar button for the tab showing `page`. */
export async function clickAction(gloss, page) {
  const { targetInfos } = await gloss.cdp.send('Target.getTargets', { filter: [{ type: 'tab' }] });
  const url = page.url();
  const tab = targetInfos.find((t) => t.url === url);
  if (!tab) throw new Error(`no tab target for ${url}`);
  await gloss.cdp.send('Extensions.triggerAction', { id: gloss.extensionId, targetId: tab.targetId });
}

/** Locators inside the panel's shadow root (Playwright pierces open shadow roots). */
export function panel(page) {
  const root = page.locator('#gloss-extension-root');
  const section = (name) => root.locator(`section[data-section="${name}"]`);
  return {
    root,
    aside: root.locator('aside.panel'),
    tab: root.locator('button.tab'),
    original: section('original'),
    digest: section('digest'),
    translation: section('translation'),
  };
}
