// The content script's bundling step (extension/bundle.mjs): the modules under extension/content/
// become one classic script, each module in its own scope, and syntax the step does not take
// stops the build instead of slipping through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vm from 'node:vm';
import { bundle } from '../extension/bundle.mjs';
import { ROOT } from './harness.mjs';

test('the content script bundles into one classic script that runs its modules in order', () => {
  const source = bundle(join(ROOT, 'extension', 'content', 'main.js'));
  assert.doesNotThrow(() => new vm.Script(source), 'a classic script, not a module');
  assert.doesNotMatch(source, /^\s*(import|export)\b/m, 'no module syntax is left');
  const order = [...source.matchAll(/^\/\/ ---- (\S+) ----$/gm)].map((m) => m[1]);
  assert.equal(order.at(-1), 'content/main.js', 'the entry runs last');
  assert.ok(order.indexOf('content/cover.js') < order.indexOf('content/frame.js'), 'a module runs after what it imports');
  assert.ok(order.includes('panel/channel.js'), 'the channel names come from the one file that defines them');
});

test('a module that runs and exports as the bundle says', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gloss-bundle-'));
  try {
    writeFileSync(join(dir, 'a.js'), "export const A = 2;\nexport function twice(n) { return n * A; }\n");
    writeFileSync(join(dir, 'b.js'), "import { twice as double } from './a.js';\nimport * as a from './a.js';\nglobalThis.result = [double(3), a.A];\n");
    const context = vm.createContext({});
    vm.runInContext(bundle(join(dir, 'b.js')), context);
    assert.deepEqual([...context.result], [6, 2]);
    writeFileSync(join(dir, 'c.js'), "import a from './a.js';\n");
    assert.throws(() => bundle(join(dir, 'c.js')), /unsupported import/);
    writeFileSync(join(dir, 'd.js'), "export default 1;\n");
    assert.throws(() => bundle(join(dir, 'd.js')), /unsupported export/);
    writeFileSync(join(dir, 'e.js'), "import { f } from './f.js';\n");
    writeFileSync(join(dir, 'f.js'), "import { e } from './e.js';\nexport const f = 1;\n");
    assert.throws(() => bundle(join(dir, 'e.js')), /import circle/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
