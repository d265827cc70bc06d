// Fidelity of the fake OMEN against ghost-stack.md §2 / §5: its routes and bodies, the
// request shapes OMEN's serde types reject, stream framing per provider, the switches, auth,
// and the official `openai` SDK streaming from it unchanged.
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeOmen, omenChatBodyError, type FakeOmen, type FakeOmenOptions } from './index.js';
import { sseEvents } from './wire.js';

const servers: FakeOmen[] = [];
async function start(opts: FakeOmenOptions = {}): Promise<FakeOmen> {
  const fake = await createFakeOmen(opts);
  servers.push(fake);
  return fake;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const user = [{ role: 'user', content: 'Say hello' }];
const post = (fake: FakeOmen, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${fake.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('fake OMEN: routes and bodies (§2.2, §2.6)', () => {
  it('/v1/models lists OMEN Model objects, with no "auto" entry', async () => {
    const fake = await start();
    const res = await fetch(`${fake.baseURL}/models`);
    expect(res.status).toBe(200);
    const json = (await res.json()) as { object: string; data: Array<Record<string, unknown>> };
    expect(json.object).toBe('list');
    expect(json.data.map((m) => m.id)).toEqual(['qwen2.5-coder:7b', 'deepseek-coder:14b', 'gpt-4o-mini', 'claude-sonnet-4-5-20250929']);
    expect(json.data.map((m) => m.id)).not.toContain('auto');
    expect(json.data[0]).toEqual({
      id: 'qwen2.5-coder:7b',
      object: 'model',
      created: 1760000000,
      owned_by: 'ollama',
      provider: 'ollama',
      context_length: 32768,
      pricing: { input_per_1k: 0, output_per_1k: 0 },
      capabilities: { vision: false, functions: false, streaming: true },
    });
  });

  it('/health is always 200 with status and providers[]; /ready is 503 "degraded" when no provider is healthy', async () => {
    const fake = await start({ providers: [{ id: 'ollama' }, { id: 'anthropic', healthy: false }] });
    const health = await fetch(`${fake.url}/health`);
    expect(health.status).toBe(200);
    const h = (await health.json()) as { status: string; service: string; version: string; timestamp: string; providers: unknown[] };
    expect(h).toMatchObject({ status: 'healthy', service: 'OMEN', version: '0.1.0' });
    expect(h.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    expect(h.providers).toEqual([
      { id: 'ollama', name: 'Ollama', healthy: true, models_count: 2, latency_ms: 40, avg_cost_per_1k: 0, success_rate: 1 },
      { id: 'anthropic', name: 'Anthropic', healthy: false, models_count: 1, latency_ms: 350, avg_cost_per_1k: 0.003, success_rate: 0 },
    ]);
    const ready = await fetch(`${fake.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', providers_ready: 1, providers_total: 2, cache_connected: false });

    for (const p of fake.providers) p.healthy = false;
    expect((await ((await fetch(`${fake.url}/health`)).json()) as { status: string }).status).toBe('unhealthy');
    const down = await fetch(`${fake.url}/ready`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: 'degraded', providers_ready: 0 });
  });

  it('/omen/providers/scores is a bare array by OMEN\'s formula, best first', async () => {
    const fake = await start({ providers: [{ id: 'anthropic', latency_ms: 1000 }, { id: 'ollama', latency_ms: 0 }, { id: 'openai', healthy: false }] });
    const scores = (await (await fetch(`${fake.url}/omen/providers/scores`)).json()) as Array<Record<string, unknown>>;
    expect(Array.isArray(scores)).toBe(true);
    expect(scores.map((s) => s.provider_id)).toEqual(['ollama', 'anthropic', 'openai']);
    // ollama: 0.4·100 + 0.3·100 + 0.2·100 + 0.1·100
    expect(scores[0]).toEqual({ provider_id: 'ollama', provider_name: 'Ollama', health_score: 100, latency_ms: 0, cost_score: 100, reliability_score: 100, overall_score: 100, recommended: true });
    // anthropic: latency (5000−1000)/50 = 80, cost (20−0.003)/0.2 → 99.985
    expect(scores[1]!.overall_score).toBeCloseTo(0.4 * 100 + 0.3 * 80 + 0.2 * 99.985 + 0.1 * 100, 6);
    expect(scores[2]).toMatchObject({ health_score: 0, reliability_score: 0, recommended: false });
  });

  it('/status, /omen/providers, /omen/providers/:id/health (503 for an unknown id), and an empty 404 for routes OMEN lacks', async () => {
    const fake = await start();
    expect(await (await fetch(`${fake.url}/status`)).json()).toMatchObject({ status: 'running', providers_count: 3, models_count: 4, requests_today: 0 });
    expect(((await (await fetch(`${fake.url}/omen/providers`)).json()) as { providers: unknown[] }).providers).toHaveLength(3);
    expect(await (await fetch(`${fake.url}/omen/providers/ollama/health`)).json()).toMatchObject({ provider_id: 'ollama', healthy: true });
    const unknown = await fetch(`${fake.url}/omen/providers/nope/health`);
    expect(unknown.status).toBe(503);
    expect(await unknown.json()).toEqual({ error: { message: 'Provider unavailable: nope', type: 'api_error', code: 503 } });
    for (const path of ['/omen/stats', '/v1/usage', '/v1/models/gpt-4o-mini', '/v1/files']) {
      const res = await fetch(`${fake.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toBeNull();
      expect(await res.text(), path).toBe('');
    }
  });

  it('/v1/completions is never streamed and reports zero usage; /v1/embeddings returns zero vectors of 1536', async () => {
    const fake = await start({ reply: 'done' });
    const c = (await (await fetch(`${fake.baseURL}/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'qwen2.5-coder:7b', prompt: 'x', suffix: 'y', stream: true }) })).json()) as Record<string, unknown>;
    expect(c).toMatchObject({ object: 'text_completion', choices: [{ text: 'done', index: 0 }], usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } });
    const e = (await (await fetch(`${fake.baseURL}/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'x', input: ['a', 'b'] }) })).json()) as { data: Array<{ embedding: number[] }> };
    expect(e.data).toHaveLength(2);
    expect(e.data[0]!.embedding).toHaveLength(1536);
    expect(e.data[0]!.embedding.every((v) => v === 0)).toBe(true);
  });

  it('non-streamed chat: OMEN\'s struct with nulls; Ollama usage is faked (10 prompt tokens, a word count)', async () => {
    const fake = await start({ reply: { tokens: ['Hello', ' there', ' friend'], promptTokens: 99 } });
    const res = await post(fake, { model: 'qwen2.5-coder:7b', messages: user });
    expect(res.status).toBe(200);
    const json = (await res.json()) as Record<string, unknown>;
    expect(json).toMatchObject({
      object: 'chat.completion',
      model: 'qwen2.5-coder:7b',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there friend', name: null, tool_calls: null, tool_call_id: null }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 },
      system_fingerprint: null,
    });
    expect(json.id).toMatch(/^chatcmpl-[0-9a-f-]{36}$/);
  });
});

describe('fake OMEN: request bodies as serde parses them (§2.3)', () => {
  const base = { model: 'qwen2.5-coder:7b', messages: user };
  const cases: Array<[string, Record<string, unknown>, number, RegExp?]> = [
    ['minimal', base, 200],
    ['tool_choice "auto"', { ...base, tool_choice: 'auto' }, 400, /untagged enum ToolChoice/],
    ['tool_choice "none"', { ...base, tool_choice: 'none' }, 400, /untagged enum ToolChoice/],
    ['tool_choice {type, function:{name}}', { ...base, tools: [{ type: 'function', function: { name: 'f', parameters: {} } }], tool_choice: { type: 'function', function: { name: 'f' } } }, 200],
    ['assistant content null with tool_calls', { ...base, messages: [...user, { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] }, { role: 'tool', tool_call_id: 'c1', content: 'ok' }] }, 400, /untagged enum MessageContent/],
    ['content missing', { ...base, messages: [{ role: 'user' }] }, 400, /missing field `content`/],
    ['content parts', { ...base, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] }, 200],
    ['stream null', { ...base, stream: null }, 400, /stream: invalid type: null, expected a boolean/],
    ['stop as a string', { ...base, stop: '\n\n' }, 400, /stop: invalid type: string "\\n\\n", expected a sequence/],
    ['stop as an array', { ...base, stop: ['\n\n'] }, 200],
    ['tags with a number', { ...base, tags: { n: 1 } }, 400, /tags: invalid type: integer `1`, expected a string/],
    ['tags with a null', { ...base, tags: { project: null } }, 400, /tags: invalid type: null, expected a string/],
    ['tags as strings', { ...base, tags: { intent: 'code', project: 'grim' } }, 200],
    ['full omen object with intent (dropped)', { ...base, omen: { strategy: 'single', k: 2, intent: 'code', providers: ['ollama'], budget_usd: 0.1, max_latency_ms: 2500, stickiness: 'turn', priority_weights: { ollama: 2 }, min_useful_tokens: 5 } }, 200],
    ['omen with a bad type', { ...base, omen: { max_latency_ms: 'soon' } }, 400, /omen: max_latency_ms: invalid type/],
    ['metadata and stream_options (ignored)', { ...base, metadata: { a: 1 }, stream_options: { include_usage: true } }, 200],
    ['omen: {} (parses; means race on streams)', { ...base, omen: {} }, 200],
    ['max_tokens as a float', { ...base, max_tokens: 100.5 }, 400, /max_tokens: invalid type: floating point/],
  ];
  for (const [name, body, status, message] of cases) {
    it(`${name} → ${status}`, async () => {
      const fake = await start();
      const res = await post(fake, body);
      expect(res.status).toBe(status);
      if (status !== 200) {
        const json = (await res.json()) as { error: { message: string; type: string; code: number } };
        expect(json.error).toMatchObject({ type: 'api_error', code: status });
        expect(json.error.message).toMatch(/^Invalid request: /);
        if (message) expect(json.error.message).toMatch(message);
      } else {
        await res.text();
      }
    });
  }

  it('omenChatBodyError agrees with the route', () => {
    expect(omenChatBodyError({ model: 'm', messages: [] })).toBeUndefined();
    expect(omenChatBodyError({ messages: [] })).toBe('missing field `model`');
    expect(omenChatBodyError({ model: 'm', messages: [], tool_choice: 'required' })).toMatch(/ToolChoice/);
  });

  it('model "auto" → 500 "Internal server error" (never resolved); an unlisted model → 404; both as JSON, not SSE', async () => {
    const fake = await start();
    for (const stream of [false, true]) {
      const auto = await post(fake, { model: 'auto', messages: user, stream });
      expect(auto.status).toBe(500);
      expect(auto.headers.get('content-type')).toBe('application/json');
      expect(await auto.json()).toEqual({ error: { message: 'Internal server error', type: 'api_error', code: 500 } });
      const missing = await post(fake, { model: 'ollama:qwen2.5-coder:7b', messages: user, stream });
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ error: { message: 'Model not found: ollama:qwen2.5-coder:7b', type: 'api_error', code: 404 } });
    }
  });

  it('a non-streamed tool-call reply is a 500 (OMEN cannot read content:null)', async () => {
    const fake = await start({ reply: { toolCalls: [{ name: 'f', arguments: {} }] } });
    const res = await post(fake, { model: 'gpt-4o-mini', messages: user });
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: { message: 'Internal server error' } });
  });

  it('records every request, so tests can assert what a client sent', async () => {
    const fake = await start();
    await (await post(fake, { model: 'qwen2.5-coder:7b', messages: user, tags: { intent: 'code' } })).text();
    expect(fake.requests[0]).toMatchObject({ method: 'POST', path: '/v1/chat/completions', body: { tags: { intent: 'code' } } });
    expect(fake.chatBodies).toHaveLength(1);
  });
});

