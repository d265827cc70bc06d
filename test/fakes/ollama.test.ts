// Fidelity of the fake Ollama: the official `ollama` client must work against it unchanged, and the
// raw wire must match providers.md §1 / §9.1.
import { Ollama } from 'ollama';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeOllama, type FakeOllama, type FakeOllamaOptions } from './index.js';
import { ndjsonLines } from './wire.js';

const servers: FakeOllama[] = [];
async function start(opts: FakeOllamaOptions = {}): Promise<{ fake: FakeOllama; ollama: Ollama }> {
  const fake = await createFakeOllama(opts);
  servers.push(fake);
  return { fake, ollama: new Ollama({ host: fake.url }) };
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const user = [{ role: 'user', content: 'Say hello' }];

describe('fake Ollama with the official ollama client', () => {
  it('streams a chat and ends with done:true, done_reason and counters (zero ones omitted)', async () => {
    const { fake, ollama } = await start({ reply: { tokens: ['Hel', 'lo', ' <world>'], promptTokens: 17 } });
    const stream = await ollama.chat({ model: 'llama3.2', messages: user, stream: true });
    let text = '';
    const parts = [];
    for await (const part of stream) {
      text += part.message.content;
      parts.push(part);
    }
    expect(text).toBe('Hello <world>');
    const last = parts[parts.length - 1]!;
    expect(last.done).toBe(true);
    expect(last.done_reason).toBe('stop');
    expect(last.prompt_eval_count).toBe(17);
    expect(last.eval_count).toBe(3);
    expect(last.eval_duration).toBeGreaterThan(0);
    expect(Number.isInteger(last.total_duration)).toBe(true);
    expect('load_duration' in last).toBe(false); // warm model: 0 → omitted (Go omitempty)
    expect(parts.slice(0, -1).every((p) => p.done === false)).toBe(true);
    const req = await fake.waitForRequest((r) => r.path === '/api/chat');
    expect(req.body).toMatchObject({ model: 'llama3.2', stream: true, messages: user });
  });

  it('answers a non-streamed chat with the whole message and metrics', async () => {
    const { ollama } = await start({ reply: 'One two three' });
    const res = await ollama.chat({ model: 'llama3.2', messages: user, stream: false });
    expect(res.message).toEqual({ role: 'assistant', content: 'One two three' });
    expect(res.done).toBe(true);
    expect(res.eval_count).toBe(3);
  });

  it('reports load_duration when the script says the model was cold', async () => {
    const { ollama } = await start({ reply: { tokens: ['x'], durationsNs: { load: 5_000_000_000 } } });
    const res = await ollama.chat({ model: 'llama3.2', messages: user, stream: false });
    expect(res.load_duration).toBe(5_000_000_000);
    expect(res.total_duration).toBeGreaterThan(5_000_000_000);
  });

  it('streams FIM through /api/generate with suffix on an insert-capable model', async () => {
    const { fake, ollama } = await start({ reply: ['    a, b = b, a % b\n', '    result = a'] });
    const stream = await ollama.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'def gcd(a, b):\n', suffix: '\n    return result', stream: true });
    let text = '';
    let last;
    for await (const part of stream) {
      text += part.response;
      last = part;
    }
    expect(text).toBe('    a, b = b, a % b\n    result = a');
    expect(last!.done).toBe(true);
    expect(last!.done_reason).toBe('stop');
    expect(last!.eval_count).toBe(2);
    expect(Array.isArray(last!.context)).toBe(true);
    const req = await fake.waitForRequest((r) => r.path === '/api/generate');
    expect(req.body.suffix).toBe('\n    return result');
  });

  it('rejects suffix on a model without the insert capability, like Ollama', async () => {
    const { ollama } = await start();
    await expect(ollama.generate({ model: 'llama3.2', prompt: 'a', suffix: 'b', stream: false })).rejects.toMatchObject({
      name: 'ResponseError',
      status_code: 400,
      error: 'registry.ollama.ai/library/llama3.2:latest does not support insert',
    });
  });

  it('raises the real not-found error for a model that is not pulled (chat and generate)', async () => {
    const { ollama } = await start();
    await expect(ollama.chat({ model: 'llama3', messages: user, stream: true })).rejects.toMatchObject({
      status_code: 404,
      message: "model 'llama3' not found",
    });
    await expect(ollama.generate({ model: 'llama3', prompt: 'x' })).rejects.toMatchObject({ status_code: 404, message: "model 'llama3' not found" });
    await expect(ollama.show({ model: 'nope:7b' })).rejects.toMatchObject({ status_code: 404, message: "model 'nope:7b' not found" });
  });

  it('serves list(), ps(), show() and version()', async () => {
    const { ollama } = await start({
      version: '0.12.6',
      models: [
        { name: 'qwen2.5-coder:1.5b', capabilities: ['completion', 'insert'], contextLength: 32768, details: { family: 'qwen2', parameter_size: '1.5B' } },
        { name: 'llama3.2', capabilities: ['completion', 'tools'], loaded: true },
      ],
    });
    expect(await ollama.version()).toEqual({ version: '0.12.6' });

    const list = await ollama.list();
    expect(list.models.map((m) => m.name)).toEqual(['qwen2.5-coder:1.5b', 'llama3.2:latest']);
    const q = list.models[0]!;
    expect(q.details).toEqual({ parent_model: '', format: 'gguf', family: 'qwen2', families: ['qwen2'], parameter_size: '1.5B', quantization_level: 'Q4_K_M' });
    expect(q.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(typeof q.size).toBe('number');

    expect((await ollama.ps()).models.map((m) => m.name)).toEqual(['llama3.2:latest']);
    await ollama.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'x', stream: false });
    const ps = await ollama.ps();
    expect(ps.models.map((m) => m.name).sort()).toEqual(['llama3.2:latest', 'qwen2.5-coder:1.5b']);
    expect(ps.models[0]).toHaveProperty('expires_at');
    expect(ps.models[0]).toHaveProperty('size_vram');

    const show = await ollama.show({ model: 'qwen2.5-coder:1.5b' });
    expect(show.capabilities).toEqual(['completion', 'insert']);
    expect(show.template).toContain('.Suffix');
    expect(show.model_info).toMatchObject({ 'general.architecture': 'qwen2', 'qwen2.context_length': 32768 });
    const plain = await ollama.show({ model: 'llama3.2' });
    expect(plain.template).not.toContain('.Suffix');
  });

  it('returns tool calls whole, with object arguments', async () => {
    const { ollama } = await start({ reply: { toolCalls: [{ name: 'get_weather', arguments: { city: 'Tokyo' } }] } });
    const tools = [{ type: 'function', function: { name: 'get_weather', description: 'w', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    const res = await ollama.chat({ model: 'llama3.2', messages: user, tools, stream: false });
    expect(res.message.tool_calls?.[0]?.function).toMatchObject({ name: 'get_weather', arguments: { city: 'Tokyo' } });

    const stream = await ollama.chat({ model: 'llama3.2', messages: user, tools, stream: true });
    const calls = [];
    for await (const part of stream) calls.push(...(part.message.tool_calls ?? []));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.function.arguments).toEqual({ city: 'Tokyo' });

    // tools on a model without the capability
    await expect(ollama.chat({ model: 'qwen2.5-coder:1.5b', messages: user, tools })).rejects.toMatchObject({
      status_code: 400,
      message: 'registry.ollama.ai/library/qwen2.5-coder:1.5b does not support tools',
    });
  });

  it('surfaces a mid-stream {"error"} line as an error in the client', async () => {
    const { fake, ollama } = await start({ reply: ['a', 'b', 'c'] });
    fake.setFaults({ midStreamErrorAt: 1 });
    const stream = await ollama.chat({ model: 'llama3.2', messages: user, stream: true });
    const got: string[] = [];
    await expect(
      (async () => {
        for await (const part of stream) got.push(part.message.content);
      })(),
    ).rejects.toThrow('an error was encountered while running the model');
    expect(got).toEqual(['a']);
  });
});

