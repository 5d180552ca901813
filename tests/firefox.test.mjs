// End-to-end in Firefox ESR: the built dist/firefox, installed as a temporary add-on in headless
// Firefox driven by selenium-webdriver and geckodriver (both set up by .ci/setup.sh), against the
// same pages and mock LLM as the Chromium suite. WebDriver cannot reach the toolbar from a web
// page, so the toolbar is driven through Marionette's chrome context: a real click on Gloss's
// button, and a real Alt+Shift+G sent to the browser window. Both go through Firefox's own action
// handling, which grants activeTab exactly as it does for a reader.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { By, Key, Origin, until } from 'selenium-webdriver';
import firefox from 'selenium-webdriver/firefox.js';
import { attackerPage, pageKnowledge } from './attacker-page.mjs';
import { chromium } from 'playwright-core';
import { CHROMIUM, ROOT } from './harness.mjs';
import { longArticle } from './long-article.mjs';
import { printAll } from './pdf-fixtures.mjs';
import { startMockLlm } from './mock-llm.mjs';
import { startServer } from './server.mjs';

const EXTENSION = join(ROOT, 'extension', 'dist', 'firefox');
const FIREFOX = process.env.GLOSS_FIREFOX ?? '/usr/bin/firefox-esr';
/** The geckodriver .ci/setup.sh built: its version is read from there, the one place it is set. */
const GECKODRIVER = process.env.GLOSS_GECKODRIVER ?? join(
  process.env.GLOSS_TOOLS ?? join(homedir(), '.cache', 'gloss-tools'),
  `geckodriver-${/^GD_VERSION=(\S+)$/m.exec(readFileSync(join(ROOT, '.ci', 'setup.sh'), 'utf8'))?.[1]}`, 'bin', 'geckodriver');
const ADDON_ID = JSON.parse(readFileSync(join(EXTENSION, 'manifest.json'), 'utf8')).browser_specific_settings.gecko.id;
/** Firefox names the toolbar widget after the add-on id this way (makeWidgetId). */
const WIDGET = `${ADDON_ID.toLowerCase().replace(/[^a-z0-9_-]/g, '_')}-browser-action`;
/** Fixed through a pref so the test knows the moz-extension:// host before installing. */
const UUID = randomUUID();
const OPTIONS_URL = `moz-extension://${UUID}/options.html`;

const T = { timeout: 90_000 };
const WAIT = 45_000;
const SAMPLE = '/www/samples/lighthouse-keepers.html';

let driver, mock, site;

const openai = () => ({ provider: 'openai', apiKey: 'test-key', model: 'gpt-4o-mini', baseUrl: `${mock.url}/v1`, digestLang: 'ja', translateLang: 'ja' });

before(async () => {
  for (const [what, path] of [['Firefox ESR', FIREFOX], ['geckodriver', GECKODRIVER], ['the Firefox build', EXTENSION]]) {
    if (!existsSync(path)) throw new Error(`${what} is missing at ${path}: run \`npm test\` (it runs .ci/setup.sh and the build)`);
  }
  mock = await startMockLlm();
  const artifacts = join(ROOT, 'tests', 'artifacts');
  mkdirSync(artifacts, { recursive: true });
  writeFileSync(join(artifacts, 'attacker.html'), attackerPage());
  writeFileSync(join(artifacts, 'firefox-long.html'), longArticle(2_500, 7));
  site = await startServer({ '/www/': join(ROOT, 'www'), '/fixtures/': join(ROOT, 'tests', 'fixtures'), '/artifacts/': artifacts });
  const options = new firefox.Options()
    .setBinary(FIREFOX)
    .addArguments('-headless')
    .windowSize({ width: 1280, height: 900 })
    .setPreference('extensions.webextensions.uuids', JSON.stringify({ [ADDON_ID]: UUID }));
  // The chrome context (the browser's own UI) is closed to WebDriver unless geckodriver allows it.
  const service = new firefox.ServiceBuilder(GECKODRIVER).addArguments('--allow-system-access').build();
  driver = firefox.Driver.createSession(options, service);
  await driver.installAddon(EXTENSION, true);
  // MV3 buttons start in the Extensions menu; pin Gloss's to the toolbar as a reader would.
  await inChrome(() => driver.executeScript('CustomizableUI.addWidgetToArea(arguments[0], CustomizableUI.AREA_NAVBAR)', WIDGET));
  // Wait until the background page answers, so the first click finds its listeners.
  await extensionCall('return chrome.runtime.sendMessage({ type: "testConnection", settings: {} })');
});

