// A hostile page: after the reader opens Gloss on it, the page's own scripts (Playwright's
// `page.evaluate` runs in the page's main world) try to read the panel, drive it, restyle or
// cover it, and find the extension's address. None of it may work: nothing of the panel is
// readable, no request reaches the provider (the mock's request log) without the reader's real
// click on a panel in plain view, and no extension URL is found. The panel's chrome keeps the
// reader's UI direction on a right-to-left article. Firefox: tests/firefox-attacker.test.mjs.
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { clickAction, openWithGloss, panelFrame, setSettings, waitForPanel } from './harness.mjs';
import { arabicArticle, attackerPage, pageKnowledge } from './attacker-page.mjs';
import { glossSuite } from './suite.mjs';

const T = { timeout: 90_000 };
const HOST = '#gloss-extension-root';
/** How long the panel must be in plain view before a spending click counts (content/cover.js). */

let gloss, mock, site;
const world = glossSuite({ articles: { 'attacker.html': attackerPage(), 'arabic.html': arabicArticle() } });
beforeEach(() => ({ gloss, mock, site } = world));

const settings = (extra = {}) => ({
  schemaVersion: 2, provider: 'openai', apiKeys: { openai: 'test-key' }, model: 'gpt-4o-mini', baseUrl: `${mock.url}/v1`,
  digestLang: 'ja', translateLang: 'ja', confirmAboveWords: 100, ...extra,
});
const translations = () => mock.requests((e) => e.kind === 'translate');
const generations = () => mock.requests();

/** Opens the hostile page with Gloss; resolves once the digest is done and Translate waits for the reader. */
async function openAttacked() {
  await setSettings(gloss, settings());
  const { page, p } = await openWithGloss(gloss, `${site.url}/artifacts/attacker.html`);
  await p.digest.locator('.spend').waitFor({ timeout: 30_000 });
  await p.translation.locator('.confirm button').waitFor({ timeout: 30_000 });
  return { page, p, confirm: p.translation.locator('.confirm button') };
}

/** A real click (trusted input from the browser) at the centre of `locator`, on whatever is on top there. */
async function realClick(page, locator) {
  const box = await locator.boundingBox();
  assert.ok(box, 'the button has a box on screen');
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
}

/**
 * Waits until the panel's guard would take a press (`clear`) or refuse one (`!clear`): the quiet
 * period after an obstruction has ended, or the guard has seen the obstruction. Polls the guard's
 * own answer in the panel's frame, so a loaded machine only makes it slower.
 */
async function guardSays(p, clear, ms = 20_000) {
  const deadline = Date.now() + ms;
  let reason;
  while (Date.now() < deadline) {
    reason = await p.frame.evaluate(() => globalThis.GlossGuard.refusalNow());
    if ((reason === null) === clear) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`the guard still says ${reason} after ${ms} ms`);
}

/** Resolves to the panel's refusal beside `button` (its reason), or null when none came within `ms`. */
async function refusal(button, ms = 3_000) {
  const note = button.locator('xpath=following-sibling::*[@data-code="panel_covered"]');
  const shown = await note.waitFor({ timeout: ms }).then(() => true, () => false);
  if (!shown) return null;
  // The reader is told why nothing happened, in words.
  assert.match(await note.innerText(), /^Not sent: the page hid or covered Gloss/);
  return note.getAttribute('data-reason');
}

