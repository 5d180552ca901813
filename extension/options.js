// Options page: reads and writes the settings in chrome.storage.local (never synced). The key
// is sent nowhere from here; Test connection runs in the worker like every other request.
import './protocol.js';
import init, * as core from './pkg/gloss.js';

const { T, SETTING_LABELS, CODE } = globalThis.GlossProtocol;
const { el } = globalThis.GlossRender;
/** @type {(key: string, subs?: string[]) => string} */
const msg = (key, subs) => chrome.i18n.getMessage(key, subs) || key;
/** An element of options.html (all are there: a missing one is a bug that throws at once). */
const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const form = /** @type {HTMLFormElement} */ ($('settings'));
const status = $('status');
/** One of the form's controls, by name. */
const field = (/** @type {string} */ name) => /** @type {HTMLInputElement} */ (form.elements.namedItem(name));

for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = msg(/** @type {HTMLElement} */ (node).dataset.i18n ?? '');
document.title = msg('optionsTitle');

await init({ module_or_path: chrome.runtime.getURL('pkg/gloss_bg.wasm') });
/** @type {Preset[]} */
const presets = core.presets();
/** @type {string[]} */
const LANGS = core.languages();

$('provider').append(new Option(msg('optionsBuiltin'), 'builtin'), ...presets.map((p) => new Option(p.label, p.id)));
const langName = new Intl.DisplayNames([chrome.i18n.getUILanguage()], { type: 'language' });
for (const select of [$('digestLang'), $('translateLang'), $('glossaryLang')]) {
  select.append(...LANGS.map((code) => new Option(`${langName.of(code)} (${code})`, code)));
}

// The digest styles, named in the reader's language; `custom` uses the instructions below it.
$('digestStyle').append(...core.digestStyles().map((/** @type {string} */ id) => new Option(msg(`digestStyle_${id}`), id)));

const TEXT_FIELDS = /** @type {const} */ (['provider', 'model', 'digestLang', 'translateLang', 'theme', 'digestStyle', 'digestInstructions']);
const NUMBER_FIELDS = /** @type {const} */ (['concurrency', 'requestsPerMinute', 'confirmAboveWords', 'pageBudgetTokens']);
/** Keys by provider, edited in place as the provider changes (each provider keeps its own). */
/** @type {Record<string, string>} */
let apiKeys = {};
/** Base URLs by provider, kept the same way: a provider switch never carries one over. */
/** @type {Record<string, string>} */
let baseUrls = {};
/** The provider whose key and base URL the fields show. */
/** @type {string | null} */
let shownProvider = null;
/** The settings as loaded, so a save keeps what the form does not show (timeouts, chunk size). */
/** @type {Settings} */
let loaded = core.defaultSettings();

async function load() {
  const { settings, glossary } = await chrome.storage.local.get(['settings', 'glossary']);
  /** @type {Migrated} */
  const { settings: s, resets } = settings === undefined
    ? { settings: core.firstRunSettings(chrome.i18n.getUILanguage()), resets: [] }
    : core.readSettings(settings);
  loaded = s;
  apiKeys = { ...s.apiKeys };
  baseUrls = { ...s.baseUrls };
  for (const name of [...TEXT_FIELDS, ...NUMBER_FIELDS]) field(name).value = String(s[name]);
  field('bilingual').checked = s.bilingual;
  modelRows.replaceChildren();
  for (const row of s.modelOverrides) addModelRow(row);
  showPreset();
  showInstructions();
  showNotice(resets);
  glossaries = core.readGlossaries(glossary);
  showGlossary(s.translateLang);
}

// ---- the glossary, per translation language (stored under its own key) ----

const glossaryText = /** @type {HTMLTextAreaElement} */ ($('glossaryText'));
const glossaryLang = /** @type {HTMLSelectElement} */ ($('glossaryLang'));
const glossaryFile = /** @type {HTMLInputElement} */ ($('glossaryFile'));
/** Every language's glossary, as stored or as last read from the editor. */
/** @type {Glossaries} */
let glossaries = core.readGlossaries(null);
/** The language whose glossary the editor shows. */
let glossaryShown = '';