after(async () => {
  await driver?.quit().catch(() => {});
  await site?.close();
  await mock?.close();
});

beforeEach(() => mock.reset());
/** When the last model request of the earlier tests was sent (the mock's log is emptied per test). */
let lastSentAt = 0;
afterEach(() => { lastSentAt = Math.max(lastSentAt, ...mock.requests().map((e) => e.at)); });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `fn` with WebDriver in the browser's chrome (its own UI), then returns to content. */
async function inChrome(fn) {
  await driver.setContext(firefox.Context.CHROME);
  try {
    return await fn();
  } finally {
    await driver.setContext(firefox.Context.CONTENT);
  }
}

/** Runs an async function body on the extension's options page (a privileged extension page). */
async function extensionCall(body, ...args) {
  if (await driver.getCurrentUrl() !== OPTIONS_URL) await openOptions();
  const result = await driver.executeAsyncScript(`const done = arguments[arguments.length - 1];
    (async (...args) => { ${body} })(...Array.from(arguments).slice(0, -1))
      .then((value) => done({ value }), (error) => done({ error: String(error) }));`, ...args);
  if (result.error) throw new Error(result.error);
  return result.value;
}

async function openOptions() {
  await driver.get(OPTIONS_URL);
  // The stored settings are in the form (typing before then would be overwritten by them).
  await driver.wait(until.elementLocated(By.css('#settings:not([aria-busy])')), WAIT);
}

/** Stores settings as the options page would; null clears them. */
async function setSettings(settings) {
  await extensionCall('return args[0] ? chrome.storage.local.set({ settings: args[0] }) : chrome.storage.local.clear()', settings);
}

/** Clicks Gloss's toolbar button for the selected tab. */
async function clickAction() {
  await inChrome(async () => {
    await driver.findElement(By.css(`#${WIDGET} .unified-extensions-item-action-button`)).click();
  });
}

/** Presses the extension's shortcut in the browser window (`_execute_action`). */
async function pressShortcut() {
  await inChrome(() => driver.actions().keyDown(Key.ALT).keyDown(Key.SHIFT).sendKeys('g').keyUp(Key.SHIFT).keyUp(Key.ALT).perform());
}

/** Accepts Firefox's "Gloss requests additional permissions" prompt, as the reader would. */
async function acceptPermissionPrompt() {
  await inChrome(async () => {
    const prompt = await driver.wait(until.elementLocated(By.id('addon-webext-permissions-notification')), WAIT);
    await driver.wait(until.elementIsVisible(prompt), WAIT);
    // A <moz-button>, which WebDriver's element click cannot scroll to: move the pointer there.
    const accept = await prompt.findElement(By.css('.popup-notification-primary-button'));
    await driver.actions().move({ origin: accept }).click().perform();
  });
}

/**
 * Clicks an options-page button that asks for the host of `base`, and grants it in Firefox's
 * prompt when it is not granted yet. Returns whether Firefox asked. (Firefox treats a host with a
 * port as not covered by the manifest's port-less `http://localhost/*`, so it asks for those too.)
 */
async function clickAndGrant(id, base) {
  const origin = `${new URL(base).origin}/*`;
  const granted = await extensionCall('return chrome.permissions.contains({ origins: [args[0]] })', origin);
  await driver.findElement(By.id(id)).click();
  if (!granted) await acceptPermissionPrompt();
  return !granted;
}

let visits = 0;
async function openPage(path) {
  visits += 1;
  await driver.get(`${site.url}${path}${path.includes('?') ? '&' : '?'}visit=${visits}`);
}

/**
 * Switches WebDriver into the panel's frame: panel.html, in an iframe inside the host's closed
 * shadow root (WebDriver's Get Element Shadow Root returns closed roots; page scripts cannot).
 * False when the page has no panel. `outOfPanel()` goes back to the page.
 */
async function intoPanel() {
  await driver.switchTo().defaultContent();
  const hosts = await driver.findElements(By.id('gloss-extension-root'));
  if (!hosts.length) return false;
  const frames = await (await hosts[0].getShadowRoot()).findElements(By.css('iframe'));
  if (!frames.length) return false;
  await driver.switchTo().frame(frames[0]);
  return true;
}
const outOfPanel = () => driver.switchTo().defaultContent();