describe('fake Ollama raw wire', () => {
  it('GET / and HEAD / answer "Ollama is running" as text/plain', async () => {
    const { fake } = await start();
    const get = await fetch(`${fake.url}/`);
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await get.text()).toBe('Ollama is running');
    const head = await fetch(`${fake.url}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('17');
    expect(await head.text()).toBe('');
  });

  it('streams NDJSON: application/x-ndjson, \\n-terminated lines, Go HTML escaping, field order', async () => {
    const { fake } = await start({ reply: ['<PRE>', ' & more'] });
    const res = await fetch(`${fake.url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'llama3.2', messages: user }) });
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const text = await res.text();
    expect(text.endsWith('}\n')).toBe(true);
    const lines = ndjsonLines(text);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain('"content":"\\u003cPRE\\u003e"');
    expect(lines[1]).toContain('"content":" \\u0026 more"');
    const first = JSON.parse(lines[0]!);
    expect(Object.keys(first)).toEqual(['model', 'created_at', 'message', 'done']);
    expect(first.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
    const last = JSON.parse(lines[2]!);
    expect(Object.keys(last)).toEqual([
      'model',
      'created_at',
      'message',
      'done',
      'done_reason',
      'total_duration',
      'prompt_eval_count',
      'prompt_eval_duration',
      'eval_count',
      'eval_duration',
    ]);
    expect(last.message).toEqual({ role: 'assistant', content: '' });
  });

  it('stream:false answers one application/json; charset=utf-8 object with content-length', async () => {
    const { fake } = await start({ reply: 'ok' });
    const res = await fetch(`${fake.url}/api/generate`, {
      method: 'POST',
      body: JSON.stringify({ model: 'qwen2.5-coder:1.5b', prompt: 'x', stream: false }),
    });
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = await res.text();
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(body)));
    const obj = JSON.parse(body);
    expect(Object.keys(obj).slice(0, 6)).toEqual(['model', 'created_at', 'response', 'done', 'done_reason', 'context']);
    expect(obj.response).toBe('ok');
  });

  it('an empty prompt / empty messages only loads (or with keep_alive 0 unloads) the model', async () => {
    const { fake } = await start();
    const post = async (path: string, body: unknown) => {
      const r = await fetch(`${fake.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
      expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
      return r.json();
    };
    expect(await post('/api/generate', { model: 'llama3.2' })).toMatchObject({ response: '', done: true, done_reason: 'load' });
    expect(await post('/api/generate', { model: 'llama3.2', keep_alive: 0 })).toMatchObject({ done: true, done_reason: 'unload' });
    expect(await post('/api/chat', { model: 'llama3.2', messages: [] })).toMatchObject({ message: { role: 'assistant', content: '' }, done_reason: 'load' });
  });

  it('400s like Ollama for a missing body, bad JSON, missing model and raw mode with template', async () => {
    const { fake } = await start();
    const post = async (body: string) => {
      const r = await fetch(`${fake.url}/api/generate`, { method: 'POST', body });
      return { status: r.status, body: await r.json() };
    };
    expect(await post('')).toEqual({ status: 400, body: { error: 'missing request body' } });
    expect(await post('nope')).toEqual({ status: 400, body: { error: "invalid character 'n' looking for beginning of value" } });
    expect(await post('{}')).toEqual({ status: 400, body: { error: 'model is required' } });
    expect(await post(JSON.stringify({ model: 'llama3.2', prompt: 'x', raw: true, template: 't' }))).toEqual({
      status: 400,
      body: { error: 'raw mode does not support template, system, or context' },
    });
  });

  it('unknown routes get gin\'s text/plain 404', async () => {
    const { fake } = await start();
    const r = await fetch(`${fake.url}/api/nothing`);
    expect(r.status).toBe(404);
    expect(await r.text()).toBe('404 page not found');
  });
});
