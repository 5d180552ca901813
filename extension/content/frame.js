// The panel's frame in the page: a host element in the top layer, a closed shadow root, and in it
// an <iframe> of panel.html, an extension page the page's scripts cannot read or script. This
// side only lays the frame out, answers its requests over a private MessagePort, and removes it
// for good when the reader closes Gloss.
import { HOST_ID, NOTE, OP } from '../panel/channel.js';
import * as onDevice from './on-device.js';
import { pageDark, pageHtml, selectionHtml, showInPage } from './page.js';
import { watch } from './cover.js';

/** Inline, `!important`: a page's own `!important` rules lose to these, and the cover check sees the rest. */
const HOST_STYLE = {
  position: 'fixed', inset: 'auto', top: '12px', right: '12px', left: 'auto', bottom: 'auto', margin: '0', padding: '0',
  border: '0', background: 'transparent', display: 'block', opacity: '1', visibility: 'visible', transform: 'none',
  filter: 'none', 'clip-path': 'none', 'z-index': '2147483647', overflow: 'visible', 'pointer-events': 'auto',
  'min-width': '0', 'min-height': '0', 'max-width': 'none', 'max-height': 'calc(100vh - 24px)', 'color-scheme': 'normal',
  'box-shadow': 'none', outline: 'none', width: 'min(440px, calc(100vw - 24px))', height: '0px',
};

function setStyle(node, style) {
  for (const [name, value] of Object.entries(style)) node.style.setProperty(name, value, 'important');
}