/** Runs `script` in the panel's frame; null when there is no panel. */
async function inPanel(script, ...args) {
  try {
    if (!await intoPanel()) return null;
    return await driver.executeScript(script, ...args);
  } finally {
    await outOfPanel();
  }
}

/** What the panel shows, read from its frame in one go. */
const SNAPSHOT = `
  const root = document;
  if (!root.querySelector('aside.panel')) return null;
  const aside = root.querySelector('aside.panel');
  const texts = (scope, selector) => scope ? [...scope.querySelectorAll(selector)].map((n) => n.textContent) : [];
  const section = (name) => {
    const node = root.querySelector('section[data-section="' + name + '"]');
    return {
      hidden: !node || node.hidden,
      provenance: node?.querySelector('.provenance')?.textContent ?? '',
      status: node?.querySelector('.status')?.textContent ?? '',
      error: node?.querySelector('.error')?.dataset.code ?? null,
      meta: node?.querySelector('dl.meta')?.textContent ?? '',
      keyPoints: texts(node, 'ul.key-points li'),
      summary: texts(node, 'p.summary'),
      details: texts(node, 'ul.details li'),
      blocks: node ? [...node.querySelectorAll('[data-block]')].map((b) => ({
        text: b.textContent, code: b.classList.contains('code'),
        state: ['pending', 'partial', 'failed'].find((c) => b.classList.contains(c)) ?? 'done' })) : [],
    };
  };
  const refusal = root.querySelector('.refusal[data-code="panel_covered"]');
  return {
    shown: !!aside && !aside.hidden,
    confirm: !!root.querySelector('section[data-section="translation"] .confirm button'),
    refusal: refusal ? refusal.dataset.reason : null,
    display: aside ? getComputedStyle(aside).display : '',
    original: section('original'), digest: section('digest'), translation: section('translation'),
  };`;

/** Waits until `ready(snapshot)` holds and returns that snapshot. */
async function waitForPanel(ready, what) {
  let last = null;
  try {
    return await driver.wait(async () => {
      last = await inPanel(SNAPSHOT).catch(() => null);
      return last && ready(last) ? last : null;
    }, WAIT);
  } catch (error) {
    throw new Error(`timed out waiting for ${what}; the panel showed ${JSON.stringify(last)?.slice(0, 1500)}`, { cause: error });
  }
}

const digestDone = (s) => s.shown && s.digest.details.length >= 4;
const translationDone = (s) => s.translation.blocks.length > 0 && s.translation.blocks.every((b) => b.state === 'done');

test('Firefox reads the manifest without a warning', T, async () => {
  const warnings = await inChrome(() => driver.executeScript(
    'return Services.console.getMessageArray().map((m) => m.message).filter((m) => /Reading manifest/.test(m))'));
  assert.deepEqual(warnings, []);
});

describe('the panel in Firefox', () => {
  test('the toolbar button opens it; the digest and the translation come from the model', T, async () => {
    await setSettings(openai());
    await openPage(SAMPLE);
    await clickAction();
    const s = await waitForPanel((s) => digestDone(s) && translationDone(s), 'the digest and the translation');
    assert.match(s.original.meta, /The Last Lighthouse Keepers of the North Sea/);
    assert.equal(s.digest.provenance, 'openai · ja · gpt-4o-mini');
    assert.equal(s.digest.keyPoints.length, 3);
    assert.match(s.digest.details[0], /^Context: /);
    assert.equal(s.translation.provenance, 'en → openai · ja · gpt-4o-mini');
    const source = s.original.blocks;
    assert.equal(s.translation.blocks.length, source.length);
    // Prose comes back translated in its place; code is kept as it is and never sent.
    s.translation.blocks.forEach((b, i) => assert.equal(b.text, source[i].code ? source[i].text : `(ja) ${source[i].text}`, `block ${i + 1} is in its place`));
    assert.ok(source.some((b) => b.code), 'the sample has a code block');
    const sent = mock.requests((e) => e.kind === 'translate');
    assert.ok(sent.length > 0, 'the prose was sent for translation');
    assert.ok(sent.every((e) => !JSON.stringify(e.body).includes('voltage = read_sensor')), 'no code was sent');
    assert.equal(s.translation.error, null);
    assert.equal(mock.requests((e) => e.kind === 'digest').length, 1);
    mkdirSync(join(ROOT, 'tests', 'artifacts'), { recursive: true });
    writeFileSync(join(ROOT, 'tests', 'artifacts', 'panel-firefox.png'), await driver.takeScreenshot(), 'base64');
  });

  test('Alt+Shift+G opens it too; with no key the digest is the offline one', T, async () => {
    await setSettings(null);
    await openPage(SAMPLE);
    await pressShortcut();
    const s = await waitForPanel((s) => s.shown && s.digest.keyPoints.length > 0 && s.translation.error, 'the offline digest');
    assert.equal(s.digest.provenance, 'built-in · en · extractive');
    assert.equal(s.digest.keyPoints.length, 3);
    assert.equal(s.translation.error, 'missing_key');
    assert.equal(mock.log.length, 0, 'nothing was sent anywhere');
  });

  test('works on a page with a strict Content-Security-Policy', T, async () => {
    await setSettings(openai());
    await openPage(`${SAMPLE}?csp=strict`);
    await clickAction();
    const s = await waitForPanel((s) => s.shown && s.digest.keyPoints.length === 3, 'the digest on the strict page');
    assert.match(s.original.meta, /Lighthouse Keepers/);
    // The panel's frame loads, and is styled from the extension's stylesheet, despite the page's CSP.
    assert.equal(s.display, 'flex');
  });
});