describe('a hostile page', () => {
  test('cannot read the panel: no shadow root, no text, no frame document', T, async () => {
    const { page, p } = await openAttacked();
    const keyPoint = (await p.digest.locator('ul.key-points li').first().innerText()).trim();
    const heading = (await p.digest.locator('button.toggle').innerText()).trim();
    const known = await page.evaluate(pageKnowledge);
    const host = await page.evaluate((sel) => {
      const node = document.querySelector(sel);
      return { shadowRoot: node.shadowRoot === null, children: node.childNodes.length, text: node.textContent };
    }, HOST);
    assert.deepEqual(host, { shadowRoot: true, children: 0, text: '' }, 'the host shows the page nothing');
    assert.ok(!known.includes(keyPoint.slice(0, 40)), 'the digest is nowhere the page can look');
    assert.ok(!known.includes(heading), 'nor is the panel\'s own text');
    assert.ok(!known.includes('Quick Digest') && !known.includes('Full Translation'));
    await page.close();
  });

  test('finds no extension URL: timings, style sheets, attributes, frames, mutations, error stacks', T, async () => {
    const { page } = await openAttacked();
    const known = await page.evaluate(pageKnowledge);
    assert.doesNotMatch(known, /chrome-extension:|moz-extension:|extension:\/\//i);
    assert.ok(!known.includes(gloss.extensionId), 'the extension id appears nowhere');
    assert.doesNotMatch(known, /panel\.(html|css)/);
    await page.close();
  });

  test('cannot click the panel: element clicks, synthetic mouse and key events, messages to its frame', T, async () => {
    const { page, p, confirm } = await openAttacked();
    const sentBefore = generations().length;
    await page.evaluate((sel) => {
      const host = document.querySelector(sel);
      const box = host.getBoundingClientRect();
      host.click();
      host.focus();
      for (let y = box.top + 2; y < box.bottom; y += 12) {
        for (let x = box.left + 2; x < box.right; x += 12) {
          const at = { bubbles: true, cancelable: true, composed: true, clientX: x, clientY: y, view: window };
          const target = document.elementFromPoint(x, y) ?? host;
          for (const type of ['pointerdown', 'mousedown', 'pointerup', 'mouseup', 'click']) {
            target.dispatchEvent(type.startsWith('pointer') ? new PointerEvent(type, at) : new MouseEvent(type, at));
          }
        }
      }
      for (const key of ['Tab', 'Enter', ' ', 'Enter']) {
        for (const type of ['keydown', 'keypress', 'keyup']) host.dispatchEvent(new KeyboardEvent(type, { key, bubbles: true, composed: true }));
      }
      // A port of the page's own, posted to every frame as if it were Gloss's content script.
      for (let i = 0; i < window.length; i++) {
        const channel = new MessageChannel();
        channel.port1.onmessage = (e) => __seen.errors.push(`answered: ${JSON.stringify(e.data)}`);
        frames[i].postMessage({ token: '', op: 'verify' }, '*', [channel.port2]);
        frames[i].postMessage({ type: 'confirm', section: 'translation' }, '*');
      }
    }, HOST);
    assert.equal(await confirm.isVisible(), true, 'the confirmation still waits for the reader');
    assert.equal(translations().length, 0, 'nothing was translated');
    assert.equal(generations().length, sentBefore, 'no request at all');
    assert.deepEqual(await page.evaluate(() => __seen.errors.filter((e) => e.startsWith('answered'))), [], 'the frame answers no one');
    assert.equal(await p.translation.locator('.refusal').count(), 0, 'untrusted events are ignored, not even refused');
    await page.close();
  });

  test('cannot make Gloss read again: a new address and new text, then clicks', T, async () => {
    const { page, p } = await openAttacked();
    const sentBefore = generations().length;
    for (let round = 0; round < 3; round++) {
      await page.evaluate((n) => {
        history.pushState({}, '', `/artifacts/attacker-${n}.html`);
        document.querySelector('article h1').textContent = `A New Story ${n}`;
      }, round);
      const offer = p.original.locator('.error[data-code="page_changed"] button');
      await offer.waitFor({ timeout: 5_000 });
      await page.evaluate((sel) => {
        const host = document.querySelector(sel);
        for (let i = 0; i < 20; i++) host.dispatchEvent(new MouseEvent('click', { bubbles: true, composed: true }));
        host.click();
      }, HOST);
    }
    assert.equal(generations().length, sentBefore, 'no request: only the reader can ask for the new article');
    await page.close();
  });

  test('restyled by the page, the panel refuses a real click and says why; in plain view again, it takes it', T, async () => {
    const { page, p, confirm } = await openAttacked();
    // The page's own `!important` rules on every element do not reach the host's inline ones.
    await page.evaluate(() => {
      const style = document.createElement('style');
      style.id = 'attack-all';
      style.textContent = '* { opacity: 0.02 !important; transform: scale(1.5) !important; filter: blur(4px) !important; visibility: visible !important; }';
      document.head.append(style);
    });
    assert.equal(await page.evaluate((sel) => getComputedStyle(document.querySelector(sel)).opacity, HOST), '1');
    const attacks = {
      'host opacity': (sel) => document.querySelector(sel).style.setProperty('opacity', '0.01', 'important'),
      'host transform': (sel) => document.querySelector(sel).style.setProperty('transform', 'scale(0.3)', 'important'),
      'host filter': (sel) => document.querySelector(sel).style.setProperty('filter', 'opacity(0.05)', 'important'),
      'html opacity': () => document.documentElement.style.setProperty('opacity', '0.05', 'important'),
      'html filter': () => document.documentElement.style.setProperty('filter', 'blur(8px)', 'important'),
    };
    for (const [name, attack] of Object.entries(attacks)) {
      await page.evaluate(() => document.querySelector('#attack-all')?.remove());
      await page.evaluate(attack, HOST);
      await realClick(page, confirm);
      assert.ok(await refusal(confirm), `${name}: the click is refused, and the panel says so`);
      assert.equal(translations().length, 0, `${name}: nothing is sent`);
      // Put back as Gloss set it.
      await page.evaluate((sel) => {
        const host = document.querySelector(sel);
        for (const prop of ['opacity', 'transform', 'filter']) host.style.setProperty(prop, prop === 'opacity' ? '1' : 'none', 'important');
        document.documentElement.style.removeProperty('opacity');
        document.documentElement.style.removeProperty('filter');
      }, HOST);
    }
    // The guard's quiet period, then a real click on a panel in plain view goes through.
    await guardSays(p, true);
    await realClick(page, confirm);
    await p.translation.locator('[data-block]:not(.pending)').first().waitFor({ timeout: 30_000 });
    assert.ok(translations().length > 0, 'the reader\'s own click is taken');
    await page.close();
  });

  test('covered by the page: an overlay below the top layer is no cover; one in it makes clicks refused', T, async () => {
    const { page, p, confirm } = await openAttacked();
    // At the highest z-index of the page, the overlay is still under Gloss's top-layer host.
    await page.evaluate(() => {
      for (const events of ['none', 'auto']) {
        const overlay = document.createElement('div');
        overlay.className = 'attack-overlay';
        overlay.style.cssText = `position: fixed; inset: 0; z-index: 2147483647; background: rgba(255,255,255,0.9); pointer-events: ${events}`;
        document.body.append(overlay);
      }
    });
    const onTop = await page.evaluate((sel) => {
      const box = document.querySelector(sel).getBoundingClientRect();
      return document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2) === document.querySelector(sel);
    }, HOST);
    assert.equal(onTop, true, 'the panel stays visible to the reader');
    await page.evaluate(() => document.querySelectorAll('.attack-overlay').forEach((o) => o.remove()));

    // A decoy in the top layer, shown after Gloss, that lets clicks through to the panel under it.
    const decoy = (events, hideOnBlur) => page.evaluate(([pe, blur]) => {
      const d = document.createElement('div');
      d.className = 'attack-decoy';
      d.popover = 'manual';
      d.textContent = 'Click here to win';
      d.style.cssText = `position: fixed; inset: 0; width: 100vw; height: 100vh; margin: 0; border: 0; background: rgba(250,250,250,0.97); pointer-events: ${pe}`;
      document.body.append(d);
      d.showPopover();
      if (blur) addEventListener('blur', () => d.remove(), { once: true });
    }, [events, hideOnBlur]);
    const clear = () => page.evaluate(() => document.querySelectorAll('.attack-decoy').forEach((d) => d.remove()));

    await decoy('none', false);
    await realClick(page, confirm);
    assert.ok(await refusal(confirm), 'a click through a decoy is refused');
    assert.equal(translations().length, 0);
    await clear();

    // The decoy goes the moment the reader presses (the page sees its window lose focus).
    await guardSays(p, true);
    await decoy('none', true);
    await guardSays(p, false);
    await realClick(page, confirm);
    assert.ok(await refusal(confirm), 'a decoy removed at the press still makes the click refused');
    assert.equal(translations().length, 0);
    await clear();

    // A decoy that takes the click itself: the panel never sees it.
    await decoy('auto', false);
    await realClick(page, confirm);
    assert.equal(translations().length, 0);
    await clear();

    await guardSays(p, true);
    await realClick(page, confirm);
    await p.translation.locator('[data-block]:not(.pending)').first().waitFor({ timeout: 30_000 });
    await page.close();
  });

  test('cannot reach the panel\'s frame, keep the panel after Close, or bring it back', T, async () => {
    const { page, p } = await openAttacked();
    // The frame sits in a closed shadow root: the page gets no window of it to post to or navigate.
    // (Were it navigated, content/frame.js would end the panel at the frame's second load.)
    const reached = await page.evaluate(() => {
      let n = 0;
      for (let i = 0; i < window.length; i++, n++) frames[i].location.href = `${location.origin}/artifacts/attacker.html?fake`;
      return n;
    });
    assert.equal(reached, 0, 'window.frames holds no panel frame');
    assert.match(p.frame.url(), /^chrome-extension:\/\/[^/]+\/panel\.html$/, 'the frame still shows the panel');
    await p.root.locator('button[aria-label="Close Gloss"]').click();
    await p.host.waitFor({ state: 'detached' });

    await clickAction(gloss, page);
    const again = await waitForPanel(gloss, page);
    assert.equal(await page.locator(HOST).count(), 1, 'one panel, whatever the page\'s element ids');
    await again.digest.locator('ul.key-points li').first().waitFor({ timeout: 30_000 });
    await again.root.locator('button[aria-label="Close Gloss"]').click();
    await again.host.waitFor({ state: 'detached' });
    const sentBefore = generations().length;
    await page.evaluate(() => {
      history.pushState({}, '', '/artifacts/attacker-after-close.html');
      document.querySelector('article h1').textContent = 'After Close';
    });
    // Long enough for any timer Gloss left behind (the address watch ran every second) to fire.
    await page.waitForTimeout(2_500);
    assert.equal(await page.locator(HOST).count(), 0, 'the panel stays closed');
    assert.equal(generations().length, sentBefore, 'and nothing is sent');
    await page.close();
  });
});

describe('the panel\'s own direction', () => {
  test('on an Arabic article the chrome keeps the reader\'s direction; only the article\'s text is right to left', T, async () => {
    await setSettings(gloss, settings({ confirmAboveWords: 100_000 }));
    const { page, p } = await openWithGloss(gloss, `${site.url}/artifacts/arabic.html`);
    await p.original.locator('dl.meta').waitFor({ timeout: 30_000 });
    const dirs = await p.frame.evaluate(() => ({
      page: getComputedStyle(document.documentElement).direction,
      header: getComputedStyle(document.querySelector('header.bar')).direction,
      label: getComputedStyle(document.querySelector('section[data-section="original"] .provenance')).direction,
      article: getComputedStyle(document.querySelector('.extracted')).direction,
    }));
    assert.deepEqual(dirs, { page: 'ltr', header: 'ltr', label: 'ltr', article: 'rtl' });
    assert.match(await p.original.locator('.provenance').innerText(), /\d+ words$/, 'the count reads as the reader reads');
    await page.close();
  });
});
