// Accessibility: axe-core over the panel (in its frame, panel.html) and the options page, in light
// and dark colour schemes, and the panel driven by keyboard alone. No serious or critical
// violation may remain; every violation found is printed, whatever its impact.
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, openWithGloss as open, panelFrame, setSettings, waitForTranslation } from './harness.mjs';
import { glossSuite } from './suite.mjs';

const T = { timeout: 60_000 };
const SAMPLE = '/www/samples/lighthouse-keepers.html';
const AXE_PATH = join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');
const AXE_SOURCE = readFileSync(AXE_PATH, 'utf8');
const HOST = '#gloss-extension-root';
/** Impacts that fail the run (issue 5: "no serious or critical violations"). */
const BLOCKING = new Set(['serious', 'critical']);

let gloss, mock, site;

const openai = () => ({ provider: 'openai', apiKey: 'test-key', model: 'gpt-4o-mini', baseUrl: `${mock.url}/v1`, digestLang: 'ja', translateLang: 'ja' });

const world = glossSuite();
// Root-level `before` hooks are not run one after another: take the suite's world per test.
beforeEach(() => ({ gloss, mock, site } = world));

/**
 * Runs axe in `page` (a page, or the panel's frame) over `context` (axe's context object; the
 * whole document when null) and returns the violations and, to show what was looked at, the
 * targets of the passing checks.
 *
 * (For pages that hold a host of the panel:) axe lays out its colour-contrast grid from `document.body` down, and content.js appends the
 * panel's host to <html>, beside <body>, so axe finds no background for any text in the panel
 * and reports every colour check as "incomplete". For that one rule the host is moved to the end
 * of <body> (it is `all: initial` and fixed, so it renders the same there), then put back.
 */
async function axe(page, context = null) {
  if (!await page.evaluate(() => typeof window.axe === 'object')) {
    // Evaluated through the DevTools protocol, which the extension pages' CSP does not govern
    // (a <script> tag would be refused there); the sample page takes it the same way.
    await page.evaluate(AXE_SOURCE);
  }
  return page.evaluate(async ({ ctx, host }) => {
    const panelHost = document.querySelector(host);
    const outsideBody = panelHost && panelHost.parentNode !== document.body;
    const summary = (result) => ({
      violations: result.violations.map((r) => ({
        id: r.id, impact: r.impact, help: r.help,
        nodes: r.nodes.map((n) => ({ target: n.target, html: n.html, summary: n.failureSummary })),
      })),
      passes: result.passes.map((r) => ({ id: r.id, targets: r.nodes.map((n) => n.target) })),
      incomplete: result.incomplete.map((r) => ({ id: r.id, targets: r.nodes.map((n) => n.target) })),
    });
    /** A moved host reloads the panel's stylesheet: wait until the panel is laid out again. */
    const restyled = async () => {
      const aside = panelHost.shadowRoot.querySelector('aside');
      for (let waited = 0; getComputedStyle(aside).position !== 'fixed'; waited += 20) {
        if (waited > 5_000) throw new Error('the panel lost its stylesheet');
        await new Promise((ok) => setTimeout(ok, 20));
      }
    };
    const all = summary(await window.axe.run(ctx ?? document, outsideBody ? { rules: { 'color-contrast': { enabled: false } } } : {}));
    if (outsideBody) {
      const parent = panelHost.parentNode;
      const next = panelHost.nextSibling;
      document.body.append(panelHost);
      try {
        await restyled();
        const colour = summary(await window.axe.run(ctx ?? document, { runOnly: { type: 'rule', values: ['color-contrast'] } }));
        for (const kind of ['violations', 'passes', 'incomplete']) all[kind].push(...colour[kind]);
      } finally {
        parent.insertBefore(panelHost, next);
        await restyled();
      }
    }
    return all;
  }, { ctx: context, host: HOST });
}