/** @param {CsvError} error */
const glossaryError = (error) => msg(`glossaryError_${error.code}`, [String(error.line), String(error.otherLine ?? '')]);

/** @param {string} lang */
function showGlossary(lang) {
  glossaryShown = lang;
  glossaryLang.value = lang;
  glossaryText.value = core.glossaryToCsv(glossaries.languages[lang] ?? []);
  showGlossaryError(null);
}

/** @param {CsvError | null} error */
function showGlossaryError(error) {
  glossaryText.setAttribute('aria-invalid', String(Boolean(error)));
  $('glossaryText-error').textContent = error ? glossaryError(error) : '';
}

/**
 * Reads the editor into `glossaries`; on a bad row, says which and returns it (nothing is kept).
 * @returns {CsvError | null}
 */
function keepGlossary() {
  /** @type {GlossaryCsv} */
  const { terms, error } = core.glossaryFromCsv(glossaryText.value);
  showGlossaryError(error);
  if (error) return error;
  if (terms.length) glossaries.languages[glossaryShown] = terms;
  else delete glossaries.languages[glossaryShown];
  return null;
}

/** @param {string} text */
function sayGlossary(text, kind = '') {
  const line = $('glossaryStatus');
  line.textContent = text;
  line.className = kind;
}

// Another language's glossary, once the one shown reads well (else it stays, with its error).
glossaryLang.addEventListener('change', () => {
  if (keepGlossary()) glossaryLang.value = glossaryShown;
  else showGlossary(glossaryLang.value);
});
field('translateLang').addEventListener('change', () => {
  if (!keepGlossary()) showGlossary(field('translateLang').value);
});

// An import is read whole first: a file with a bad row changes nothing. A good one is merged
// into the shown glossary and saved at once.
glossaryFile.addEventListener('change', async () => {
  const file = glossaryFile.files?.[0];
  glossaryFile.value = '';
  if (!file) return;
  const editing = keepGlossary();
  if (editing) return sayGlossary(msg('optionsGlossaryNotImported', [glossaryError(editing)]), 'error');
  /** @type {GlossaryImport} */
  const result = core.importGlossary(glossaries.languages[glossaryShown] ?? [], await file.text());
  if (!result.merged) {
    return sayGlossary(msg('optionsGlossaryNotImported', [result.error ? glossaryError(result.error) : '']), 'error');
  }
  glossaries.languages[glossaryShown] = result.merged.terms;
  showGlossary(glossaryShown);
  await chrome.storage.local.set({ glossary: glossaries });
  sayGlossary(msg('optionsGlossaryImported', [String(result.merged.added), String(result.merged.replaced)]), 'ok');
});

$('glossaryExport').addEventListener('click', () => {
  const error = keepGlossary();
  if (error) return sayGlossary(glossaryError(error), 'error');
  const csv = core.glossaryToCsv(glossaries.languages[glossaryShown] ?? []);
  const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
  el('a', { href: url, download: `gloss-glossary-${glossaryShown}.csv` }).click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  sayGlossary('');
});

// ---- the reader's own digest instructions ----

/**
 * Counts the instructions as typed and, past the limit, says so beside the field; returns the
 * field when it is too long (nothing is cut: the reader shortens it).
 */
function showInstructions() {
  const input = field('digestInstructions');
  /** @type {{chars: number, max: number, error: ErrorInfo | null}} */
  const check = core.checkInstructions(input.value);
  $('digestInstructions-count').textContent = msg('optionsInstructionsCount', [check.chars.toLocaleString(), check.max.toLocaleString()]);
  input.setAttribute('aria-invalid', String(Boolean(check.error)));
  $('digestInstructions-error').textContent = check.error ? msg(`error_${check.error.code}`) : '';
  return check.error ? input : null;
}
field('digestInstructions').addEventListener('input', () => showInstructions());

// ---- the notice about stored settings that were reset ----

