// The store packages: packing the same build twice gives the same bytes, each zip holds exactly
// the built folder (read back by Python's zipfile, an independent reader), the Chrome zip holds
// only files the extension loads, and Mozilla's linter passes the Firefox zip clean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ROOT } from './harness.mjs';
import { packageAll } from '../extension/package.mjs';

const DIST = join(ROOT, 'extension', 'dist');
const out = [mkdtempSync(join(tmpdir(), 'gloss-pkg-a-')), mkdtempSync(join(tmpdir(), 'gloss-pkg-b-'))];
const [first, second] = out.map((dir) => packageAll(dir));
process.on('exit', () => out.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Name → bytes (base64) of every entry, read by Python's zipfile after its CRC check. */
function readZip(file) {
  const script = `import base64, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
if bad: sys.exit('bad entry: ' + bad)
print(json.dumps({i.filename: base64.b64encode(z.read(i)).decode() for i in z.infolist()}))`;
  return JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8', maxBuffer: 64 << 20 }));
}

test('packing twice gives identical zips', () => {
  for (let i = 0; i < first.length; i++) {
    assert.equal(basename(first[i].file), basename(second[i].file));
    assert.equal(first[i].sha256, second[i].sha256, `${first[i].browser}: same sha256`);
    assert.deepEqual(readFileSync(first[i].file), readFileSync(second[i].file));
  }
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.deepEqual(first.map((p) => basename(p.file)), [`gloss-chrome-${version}.zip`, `gloss-firefox-${version}.zip`]);
});

test('each zip holds exactly its built folder', () => {
  for (const { browser, file, entries } of first) {
    const files = readZip(file);
    assert.deepEqual(Object.keys(files), entries, `${browser}: the entries, in sorted order`);
    for (const name of entries) {
      assert.equal(files[name], readFileSync(join(DIST, browser, name)).toString('base64'), `${browser}/${name}`);
    }
  }
});

test('the Chrome zip holds only what the extension loads', () => {
  const { entries } = first.find((p) => p.browser === 'chrome');
  const allowed = /^(manifest\.json|[\w-]+\.(js|html|css)|(panel|reader)\/[\w-]+\.js|content\/on-device\.js|_locales\/[\w-]+\/messages\.json|icons\/\d+\.png|pkg\/gloss\.js|pkg\/gloss_bg\.wasm|pdfjs\/(pdf\.min\.mjs|pdf\.worker\.min\.mjs|LICENSE|cmaps\/[\w-]+\.bcmap|cmaps\/LICENSE))$/;
  for (const name of entries) assert.match(name, allowed);
  // Every script, page and stylesheet is named by the manifest or by another packed file.
  const texts = entries.filter((n) => /\.(js|html|css|json)$/.test(n)).map((n) => [n, readFileSync(join(DIST, 'chrome', n), 'utf8')]);
  for (const name of entries.filter((n) => /\.(m?js|html|css|wasm)$/.test(n))) {
    const used = texts.some(([other, text]) => other !== name && text.includes(basename(name)));
    assert.ok(used, `${name} is loaded by something`);
  }
});

/**
 * The linter's one finding Gloss accepts: pdf.js (Mozilla's own, shipped unchanged in pdfjs/)
 * loads its worker and its optional modules with a dynamic `import()`, which the linter warns of.
 */
const PDFJS_IMPORT = (m) => m.code === 'UNSAFE_VAR_ASSIGNMENT' && /^pdfjs\/pdf(\.worker)?\.min\.mjs$/.test(m.file ?? '') && /import/.test(m.message);

test('Mozilla\'s linter passes the Firefox zip with 0 errors, 0 notices and no warning outside pdf.js\'s dynamic imports', () => {
  const { file } = first.find((p) => p.browser === 'firefox');
  const linter = join(ROOT, 'node_modules', 'addons-linter', 'bin', 'addons-linter');
  let report;
  try {
    report = execFileSync(process.execPath, [linter, '--output', 'json', file], { encoding: 'utf8' });
  } catch (error) {
    report = error.stdout; // it exits non-zero when it finds errors
  }
  const { summary, errors, warnings, notices } = JSON.parse(report);
  const accepted = warnings.filter(PDFJS_IMPORT);
  assert.ok(accepted.length <= 2, `pdf.js's own files: ${accepted.length} warnings`);
  assert.deepEqual({ errors: summary.errors, warnings: summary.warnings - accepted.length, notices: summary.notices }, { errors: 0, warnings: 0, notices: 0 },
    JSON.stringify([...errors, ...warnings.filter((m) => !PDFJS_IMPORT(m)), ...notices].map((m) => `${m.code} ${m.file}: ${m.message}`)));
});
