// generate, as a plugin feature will use it: from Lua, through the real host, to a fake
// Ollama on 127.0.0.1 — progress streams in batches, cancel closes the socket, errors read well.
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeOllama, type FakeOllama } from '../fakes/index.js';
import { startNvim, type Session } from './harness.js';

let s: Session | undefined;
let ollama: FakeOllama | undefined;
afterEach(async () => {
  await s?.close();
  await ollama?.close();
  s = undefined;
  ollama = undefined;
});

async function setup(x: Session, endpoint: string) {
  await x.lua(`require('zeke').setup({
    host = { start_delay_ms = -1 },
    config_file = false,
    providers = { ollama = { endpoints = { '${endpoint}' } } },
    aliases = { ['code-fast'] = 'ollama:qwen2.5-coder:1.5b' },
  })`);
}

const START = `
  _G.progress, _G.answer = {}, nil
  _G.req = require('zeke').request('generate', {
    model = ...,
    messages = { { role = 'user', content = 'write hello world' } },
  }, function(err, res) _G.answer = { err = err, res = res, progress_seen = #_G.progress } end,
  { on_progress = function(parts) table.insert(_G.progress, parts) end })`;

describe('generate', () => {
  it('streams parts to on_progress in batches, then answers with text, usage and cost', async () => {
    const words = Array.from({ length: 40 }, (_, i) => `word${i} `);
    ollama = await createFakeOllama({ reply: words });
    // 40 words over ~800 ms: many 16 ms frames even on a loaded machine.
    ollama.setFaults({ chunkDelayMs: 20 });
    s = await startNvim();
    await setup(s, ollama.url);
    // A first request warms the host (it loads routing, SQLite and the provider on first use);
    // a cold host busy loading would take the whole stream in one batch.
    await s.lua(START, ['code-fast']);
    await s.waitForLua('_G.answer');
    ollama.requests.length = 0;
    await s.lua(START, ['code-fast']);
    const answer = await s.waitForLua<any>('_G.answer');
    expect(answer.err).toBeUndefined();
    expect(answer.res.text).toBe(words.join(''));
    expect(answer.res).toMatchObject({ provider: 'ollama', model: 'qwen2.5-coder:1.5b', alias: 'code-fast', finish_reason: 'stop' });
    expect(answer.res.usage.outputTokens).toBeGreaterThan(0);
    expect(answer.res.cost.usd).toBe(0);
    // Progress arrived before the answer, batched: fewer messages than parts.
    const batches = await s.lua<any[][]>('return _G.progress');
    expect(answer.progress_seen).toBe(batches.length);
    const parts = batches.flat();
    const text = parts.filter((p) => p.type === 'text-delta').map((p) => p.text).join('');
    expect(text).toBe(words.join(''));
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.length).toBeLessThan(parts.length);
    expect(parts[0].type).toBe('response-metadata');
    expect(parts.at(-1).type).toBe('finish');
    // What the fake received is what we asked for.
    const req = ollama.requests.find((r) => r.path === '/api/chat')!;
    expect(req.body).toMatchObject({ model: 'qwen2.5-coder:1.5b', stream: true, messages: [{ role: 'user', content: 'write hello world' }] });
  });

  it('cancel stops the stream at the socket; no progress or answer after it', async () => {
    ollama = await createFakeOllama({ reply: ['a', 'b', 'c', 'd'] });
    ollama.setFaults({ stallAfterChunks: 2 });
    s = await startNvim();
    await setup(s, ollama.url);
    await s.lua(START, ['code-fast']);
    await ollama.waitForStall();
    await s.lua("require('zeke').cancel(_G.req)");
    const answer = await s.waitForLua<any>('_G.answer');
    expect(answer.err.code).toBe('cancelled');
    await ollama.waitForDisconnect();
    const seen = await s.lua<number>('return #_G.progress');
    // A ping through the same channel proves any late message would have arrived by now.
    await s.lua("require('zeke').request('ping', nil, function() _G.pinged = true end)");
    await s.waitForLua('_G.pinged');
    expect(await s.lua<number>('return #_G.progress')).toBe(seen);
  });

  it('an unknown alias and a dead endpoint are clear errors', async () => {
    ollama = await createFakeOllama();
    const dead = ollama.url;
    await ollama.close();
    ollama = undefined;
    s = await startNvim();
    await setup(s, dead);
    await s.lua(START, ['nonsense']);
    let answer = await s.waitForLua<any>('_G.answer');
    expect(answer.err.code).toBe('config');
    expect(answer.err.message).toMatch(/unknown model "nonsense": not an alias \(.*code-fast.*\), "auto", nor a provider:model ref/);
    // Asked again, before or after the background model-list refresh has marked the endpoint
    // down: the named model is tried anyway and the error names the address.
    for (let i = 0; i < 3; i++) {
      await s.lua(START, ['code-fast']);
      answer = await s.waitForLua<any>('_G.answer');
      expect(answer.err.code).toBe('unreachable');
      expect(answer.err.message).toContain(dead);
    }
  });
});