/** Prints every violation, then fails on the serious and critical ones. */
function assertNoBlocking(label, { violations }) {
  for (const v of violations) {
    console.log(`axe ${label}: [${v.impact}] ${v.id}: ${v.help}`);
    for (const n of v.nodes) console.log(`  ${JSON.stringify(n.target)} ${n.html.slice(0, 160)}\n    ${(n.summary ?? '').replaceAll('\n', '\n    ')}`);
  }
  const blocking = violations.filter((v) => BLOCKING.has(v.impact));
  assert.deepEqual(blocking.map((v) => `${v.id} (${v.impact}, ${v.nodes.length} nodes)`), [], `${label}: no serious or critical axe violations`);
}

/** Targets of the passing checks, as `rule target` lines: what axe looked at in the panel's frame. */
const checked = ({ passes }) => passes.flatMap((r) => r.targets.map((t) => `${r.id} ${t.flat().join(' >> ')}`));

/** Opens the sample with the mock model and waits until digest and translation have ended. */
async function completedPanel() {
  await setSettings(gloss, openai());
  const { page, p } = await open(gloss, site.url + SAMPLE);
  await p.digest.locator('.spend').waitFor({ timeout: 30_000 });
  await waitForTranslation(page);
  await p.translation.locator('.spend').waitFor({ timeout: 30_000 });
  return { page, p };
}

/**
 * What has focus: in the panel's frame when that document has focus (the frame is another process,
 * and its own view is the one that counts), else in the page.
 */
const focused = async (page) => {
  const inPanel = await panelFrame(page)?.evaluate(() => document.hasFocus()) ?? false;
  return (inPanel ? panelFrame(page) : page).evaluate(describeFocus, inPanel);
};
const describeFocus = (inPanel) => {
  const node = document.activeElement;
  if (!node || node === document.body) return null;
  const section = node.closest?.('section[data-section]')?.dataset.section ?? null;
  return {
    inPanel,
    tag: node.tagName.toLowerCase(),
    cls: node.className || '',
    label: node.getAttribute('aria-label') ?? node.textContent.trim().slice(0, 40),
    section,
    expanded: node.getAttribute('aria-expanded'),
  };
};

describe('axe-core on the panel', () => {
  test('a completed digest and translation, light scheme', T, async () => {
    const { page, p } = await completedPanel();
    const result = await axe(p.frame);
    const looked = checked(result);
    assert.ok(looked.some((t) => t.includes('button')), `axe looked at the panel's buttons: ${looked.slice(0, 5).join(', ')}`);
    assert.ok(looked.some((t) => t.startsWith('color-contrast')), 'colour contrast was checked in the panel');
    assertNoBlocking('panel (light)', result);
    await page.close();
  });

  test('a completed digest and translation, dark scheme', T, async () => {
    const { page, p } = await completedPanel();
    await page.emulateMedia({ colorScheme: 'dark' });
    const result = await axe(p.frame);
    assert.ok(checked(result).some((t) => t.startsWith('color-contrast')), 'colour contrast was checked in the panel');
    assertNoBlocking('panel (dark)', result);
    await page.close();
  });

  test('an error with its actions (rejected key)', T, async () => {
    await setSettings(gloss, { ...openai(), apiKey: 'wrong-key' });
    const { page, p } = await open(gloss, site.url + SAMPLE);
    await p.digest.locator('.error').waitFor();
    await p.translation.locator('.status .note, .status .error').first().waitFor();
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      assertNoBlocking(`panel error (${scheme})`, await axe(p.frame));
    }
    await page.close();
  });
});

