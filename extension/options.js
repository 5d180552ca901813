// Options page: reads and writes the settings in chrome.storage.local (never synced). The key
// is sent nowhere from here; Test connection runs in the worker like every other request.
import './protocol.js';
import init, * as core from './pkg/gloss.js';

const { T, SETTING_LABELS } = globalThis.GlossProtocol;
const { el } = globalThis.GlossRender;
const msg = (key, subs) => chrome.i18n.getMessage(key, subs) || key;
const $ = (id) => document.getElementById(id);
const form = $('settings');
const status = $('status');

for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = msg(node.dataset.i18n);
document.title = msg('optionsTitle');

await init({ module_or_path: chrome.runtime.getURL('pkg/gloss_bg.wasm') });
const presets = core.presets();
const LANGS = core.languages();

$('provider').append(new Option(msg('optionsBuiltin'), 'builtin'), ...presets.map((p) => new Option(p.label, p.id)));
const langName = new Intl.DisplayNames([chrome.i18n.getUILanguage()], { type: 'language' });
for (const select of [$('digestLang'), $('translateLang')]) {
  select.append(...LANGS.map((code) => new Option(`${langName.of(code)} (${code})`, code)));
}

const TEXT_FIELDS = ['provider', 'model', 'baseUrl', 'digestLang', 'translateLang', 'theme'];
const NUMBER_FIELDS = ['concurrency', 'requestsPerMinute', 'confirmAboveWords', 'pageBudgetTokens'];
/** Keys by provider, edited in place as the provider changes (each provider keeps its own). */
let apiKeys = {};
/** The provider whose key the key field shows. */
let shownProvider = null;
/** The settings as loaded, so a save keeps what the form does not show (timeouts, chunk size). */
let loaded = core.defaultSettings();

async function load() {
  const { settings } = await chrome.storage.local.get('settings');
  const { settings: s, resets } = settings === undefined
    ? { settings: core.firstRunSettings(chrome.i18n.getUILanguage()), resets: [] }
    : core.readSettings(settings);
  loaded = s;
  apiKeys = { ...s.apiKeys };
  for (const name of [...TEXT_FIELDS, ...NUMBER_FIELDS]) form.elements[name].value = s[name];
  form.elements.bilingual.checked = s.bilingual;
  modelRows.replaceChildren();
  for (const row of s.modelOverrides) addModelRow(row);
  showPreset();
  showNotice(resets);
}

// ---- the notice about stored settings that were reset ----

const settingName = (field) => (SETTING_LABELS[field] ? msg(SETTING_LABELS[field]) : field);

/** Says, in plain words, which stored settings could not be used and what they are now. */
function showNotice(resets) {
  const notice = $('notice');
  notice.hidden = !resets.length;
  if (!resets.length) return notice.replaceChildren();
  const items = resets.map((r) => el('li', { 'data-field': r.field ?? '', 'data-reason': r.reason },
    r.field && r.reason !== 'newer_schema' && r.reason !== 'unreadable'
      ? msg(`settingsReset_${r.reason}`, [settingName(r.field)])
      : msg(`settingsReset_${r.reason}`)));
  notice.replaceChildren(el('p', {}, msg('settingsResetTitle')), el('ul', {}, items));
}

// ---- models: prices and context ----

const modelRows = $('modelRows').tBodies[0];
const ROW_FIELDS = [
  { name: 'model', header: 'optionsModelsModel', inputmode: null },
  { name: 'contextTokens', header: 'optionsModelsContext', inputmode: 'numeric' },
  { name: 'inputPerMtok', header: 'optionsModelsInput', inputmode: 'decimal' },
  { name: 'outputPerMtok', header: 'optionsModelsOutput', inputmode: 'decimal' },
];
let rowIds = 0;

/** Gives each row's inputs their labels again after a row is added or removed. */
function labelRows() {
  [...modelRows.rows].forEach((tr, i) => {
    for (const f of ROW_FIELDS) tr.querySelector(`input[data-field="${f.name}"]`).setAttribute('aria-label', msg('optionsModelsCell', [msg(f.header), String(i + 1)]));
    tr.querySelector('button').setAttribute('aria-label', msg('optionsModelsRemove', [String(i + 1)]));
  });
}

/** Adds one editable row (values as stored, or blank). */
function addModelRow(row = {}) {
  const id = ++rowIds;
  const cells = ROW_FIELDS.map((f) => {
    const errorId = `model-row-${id}-${f.name}-error`;
    const input = el('input', {
      type: 'text', 'data-field': f.name, autocomplete: 'off', spellcheck: 'false', inputmode: f.inputmode, 'aria-describedby': errorId,
    });
    input.value = row[f.name] == null ? '' : String(row[f.name]);
    return el('td', {}, input, el('p', { class: 'field-error', id: errorId }));
  });
  const tr = el('tr', {}, cells);
  tr.append(el('td', {}, el('button', { type: 'button', class: 'secondary', onclick: () => { tr.remove(); labelRows(); } }, '×')));
  modelRows.append(tr);
  labelRows();
  return tr;
}

/** The rows exactly as typed. */
const typedRows = () => [...modelRows.rows].map((tr) => Object.fromEntries(ROW_FIELDS.map((f) => [f.name, tr.querySelector(`input[data-field="${f.name}"]`).value])));

