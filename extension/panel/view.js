// The panel's frame of nodes: its header, its three sections, and the few ways every part shows
// text, spend, errors and buttons. The panel's chrome follows the reader's UI direction (this
// page's own `dir`), never the article's.
const { el } = globalThis.GlossRender;
const { T, SECTION } = globalThis.GlossProtocol;

/**
 * Localised text ('' when there is none). Cached, because a panel left open while the extension
 * is reloaded or updated stays on screen with an i18n API that no longer works.
 */
const messages = new Map();
function message(key, subs) {
  if (!subs && messages.has(key)) return messages.get(key);
  try {
    const text = chrome.i18n.getMessage(key, subs);
    if (!subs) messages.set(key, text);
    return text;
  } catch {
    return messages.get(key) ?? '';
  }
}
export const msg = (key, subs) => message(key, subs) || key;
// What the panel must still be able to say once the extension is gone.
for (const key of ['error_extension_reloaded', 'reloadPage', 'error_worker_stopped', 'resume', 'error_internal']) message(key);

/** The localised text for an error code, or the internal-error text when it has none. */
export const errorText = (code) => message(`error_${code}`) || msg('error_internal');
/** Whether an error code has its own localised text. */
export const hasErrorText = (code) => Boolean(message(`error_${code}`));

document.documentElement.lang = chrome.i18n.getUILanguage();
document.documentElement.dir = chrome.i18n.getMessage('@@bidi_dir') || 'ltr';

/** What the worker is told, while it listens (set by main.js). */
export const link = { post: (_frame) => {} };

export const panel = el('aside', { class: 'panel', role: 'complementary', 'aria-label': msg('panelLabel') });
export const tab = el('button', { class: 'tab', type: 'button', hidden: true, 'aria-label': msg('expandPanel') }, 'Gloss');
export const body = el('div', { class: 'body' });
/** Holds the sections at their natural height, which the frame reports to the page side. */
export const inner = el('div', { class: 'inner' });
body.append(inner);

/** `provider · lang · model`, and the digest's style when a model writes it in one. */
export const provenanceText = (p) => (p ? [p.provider, p.lang, p.model, ...(p.style ? [p.style] : [])].join(' · ') : '');

/** "context 2,048 (from the server)": said only when the server told Gloss the model's context. */
export const contextText = (/** @type {ContextInfo | null | undefined} */ context) => (context?.source === 'server' ? msg('contextFromServer', [context.tokens.toLocaleString()]) : '');

/** The digest's label: what produced it, then the context the server said it has. */
export const digestLabelText = (provenance, context) => [provenanceText(provenance), contextText(context)].filter(Boolean).join(' · ');

export function section(id, title) {
  const label = el('span', { class: 'provenance', 'data-role': 'provenance' });
  const content = el('div', { class: 'content', id: `gloss-${id}-content` });
  const toggle = el('button', {
    class: 'toggle', type: 'button', 'aria-expanded': 'true', 'aria-controls': content.id,
    onclick: () => {
      const open = toggle.getAttribute('aria-expanded') !== 'true';
      toggle.setAttribute('aria-expanded', String(open));
      content.hidden = !open;
    },
  }, title);
  const status = el('div', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const node = el('section', { class: 'section', 'data-section': id }, el('h2', {}, toggle, label), status, content);
  inner.append(node);
  return { node, label, content, status };
}

export const original = section(SECTION.ORIGINAL, msg('sectionOriginal'));
export const digest = section(SECTION.DIGEST, msg('sectionDigest'));
export const translation = section(SECTION.TRANSLATION, msg('sectionTranslation'));
original.status.textContent = msg('statusExtracting');
digest.status.textContent = msg('statusWaiting');
translation.status.textContent = msg('statusWaiting');

/** "1,234 → 567 tokens · 3.2 s · $0.002" after a section ends; "~" marks estimated counts. */
function spendText(spend, elapsedMs) {
  if (!spend) return '';
  const approx = spend.estimated ? '~' : '';
  const parts = [msg('spendTokens', [approx + spend.inputTokens.toLocaleString(), approx + spend.outputTokens.toLocaleString()])];
  if (elapsedMs != null) parts.push(`${(elapsedMs / 1000).toFixed(1)} s`);
  if (spend.costUsd != null) parts.push(`$${spend.costUsd.toFixed(spend.costUsd < 0.01 ? 4 : 3)}`);
  return parts.join(' · ');
}

export function showSpend(target, frame) {
  const text = spendText(frame.spend, frame.elapsedMs);
  if (!text) return;
  let node = target.label.parentElement.querySelector('.spend');
  if (!node) target.label.after(node = el('span', { class: 'spend' }));
  node.textContent = text;
}

/** The reader's system, as the page's window reports it (set by main.js from the page side). */
export const system = { platform: '' };

/** The exact fix for Ollama's refusal of extension origins, on the reader's system. */
function ollamaFix() {
  const platform = system.platform.toLowerCase();
  const key = platform.startsWith('mac') ? 'ollamaFixMac' : platform.startsWith('win') ? 'ollamaFixWindows' : 'ollamaFixLinux';
  return el('pre', { class: 'fix', 'data-os': key }, msg(key));
}

/** Shows an error in a section: the localised text for its code, the detail, and actions. */
export function showError(target, error, actions = []) {
  const box = el('div', { class: 'error', role: 'alert', 'data-code': error.code },
    el('p', {}, errorText(error.code)),
    error.code === 'ollama_origin' ? ollamaFix() : null,
    error.message ? el('p', { class: 'detail' }, error.message) : null,
    actions.length ? el('div', { class: 'actions' }, actions) : null);
  target.status.replaceChildren(box);
}

export const button = (label, onclick, cls = 'retry') => el('button', { class: cls, type: 'button', onclick }, label);
export const optionsLink = () => button(msg('openOptions'), () => link.post({ type: T.OPEN_OPTIONS }), 'link');
export const needsOptions = (code) => ['bad_key', 'missing_key', 'forbidden', 'model_not_found', 'invalid', 'ollama_origin', 'quota', 'network', 'insecure_base_url'].includes(code);

/**
 * `light` and `dark` are the reader's choice. `auto` follows a page that declares only a dark
 * colour scheme, and otherwise the system's preference (through CSS, so it follows changes).
 */
export function applyTheme(theme, pageDark) {
  const chosen = theme === 'light' || theme === 'dark' ? theme : pageDark ? 'dark' : null;
  for (const node of [panel, tab]) {
    if (chosen) node.dataset.theme = chosen;
    else delete node.dataset.theme;
  }
}
