// Options page: reads and writes the settings in chrome.storage.local (never synced). The key
// is sent nowhere from here; Test connection runs in the worker like every other request.
import './protocol.js';
import init, * as core from './pkg/gloss.js';

const { T } = globalThis.GlossProtocol;
const LANGS = ['ar', 'de', 'en', 'es', 'fr', 'hi', 'id', 'it', 'ja', 'ko', 'nl', 'pl', 'pt', 'ru', 'sv', 'th', 'tr', 'uk', 'vi', 'zh-CN', 'zh-TW'];
const msg = (key, subs) => chrome.i18n.getMessage(key, subs) || key;
const $ = (id) => document.getElementById(id);
const form = $('settings');
const status = $('status');

for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = msg(node.dataset.i18n);
document.title = msg('optionsTitle');

await init({ module_or_path: chrome.runtime.getURL('pkg/gloss_bg.wasm') });
const presets = core.presets();

$('provider').append(new Option(msg('optionsBuiltin'), 'builtin'), ...presets.map((p) => new Option(p.label, p.id)));
const langName = new Intl.DisplayNames([chrome.i18n.getUILanguage()], { type: 'language' });
for (const select of [$('digestLang'), $('translateLang')]) {
  select.append(...LANGS.map((code) => new Option(`${langName.of(code)} (${code})`, code)));
}

function uiLanguage() {
  const ui = chrome.i18n.getUILanguage();
  return LANGS.includes(ui) ? ui : (LANGS.find((l) => l === ui.split('-')[0]) ?? 'en');
}

const TEXT_FIELDS = ['provider', 'model', 'baseUrl', 'digestLang', 'translateLang', 'theme'];
const NUMBER_FIELDS = ['concurrency', 'requestsPerMinute', 'confirmAboveWords', 'pageBudgetTokens'];
/** Keys by provider, edited in place as the provider changes (each provider keeps its own). */
let apiKeys = {};
/** The provider whose key the key field shows. */
let shownProvider = null;

async function load() {
  const { settings } = await chrome.storage.local.get('settings');
  const s = core.migrateSettings(settings ?? { ...core.defaultSettings(), digestLang: uiLanguage(), translateLang: uiLanguage() });
  apiKeys = { ...s.apiKeys };
  for (const name of [...TEXT_FIELDS, ...NUMBER_FIELDS]) form.elements[name].value = s[name];
  form.elements.bilingual.checked = s.bilingual;
  showPreset();
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

function read() {
  const provider = form.elements.provider.value;
  apiKeys[provider] = form.elements.apiKey.value.trim();
  const settings = { ...core.defaultSettings(), apiKeys: { ...apiKeys }, bilingual: form.elements.bilingual.checked };
  for (const name of TEXT_FIELDS) settings[name] = form.elements[name].value;
  for (const name of NUMBER_FIELDS) settings[name] = Number(form.elements[name].value) || 0;
  return core.migrateSettings(settings);
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

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const settings = read();
  const granted = await ensureHostPermission(settings);
  await chrome.storage.local.set({ settings });
  say(granted ? msg('optionsSaved') : msg('optionsPermissionDenied'), granted ? 'ok' : 'error');
});

$('test').addEventListener('click', async () => {
  const settings = read();
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

await load();
