// Chat stream render (DESIGN.md §8: ≥ 2,000 tokens/s with input staying responsive): one
// headless Neovim with the real Lua layer and host opens the chat and receives a long answer
// from a fake Ollama (worker thread, no delays) while chat-bench.lua types a key every 10 ms
// into another window and records how long each key waited for the main loop.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { bundle } from './bundle.mjs';
import { forget, track } from './proc.mjs';
import { summarize } from './stats.mjs';

const MODEL = 'chat-coder:1b';
const TOKENS = 100000;

export async function measure(ctx) {
  const workerFile = await bundle(ctx.root, 'bench/chat-worker.ts');
  const worker = new Worker(workerFile, { workerData: { tokens: TOKENS, model: MODEL } });
  const ready = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const dir = mkdtempSync(join(ctx.tmp ?? '/tmp', 'zeke-chat-bench-'));
  const out = join(dir, 'chat.json');
  let data;
  try {
    data = await new Promise((resolve, reject) => {
      const env = { ...ctx.env, ZEKE_BENCH_CONFIG: JSON.stringify({ root: ctx.root, url: ready.url, model: MODEL, out, message: 'write a long answer' }) };
      delete env.NODE_OPTIONS;
      const child = track(
        spawn(ctx.nvim.bin, ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '-c', `luafile ${join(ctx.root, 'bench/chat-bench.lua')}`], { env, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] }),
      );
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 45000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        forget(child);
        let d;
        try {
          d = JSON.parse(readFileSync(out, 'utf8'));
        } catch {
          d = null;
        }
        if (!d || d.error) reject(new Error(`chat-bench.lua failed (exit ${code}): ${d?.error ?? ''}\n${err.trim()}`));
        else resolve(d);
      });
    });
  } finally {
    worker.postMessage({ cmd: 'close', id: 1 });
    await new Promise((r) => setTimeout(r, 50));
    await worker.terminate();
    rmSync(dir, { recursive: true, force: true });
  }
  const seconds = (data.t_end - data.t_first) / 1e9;
  const tokensPerSec = seconds > 0 ? TOKENS / seconds : NaN;
  return {
    rows: [
      { key: 'chat_render_tps', label: `chat: stream rendered in the panel, tokens/s (${TOKENS.toLocaleString('en-US')} tokens)`, unit: '/s', value: tokensPerSec, target: { min: 2000 } },
      { key: 'chat_input_latency', label: 'chat: key typed while the answer streams → handled', unit: 'ms', stats: summarize(data.keys), target: { stat: 'p99', max: 16 } },
    ],
  };
}
