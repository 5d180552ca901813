// The Original section's "always on" toggle for the page's site. The host permission is asked
// for inside the reader's click (the browser grants one only to a user gesture, and this frame
// is an extension page, so it may ask); the core decides the rest from what the browser said.
import { spending } from './guard.js';
import { link, msg, original } from './view.js';

const { el } = globalThis.GlossRender;
const { T } = globalThis.GlossProtocol;

const box = el('div', { class: 'site', 'data-role': 'site' });
original.node.append(box);

/** A checkbox with its label. */
function checkbox(key, checked, disabled = false) {
  const input = /** @type {HTMLInputElement} */ (el('input', { type: 'checkbox', 'data-role': key, 'aria-label': msg(key) }));
  input.checked = checked;
  input.disabled = disabled;
  return { input, label: el('label', { class: 'check' }, input, ' ', msg(key)) };
}

/**
 * Shows the site's toggle as the core says it is.
 * @param {{origin: string, pattern: string, on: boolean, run: boolean, denied: boolean}} state
 */
export function showSite(state) {
  const on = checkbox('siteAlwaysOn', state.on);
  const run = checkbox('siteAndRun', state.run, !state.on);
  const post = (wantOn, wantRun, asked) => asked.then((granted) => link.post({ type: T.SITE, on: wantOn, run: wantRun, granted }));
  on.input.addEventListener('change', (event) => {
    const wantOn = on.input.checked;
    // No await before this: the permission is asked for within the click.
    const asked = wantOn ? chrome.permissions.request({ origins: [state.pattern] }).catch(() => false) : Promise.resolve(true);
    spending(() => { post(wantOn, wantOn && run.input.checked, asked); }, () => { on.input.checked = state.on; })(event);
  });
  run.input.addEventListener('change', (event) => {
    spending(() => { post(true, run.input.checked, Promise.resolve(true)); }, () => { run.input.checked = state.run; })(event);
  });
  box.replaceChildren(on.label, run.label, state.denied ? el('p', { class: 'notice', role: 'alert' }, msg('sitePermissionDenied')) : '');
}
