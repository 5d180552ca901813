// The store zips do not depend on where the checkout is: the committed source, unpacked at
// another path (with its own cargo target folder, kept between runs) and built and packed there, gives the same
// bytes as this checkout. The README promises it to AMO reviewers, who rebuild from source.
// Slow the first time on a machine (a release build of every crate in the other target folder);
// later runs rebuild only what changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './harness.mjs';

/** A fixed path whose `target/` is kept, so that cargo reuses its work from one run to the next
 * (build.mjs reads the WASM from the checkout's own target folder). */
const OTHER = join(tmpdir(), 'gloss-other-checkout');
/** What goes into the zips; a change to any of these that is not committed would differ. */
const BUILT_FROM = ['src', 'extension', 'Cargo.toml', 'Cargo.lock', 'package.json'];

const run = (cmd, args, cwd, env = {}) => execFileSync(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });

/** Builds (release) and packs the checkout at `root`; returns `{browser: sha256}`. */
async function buildAndPack(root, env) {
  run(process.execPath, ['extension/build.mjs'], root, env);
  const out = join(root, 'extension', 'dist', 'zips');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const { packageAll } = await import(join(root, 'extension', 'package.mjs'));
  return Object.fromEntries(packageAll(out).map((p) => [p.browser, p.sha256]));
}

test('the committed source built at another path gives the same zips', { timeout: 3_600_000 }, async () => {
  const dirty = run('git', ['status', '--porcelain', '--', ...BUILT_FROM], ROOT).trim();
  assert.equal(dirty, '', 'commit the changes first: this test builds the committed source elsewhere');
  mkdirSync(OTHER, { recursive: true });
  for (const entry of readdirSync(OTHER)) if (entry !== 'target' && entry !== 'node_modules') rmSync(join(OTHER, entry), { recursive: true, force: true });
  execFileSync('bash', ['-c', `git -C "${ROOT}" archive --format=tar HEAD | tar -x -C "${OTHER}"`]);
  // The same npm packages (pdf.js is copied from them into the extension), as `npm ci` would give.
  if (!existsSync(join(OTHER, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(OTHER, 'node_modules'));
  const here = await buildAndPack(ROOT, {});
  const there = await buildAndPack(OTHER, {});
  assert.notEqual(OTHER, ROOT);
  assert.deepEqual(there, here, `built at ${OTHER} and at ${ROOT}`);
});