/** @param {SettingField} name */
const settingName = (name) => (SETTING_LABELS[name] ? msg(SETTING_LABELS[name]) : name);

/**
 * Says, in plain words, which stored settings could not be used and what they are now.
 * @param {Reset[]} resets
 */
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

const modelRows = /** @type {HTMLTableElement} */ ($('modelRows')).tBodies[0];
/** @type {ReadonlyArray<{name: keyof ModelRowInput, header: string, inputmode: string | null}>} */
const ROW_FIELDS = [
  { name: 'model', header: 'optionsModelsModel', inputmode: null },
  { name: 'contextTokens', header: 'optionsModelsContext', inputmode: 'numeric' },
  { name: 'inputPerMtok', header: 'optionsModelsInput', inputmode: 'decimal' },
  { name: 'outputPerMtok', header: 'optionsModelsOutput', inputmode: 'decimal' },
];
/** A row's input for one field. */
const rowInput = (/** @type {Element} */ tr, /** @type {string} */ name) => /** @type {HTMLInputElement} */ (tr.querySelector(`input[data-field="${name}"]`));
let rowIds = 0;

/** Gives each row's inputs their labels again after a row is added or removed. */
function labelRows() {
  [...modelRows.rows].forEach((tr, i) => {
    for (const f of ROW_FIELDS) rowInput(tr, f.name).setAttribute('aria-label', msg('optionsModelsCell', [msg(f.header), String(i + 1)]));
    tr.querySelector('button')?.setAttribute('aria-label', msg('optionsModelsRemove', [String(i + 1)]));
  });
}

/**
 * Adds one editable row (values as stored, or blank).
 * @param {Partial<ModelOverride>} [row]
 */
function addModelRow(row = {}) {
  const id = ++rowIds;
  const cells = ROW_FIELDS.map((f) => {
    const errorId = `model-row-${id}-${f.name}-error`;
    const input = /** @type {HTMLInputElement} */ (el('input', {
      type: 'text', 'data-field': f.name, autocomplete: 'off', spellcheck: 'false', inputmode: f.inputmode, 'aria-describedby': errorId,
    }));
    input.value = row[f.name] == null ? '' : String(row[f.name]);
    return el('td', {}, input, el('p', { class: 'field-error', id: errorId }));
  });
  const tr = el('tr', {}, cells);
  tr.append(el('td', {}, el('button', { type: 'button', class: 'secondary', onclick: () => { tr.remove(); labelRows(); } }, '×')));
  modelRows.append(tr);
  labelRows();
  return tr;
}

/**
 * The rows exactly as typed.
 * @returns {ModelRowInput[]}
 */
const typedRows = () => [...modelRows.rows].map((tr) => ({
  model: rowInput(tr, 'model').value,
  contextTokens: rowInput(tr, 'contextTokens').value,
  inputPerMtok: rowInput(tr, 'inputPerMtok').value,
  outputPerMtok: rowInput(tr, 'outputPerMtok').value,
}));

/** @param {FieldError} error */
function errorWords(error) {
  const fmt = (/** @type {number | null} */ n) => (n ?? '').toLocaleString();
  return error.code === 'out_of_range'
    ? msg('modelError_out_of_range', [fmt(error.min), fmt(error.max)])
    : msg(`modelError_${error.code}`);
}

/**
 * Shows each field's error next to it; returns the first field in error, if any.
 * @param {FieldError[]} errors
 */
function showRowErrors(errors) {
  /** @type {HTMLInputElement | null} */
  let first = null;
  for (const [i, tr] of [...modelRows.rows].entries()) {
    for (const f of ROW_FIELDS) {
      const input = rowInput(tr, f.name);
      const error = errors.find((e) => e.row === i && e.field === f.name);
      input.setAttribute('aria-invalid', String(Boolean(error)));
      $(input.getAttribute('aria-describedby') ?? '').textContent = error ? errorWords(error) : '';
      if (error && !first) first = input;
    }
  }
  return first;
}

