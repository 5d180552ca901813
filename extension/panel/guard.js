// Spending (a request to the reader's provider) only from a real click on a panel in plain view.
// The frame is an extension page, so the page's scripts cannot click in it at all; what the page
// can still do is hide, restyle or cover the frame so that the reader clicks it unknowingly. So a
// spending click counts only when the panel has been visible and uncovered for a moment before it:
// IntersectionObserver v2 says so from inside (Chromium: it sees opacity, filters, transforms and
// anything painted over the frame), and the content script's check says so from the page's side.
import { OP } from './channel.js';
import { call } from './page.js';
import { errorText, panel, tab } from './view.js';

const { el } = globalThis.GlossRender;
const { CODE } = globalThis.GlossProtocol;

/** How long the panel must have been in plain view before the press that spends. */
const VISIBLE_FOR_MS = 500;
const hasV2 = typeof IntersectionObserverEntry !== 'undefined' && 'isVisible' in IntersectionObserverEntry.prototype;

/**
 * For the panel and for its collapsed tab (a held panel spends when the tab is clicked): when
 * IntersectionObserver v2 last saw it become fully visible, null while it is not. Visible from
 * its first laid-out moment, it counts as visible since before then (nothing could have covered
 * it earlier); once seen laid out but covered or restyled, the full wait applies.
 */
/** @type {Map<Element, {visibleSince: number | null, seenCovered: boolean}>} */
const watched = new Map([panel, tab].map((node) => [node, { visibleSince: null, seenCovered: false }]));
if (hasV2) {
  const observer = new IntersectionObserver((entries) => {
    for (const entry of /** @type {(IntersectionObserverEntry & { isVisible?: boolean })[]} */ (entries)) {
      const seen = watched.get(entry.target);
      if (!seen) continue;
      if (entry.isVisible) {
        seen.visibleSince ??= seen.seenCovered ? entry.time : -Infinity;
      } else {
        seen.visibleSince = null;
        if (entry.boundingClientRect.height > 0 && entry.intersectionRatio > 0) seen.seenCovered = true;
      }
    }
  }, /** @type {IntersectionObserverInit} */ ({ trackVisibility: true, delay: 100, threshold: [0, 1] }));
  for (const node of watched.keys()) observer.observe(node);
}

/** When the last press began (a click's pointerdown; a key's keydown). */
/** @type {number | null} */
let pressedAt = null;
addEventListener('pointerdown', (event) => { if (event.isTrusted) pressedAt = event.timeStamp; }, true);
addEventListener('keydown', (event) => { if (event.isTrusted) pressedAt = event.timeStamp; }, true);

/**
 * Why a press that began at `at` on `target` (the panel, or the collapsed tab) would not count,
 * or null when it does.
 */
async function obstructedAt(at, target = panel) {
  const visibleSince = watched.get(target)?.visibleSince ?? null;
  if (hasV2 && (visibleSince == null || at - visibleSince < VISIBLE_FOR_MS)) return 'covered';
  const seen = await call(OP.VERIFY).catch(() => ({ ok: false, reason: 'hidden' }));
  return seen.ok ? null : seen.reason || 'covered';
}

/** Why a spending click now would not count, or null when it does. */
async function refusal(event) {
  if (!event?.isTrusted) return 'untrusted';
  const target = event.currentTarget instanceof Node && tab.contains(event.currentTarget) ? tab : panel;
  return obstructedAt(pressedAt ?? event.timeStamp, target);
}

/**
 * Why a press now would be refused, or null once the panel has been in plain view for the quiet
 * period: what a test waits for before a real click that must count. It spends nothing and lives
 * in the extension's frame, which the page cannot script.
 */
Object.defineProperty(globalThis, 'GlossGuard', { value: Object.freeze({ refusalNow: () => obstructedAt(performance.now()) }) });

/**
 * A click handler that runs `spend()` only for a real click on a panel in plain view; otherwise
 * a note beside the button says why, nothing is sent, and the button stays for another click.
 * `refused()` runs then too (a select puts its old value back).
 * @param {() => void} spend
 * @param {() => void} [refused]
 */
export function spending(spend, refused) {
  let busy = false;
  return async (event) => {
    const button = event?.currentTarget;
    if (busy) return;
    busy = true;
    try {
      const why = await refusal(event);
      button?.parentElement?.querySelector(':scope > .refusal')?.remove();
      if (why) refused?.();
      if (why === 'untrusted') return;
      if (why) {
        button?.after(el('span', { class: 'refusal', role: 'alert', 'data-code': CODE.PANEL_COVERED, 'data-reason': why }, errorText(CODE.PANEL_COVERED)));
        return;
      }
      spend();
    } finally {
      busy = false;
    }
  };
}
