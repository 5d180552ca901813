// A static file server for the sample pages, the playground and test fixtures, on 127.0.0.1.
// `?csp=strict` serves a page under a strict Content-Security-Policy, as many news sites do.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm', '.png': 'image/png',
  '.svg': 'image/svg+xml', '.txt': 'text/plain; charset=utf-8', '.pdf': 'application/pdf',
};
export const STRICT_CSP = "default-src 'none'; script-src 'self'; style-src 'self'";

/**
 * Serves each of `roots` ({urlPrefix: directory}). Resolves to {url, close}.
 * @param {Record<string, string>} roots
 */
export async function startServer(roots, { port = 0, host = '127.0.0.1' } = {}) {
  const server = createServer((req, res) => {
    // Whatever a request holds, it gets an answer: one bad path must not stop the server.
    serve(req, res).catch(() => { if (!res.headersSent) notFound(res); else res.destroy(); });
  });
  async function serve(req, res) {
    const url = new URL(req.url, 'http://x');
    const prefix = Object.keys(roots).sort((a, b) => b.length - a.length).find((p) => url.pathname.startsWith(p));
    if (prefix == null) return notFound(res);
    const base = resolve(roots[prefix]);
    let path;
    try {
      path = decodeURIComponent(url.pathname.slice(prefix.length));
    } catch {
      return notFound(res); // bad percent-encoding (`/%`): no such file
    }
    let file = normalize(join(base, path));
    // The trailing separator keeps a sibling that shares the prefix (`/work/x-evil` beside
    // `/work/x`) outside.
    if (file !== base && !file.startsWith(base + sep)) return notFound(res);
    if (url.pathname.endsWith('/')) file = join(file, 'index.html');
    try {
      const body = await readFile(file);
      const headers = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' };
      if (url.searchParams.get('csp') === 'strict') headers['content-security-policy'] = STRICT_CSP;
      res.writeHead(200, headers);
      res.end(body);
    } catch {
      notFound(res);
    }
  }
  await new Promise((ok) => server.listen(port, host, ok));
  const { port: actual } = server.address();
  return {
    url: `http://${host}:${actual}`,
    close: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(ok); }),
  };
}

function notFound(res) {
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found');
}