describe('ask the article in Firefox', () => {
  test('a question typed in the box and sent with Enter is answered from the article, with its ¶ link', T, async () => {
    await setSettings({ ...openai(), digestLang: 'en' });
    await openPage(SAMPLE);
    await clickAction();
    await waitForPanel((s) => digestDone(s), 'the digest');
    const question = 'How many members does the Skarholm Light Society have?';
    // WebDriver's keys are the browser's own input: trusted, as a reader's are.
    try {
      assert.ok(await intoPanel(), 'the panel is open');
      const box = await driver.wait(until.elementLocated(By.css('section[data-section="qa"] textarea.question-box')), WAIT);
      await box.sendKeys(question, Key.ENTER);
    } finally {
      await outOfPanel();
    }
    const readTurn = `const turn = document.querySelector('section[data-section="qa"] .turn[data-turn="0"]');
      const ready = turn && document.querySelector('button.ask:not([disabled])') && turn.querySelector('.claim');
      return ready ? { question: turn.querySelector('.question').textContent,
        claims: [...turn.querySelectorAll('.claim')].map((c) => ({ text: c.textContent, source: c.nextElementSibling?.dataset.source ?? null })) } : null;`;
    let shown = null;
    await driver.wait(async () => (shown = await inPanel(readTurn).catch(() => null)), WAIT);
    assert.equal(shown.question, question);
    assert.match(shown.claims[0].text, /forty-two people who/);
    assert.ok(shown.claims[0].source, 'the claim carries its ¶');
    const cited = await inPanel('return document.querySelector(`section[data-section="original"] [data-block="${arguments[0]}"]`)?.textContent', shown.claims[0].source);
    assert.match(cited, /forty-two people/);
    const [sent] = mock.requests((e) => e.kind === 'qa');
    const user = sent.body.messages.at(-1).content;
    assert.ok(user.indexOf('</article>') < user.indexOf(`<question>\n${question}\n</question>`), 'the question is after the article');
  });
});

// Firefox stops an idle event page after 30 s (extensions.background.idle.timeout), as Chrome
// stops its worker; unlike Chromium under automation, it does so here. The core says a wait every
// 20 s, so the background is still there, with its timer, when the window has room.
describe('a wait in Firefox', () => {
  test('a minute under the requests-per-minute cap: the panel says it waits, and the third request goes at the minute', { timeout: 240_000 }, async () => {
    await setSettings({ ...openai(), requestsPerMinute: 2 });
    // The cap counts the earlier tests' requests too: start once they have left the window.
    if (lastSentAt) await sleep(Math.max(0, lastSentAt + 61_000 - Date.now()));
    const generations = () => mock.requests((e) => e.kind === 'digest' || e.kind === 'translate');
    await openPage('/artifacts/firefox-long.html');
    await clickAction();
    const waiting = (s) => /per-minute limit: \d+ s/.test(s.digest.status + s.translation.status);
    await waitForPanel((s) => s.shown && waiting(s), 'the panel saying it waits');
    assert.equal(generations().length, 2, 'the window is full');
    for (const end = Date.now() + 100_000; generations().length < 3 && Date.now() < end;) await sleep(250);
    const starts = generations().map((e) => e.at);
    assert.ok(starts.length >= 3, `a third request came (${starts.length})`);
    assert.ok(starts[2] - starts[0] >= 59_000, `no third within the minute (${starts[2] - starts[0]} ms)`);
    assert.ok(starts[2] - starts[0] < 75_000, `the third went when the window had room (${starts[2] - starts[0]} ms)`);
    const s = await inPanel(SNAPSHOT);
    assert.equal(s.original.error, null, 'the background was not stopped');
  });
});

