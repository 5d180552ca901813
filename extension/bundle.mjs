// Bundles the content script's ES modules into the one classic script a content script must be.
// A small step, not a general bundler: it takes the subset of module syntax Gloss's own modules
// use (`import { a, b as c } from './x.js'`, `import * as x from './x.js'`, `export function`,
// `export const`, `export async function`) and fails the build on anything else.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const IMPORT = /^import\s+(?:\{([^}]*)\}|\*\s+as\s+(\w+))\s+from\s+'(\.{1,2}\/[^']+\.js)';\s*$/;
const EXPORT = /^export\s+(?:async\s+)?(?:function\*?|const|let|class)\s+(\w+)/;

/** Returns the classic script for `entry` (a path), every module wrapped in its own scope. */
export function bundle(entry, banner = '') {
  // Names come from paths relative to the entry's folder, so the bundle is the same bytes
  // wherever the checkout is (reproducible packages).
  const base = dirname(resolve(entry));
  const nameOf = (file) => moduleName(relative(base, file));
  const order = [];
  const modules = new Map();
  const visit = (file, trail) => {
    if (modules.has(file)) return;
    if (trail.includes(file)) throw new Error(`import circle: ${[...trail, file].join(' → ')}`);
    const lines = readFileSync(file, 'utf8').split('\n');
    const imports = [];
    const exports = [];
    const body = lines.map((line) => {
      if (/^\s*import\b/.test(line)) {
        const m = IMPORT.exec(line);
        if (!m) throw new Error(`${file}: unsupported import: ${line}`);
        const target = resolve(dirname(file), m[3]);
        imports.push(target);
        const name = nameOf(target);
        if (m[2]) return `const ${m[2]} = ${name};`;
        const names = m[1].split(',').map((s) => s.trim()).filter(Boolean)
          .map((s) => s.replace(/^(\w+)\s+as\s+(\w+)$/, '$1: $2'));
        return `const { ${names.join(', ')} } = ${name};`;
      }
      if (/^export\b/.test(line)) {
        const m = EXPORT.exec(line);
        if (!m) throw new Error(`${file}: unsupported export: ${line}`);
        exports.push(m[1]);
        return line.replace(/^export\s+/, '');
      }
      return line;
    });
    for (const target of imports) visit(target, [...trail, file]);
    modules.set(file, { body, exports });
    order.push(file);
  };
  visit(resolve(entry), []);
  const root = dirname(resolve(entry));
  const parts = order.map((file) => {
    const { body, exports } = modules.get(file);
    return `// ---- ${relative(join(root, '..'), file)} ----\nconst ${nameOf(file)} = (() => {\n${body.join('\n')}\nreturn Object.freeze({ ${exports.join(', ')} });\n})();`;
  });
  return `${banner}(() => {\n'use strict';\n${parts.join('\n')}\n})();\n`;
}

/** The variable that holds a module's exports in the bundle: a stable name made from its path. */
function moduleName(path) {
  let h = 5381;
  for (const c of path) h = ((h * 33) ^ c.charCodeAt(0)) >>> 0;
  return `__module_${h.toString(36)}`;
}