function showBuiltin() {
  /** @type {BuiltinTable} */
  const { rows, defaultContextTokens } = core.builtinModels();
  const price = (/** @type {number | null} */ p) => (p == null ? '–' : `$${p}`);
  /** @type {HTMLTableElement} */ ($('builtinRows')).tBodies[0].replaceChildren(...rows.map((r) => {
    const texts = [r.prefix ? msg('optionsModelsPrefix', [r.model]) : r.model, r.contextTokens.toLocaleString(), price(r.inputPerMtok), price(r.outputPerMtok)];
    return el('tr', {}, texts.map((text) => el('td', {}, text)));
  }));
  $('builtinCaption').textContent = msg('optionsModelsBuiltinCaption', [defaultContextTokens.toLocaleString()]);
}

/** Placeholders show the preset's defaults; fields that do not apply are disabled. */
function showPreset() {
  const provider = field('provider').value;
  shownProvider = provider;
  const preset = presets.find((p) => p.id === provider);
  for (const name of ['apiKey', 'model', 'baseUrl']) field(name).disabled = !preset;
  field('apiKey').value = apiKeys[provider] ?? '';
  field('baseUrl').value = baseUrls[provider] ?? '';
  showBaseUrlError(null);
  field('model').placeholder = preset?.model ?? '';
  field('baseUrl').placeholder = preset?.baseUrl ?? '';
  field('apiKey').placeholder = preset && !preset.needsKey ? msg('optionsOptional') : '';
}

/** Keeps what the key and base URL fields show for the provider they belong to. */
function keepTyped() {
  if (!shownProvider) return;
  apiKeys[shownProvider] = field('apiKey').value.trim();
  baseUrls[shownProvider] = field('baseUrl').value.trim();
}

/** @param {ErrorInfo | null} error */
function showBaseUrlError(error) {
  field('baseUrl').setAttribute('aria-invalid', String(Boolean(error)));
  $('baseUrl-error').textContent = error ? msg(`error_${error.code}`) : '';
}

/**
 * The first base URL the core refuses (plain http to another machine), shown beside the field
 * with its provider selected; `null` when every provider's base URL may carry its key.
 */
function refusedBaseUrl() {
  for (const [provider, url] of Object.entries(baseUrls)) {
    /** @type {ErrorInfo | null} */
    const error = core.checkBaseUrl(url);
    if (!error) continue;
    if (provider !== shownProvider) {
      field('provider').value = provider;
      showPreset();
    }
    showBaseUrlError(error);
    return field('baseUrl');
  }
  showBaseUrlError(null);
  return null;
}

/**
 * The form as settings, and the model rows' errors (the rows are left out while there are any).
 * @returns {{settings: Settings, errors: FieldError[]}}
 */
function read() {
  keepTyped();
  /** @type {RowsCheck} */
  const check = core.checkModelRows(typedRows());
  /** @type {Settings} */
  const settings = { ...loaded, apiKeys: { ...apiKeys }, baseUrls: { ...baseUrls }, bilingual: field('bilingual').checked, modelOverrides: check.errors.length ? loaded.modelOverrides : check.rows };
  for (const name of TEXT_FIELDS) settings[name] = field(name).value;
  for (const name of NUMBER_FIELDS) settings[name] = Number(field(name).value) || 0;
  return { settings: core.migrateSettings(settings), errors: check.errors };
}

/** @param {string} text */
function say(text, kind = '') {
  status.textContent = text;
  status.className = kind;
}

/** @param {ErrorInfo} error */
function errorText(error) {
  const text = msg(`error_${error.code}`);
  return error.message ? `${text} (${error.message})` : text;
}

/**
 * Custom base URLs need their host granted at run time, asked for on a click.
 * @param {Settings} settings
 */
async function ensureHostPermission(settings) {
  const preset = presets.find((p) => p.id === settings.provider);
  const base = settings.baseUrls[settings.provider] || preset?.baseUrl;
  if (!base) return true;
  let origin;
  try { origin = new URL(base).origin + '/*'; } catch { return true; }
  // No await before this: Firefox only accepts the request synchronously inside the click. It
  // resolves to true without asking when the host is already granted.
  return chrome.permissions.request({ origins: [origin] }).catch(() => false);
}