describe('the options page in Firefox', () => {
  test('saves settings after the reader grants the custom host, and the background uses them', T, async () => {
    await setSettings(null);
    await openOptions();
    await driver.findElement(By.css('#provider option[value="anthropic"]')).click();
    await driver.findElement(By.id('apiKey')).sendKeys('test-key');
    await driver.findElement(By.id('baseUrl')).sendKeys(mock.url);
    await driver.findElement(By.css('#digestLang option[value="fr"]')).click();
    assert.equal(await clickAndGrant('save', mock.url), true, 'Firefox asked for the custom host');
    await driver.wait(until.elementLocated(By.css('#status.ok')), WAIT);
    const { settings } = await extensionCall('return chrome.storage.local.get("settings")');
    assert.equal(settings.provider, 'anthropic');
    assert.equal(settings.apiKeys.anthropic, 'test-key');
    assert.equal(settings.digestLang, 'fr');
    await openPage(SAMPLE);
    await clickAction();
    const s = await waitForPanel(digestDone, 'the digest from the saved settings');
    assert.match(s.digest.provenance, /^anthropic · fr · /);
    assert.equal(mock.requests((e) => e.kind === 'digest')[0].headers['x-api-key'], 'test-key');
  });

  test('Test connection reports OK with the model count, a bad key and an unreachable host', T, async () => {
    await openOptions();
    await driver.findElement(By.css('#provider option[value="openai"]')).click();
    const field = async (id, value) => {
      const input = await driver.findElement(By.id(id));
      await input.clear();
      await input.sendKeys(value);
    };
    await field('baseUrl', `${mock.url}/v1`);
    await field('apiKey', 'test-key');
    const status = await driver.findElement(By.id('status'));
    const expectStatus = async (kind, pattern) => {
      let shown = '';
      await driver.wait(async () => {
        shown = `${await status.getAttribute('class')}: ${await status.getText()}`;
        return shown.startsWith(`${kind}: `) && pattern.test(shown);
      }, WAIT).catch((error) => { throw new Error(`expected ${kind} ${pattern}, the status says "${shown}"`, { cause: error }); });
    };
    await clickAndGrant('test', mock.url);
    await expectStatus('ok', /Connection OK: 4 models/);
    await field('apiKey', 'wrong-key');
    await driver.findElement(By.id('test')).click();
    await expectStatus('error', /rejected the API key/);
    await field('baseUrl', 'http://localhost:9/v1');
    await clickAndGrant('test', 'http://localhost:9');
    await expectStatus('error', /Could not reach/);
  });
});

