// The UI's translations in extension/_locales: every locale says everything English says, with
// the same placeholders, and nothing a browser would show as blank or as a raw `$NAME$`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

const LOCALES = join(ROOT, 'extension', '_locales');
/** The languages issue 5 asks for, beside English. */
const REQUIRED = ['ja', 'zh_CN', 'es', 'fr', 'de'];

const load = (locale) => JSON.parse(readFileSync(join(LOCALES, locale, 'messages.json'), 'utf8'));
const locales = readdirSync(LOCALES, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
const en = load('en');

/** `$NAME$` references in a message, lower-cased as Chrome matches them (`$$` is a literal `$`). */
const referenced = (message) => [...message.replaceAll('$$', '').matchAll(/\$([A-Za-z0-9_@]+)\$/g)].map((m) => m[1].toLowerCase());
const placeholderNames = (entry) => Object.keys(entry.placeholders ?? {}).map((n) => n.toLowerCase()).sort();

test('the required locales are present', () => {
  for (const locale of REQUIRED) assert.ok(locales.includes(locale), `extension/_locales/${locale} exists`);
});

for (const locale of locales) {
  test(`${locale}: valid messages with the same keys and placeholders as en`, () => {
    const messages = load(locale);
    assert.deepEqual(Object.keys(messages).sort(), Object.keys(en).sort(), `${locale} has exactly en's keys`);
    for (const [key, entry] of Object.entries(messages)) {
      assert.equal(typeof entry.message, 'string', `${locale}/${key} has a message`);
      assert.ok(entry.message.trim().length > 0, `${locale}/${key} is not empty`);
      assert.deepEqual(placeholderNames(entry), placeholderNames(en[key]), `${locale}/${key} declares en's placeholders`);
      assert.deepEqual(entry.placeholders ?? {}, en[key].placeholders ?? {}, `${locale}/${key} keeps en's placeholder contents`);
      const declared = new Set(placeholderNames(entry));
      for (const name of referenced(entry.message)) {
        assert.ok(declared.has(name), `${locale}/${key} uses $${name.toUpperCase()}$, which it declares`);
      }
      for (const name of declared) {
        assert.ok(referenced(entry.message).includes(name), `${locale}/${key} shows its placeholder $${name.toUpperCase()}$`);
      }
    }
    // Chrome refuses a manifest whose localised name or description is longer than these.
    assert.ok([...messages.extName.message].length <= 75, `${locale}/extName fits in 75 characters`);
    assert.ok([...messages.extDescription.message].length <= 132, `${locale}/extDescription fits in 132 characters`);
  });
}

test('shell commands for the Ollama fix are the same in every locale but for their comments', () => {
  const commands = (text) => text.split('\n').filter((line) => !line.startsWith('#'));
  for (const locale of locales) {
    const messages = load(locale);
    for (const key of Object.keys(en).filter((k) => k.startsWith('ollamaFix'))) {
      assert.deepEqual(commands(messages[key].message), commands(en[key].message), `${locale}/${key}`);
      assert.equal(messages[key].message.split('\n').length, en[key].message.split('\n').length, `${locale}/${key} has en's lines`);
    }
  }
});

// ---- every code and setting the core can name has its words ----

/** The string literals of one union in the types generated from Rust (src/typescript.rs). */
function generatedUnion(name) {
  const dts = readFileSync(join(ROOT, 'extension', 'types', 'gloss.d.ts'), 'utf8');
  const line = new RegExp(`^export type ${name} = (.*);$`, 'm').exec(dts);
  assert.ok(line, `extension/types/gloss.d.ts declares ${name} (run \`cargo test typescript\`)`);
  const members = [...line[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  assert.ok(members.length > 0, `${name} lists its members`);
  return members;
}

/** extension/protocol.js's frozen global, as the extension's pages load it. */
function protocol() {
  const context = vm.createContext({});
  vm.runInContext(readFileSync(join(ROOT, 'extension', 'protocol.js'), 'utf8'), context);
  return context.GlossProtocol;
}

test('every error code, from Rust or made in JS, has a message in every locale', () => {
  const codes = [...generatedUnion('ErrorCode'), ...Object.values(protocol().CODE)];
  assert.ok(codes.includes('timeout') && codes.includes('internal'), `${codes}`);
  for (const locale of locales) {
    const messages = load(locale);
    const missing = codes.filter((code) => !messages[`error_${code}`]);
    assert.deepEqual(missing, [], `${locale} has error_<code> for every code`);
  }
});

test('every wait the core can name has its words in every locale', () => {
  const waits = generatedUnion('WaitFor');
  assert.ok(waits.includes('rateWindow') && waits.includes('retry'), `${waits}`);
  for (const locale of locales) {
    const messages = load(locale);
    assert.deepEqual(waits.filter((w) => !messages[`waiting_${w}`]), [], `${locale} has waiting_<reason> for every reason`);
  }
});

test('every setting a reset may name has a label, worded in every locale', () => {
  const fields = generatedUnion('SettingField');
  assert.ok(fields.includes('chunkTokens') && fields.includes('stallTimeoutMs'), `${fields}`);
  const labels = protocol().SETTING_LABELS;
  assert.deepEqual(fields.filter((f) => !labels[f]), [], 'SETTING_LABELS in extension/protocol.js names every field');
  assert.deepEqual(Object.keys(labels).filter((f) => !fields.includes(f)), [], 'and no field the settings do not have');
  for (const locale of locales) {
    const messages = load(locale);
    assert.deepEqual(fields.filter((f) => !messages[labels[f]]), [], `${locale} words every label`);
  }
});
