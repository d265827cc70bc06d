// Fake Ollama servers for bench/completion.mjs, in a worker thread so their CPU is not counted
// against the host or Neovim. Each has a FIXED time to first byte on /api/generate only:
//   generic  a realistic short suggestion that does not continue the snippet (every key drops it)
//   oracle   the true rest of the current line of workerData.snippet (typing through it = typeahead)
//   stall    first byte after 30 s: every request is still in flight when the next key comes
// Every HTTP exchange is timestamped here with process.hrtime (CLOCK_MONOTONIC, the same clock as
// vim.uv.hrtime() in Neovim): request seen, body read, head written (= first byte), response
// closed and whether the client left first (a disconnect).
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { createFakeOllama } from '../test/fakes/index.js';

const { snippet, model, ttfbMs } = workerData as { snippet: string; model: string; ttfbMs: number };
const now = () => Number(process.hrtime.bigint());

interface Entry {
  port: number;
  url: string;
  t_req: number;
  t_body?: number;
  t_head?: number;
  t_close?: number;
  disconnected?: boolean;
  prompt?: string;
}
const entries: Entry[] = [];
const HEAD = Symbol('zeke-bench-entry');

const origEmit = http.Server.prototype.emit;
http.Server.prototype.emit = function (this: http.Server, event: string, ...args: unknown[]) {
  if (event === 'request') {
    const [req, res] = args as [http.IncomingMessage, http.ServerResponse];
    const e: Entry = { port: (this.address() as { port: number }).port, url: req.url ?? '', t_req: now() };
    entries.push(e);
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      e.t_body = now();
      try {
        e.prompt = JSON.parse(body).prompt;
      } catch {
        // not JSON
      }
    });
    (res as unknown as Record<symbol, Entry>)[HEAD] = e;
    res.on('close', () => {
      e.t_close = now();
      e.disconnected = !res.writableFinished;
    });
  }
  return (origEmit as (this: http.Server, event: string, ...a: unknown[]) => boolean).call(this, event, ...args);
} as typeof origEmit;
const origWriteHead = http.ServerResponse.prototype.writeHead;
http.ServerResponse.prototype.writeHead = function (this: http.ServerResponse, ...args: unknown[]) {
  const e = (this as unknown as Record<symbol, Entry>)[HEAD];
  if (e && e.t_head === undefined) e.t_head = now();
  return (origWriteHead as (...a: unknown[]) => http.ServerResponse).apply(this, args);
} as typeof origWriteHead;

/** How much of the snippet the prompt ends with (the typed part). */
function typedLength(prompt: string): number {
  for (let k = Math.min(prompt.length, snippet.length); k > 0; k--) if (prompt.endsWith(snippet.slice(0, k))) return k;
  return 0;
}
const GENERIC = 'result.push(value);';
const oracle = (prompt: string) => {
  const k = typedLength(prompt);
  if (k === 0) return GENERIC; // not typing the text (the warm-up)
  const rest = snippet.slice(k);
  const nl = rest.indexOf('\n');
  return nl < 0 ? rest : rest.slice(0, nl);
};
const promptOf = (body: unknown) => (typeof (body as { prompt?: unknown })?.prompt === 'string' ? (body as { prompt: string }).prompt : '');

const models = [{ name: model, capabilities: ['completion', 'insert'] }];
const gen = ['/api/generate'];
const fakes = {
  generic: await createFakeOllama({ models, reply: GENERIC, faults: { firstByteDelayMs: ttfbMs, onlyPaths: gen } }),
  oracle: await createFakeOllama({ models, reply: (req) => oracle(promptOf(req.body)), faults: { firstByteDelayMs: ttfbMs, onlyPaths: gen } }),
  stall: await createFakeOllama({ models, reply: GENERIC, faults: { firstByteDelayMs: 30000, onlyPaths: gen } }),
};

parentPort!.on('message', async (msg: { cmd: string; id: number }) => {
  if (msg.cmd === 'entries') {
    const byPort = Object.fromEntries(Object.entries(fakes).map(([k, f]) => [f.port, k]));
    parentPort!.postMessage({ id: msg.id, value: entries.splice(0).map((e) => ({ ...e, fake: byPort[e.port] })) });
  }
  if (msg.cmd === 'close') {
    await Promise.all(Object.values(fakes).map((f) => f.close()));
    parentPort!.postMessage({ id: msg.id, value: true });
  }
});

parentPort!.postMessage({ ready: true, urls: Object.fromEntries(Object.entries(fakes).map(([k, f]) => [k, f.url])) });
