// The static server the suites use: bad paths get a 404 and the server keeps serving; nothing
// outside a root is served, not even a sibling folder whose name starts like the root's.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './server.mjs';

let dir, server;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gloss-server-'));
  mkdirSync(join(dir, 'x'));
  mkdirSync(join(dir, 'x-evil'));
  writeFileSync(join(dir, 'x', 'page.html'), 'inside');
  writeFileSync(join(dir, 'x-evil', 'secret.txt'), 'outside');
  server = await startServer({ '/r/': join(dir, 'x') });
});
after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** GET with the path sent exactly as written (fetch would normalise it). */
function get(path) {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    // A server that never answers (as the old one did on `/%`) fails the test instead of hanging it.
    req.setTimeout(5_000, () => req.destroy(new Error(`no answer to GET ${path}`)));
    req.end();
  });
}

test('a path with bad percent-encoding is a 404 and the server keeps serving', async () => {
  for (const path of ['/%', '/r/%', '/r/%E0%A4%A', '/r/page.html%']) {
    assert.equal((await get(path)).status, 404, path);
  }
  assert.deepEqual(await get('/r/page.html'), { status: 200, body: 'inside' });
});

test('a sibling folder that shares the root name is outside the root', async () => {
  for (const path of ['/r/..%2fx-evil/secret.txt', '/r/..%2Fx-evil%2Fsecret.txt', '/r/%2e%2e/x-evil/secret.txt']) {
    const res = await get(path);
    assert.equal(res.status, 404, path);
    assert.notEqual(res.body, 'outside', path);
  }
  assert.equal((await get('/r/page.html')).status, 200);
});
