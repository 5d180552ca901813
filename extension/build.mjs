// Builds Gloss: the Rust core to WASM (cargo + wasm-bindgen), then one extension directory per
// browser from the single manifest source, and the WASM for the www/ playground.
//   node extension/build.mjs [--debug]
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const EXT = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(EXT);
const DIST = join(EXT, 'dist');
const profile = process.argv.includes('--debug') ? 'debug' : 'release';

/** Files the extension loads, copied as they are. */
const STATIC = ['background.js', 'content.js', 'protocol.js', 'options.html', 'options.js', 'options.css', 'panel.css', '_locales', 'icons'];

/** Gecko id and minimum version for the Firefox build. */
const GECKO = { id: 'gloss@gloss.example', strict_min_version: '128.0', data_collection_permissions: { required: ['none'] } };

function run(cmd, args, opts = {}) {
  execFileSync(cmd, args, { stdio: 'inherit', cwd: ROOT, ...opts });
}

/** The wasm-bindgen CLI that matches the `=`-pinned crate (installed by .ci/setup.sh). */
function wasmBindgen() {
  const cargo = readFileSync(join(ROOT, 'Cargo.toml'), 'utf8');
  const version = /^wasm-bindgen\s*=\s*"=([\d.]+)"/m.exec(cargo)?.[1];
  if (!version) throw new Error('Cargo.toml must pin wasm-bindgen with "=x.y.z"');
  const tools = process.env.GLOSS_TOOLS ?? join(homedir(), '.cache', 'gloss-tools');
  const bin = join(tools, `wasm-bindgen-${version}`, 'bin', 'wasm-bindgen');
  if (!existsSync(bin)) throw new Error(`wasm-bindgen ${version} is not installed: run .ci/setup.sh`);
  const reported = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
  if (!reported.endsWith(` ${version}`)) throw new Error(`${bin} reports "${reported}", expected ${version}`);
  return bin;
}

function buildWasm() {
  const args = ['build', '--lib', '--target', 'wasm32-unknown-unknown'];
  if (profile === 'release') args.push('--release');
  run('cargo', args);
  const wasm = join(ROOT, 'target', 'wasm32-unknown-unknown', profile, 'gloss.wasm');
  const out = join(DIST, 'pkg');
  rmSync(out, { recursive: true, force: true });
  run(wasmBindgen(), ['--target', 'web', '--no-typescript', '--out-name', 'gloss', '--out-dir', out, wasm]);
  return out;
}

function manifestFor(browser) {
  const manifest = JSON.parse(readFileSync(join(EXT, 'manifest.json'), 'utf8'));
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  manifest.version = pkg.version;
  if (browser === 'firefox') {
    manifest.background = { scripts: ['background.js'], type: 'module' };
    manifest.browser_specific_settings = { gecko: GECKO };
    manifest.options_ui = { page: manifest.options_ui.page, open_in_tab: true };
  }
  return manifest;
}

function assemble(browser, pkgDir) {
  const out = join(DIST, browser);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const entry of STATIC) cpSync(join(EXT, entry), join(out, entry), { recursive: true });
  cpSync(pkgDir, join(out, 'pkg'), { recursive: true });
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifestFor(browser), null, 2) + '\n');
  return out;
}

const pkgDir = buildWasm();
for (const browser of ['chrome', 'firefox']) console.log(`built ${assemble(browser, pkgDir)}`);
cpSync(pkgDir, join(ROOT, 'www', 'pkg'), { recursive: true });
console.log(`built ${join(ROOT, 'www', 'pkg')}`);