// Keep what was typed for the provider being left, then show the new one's key and base URL.
field('provider').addEventListener('change', () => {
  keepTyped();
  showPreset();
});

$('clearCache').addEventListener('click', async () => {
  await chrome.runtime.sendMessage({ type: T.CLEAR_CACHE });
  say(msg('optionsCacheCleared'), 'ok');
});

// ---- the sites Gloss opens on by itself ----

const SITES_KEY = core.sitesKey();

/** Lists the always-on sites, each with its Remove button (the worker unregisters its script). */
async function showSites() {
  const stored = (await chrome.storage.local.get(SITES_KEY))[SITES_KEY];
  /** @type {Site[]} */
  const sites = core.readSites(stored ?? null);
  $('sites').replaceChildren(...sites.map((site) => el('li', { 'data-origin': site.origin },
    el('span', { class: 'origin' }, site.origin), site.run ? el('span', { class: 'hint' }, ` · ${msg('optionsSitesRun')}`) : null, ' ',
    el('button', {
      type: 'button', class: 'secondary', 'aria-label': msg('optionsSitesRemove', [site.origin]),
      onclick: async () => { await chrome.runtime.sendMessage({ type: T.FORGET_SITE, origin: site.origin }); await showSites(); },
    }, msg('optionsSitesRemoveShort')))));
  $('noSites').hidden = sites.length > 0;
}
chrome.storage.onChanged.addListener((changes, area) => { if (area === 'local' && SITES_KEY in changes) showSites(); });

$('addModelRow').addEventListener('click', () => addModelRow().querySelector('input')?.focus());

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const { settings, errors } = read();
  const glossaryBad = keepGlossary();
  if (glossaryBad) {
    say(msg('optionsGlossaryFix', [glossaryError(glossaryBad)]), 'error');
    glossaryText.focus();
    return;
  }
  const invalid = refusedBaseUrl() ?? showInstructions() ?? showRowErrors(errors);
  if (invalid) {
    // Nothing is saved and nothing typed is cleared: the reader fixes the field and saves again.
    say(msg('optionsFixErrors'), 'error');
    invalid.focus();
    return;
  }
  const granted = await ensureHostPermission(settings);
  await chrome.storage.local.set({ settings, glossary: glossaries });
  loaded = settings;
  showNotice([]);
  say(granted ? msg('optionsSaved') : msg('optionsPermissionDenied'), granted ? 'ok' : 'error');
});

/** How Test connection says the context Gloss will size requests by, by where it comes from. */
const CONTEXT_MESSAGES = { server: 'optionsContextServer', reader: 'optionsContextReader', table: 'optionsContextTable' };

$('test').addEventListener('click', async () => {
  const { settings } = read();
  const refused = refusedBaseUrl();
  if (refused) {
    say(msg('optionsFixErrors'), 'error');
    refused.focus();
    return;
  }
  await ensureHostPermission(settings);
  say(msg('optionsTesting'));
  /** @type {{ok: true, report: ConnectionReport} | {ok: false, error: ErrorInfo} | undefined} */
  const result = await chrome.runtime.sendMessage({ type: T.TEST_CONNECTION, settings });
  if (!result?.ok) {
    say(errorText(result?.error ?? { code: CODE.INTERNAL, message: '', retryable: false }), 'error');
    return;
  }
  const { report } = result;
  $('models').replaceChildren(...report.models.map((id) => new Option(id, id)));
  const context = report.context ? ` ${msg(CONTEXT_MESSAGES[report.context.source], [report.context.tokens.toLocaleString()])}` : '';
  if (report.modelFound) say(msg('optionsTestOk', [String(report.modelCount)]) + context, 'ok');
  else say(msg('optionsTestModelMissing', [String(report.modelCount), report.model]) + context, 'error');
});

showBuiltin();
await showSites();
await load();
// The stored values are in the form: typing now is not overwritten.
form.removeAttribute('aria-busy');