describe('a hostile page in Firefox', () => {
  const HOST = 'gloss-extension-root';
  /**
   * Waits until the panel's guard would take a press: the quiet period after an obstruction
   * (content/cover.js) has ended. Asks the guard itself in the panel's frame.
   */
  async function guardClear(ms = 20_000) {
    const deadline = Date.now() + ms;
    let reason;
    while (Date.now() < deadline) {
      reason = await inPanel('return globalThis.GlossGuard.refusalNow()');
      if (reason === null) return;
      await driver.sleep(50);
    }
    assert.fail(`the guard still says ${reason} after ${ms} ms`);
  }
  const settings = () => ({
    schemaVersion: 2, provider: 'openai', apiKeys: { openai: 'test-key' }, model: 'gpt-4o-mini', baseUrl: `${mock.url}/v1`,
    digestLang: 'ja', translateLang: 'ja', confirmAboveWords: 100,
  });
  const translations = () => mock.requests((e) => e.kind === 'translate');
  /** Runs `fn(arg)` in the page's own scripts' world (WebDriver's executeScript runs there). */
  const asPage = (fn, arg) => driver.executeScript(`return (${fn})(arguments[0])`, arg);

  async function openAttacked() {
    await setSettings(settings());
    await openPage('/artifacts/attacker.html');
    await clickAction();
    return waitForPanel((s) => s.shown && s.digest.keyPoints.length > 0 && s.confirm, 'the digest and the confirmation');
  }

  /** A real click (WebDriver input at the top level, hit-tested there) on the confirmation's button. */
  async function clickConfirm() {
    const inner = await inPanel(`const r = document.querySelector('section[data-section="translation"] .confirm button').getBoundingClientRect();
      return { x: r.left + r.width / 2, y: r.top + r.height / 2 };`);
    const host = await asPage((id) => { const r = document.getElementById(id).getBoundingClientRect(); return { x: r.left, y: r.top }; }, HOST);
    await driver.actions().move({ origin: Origin.VIEWPORT, x: Math.round(host.x + inner.x), y: Math.round(host.y + inner.y) }).click().perform();
  }

  /** The refusal's reason once the panel shows one, or null when it shows none within a while. */
  async function refusalShown() {
    const s = await waitForPanel((s) => s.refusal || translations().length > 0, 'a refusal or a translation').catch(() => null);
    return s?.refusal ?? null;
  }

  test('cannot read the panel, find any extension URL, or make it read a new address', T, async () => {
    const s = await openAttacked();
    const known = await asPage(pageKnowledge);
    assert.ok(!known.includes(s.digest.keyPoints[0].slice(0, 40)), 'the digest is nowhere the page can look');
    assert.ok(!known.includes('Quick Digest'), 'nor is the panel\'s own text');
    assert.doesNotMatch(known, /moz-extension:|chrome-extension:/i);
    assert.ok(!known.includes(UUID), 'the per-install UUID appears nowhere');
    assert.equal(await asPage((id) => document.getElementById(id).shadowRoot, HOST), null, 'the root is closed');
    assert.equal(await asPage(() => window.length), 0, 'window.frames holds no panel frame');
    // A new address and new text, then clicks from the page: Gloss offers to read it, and waits for the reader.
    const sent = mock.requests().length;
    await asPage(() => {
      history.pushState({}, '', '/artifacts/attacker-next.html');
      document.querySelector('article h1').textContent = 'A New Story';
    });
    await waitForPanel((s) => s.original.error === 'page_changed', 'the offer to read the new article');
    await asPage((id) => { for (let i = 0; i < 20; i++) document.getElementById(id).dispatchEvent(new MouseEvent('click', { bubbles: true, composed: true })); }, HOST);
    assert.equal(mock.requests().length, sent, 'no request: only the reader can ask for the new article');
  });

  test('cannot click it; restyled or covered, a real click is refused and says why; in plain view, it is taken', T, async () => {
    await openAttacked();
    await asPage((id) => {
      const host = document.getElementById(id);
      const box = host.getBoundingClientRect();
      host.click();
      for (let y = box.top + 2; y < box.bottom; y += 16) {
        for (let x = box.left + 2; x < box.right; x += 16) {
          for (const type of ['pointerdown', 'mousedown', 'pointerup', 'mouseup', 'click']) {
            host.dispatchEvent(new MouseEvent(type, { bubbles: true, composed: true, clientX: x, clientY: y }));
          }
        }
      }
      for (const key of ['Tab', 'Enter', ' ']) host.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, composed: true }));
    }, HOST);
    assert.equal(translations().length, 0, 'synthetic events do nothing');

    await asPage((id) => document.getElementById(id).style.setProperty('opacity', '0.01', 'important'), HOST);
    await clickConfirm();
    assert.equal(await refusalShown(), 'restyled', 'a click on a see-through panel is refused, and the panel says so');
    assert.equal(translations().length, 0);
    await asPage((id) => document.getElementById(id).style.setProperty('opacity', '1', 'important'), HOST);
    await guardClear();

    await asPage(() => {
      const d = document.createElement('div');
      d.className = 'attack-decoy';
      d.popover = 'manual';
      d.textContent = 'Click here to win';
      d.style.cssText = 'position: fixed; inset: 0; width: 100vw; height: 100vh; margin: 0; border: 0; background: rgb(250,250,250); pointer-events: none';
      document.body.append(d);
      d.showPopover();
    });
    await inPanel('document.querySelector(".refusal")?.remove()');
    await clickConfirm();
    assert.equal(await refusalShown(), 'covered', 'a click through a decoy in the top layer is refused');
    assert.equal(translations().length, 0);
    await asPage(() => document.querySelectorAll('.attack-decoy').forEach((d) => d.remove()));

    // The guard's quiet period, then the reader's own click on a panel in plain view is taken.
    await guardClear();
    await clickConfirm();
    await waitForPanel((s) => s.translation.blocks.some((b) => b.state === 'done'), 'the translation after a real click');
    assert.ok(translations().length > 0);
  });
});

