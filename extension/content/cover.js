// Whether the page hides, restyles or covers the panel's frame, seen from the page's side. The
// frame refuses a spending click unless this says the panel has been in plain view for a while:
// in Chromium it also asks IntersectionObserver v2 from inside, which sees every effect; Firefox
// has no v2, so this is the whole check there.

/** How long the panel must have been in plain view before a click that spends counts. */
export const CLEAN_FOR_MS = 600;
/** How often the page side looks (only while the panel is open). */
const EVERY_MS = 150;

/** Computed values the host (and <html> above it) must have, whatever the page's styles say. */
const EXPECTED = {
  display: (v) => v !== 'none' && v !== 'contents',
  visibility: (v) => v === 'visible',
  opacity: (v) => Number(v) === 1,
  filter: (v) => v === 'none',
  transform: (v) => v === 'none',
  translate: (v) => v === 'none',
  scale: (v) => v === 'none',
  rotate: (v) => v === 'none',
  clipPath: (v) => v === 'none',
  maskImage: (v) => v === 'none',
  mixBlendMode: (v) => v === 'normal',
  contentVisibility: (v) => v == null || v === '' || v === 'visible',
  zoom: (v) => v == null || v === '' || Number(v) === 1,
};

/**
 * Every shadow root of the page: closed ones too in Firefox, whose content scripts may open them
 * (`openOrClosedShadowRoot`); open ones in Chromium, where IntersectionObserver v2 in the frame
 * sees whatever is painted over it, from any root.
 */
function allRoots(skip) {
  const reveal = (node) => node.openOrClosedShadowRoot ?? node.shadowRoot;
  const roots = [document];
  for (let i = 0; i < roots.length && roots.length < 2_000; i++) {
    for (const node of roots[i].querySelectorAll('*')) {
      if (node === skip) continue;
      const root = reveal(node);
      if (root) roots.push(root);
    }
  }
  return roots;
}

const overlaps = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

/**
 * Why the panel is not in plain view, or null: `hidden` (gone), `moved` (out of the top layer),
 * `restyled`, `unsized` (not laid out yet, or squashed: nothing to click), `offscreen`, `covered`.
 */
export function obstruction(host, frame) {
  if (!host.isConnected || !frame.isConnected) return 'hidden';
  if (!host.matches(':popover-open')) return 'moved';
  for (const node of [host, document.documentElement]) {
    const style = getComputedStyle(node);
    for (const [property, ok] of Object.entries(EXPECTED)) {
      if (!ok(style[property])) return 'restyled';
    }
  }
  if (getComputedStyle(frame).visibility !== 'visible') return 'restyled';
  const rect = frame.getBoundingClientRect();
  if (rect.width < 8 || rect.height < 8) return 'unsized';
  if (rect.left < 0 || rect.top < 0 || rect.right > innerWidth + 1 || rect.bottom > innerHeight + 1) return 'offscreen';
  // Anything that takes clicks over the frame is on top of it.
  const xs = [rect.left + 2, (rect.left + rect.right) / 2, rect.right - 3];
  const ys = [rect.top + 2, (rect.top + rect.bottom) / 2, rect.bottom - 3];
  for (const x of xs) {
    for (const y of ys) {
      if (document.elementFromPoint(x, y) !== host) return 'covered';
    }
  }
  // What takes no clicks (pointer-events: none) can still be painted over it from the top layer.
  for (const root of allRoots(host)) {
    for (const node of root.querySelectorAll(':popover-open, dialog[open], :fullscreen')) {
      if (node !== host && overlaps(node.getBoundingClientRect(), rect)) return 'covered';
    }
  }
  return null;
}

/**
 * Watches the panel while it is open: `verify()` says whether it is in plain view now and has
 * been for CLEAN_FOR_MS. `stop()` ends the watch (the panel closed).
 */
export function watch(host, frame) {
  // A panel in plain view from the moment it opened counts as clean since before then: nothing
  // could have covered it earlier, and the reader may click at once. After any obstruction, the
  // full quiet period is needed.
  /** @type {number | null} */
  let cleanSince = null;
  let seenObstructed = false;
  const look = () => {
    const why = obstruction(host, frame);
    if (why) {
      cleanSince = null;
      if (why !== 'unsized') seenObstructed = true;
    } else {
      cleanSince ??= seenObstructed ? performance.now() : -Infinity;
    }
    return why;
  };
  look();
  const timer = setInterval(look, EVERY_MS);
  return {
    verify() {
      const why = look();
      if (why) return { ok: false, reason: why };
      if (cleanSince == null || performance.now() - cleanSince < CLEAN_FOR_MS) return { ok: false, reason: 'recent' };
      return { ok: true };
    },
    stop() { clearInterval(timer); },
  };
}
