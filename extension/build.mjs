// Builds Gloss: the Rust core to WASM (cargo + wasm-bindgen), then one extension directory per
// browser from the single manifest source, and the WASM for the www/ playground.
//   node extension/build.mjs [--debug]
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from './bundle.mjs';

const EXT = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(EXT);
const DIST = join(EXT, 'dist');
const profile = process.argv.includes('--debug') ? 'debug' : 'release';

/** Files the extension loads, copied as they are. */
const STATIC = ['background.js', 'site.js', 'protocol.js', 'render.js', 'options.html', 'options.js', 'options.css', 'panel.html', 'panel.css', 'panel', '_locales', 'icons',
  'reader.html', 'reader.css', 'reader', 'content/on-device.js'];

/**
 * pdf.js (Mozilla's, the engine of Firefox's own viewer) for the PDF reader page: its module, its
 * worker, the character maps some PDFs' fonts need for their text, and its license.
 */
const PDFJS = join(ROOT, 'node_modules', 'pdfjs-dist');
const PDFJS_FILES = { 'build/pdf.min.mjs': 'pdf.min.mjs', 'build/pdf.worker.min.mjs': 'pdf.worker.min.mjs', cmaps: 'cmaps', LICENSE: 'LICENSE' };

/** The content script, bundled from its modules (content/) into one classic script. */
const CONTENT_ENTRY = join(EXT, 'content', 'main.js');
const CONTENT_BANNER = '// Gloss content script, bundled by extension/build.mjs from extension/content/*.js: edit those.\n';

/**
 * Firefox's `browser_specific_settings`. 140 is the first desktop release (an ESR) that knows
 * `data_collection_permissions`, 142 the first on Android. Gloss sends the article's text to the
 * provider the reader configured, which Mozilla's taxonomy calls website content (PRIVACY.md).
 */
const GECKO = {
  gecko: { id: 'gloss@gloss.example', strict_min_version: '140.0', data_collection_permissions: { required: ['websiteContent'] } },
  gecko_android: { strict_min_version: '142.0' },
};

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

/**
 * Rust writes source paths into the binary (panic locations). Mapping the checkout and the cargo
 * home to fixed names makes the WASM, and so the packages, the same bytes on any machine: what
 * an AMO reviewer rebuilding from source needs.
 */
function reproducibleRustflags() {
  const cargoHome = process.env.CARGO_HOME ?? join(homedir(), '.cargo');
  const own = process.env.CARGO_ENCODED_RUSTFLAGS?.split('\x1f') ?? process.env.RUSTFLAGS?.split(/\s+/) ?? [];
  const flags = [...own.filter(Boolean), `--remap-path-prefix=${ROOT}=/gloss`, `--remap-path-prefix=${cargoHome}=/cargo`];
  return flags.join('\x1f');
}

function buildWasm() {
  const args = ['build', '--lib', '--target', 'wasm32-unknown-unknown'];
  if (profile === 'release') args.push('--release');
  run('cargo', args, { env: { ...process.env, CARGO_ENCODED_RUSTFLAGS: reproducibleRustflags() } });
  const wasm = join(ROOT, 'target', 'wasm32-unknown-unknown', profile, 'gloss.wasm');
  const out = join(DIST, 'pkg');
  rmSync(out, { recursive: true, force: true });
  // The .d.ts wasm-bindgen writes stays in dist/pkg, where `npm run typecheck` finds the core's
  // API (tsconfig.json's rootDirs); the extensions ship without it.
  // The function-name section is only for debuggers: 415 KB of a 2.3 MB release WASM. (Cargo's
  // `strip = true` would drop it too, but also the target-features section wasm-bindgen reads.)
  const strip = profile === 'release' ? ['--remove-name-section', '--remove-producers-section'] : [];
  run(wasmBindgen(), ['--target', 'web', ...strip, '--out-name', 'gloss', '--out-dir', out, wasm]);
  return out;
}

/**
 * The one version number: package.json's, which Cargo.toml and the manifest source must repeat.
 * A mismatch stops the build, so a package never carries two versions.
 */
export function version() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  const cargo = /^\[package\][^[]*?^version\s*=\s*"([^"]+)"/m.exec(readFileSync(join(ROOT, 'Cargo.toml'), 'utf8'))?.[1];
  const manifest = JSON.parse(readFileSync(join(EXT, 'manifest.json'), 'utf8')).version;
  const found = { 'package.json': pkg, 'Cargo.toml': cargo, 'extension/manifest.json': manifest };
  if (new Set(Object.values(found)).size !== 1) {
    const list = Object.entries(found).map(([file, v]) => `${file}: ${v ?? '(none)'}`).join(', ');
    throw new Error(`version numbers differ (${list}): set the same version in all three`);
  }
  return pkg;
}

/** The manifest source, turned into one browser's manifest. Both get the same features. */
function manifestFor(browser) {
  const manifest = JSON.parse(readFileSync(join(EXT, 'manifest.json'), 'utf8'));
  manifest.version = version();
  if (browser === 'firefox') {
    // Firefox runs MV3 backgrounds as event pages: the same module, as a background script.
    const { service_worker: script, type } = manifest.background;
    manifest.background = { scripts: [script], type };
    manifest.browser_specific_settings = GECKO;
    // Firefox does not know use_dynamic_url (its moz-extension:// host is already a random
    // per-install UUID) and warns about it at install.
    manifest.web_accessible_resources = manifest.web_accessible_resources.map(({ use_dynamic_url: _, ...rest }) => rest);
  }
  return manifest;
}

function assemble(browser, pkgDir) {
  const out = join(DIST, browser);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const entry of STATIC) cpSync(join(EXT, entry), join(out, entry), { recursive: true });
  writeFileSync(join(out, 'content.js'), bundle(CONTENT_ENTRY, CONTENT_BANNER));
  if (!existsSync(PDFJS)) throw new Error('pdfjs-dist is not installed: run npm ci');
  for (const [from, to] of Object.entries(PDFJS_FILES)) cpSync(join(PDFJS, from), join(out, 'pdfjs', to), { recursive: true });
  cpSync(pkgDir, join(out, 'pkg'), { recursive: true, filter: (src) => !src.endsWith('.d.ts') });
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifestFor(browser), null, 2) + '\n');
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  version(); // before a long cargo build, not after it
  const pkgDir = buildWasm();
  for (const browser of ['chrome', 'firefox']) console.log(`built ${assemble(browser, pkgDir)}`);
  cpSync(pkgDir, join(ROOT, 'www', 'pkg'), { recursive: true });
  // The playground renders blocks with the panel's own code.
  cpSync(join(EXT, 'render.js'), join(ROOT, 'www', 'pkg', 'render.js'));
  console.log(`built ${join(ROOT, 'www', 'pkg')}`);
}