function errorWords(error) {
  const fmt = (n) => n.toLocaleString();
  return error.code === 'out_of_range'
    ? msg('modelError_out_of_range', [fmt(error.min), fmt(error.max)])
    : msg(`modelError_${error.code}`);
}

/** Shows each field's error next to it; returns the first field in error, if any. */
function showRowErrors(errors) {
  let first = null;
  [...modelRows.rows].forEach((tr, i) => {
    for (const f of ROW_FIELDS) {
      const input = tr.querySelector(`input[data-field="${f.name}"]`);
      const error = errors.find((e) => e.row === i && e.field === f.name);
      input.setAttribute('aria-invalid', String(Boolean(error)));
      document.getElementById(input.getAttribute('aria-describedby')).textContent = error ? errorWords(error) : '';
      if (error && !first) first = input;
    }
  });
  return first;
}

function showBuiltin() {
  const { rows, defaultContextTokens } = core.builtinModels();
  const price = (p) => (p == null ? '–' : `$${p}`);
  $('builtinRows').tBodies[0].replaceChildren(...rows.map((r) => {
    const texts = [r.prefix ? msg('optionsModelsPrefix', [r.model]) : r.model, r.contextTokens.toLocaleString(), price(r.inputPerMtok), price(r.outputPerMtok)];
    return el('tr', {}, texts.map((text) => el('td', {}, text)));
  }));
  $('builtinCaption').textContent = msg('optionsModelsBuiltinCaption', [defaultContextTokens.toLocaleString()]);
}

/** Placeholders show the preset's defaults; fields that do not apply are disabled. */
function showPreset() {
  const provider = form.elements.provider.value;
  shownProvider = provider;
  const preset = presets.find((p) => p.id === provider);
  for (const name of ['apiKey', 'model', 'baseUrl']) form.elements[name].disabled = !preset;
  form.elements.apiKey.value = apiKeys[provider] ?? '';
  form.elements.model.placeholder = preset?.model ?? '';
  form.elements.baseUrl.placeholder = preset?.baseUrl ?? '';
  form.elements.apiKey.placeholder = preset && !preset.needsKey ? msg('optionsOptional') : '';
}

/** The form as settings, and the model rows' errors (the rows are left out while there are any). */
function read() {
  const provider = form.elements.provider.value;
  apiKeys[provider] = form.elements.apiKey.value.trim();
  const check = core.checkModelRows(typedRows());
  const settings = { ...loaded, apiKeys: { ...apiKeys }, bilingual: form.elements.bilingual.checked, modelOverrides: check.errors.length ? loaded.modelOverrides : check.rows };
  for (const name of TEXT_FIELDS) settings[name] = form.elements[name].value;
  for (const name of NUMBER_FIELDS) settings[name] = Number(form.elements[name].value) || 0;
  return { settings: core.migrateSettings(settings), errors: check.errors };
}

function say(text, kind = '') {
  status.textContent = text;
  status.className = kind;
}

function errorText(error) {
  const text = msg(`error_${error.code}`);
  return error.message ? `${text} (${error.message})` : text;
}

/** Custom base URLs need their host granted at run time, asked for on a click. */
async function ensureHostPermission(settings) {
  const preset = presets.find((p) => p.id === settings.provider);
  const base = settings.baseUrl || preset?.baseUrl;
  if (!base) return true;
  let origin;
  try { origin = new URL(base).origin + '/*'; } catch { return true; }
  // No await before this: Firefox only accepts the request synchronously inside the click. It
  // resolves to true without asking when the host is already granted.
  return chrome.permissions.request({ origins: [origin] }).catch(() => false);
}

// Keep what was typed for the provider being left, then show the new one's key.
form.elements.provider.addEventListener('change', () => {
  if (shownProvider) apiKeys[shownProvider] = form.elements.apiKey.value.trim();
  showPreset();
});

$('clearCache').addEventListener('click', async () => {
  await chrome.runtime.sendMessage({ type: T.CLEAR_CACHE });
  say(msg('optionsCacheCleared'), 'ok');
});

$('addModelRow').addEventListener('click', () => addModelRow().querySelector('input').focus());

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const { settings, errors } = read();
  const invalid = showRowErrors(errors);
  if (invalid) {
    // Nothing is saved and nothing typed is cleared: the reader fixes the field and saves again.
    say(msg('optionsFixErrors'), 'error');
    invalid.focus();
    return;
  }
  const granted = await ensureHostPermission(settings);
  await chrome.storage.local.set({ settings });
  loaded = settings;
  showNotice([]);
  say(granted ? msg('optionsSaved') : msg('optionsPermissionDenied'), granted ? 'ok' : 'error');
});

$('test').addEventListener('click', async () => {
  const { settings } = read();
  await ensureHostPermission(settings);
  say(msg('optionsTesting'));
  const result = await chrome.runtime.sendMessage({ type: T.TEST_CONNECTION, settings });
  if (!result?.ok) {
    say(errorText(result?.error ?? { code: 'internal', message: '' }), 'error');
    return;
  }
  const { report } = result;
  $('models').replaceChildren(...report.models.map((id) => new Option(id, id)));
  if (report.modelFound) say(msg('optionsTestOk', [String(report.modelCount)]), 'ok');
  else say(msg('optionsTestModelMissing', [String(report.modelCount), report.model]), 'error');
});

showBuiltin();
await load();
// The stored values are in the form: typing now is not overwritten.
form.removeAttribute('aria-busy');