describe('fake OMEN: streams (§2.9) and switches', () => {
  const stream = async (fake: FakeOmen, body: Record<string, unknown>) => {
    const res = await post(fake, { messages: user, stream: true, ...body });
    expect(res.status).toBe(200);
    return { res, text: await res.text() };
  };
  const contents = (text: string) =>
    sseEvents(text)
      .filter((e) => e.event === undefined && e.data !== undefined && e.data !== '[DONE]')
      .map((e) => JSON.parse(e.data!) as { choices: Array<{ delta: { content: string | null }; finish_reason: string | null }> });

  it('Ollama-backed: OMEN chunks (role null, tool_calls null), a finish_reason "stop" chunk, no [DONE], no usage', async () => {
    const fake = await start({ reply: ['one', ' two'] });
    const { res, text } = await stream(fake, { model: 'qwen2.5-coder:7b' });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(text).not.toContain('[DONE]');
    const chunks = contents(text);
    expect(chunks.map((c) => c.choices[0]!.delta.content)).toEqual(['one', ' two', '']);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks[0]).toMatchObject({ object: 'chat.completion.chunk', model: 'qwen2.5-coder:7b', system_fingerprint: null, choices: [{ index: 0, delta: { role: null, tool_calls: null } }] });
    expect(text).not.toContain('usage');
  });

  it('OpenAI-backed: [DONE] passes through', async () => {
    const fake = await start({ reply: ['a', 'b'] });
    const { text } = await stream(fake, { model: 'gpt-4o-mini' });
    expect(sseEvents(text).at(-1)!.data).toBe('[DONE]');
  });

  it('Anthropic-backed: raw Anthropic SSE (event: lines), no [DONE]', async () => {
    const fake = await start({ reply: ['Hi', ' you'] });
    const { text } = await stream(fake, { model: 'claude-sonnet-4-5-20250929' });
    const events = sseEvents(text);
    expect(events.map((e) => e.event)).toEqual(['message_start', 'content_block_start', 'ping', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    expect(text).not.toContain('[DONE]');
  });

  it('switch anthropicFrames: stray Anthropic frames between OpenAI-style chunks', async () => {
    const fake = await start({ reply: ['a', 'b', 'c'], quirks: { anthropicFrames: true } });
    const { text } = await stream(fake, { model: 'qwen2.5-coder:7b' });
    const events = sseEvents(text);
    expect(events.filter((e) => e.event).map((e) => e.event)).toEqual(['ping', 'content_block_delta', 'message_stop']);
    expect(contents(text).map((c) => c.choices[0]!.delta.content).join('')).toBe('abc');
  });

  it('race deadline: an omen object without strategy "single" cuts the stream silently at max_latency_ms (simulated pace)', async () => {
    const tokens = Array.from({ length: 10 }, (_, i) => ` t${i}`);
    const fake = await start({ reply: tokens });
    // omen: {} → race, default deadline 3000 ms at 500 ms per token → 6 tokens, no finish, no [DONE].
    const raced = contents((await stream(fake, { model: 'gpt-4o-mini', omen: {} })).text);
    expect(raced.map((c) => c.choices[0]!.delta.content).join('')).toBe(tokens.slice(0, 6).join(''));
    expect(raced.every((c) => c.choices[0]!.finish_reason === null)).toBe(true);
    const short = contents((await stream(fake, { model: 'gpt-4o-mini', omen: { strategy: 'race', max_latency_ms: 1000 } })).text);
    expect(short.map((c) => c.choices[0]!.delta.content).join('')).toBe(tokens.slice(0, 2).join(''));
    // strategy single: no deadline. No omen object, or no stream: OMEN's plain routing.
    const single = contents((await stream(fake, { model: 'gpt-4o-mini', omen: { strategy: 'single' } })).text);
    expect(single.map((c) => c.choices[0]!.delta.content ?? '').join('')).toBe(tokens.join(''));
    expect(single.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    fake.setQuirks({ raceDeadline: false });
    expect(contents((await stream(fake, { model: 'gpt-4o-mini', omen: {} })).text).at(-1)!.choices[0]!.finish_reason).toBe('stop');
  });

  it('X-OMEN-* headers: none by default (as real OMEN), on with the switch', async () => {
    const fake = await start({ reply: 'x' });
    const plain = await stream(fake, { model: 'gpt-4o-mini' });
    expect([...plain.res.headers.keys()].filter((k) => k.startsWith('x-omen'))).toEqual([]);
    fake.setQuirks({ traceHeaders: true });
    const traced = await stream(fake, { model: 'gpt-4o-mini' });
    expect(traced.res.headers.get('x-omen-provider')).toBe('openai');
    expect(traced.res.headers.get('x-omen-model')).toBe('gpt-4o-mini');
    expect(Number(traced.res.headers.get('x-omen-cost-usd'))).toBeGreaterThan(0);
  });

  it('a mid-stream failure ends the stream silently (no error event)', async () => {
    const fake = await start({ reply: ['a', 'b', 'c', 'd'], faults: { midStreamErrorAt: 2 } });
    const { text } = await stream(fake, { model: 'qwen2.5-coder:7b' });
    expect(contents(text).map((c) => c.choices[0]!.delta.content)).toEqual(['a', 'b']);
    expect(text).not.toMatch(/error/);
  });
});

describe('fake OMEN: auth (§2.8)', () => {
  it('off by default: no key needed anywhere', async () => {
    const fake = await start();
    expect((await fetch(`${fake.baseURL}/models`)).status).toBe(200);
  });

  it('on: Bearer or x-api-key must equal the master key, else 401 with an empty body; /health, /ready, /status stay public', async () => {
    const fake = await start({ apiKey: 'omen-master' });
    const none = await fetch(`${fake.baseURL}/models`);
    expect(none.status).toBe(401);
    expect(await none.text()).toBe('');
    expect((await fetch(`${fake.baseURL}/models`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${fake.baseURL}/models`, { headers: { authorization: 'Bearer omen-master' } })).status).toBe(200);
    expect((await fetch(`${fake.baseURL}/models`, { headers: { 'x-api-key': 'omen-master' } })).status).toBe(200);
    expect((await fetch(`${fake.url}/omen/providers/scores`)).status).toBe(401);
    for (const path of ['/health', '/ready', '/status']) expect((await fetch(`${fake.url}${path}`)).status, path).toBe(200);
  });
});

describe('fake OMEN with the official openai SDK', () => {
  const sdk = (fake: FakeOmen, apiKey = 'unused') => new OpenAI({ apiKey, baseURL: fake.baseURL, maxRetries: 0, timeout: 10_000 });

  it('streams an Ollama-backed answer that ends without [DONE], without error', async () => {
    const fake = await start({ reply: ['Hel', 'lo', ' there'] });
    const stream = await sdk(fake).chat.completions.create({ model: 'qwen2.5-coder:7b', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    const finish: string[] = [];
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      const f = chunk.choices[0]?.finish_reason;
      if (f) finish.push(f);
    }
    expect(text).toBe('Hello there');
    expect(finish).toEqual(['stop']);
  });

  it('streams through stray Anthropic frames (they arrive as objects without choices)', async () => {
    const fake = await start({ reply: ['a', 'b', 'c'], quirks: { anthropicFrames: true } });
    const stream = await sdk(fake).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices?.[0]?.delta?.content ?? '';
    expect(text).toBe('abc');
  });

  it('non-streamed chat, model list, a 400 BadRequestError for tool_choice "auto", a 401 with auth on', async () => {
    const fake = await start({ reply: 'ok' });
    const client = sdk(fake);
    const res = await client.chat.completions.create({ model: 'qwen2.5-coder:7b', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.choices[0]?.message.content).toBe('ok');
    expect((await client.models.list()).data.map((m) => m.id)).toContain('gpt-4o-mini');
    const err = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'f', parameters: {} } }], tool_choice: 'auto' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toMatch(/untagged enum ToolChoice/);

    const locked = await start({ apiKey: 'k1' });
    await expect(sdk(locked, 'k2').models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    expect((await sdk(locked, 'k1').models.list()).data.length).toBe(4);
  });
});