/** A token for the hand-over of the MessagePort: the frame's URL carries it, the page never sees it. */
function token() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The page as the core reads it. `timing`: when it was read, on a clock comparable across the
 * page, the panel and the worker (`npm run bench`'s time split).
 */
function readPage(host, intent) {
  const readAt = performance.timeOrigin + performance.now();
  const html = pageHtml(host);
  const timing = { readAt, readDoneAt: performance.timeOrigin + performance.now() };
  return { html, url: location.href, selectionHtml: selectionHtml(intent), onDevice: onDevice.apis(), timing };
}

/**
 * The page, to the worker while the panel's frame loads (in another process): its first start
 * then reads it without waiting for the frame to load, ask, and carry the page itself. Should
 * the message be lost, the core asks the panel for the page after a short wait.
 */
function sendAhead(host, intent) {
  try {
    const { timing, ...page } = readPage(host, intent);
    chrome.runtime.sendMessage({ type: 'pageAhead', ...page, ...timing }).catch(() => {});
  } catch {
    // The panel opens all the same; its start then asks for the page (and says what failed).
  }
}

/**
 * Opens the panel. `intent` is "selection" for the context menu's Translate selection; `onGone`
 * runs once the panel has ended. Returns `{show, closed}`: `show()` re-opens a collapsed panel,
 * `closed()` is true once it has ended.
 */
export function openFrame(intent, onGone) {
  const host = document.createElement('div');
  host.id = HOST_ID;
  host.popover = 'manual';
  setStyle(host, HOST_STYLE);
  const root = host.attachShadow({ mode: 'closed' });
  const secret = token();
  // `ahead`: the page goes to the worker as the frame loads (sendAhead), and its first start reads it there.
  const src = `${chrome.runtime.getURL('panel.html')}?ahead#${secret}`;
  // Chrome serves a `use_dynamic_url` resource from a per-session address, but the document it
  // loads has the extension's own origin: the port goes only to a frame of that origin.
  const origin = src.startsWith('chrome-extension:') ? `chrome-extension://${chrome.runtime.id}` : new URL(src).origin;
  const frame = document.createElement('iframe');
  frame.setAttribute('title', chrome.i18n.getMessage('panelLabel') || 'Gloss');
  frame.setAttribute('style', 'display: block; border: 0; margin: 0; padding: 0; width: 100%; height: 100%; background: transparent; color-scheme: normal; visibility: visible;');
  frame.src = src;
  root.append(frame);

  const channel = new MessageChannel();
  const port = channel.port1;
  let gone = false;
  /** @type {ReturnType<typeof watch> | null} */
  let watcher = null;
  const onDeviceRun = { controller: new AbortController() };
  let loads = 0;

  // Single-page sites change the article without a page load: tell the frame, which offers to read it.
  let shownUrl = location.href;
  const urlWatch = setInterval(() => {
    // The page took the panel out: it has ended, and so does everything that served it.
    if (!host.isConnected) { end(); return; }
    if (location.href === shownUrl) return;
    shownUrl = location.href;
    port.postMessage({ type: NOTE.PAGE_CHANGED, url: location.href });
  }, 1000);

  function end() {
    if (gone) return;
    gone = true;
    clearInterval(urlWatch);
    watcher?.stop();
    onDeviceRun.controller.abort();
    port.close();
    // Out of sight at once, out of the page a moment later: a frame removed while the browser is
    // still delivering the click that closed it can leave that input unanswered.
    host.style.setProperty('display', 'none', 'important');
    setTimeout(() => host.remove(), 100);
    onGone();
  }

  // The frame's first load is panel.html; any later one means something navigated it away (the
  // page can navigate a child frame it cannot read): the panel ends rather than show a stranger.
  frame.addEventListener('load', () => {
    loads += 1;
    if (loads > 1) { end(); return; }
    frame.contentWindow?.postMessage({ token: secret }, origin, [channel.port2]);
  });

  const reply = (id, work) => {
    Promise.resolve().then(work).then(
      (result) => { if (!gone) port.postMessage({ id, result }); },
      (error) => { if (!gone) port.postMessage({ id, error: String(error?.message ?? error) }); },
    );
  };
  const progress = (id) => (value) => { if (!gone) port.postMessage({ id, progress: value }); };

  /** What the panel needs of the page besides its HTML. */
  const info = () => ({
    url: location.href, pageDark: pageDark(), intent,
    // The reader's system, for the Ollama fix (userAgentData is Chromium's alone).
    platform: String(/** @type {any} */ (navigator).userAgentData?.platform ?? navigator.platform ?? ''),
  });

  port.onmessage = ({ data }) => {
    if (gone || !data || typeof data !== 'object') return;
    const { id, op } = data;
    switch (op) {
      case OP.PAGE:
        return reply(id, () => {
          const { html, timing, ...read } = readPage(host, intent);
          return { ...read, ...info(), html, timing };
        });
      case OP.INFO: return reply(id, info);
      case OP.SHOW_SOURCE: return reply(id, () => showInPage(data.text, host));
      case OP.VERIFY: return reply(id, () => watcher?.verify() ?? { ok: false, reason: 'hidden' });
      case OP.COPY: return reply(id, () => navigator.clipboard.writeText(String(data.text ?? '')));
      case OP.LAYOUT: return layout(data);
      case OP.CLOSE: return end();
      case OP.RELOAD_PAGE: return location.reload();
    }
    onDevice.answerOp(op, id, data, reply, progress, onDeviceRun);
    return undefined;
  };

  /** The panel takes the size its frame reports; collapsed, it is a tab at the right edge. */
  function layout({ collapsed, width, height }) {
    const px = (n, max) => `${Math.max(0, Math.min(Number(n) || 0, max))}px`;
    if (collapsed) {
      setStyle(host, { top: '40%', right: '0px', width: px(width, 200), height: px(height, 400) });
    } else {
      setStyle(host, { top: '12px', right: '12px', width: 'min(440px, calc(100vw - 24px))', height: px(height, 100_000) });
    }
  }

  // The page first, then the frame: serialising is not slowed by the frame's load, the page's
  // markup does not hold the host yet, and the message is on its way before the browser starts
  // the frame's navigation.
  sendAhead(host, intent);
  document.documentElement.append(host);
  host.showPopover();
  watcher = watch(host, frame);
  return {
    show: () => { if (!gone) port.postMessage({ type: NOTE.SHOW }); },
    closed: () => gone || !host.isConnected,
  };
}