describe('axe-core on the options page', () => {
  async function openOptions(scheme) {
    const page = await gloss.context.newPage();
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(`chrome-extension://${gloss.extensionId}/options.html`);
    // The stored settings are in the form (typing before then would be overwritten by them).
    await page.locator('#settings:not([aria-busy])').waitFor();
    return page;
  }

  for (const scheme of ['light', 'dark']) {
    test(`as first opened, then with a provider and a failed test, ${scheme} scheme`, T, async () => {
      const page = await openOptions(scheme);
      const first = await axe(page);
      assert.ok(first.passes.some((r) => r.id === 'label' && r.targets.length >= 5), 'axe checked the form fields');
      // Text on a background axe cannot see (the browser's own dark canvas) comes back "incomplete".
      assert.deepEqual(first.incomplete.filter((r) => r.id === 'color-contrast').flatMap((r) => r.targets), [], 'every text colour was checked');
      assertNoBlocking(`options (${scheme})`, first);
      await page.selectOption('#provider', 'openai');
      await page.fill('#baseUrl', `${mock.url}/v1`);
      await page.fill('#apiKey', 'wrong-key');
      await page.click('#test');
      await page.locator('#status.error').waitFor();
      assertNoBlocking(`options with an error (${scheme})`, await axe(page));
      await page.fill('#apiKey', 'test-key');
      await page.click('#test');
      await page.locator('#status.ok').waitFor();
      assertNoBlocking(`options with a success (${scheme})`, await axe(page));
      await page.close();
    });

    test(`with a settings notice, the model table and fields in error, ${scheme} scheme`, T, async () => {
      await setSettings(gloss, { schemaVersion: 2, concurrency: 'lots', provider: 'nope' });
      const page = await openOptions(scheme);
      await page.locator('#notice li').first().waitFor();
      await page.click('#addModelRow');
      const row = page.locator('#modelRows tbody tr').last();
      await row.locator('input[data-field="model"]').fill('my-model');
      await row.locator('input[data-field="contextTokens"]').fill('lots');
      await page.click('#addModelRow');
      await page.locator('#builtinRows').evaluate((table) => { table.closest('details').open = true; });
      await page.click('#save');
      await page.locator('.field-error:not(:empty)').first().waitFor();
      const result = await axe(page);
      const rowInputs = await page.locator('#modelRows input').count();
      const labelled = result.passes.find((r) => r.id === 'label')?.targets.length ?? 0;
      const inputs = await page.locator('#settings input').count();
      assert.ok(rowInputs === 8 && labelled >= inputs, `axe checked every input, the table's ${rowInputs} too (${labelled} of ${inputs})`);
      assertNoBlocking(`options with a notice and errors (${scheme})`, result);
      await page.close();
    });
  }
});

describe('the panel by keyboard', () => {
  test('Tab reaches the panel buttons and section toggles; Enter and Space fold a section', T, async () => {
    const { page, p } = await completedPanel();
    // From the top of the page, Tab through the article's links into the panel.
    await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
    const seen = [];
    for (let i = 0; i < 80; i++) {
      await page.keyboard.press('Tab');
      const f = await focused(page);
      if (f?.inPanel) seen.push(f);
      else if (seen.length) break; // left the panel again
    }
    const names = seen.map((f) => (f.cls.includes('toggle') ? `toggle:${f.section}` : f.label));
    const order = ['Collapse Gloss', 'Close Gloss', 'toggle:original', 'toggle:digest', 'toggle:qa', 'Your question about the article', 'toggle:translation'];
    const positions = order.map((name) => names.indexOf(name));
    assert.ok(positions.every((at) => at >= 0), `Tab reaches ${order.join(', ')}; it reached ${names.join(', ')}`);
    assert.deepEqual([...positions].sort((a, b) => a - b), positions, `in reading order: ${names.join(', ')}`);

    // Every stop in the panel is a real control with a name.
    for (const f of seen) {
      assert.ok(['button', 'a', 'summary', 'select', 'input', 'textarea'].includes(f.tag), `a control has focus, not a ${f.tag}`);
      assert.ok(f.label, `the ${f.tag}.${f.cls} that has focus has a name`);
    }

    // Enter on a section toggle folds it, Space unfolds it.
    const toggle = p.digest.locator('button.toggle');
    await toggle.focus();
    await page.keyboard.press('Enter');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    assert.equal(await p.digest.locator('.content').isVisible(), false);
    await page.keyboard.press('Space');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    assert.equal(await p.digest.locator('.content').isVisible(), true);
    await page.keyboard.press('Space');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    assert.equal((await focused(page))?.section, 'digest', 'focus stays on the toggle');

    // Collapse by keyboard: focus moves to the tab, and Enter there brings the panel back.
    await p.root.locator('button[aria-label="Collapse Gloss"]').focus();
    await page.keyboard.press('Enter');
    assert.equal(await p.aside.isVisible(), false);
    assert.equal((await focused(page))?.cls, 'tab', 'focus moves to the tab that re-opens the panel');
    await page.keyboard.press('Enter');
    assert.equal(await p.aside.isVisible(), true);
    await page.close();
  });
});