describe('the glossary in Firefox', () => {
  test('typed in Options, it goes with the chunks that hold its terms; a dropped rendering is marked; a bad import keeps it', T, async () => {
    await setSettings({ ...openai(), chunkTokens: 100 });
    await openOptions();
    await driver.wait(until.elementLocated(By.css('#settings:not([aria-busy])')), WAIT);
    const editor = await driver.findElement(By.id('glossaryText'));
    await editor.clear();
    await editor.sendKeys('term,rendering\nmaritime authority,海事当局\nSkarholm,\n');
    await clickAndGrant('save', `${mock.url}/v1`);
    await driver.wait(until.elementLocated(By.css('#status.ok')), WAIT);
    const stored = async () => (await extensionCall('return chrome.storage.local.get("glossary")')).glossary.languages.ja;
    const terms = [{ term: 'maritime authority', rendering: '海事当局' }, { term: 'Skarholm', rendering: '' }];
    assert.deepEqual(await stored(), terms);

    // An import with a bad row names its line and changes nothing.
    const bad = join(ROOT, 'tests', 'artifacts', 'glossary-bad.csv');
    writeFileSync(bad, 'term,rendering\nlens,レンズ\nfog signal,"霧信号\n');
    await driver.findElement(By.id('glossaryFile')).sendKeys(bad);
    const status = await driver.wait(until.elementLocated(By.css('#glossaryStatus.error')), WAIT);
    assert.equal(await status.getText(), 'Nothing was imported, and the glossary is as it was: line 3: a quote is opened and never closed');
    assert.equal(await editor.getAttribute('value'), 'term,rendering\nmaritime authority,海事当局\nSkarholm,\n');
    assert.deepEqual(await stored(), terms);

    mock.setDefault({ dropTerms: ['maritime authority'] });
    await openPage(SAMPLE);
    await clickAction();
    await waitForPanel(translationDone, 'the translation with the glossary');
    const sent = mock.requests((e) => e.kind === 'translate');
    const blocks = (e) => e.body.messages.at(-1).content.match(/^\[\[\d+\]\] .*$/gm).join('\n');
    for (const e of sent) {
      const want = ['maritime authority', 'Skarholm'].filter((t) => blocks(e).includes(t)).sort();
      assert.deepEqual((e.glossary ?? []).map((t) => t.term).sort(), want, blocks(e).slice(0, 200));
    }
    assert.ok(sent.some((e) => !e.glossary?.length) && sent.some((e) => e.glossary?.length), 'chunks with terms and chunks without');
    const marks = await inPanel(`
      const slots = [...document.querySelectorAll('section[data-section="translation"] [data-block]')];
      const source = (id) => document.querySelector('section[data-section="original"] [data-block="' + id + '"]').textContent;
      return slots.map((s) => ({ named: source(s.dataset.block).includes('maritime authority'), marked: s.classList.contains('glossary-missed'),
        note: s.getAttribute('aria-describedby') ? document.getElementById(s.getAttribute('aria-describedby')).textContent : null }));`);
    assert.ok(marks.filter((m) => m.named).length >= 2);
    assert.deepEqual(marks.map((m) => m.marked), marks.map((m) => m.named), 'exactly the blocks with the dropped term are marked');
    for (const m of marks.filter((x) => x.named)) assert.equal(m.note, 'Glossary not followed: “maritime authority” should be “海事当局”');
  });
});

describe('a PDF in Firefox', () => {
  before(async () => {
    // The PDFs are printed by Chromium from tests/fixtures/pdf (tests/pdf-fixtures.mjs).
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const dir = join(ROOT, 'tests', 'artifacts', 'pdf');
      mkdirSync(dir, { recursive: true });
      for (const [name, bytes] of await printAll(browser)) writeFileSync(join(dir, `${name}.pdf`), bytes);
    } finally {
      await browser.close();
    }
  });

  /** Into the panel's frame in Gloss's reader page. */
  async function intoReaderPanel() {
    await driver.switchTo().defaultContent();
    const frames = await driver.findElements(By.css('iframe.panel'));
    if (!frames.length) return false;
    await driver.switchTo().frame(frames[0]);
    return true;
  }

  /** Waits until the reader page's panel shows what `ready` wants; returns that snapshot. */
  async function waitForReaderPanel(ready, what) {
    let last = null;
    try {
      return await driver.wait(async () => {
        try {
          if (!await intoReaderPanel()) return null;
          last = await driver.executeScript(SNAPSHOT);
        } catch {
          return null;
        } finally {
          await driver.switchTo().defaultContent();
      console.log(await inChrome(() => driver.executeScript(`const s = Cc["@mozilla.org/consoleAPI-storage;1"].getService(Ci.nsIConsoleAPIStorage);
        return s.getEvents().map((e) => e.level + ' ' + (e.arguments || []).map(String).join(' ')).filter((m) => /Gloss|panic|rror/.test(m)).slice(-15)`)));
        }
        return last && ready(last) ? last : null;
      }, WAIT);
    } catch (error) {
      throw new Error(`timed out waiting for ${what}; the panel showed ${JSON.stringify(last)?.slice(0, 1500)}`, { cause: error });
    }
  }

  /**
   * Opens the PDF `name` in Firefox's own viewer and clicks Gloss; resolves once the reader page
   * is in the tab. The first time, Gloss may not fetch from the test server yet: the panel asks,
   * the test clicks its button and accepts Firefox's prompt, as a reader would, and the reader
   * page reads the PDF again.
   */
  async function openPdf(name) {
    const origin = `http://${new URL(site.url).hostname}/*`;
    const granted = await extensionCall('return chrome.permissions.contains({ origins: [args[0]] })', origin);
    await openPage(`/artifacts/pdf/${name}.pdf`);
    const pdf = await driver.getCurrentUrl();
    await clickAction();
    await driver.wait(async () => (await driver.getCurrentUrl()).startsWith(`moz-extension://${UUID}/reader.html?src=`), WAIT);
    assert.equal(new URL(await driver.getCurrentUrl()).searchParams.get('src'), pdf);
    if (granted) return false;
    await waitForReaderPanel((s) => s.original.error === 'pdf_not_granted', 'the request for the host');
    await intoReaderPanel();
    await driver.findElement(By.css('section[data-section="original"] .error button')).click();
    await driver.switchTo().defaultContent();
    await acceptPermissionPrompt();
    return true;
  }

  test('the toolbar button opens the reader page; two columns in order, digested and translated', T, async () => {
    await setSettings(openai());
    await openPdf('two-column');
    const s = await waitForReaderPanel((s) => digestDone(s) && translationDone(s), 'the digest and translation of the PDF');
    const blocks = await driver.findElements(By.css('main .block'));
    const texts = await Promise.all(blocks.map((b) => b.getText()));
    const order = ['Alpha', 'Bravo', 'Charlie', 'Delta', 'Echo', 'Foxtrot', 'Golf', 'Hotel'].map((w) => texts.findIndex((t) => t.startsWith(`${w} paragraph.`)));
    assert.ok(order.every((i) => i >= 0), `every paragraph is a block: ${JSON.stringify(texts)}`);
    assert.deepEqual([...order].sort((a, b) => a - b), order, 'the left column is read before the right one');
    assert.equal(s.digest.keyPoints.length, 3);
    assert.equal(s.translation.blocks.length, texts.length);
    assert.ok(s.translation.blocks.some((b) => b.text.startsWith('(ja) Alpha paragraph.')));
    const sent = mock.requests((e) => e.kind === 'translate').map((e) => JSON.stringify(e.body)).join('');
    assert.match(sent, /Hotel paragraph\. Even so, the network keeps growing\./, 'the PDF\'s text reached the model');
  });

  test('a scanned PDF and a broken one say so', T, async () => {
    await openPdf('scanned');
    await waitForReaderPanel((s) => s.original.error === 'pdf_no_text', 'the scan\'s message');
    await openPdf('broken');
    await waitForReaderPanel((s) => s.original.error === 'pdf_unreadable', 'the broken PDF\'s message');
  });
});
