// The Anthropic provider end to end: recorded streams replayed over HTTP and byte by byte
// (parts and the request we sent, as snapshot files), fidelity with the official SDK against
// the fake server, the fault matrix, the model list and health, and where the key may go.
import { readFileSync } from 'node:fs';
import Anthropic from '@anthropic-ai/sdk';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeAnthropic, createFakeServer, reply, streamReply, type FakeAnthropic, type FakeAnthropicOptions, type FakeServer } from '../../../test/fakes/index.js';
import type { ResolvedProvider } from '../../config/index.js';
import { Secret } from '../../config/secret.js';
import { createLogger } from '../../log/logger.js';
import type { ChatRequest, ProviderClient, StreamPart } from '../../provider/index.js';
import { guardStream, sseEvents } from '../shared/index.js';
import { anthropicStream } from './anthropic-stream.js';
import { createAnthropicProvider } from './index.js';

const KEY = 'sk-ant-api03-test-key-0123456789';
const servers: FakeServer[] = [];
const agents: Agent[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(agents.splice(0).map((a) => a.close()));
});

function providerFor(baseUrl: string, opts: { key?: string | null; keySource?: string; prices?: ResolvedProvider['prices'] } = {}): ProviderClient {
  const agent = new Agent({ keepAliveTimeout: 30_000 });
  agents.push(agent);
  const provider: ResolvedProvider = {
    name: 'anthropic',
    kind: 'anthropic',
    enabled: true,
    configured: true,
    baseUrl,
    endpoints: [],
    deployments: {},
    timeoutMs: 10_000,
    prices: opts.prices ?? {},
    apiKey: new Secret(opts.key === null ? undefined : (opts.key ?? KEY), opts.keySource ?? 'env:ANTHROPIC_API_KEY'),
  };
  return createAnthropicProvider({ provider, dispatcher: agent, log: createLogger({ stderr: false }) });
}

async function fake(opts: FakeAnthropicOptions = {}) {
  const f = await createFakeAnthropic({ apiKey: KEY, ...opts });
  servers.push(f);
  return f;
}

async function collect(stream: AsyncIterable<StreamPart>, onPart?: (p: StreamPart) => void): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const p of stream) {
    parts.push(p);
    onPart?.(p);
  }
  return parts;
}

const textOf = (parts: StreamPart[]) => parts.map((p) => (p.type === 'text-delta' ? p.text : '')).join('');
const last = (parts: StreamPart[]) => parts[parts.length - 1]!;
const errorOf = (parts: StreamPart[]) => {
  const end = last(parts);
  if (end.type !== 'error') throw new Error(`expected an error part, got ${JSON.stringify(end)}`);
  return end.error;
};
/** ttfbMs and request ids vary run to run; everything else in a snapshot must not. */
const stable = (parts: StreamPart[]) => parts.map((p) => (p.type === 'response-metadata' ? { ...p, ttfbMs: 0 } : p));
const signal = () => new AbortController().signal;
const ask = (extra: Partial<ChatRequest> = {}): ChatRequest => ({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'Say hello' }], signal: signal(), ...extra });

// ---------------------------------------------------------------------------------------------

const weatherTool = {
  name: 'get_weather',
  description: 'Get the current weather in a given location',
  parameters: { type: 'object', properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['location'] },
};

/** Each recorded stream, with the request that (in this replay) produced it. */
const FIXTURES: Record<string, Omit<ChatRequest, 'signal'>> = {
  text: {
    model: 'claude-sonnet-4-5',
    messages: [
      { role: 'system', content: 'You are a terse assistant.' },
      { role: 'user', content: 'Hello' },
    ],
    maxTokens: 1024,
    temperature: 0.2,
    stop: ['\n\nHuman:'],
  },
  'tool-use': {
    model: 'claude-sonnet-4-5',
    messages: [{ role: 'user', content: 'What is the weather in San Francisco and in Paris?' }],
    tools: [weatherTool],
  },
  thinking: {
    model: 'claude-sonnet-4-5',
    messages: [
      { role: 'system', content: 'Answer in Fahrenheit.' },
      { role: 'user', content: 'Weather in SF?' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', arguments: '{"location": "San Francisco, CA"}' }] },
      { role: 'tool', toolCallId: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', content: '15 degrees' },
      { role: 'user', content: 'And in °F?' },
    ],
    tools: [weatherTool],
    stop: ['\n', 'END'],
  },
  'cache-usage': {
    model: 'claude-sonnet-4-5',
    messages: [
      { role: 'system', content: 'You explain code. The repository follows.\n<file path="src/config/resolve.ts">…</file>' },
      { role: 'user', content: 'What does parseConfig do?' },
    ],
    maxTokens: 64,
  },
  overloaded: { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Explain closures.' }] },
  truncated: { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Write /tmp/x' }], tools: [{ name: 'write_file', parameters: { type: 'object' } }] },
};

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}.stream.txt`, import.meta.url));

describe('recorded streams', () => {
  for (const [name, request] of Object.entries(FIXTURES)) {
    it(`${name}: parts and the request body sent`, async () => {
      const bytes = fixture(name);
      // Over HTTP, one write per event, as the API flushes them.
      const events = bytes.toString('utf8').split(/(?<=\n\n)/);
      const server = await createFakeServer({
        routes: { 'POST /v1/messages': () => streamReply('text/event-stream; charset=utf-8', events, { 'request-id': 'req_011CfixtureFixtureFixtur' }) },
        notFound: () => reply(404, 'application/json', '{}'),
        errorReply: (status) => reply(status, 'application/json', '{}'),
      });
      servers.push(server);
      const parts = await collect(providerFor(server.url).chat({ ...request, signal: signal() }));
      await expect(JSON.stringify(stable(parts), null, 2) + '\n').toMatchFileSnapshot(`./__fixtures__/${name}.parts.json`);
      await expect(JSON.stringify(server.requests[0]!.body, null, 2) + '\n').toMatchFileSnapshot(`./__fixtures__/${name}.request.json`);

      // Byte by byte in 7-byte slices: events, lines and UTF-8 characters split anywhere.
      async function* slices() {
        for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7);
      }
      const metadata = parts[0] as Extract<StreamPart, { type: 'response-metadata' }>;
      const replayed = await collect(
        guardStream(
          'anthropic',
          signal(),
          anthropicStream(sseEvents(slices(), { provider: 'anthropic' }), { provider: 'anthropic', model: request.model, metadata: { ...metadata, model: undefined }, priceFor: () => undefined }),
        ),
      );
      const withoutCost = (ps: StreamPart[]) => ps.map((p) => (p.type === 'finish' ? { ...p, cost: undefined } : p));
      expect(withoutCost(replayed)).toEqual(withoutCost(parts));
    });
  }

  it('the recorded parts say what a user would see', async () => {
    const read = (name: string) => JSON.parse(readFileSync(new URL(`./__fixtures__/${name}.parts.json`, import.meta.url), 'utf8')) as StreamPart[];
    const text = read('text');
    expect(text[0]).toMatchObject({ type: 'response-metadata', status: 200, model: 'claude-sonnet-4-5-20250929', requestId: 'req_011CfixtureFixtureFixtur' });
    expect(textOf(text)).toBe('Hello! How can I help with your code today? 👋 Grüße');
    expect(last(text)).toMatchObject({ type: 'finish', reason: 'stop', rawReason: 'end_turn', usage: { inputTokens: 25, outputTokens: 15 }, cost: { usd: 0.0003 } });

    const tools = read('tool-use').filter((p) => p.type === 'tool-call');
    expect(tools).toEqual([
      { type: 'tool-call', index: 0, call: { id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', arguments: '{"location": "San Francisco, CA", "unit": "celsius"}' } },
      { type: 'tool-call', index: 1, call: { id: 'toolu_01A09q90qw90lq917835lq9X', name: 'get_weather', arguments: '{"location": "Paris, France"}' } },
    ]);
    expect(last(read('tool-use'))).toMatchObject({ type: 'finish', reason: 'tool-calls' });

    const thinking = read('thinking');
    expect(thinking.filter((p) => p.type === 'reasoning-delta').map((p) => (p as { text: string }).text).join('')).toBe(
      'The tool said 15 degrees in San Francisco. The user asked for Fahrenheit: 15 * 9/5 + 32 = 59.',
    );
    expect(last(thinking)).toMatchObject({ usage: { outputTokens: 71, reasoningTokens: 52 } });

    // input_tokens excludes the cache: ours counts the whole prompt, split by how it is billed.
    const cache = last(read('cache-usage'));
    expect(cache).toMatchObject({ type: 'finish', reason: 'length', usage: { inputTokens: 12 + 1830 + 24000, cachedInputTokens: 24000, cacheWriteTokens: 1830, outputTokens: 64 } });
    expect((cache as { cost: { usd: number } }).cost.usd).toBeCloseTo((12 * 3 + 24000 * 0.3 + 1830 * 3.75 + 64 * 15) / 1e6, 12);

    expect(last(read('overloaded'))).toMatchObject({ type: 'error', error: { code: 'overloaded', retryable: true, providerCode: 'overloaded_error' } });
    expect(textOf(read('overloaded'))).toBe('Here is the first part of the answer');
    expect(last(read('truncated'))).toMatchObject({ type: 'error', error: { code: 'stream', message: expect.stringContaining('before message_stop') } });
    expect(read('truncated').some((p) => p.type === 'tool-call')).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------

describe('fidelity: the official SDK and our provider read the same fake the same way', () => {
  it('text, thinking, tool calls and cache usage', async () => {
    const f = await fake({
      reply: {
        thinking: ['Two cities, ', 'two calls.'],
        tokens: ['Checking ', 'both.'],
        toolCalls: [
          { name: 'get_weather', arguments: { location: 'San Francisco, CA', unit: 'celsius' }, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6' },
          { name: 'get_weather', arguments: { location: 'Paris, France', note: 'say "bonjour"' }, id: 'toolu_01A09q90qw90lq917835lq9X' },
        ],
        promptTokens: 40,
        cachedTokens: 1000,
        cacheWriteTokens: 200,
        completionTokens: 77,
      },
    });
    const messages = [{ role: 'user' as const, content: 'Weather in SF and Paris?' }];

    const sdk = new Anthropic({ apiKey: KEY, baseURL: f.url, maxRetries: 0 });
    const final = await sdk.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 1024, messages }).finalMessage();

    const parts = await collect(providerFor(f.url).chat({ model: 'claude-haiku-4-5', messages, tools: [weatherTool], signal: signal() }));
    const ours = {
      text: textOf(parts),
      thinking: parts.map((p) => (p.type === 'reasoning-delta' ? p.text : '')).join(''),
      calls: parts.flatMap((p) => (p.type === 'tool-call' ? [{ id: p.call.id, name: p.call.name, input: JSON.parse(p.call.arguments) as unknown }] : [])),
    };
    const theirs = {
      text: final.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join(''),
      thinking: final.content.flatMap((b) => (b.type === 'thinking' ? [b.thinking] : [])).join(''),
      calls: final.content.flatMap((b) => (b.type === 'tool_use' ? [{ id: b.id, name: b.name, input: b.input }] : [])),
    };
    expect(ours).toEqual(theirs);
    expect(ours.calls).toHaveLength(2);

    const end = last(parts);
    expect(end.type).toBe('finish');
    if (end.type !== 'finish') return;
    const u = final.usage;
    expect(end.usage).toEqual({
      inputTokens: u.input_tokens + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0),
      outputTokens: u.output_tokens,
      cachedInputTokens: u.cache_read_input_tokens,
      cacheWriteTokens: u.cache_creation_input_tokens,
    });
    expect(end.rawReason).toBe(final.stop_reason);
    expect(end.cost?.price).toMatchObject({ input: 1, output: 5 });
    expect(parts[0]).toMatchObject({ type: 'response-metadata', model: final.model, requestId: expect.stringMatching(/^req_/) });
  });

  it('create({ stream: true }) and our chat see the same text and stop reason for a max_tokens cut', async () => {
    const f = await fake({ reply: ['one ', 'two ', 'three ', 'four'] });
    const sdk = new Anthropic({ apiKey: KEY, baseURL: f.url, maxRetries: 0 });
    let text = '';
    let stop: string | null = null;
    for await (const ev of await sdk.messages.create({ model: 'claude-haiku-4-5', max_tokens: 2, messages: [{ role: 'user', content: 'count' }], stream: true })) {
      if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') text += ev.delta.text;
      if (ev.type === 'message_delta') stop = ev.delta.stop_reason;
    }
    const parts = await collect(providerFor(f.url).chat(ask({ maxTokens: 2, messages: [{ role: 'user', content: 'count' }] })));
    expect(textOf(parts)).toBe(text);
    expect(last(parts)).toMatchObject({ type: 'finish', reason: 'length', rawReason: stop });
  });
});

// ---------------------------------------------------------------------------------------------

describe('requests', () => {
  it('defaults max_tokens, drops whitespace-only stop sequences, sends version and key headers only', async () => {
    const f = await fake();
    const parts = await collect(providerFor(f.url).chat(ask({ stop: ['\n\n', 'END'] })));
    expect(last(parts)).toMatchObject({ type: 'finish', reason: 'stop' });
    const req = f.requests[0]!;
    expect(req.body).toEqual({ model: 'claude-haiku-4-5', max_tokens: 4096, messages: [{ role: 'user', content: 'Say hello' }], stream: true, stop_sequences: ['END'] });
    expect(req.headers).toMatchObject({ 'x-api-key': KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' });
    expect(req.headers.authorization).toBeUndefined();
  });

  it('two sequential chats and a model list share one connection', async () => {
    const f = await fake();
    const client = providerFor(f.url);
    expect(textOf(await collect(client.chat(ask())))).toBe('Hello from fake Claude.');
    expect(textOf(await collect(client.chat(ask())))).toBe('Hello from fake Claude.');
    await client.listModels({ signal: signal() });
    expect(f.requests).toHaveLength(3);
    expect(f.connections).toBe(1);
  });

  it('the key goes only into x-api-key, to its own base URL, and never into an error message', async () => {
    const f = await fake();
    const client = providerFor(f.url);
    await collect(client.chat(ask()));
    await client.listModels({ signal: signal() });
    await client.health({ signal: signal() });
    f.setFaults({ status: 500, retryAfterMs: 0 });
    const failed = errorOf(await collect(client.chat(ask({ maxRetries: 0 }))));
    for (const r of f.requests) {
      expect(r.headers['x-api-key']).toBe(KEY);
      const elsewhere = JSON.stringify({ ...r.headers, 'x-api-key': undefined }) + r.rawBody + r.path + JSON.stringify(r.query);
      expect(elsewhere).not.toContain(KEY);
    }
    expect(JSON.stringify(failed) + failed.message + (failed.url ?? '')).not.toContain(KEY);

    const wrong = await fake({ apiKey: 'sk-ant-the-right-one' });
    const refused = errorOf(await collect(providerFor(wrong.url).chat(ask())));
    expect(refused.message).not.toContain(KEY);
  });

  it('a conversation with a tool round trip that cannot be sent is a clear error part, not a throw', async () => {
    const f = await fake();
    const parts = await collect(
      providerFor(f.url).chat(
        ask({ messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: '', toolCalls: [{ id: 'toolu_1', name: 'f', arguments: '[1,2]' }] }] }),
      ),
    );
    expect(parts).toHaveLength(1);
    expect(errorOf(parts)).toMatchObject({ code: 'bad_request', message: expect.stringContaining('not a JSON object') });
    expect(f.requests).toHaveLength(0);
  });
});

// ---------------------------------------------------------------------------------------------

describe('fault matrix', () => {
  it('stall mid-stream → idle timeout error, socket closed', async () => {
    const f = await fake({ reply: ['a', 'b', 'c'] });
    f.setFaults({ stallAfterChunks: 4 });
    const parts = await collect(providerFor(f.url).chat(ask({ idleTimeoutMs: 200 })));
    expect(textOf(parts)).toBe('a');
    expect(errorOf(parts)).toMatchObject({ code: 'timeout', retryable: false, message: expect.stringContaining('stalled') });
    await f.waitForDisconnect();
    expect(f.requests).toHaveLength(1);
  });

  it('connection reset mid-stream → stream error', async () => {
    const f = await fake({ reply: ['a', 'b', 'c'] });
    f.setFaults({ resetAfterChunks: 5, chunkDelayMs: 20 });
    const parts = await collect(providerFor(f.url).chat(ask()));
    // Five events were sent (the last is "b"); a loaded machine may lose the tail to the reset.
    expect(['a', 'ab']).toContain(textOf(parts));
    expect(errorOf(parts)).toMatchObject({ code: 'stream', message: expect.stringContaining('broke mid-stream') });
  });

  it('429 with retry-after is retried, then the answer streams', async () => {
    const f = await fake({ reply: 'after the wait' });
    f.setFaults({ status: 429, retryAfter: 0, failTimes: 1 });
    const parts = await collect(providerFor(f.url).chat(ask()));
    expect(textOf(parts)).toBe('after the wait');
    expect(f.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('a 429 that persists → rate_limit error with the server-asked wait', async () => {
    const f = await fake();
    f.setFaults({ status: 429 });
    const err = errorOf(await collect(providerFor(f.url).chat(ask({ maxRetries: 0 }))));
    expect(err).toMatchObject({ code: 'rate_limit', status: 429, retryable: true, retryAfterMs: 1000, providerCode: 'rate_limit_error' });
    expect(err.message).toContain('exceed the rate limit');
  });

  it('529 overloaded before the stream is retried per the shared rules, then succeeds', async () => {
    const f = await fake({ reply: 'ok now' });
    f.setFaults({ status: 529, retryAfterMs: 0, failTimes: 1 });
    const parts = await collect(providerFor(f.url).chat(ask()));
    expect(textOf(parts)).toBe('ok now');
    expect(f.requests.map((r) => r.status)).toEqual([529, 200]);
  });

  it('529 that persists → overloaded, retryable, after maxRetries + 1 attempts', async () => {
    const f = await fake();
    f.setFaults({ status: 529, retryAfterMs: 0 });
    const err = errorOf(await collect(providerFor(f.url).chat(ask({ maxRetries: 2 }))));
    expect(err).toMatchObject({ code: 'overloaded', status: 529, retryable: true, providerCode: 'overloaded_error', message: 'anthropic answered HTTP 529: Overloaded' });
    expect(f.requests).toHaveLength(3);
  });

  it('5xx → server error (retried, then reported)', async () => {
    const f = await fake();
    f.setFaults({ status: 500, retryAfterMs: 0 });
    const err = errorOf(await collect(providerFor(f.url).chat(ask({ maxRetries: 1 }))));
    expect(err).toMatchObject({ code: 'server', status: 500, retryable: true, providerCode: 'api_error' });
    expect(f.requests).toHaveLength(2);
  });

  it('event: error overloaded_error mid-stream → overloaded error part after the text so far', async () => {
    const f = await fake({ reply: ['a', 'b', 'c'] });
    f.setFaults({ midStreamErrorAt: 4 });
    const parts = await collect(providerFor(f.url).chat(ask()));
    expect(textOf(parts)).toBe('a');
    expect(errorOf(parts)).toMatchObject({ code: 'overloaded', retryable: true, providerCode: 'overloaded_error', message: expect.stringContaining('Overloaded') });
    expect(parts.some((p) => p.type === 'finish')).toBe(false);
  });

  it('malformed chunk → bad_response, and the socket is let go', async () => {
    const f = await fake({ reply: ['a', 'b', 'c', 'd', 'e'] });
    f.setFaults({ malformedChunkAt: 3, chunkDelayMs: 20 });
    const parts = await collect(providerFor(f.url).chat(ask()));
    expect(errorOf(parts)).toMatchObject({ code: 'bad_response', message: expect.stringContaining('malformed JSON') });
    await f.waitForDisconnect();
  });

  it('abort mid-stream → cancelled, and the fake sees the disconnect', async () => {
    const f = await fake({ reply: ['a', 'b', 'c', 'd', 'e', 'f'] });
    f.setFaults({ chunkDelayMs: 30 });
    const ac = new AbortController();
    const parts = await collect(providerFor(f.url).chat(ask({ signal: ac.signal })), (p) => {
      if (p.type === 'text-delta') ac.abort();
    });
    expect(errorOf(parts)).toMatchObject({ code: 'cancelled' });
    // Aborted at the first piece; one more may already have been buffered, never the rest.
    expect(['a', 'ab']).toContain(textOf(parts));
    await f.waitForDisconnect();
    expect(f.requests[0]).toMatchObject({ clientDisconnected: true });
  });

  it('oversized event → too_large, and the next chat still works', async () => {
    const f = await fake();
    f.setFaults({ oversizedBodyBytes: 9 * 1024 * 1024, failTimes: 1 });
    const client = providerFor(f.url);
    expect(errorOf(await collect(client.chat(ask())))).toMatchObject({ code: 'too_large' });
    expect(textOf(await collect(client.chat(ask())))).toBe('Hello from fake Claude.');
  });

  it('wrong content-type (a portal page) → bad_response naming what came back', async () => {
    const f = await fake();
    f.setFaults({ wrongContentType: true });
    const err = errorOf(await collect(providerFor(f.url).chat(ask())));
    expect(err).toMatchObject({ code: 'bad_response', message: expect.stringContaining('text/html') });
  });

  // undici's timers are coarse (up to ~0.5 s late), hence the roomy test timeout; nothing here waits on it.
  it('slow first byte beyond the deadline → timeout after the retries; within it → the answer', { timeout: 20_000 }, async () => {
    const f = await fake();
    f.setFaults({ firstByteDelayMs: 5_000 });
    const err = errorOf(await collect(providerFor(f.url).chat(ask({ firstByteTimeoutMs: 100, maxRetries: 1 }))));
    expect(err).toMatchObject({ code: 'timeout', retryable: true, message: expect.stringContaining('no answer') });
    expect(f.requests).toHaveLength(2);
    await f.waitForDisconnect(2);

    f.setFaults({ firstByteDelayMs: 150 });
    const parts = await collect(providerFor(f.url).chat(ask({ firstByteTimeoutMs: 5_000 })));
    expect(textOf(parts)).toBe('Hello from fake Claude.');
    expect((parts[0] as { ttfbMs: number }).ttfbMs).toBeGreaterThanOrEqual(100);
  });

  it('a wrong key → auth error naming where to fix it, not retried; no key says so too', async () => {
    const f = await fake();
    const err = errorOf(await collect(providerFor(f.url, { key: 'sk-ant-wrong-key-9999' }).chat(ask())));
    expect(err).toMatchObject({ code: 'auth', status: 401, retryable: false, providerCode: 'authentication_error' });
    expect(err.message).toBe('anthropic answered HTTP 401: invalid x-api-key; check ANTHROPIC_API_KEY or providers.anthropic.api_key');
    expect(err.message).not.toContain('sk-ant-wrong-key-9999');
    expect(f.requests).toHaveLength(1);

    const none = errorOf(await collect(providerFor(f.url, { key: null }).chat(ask())));
    expect(none.message).toBe('anthropic answered HTTP 401: x-api-key header is required; check ANTHROPIC_API_KEY or providers.anthropic.api_key');
  });

  it('a 401 that is not Anthropic\'s (a proxy) keeps its text and still says where the key goes', async () => {
    const proxy = await createFakeServer({
      routes: {},
      notFound: () => reply(401, 'text/html', '<html><body><h1>401 Authorization Required</h1></body></html>'),
      errorReply: (status) => reply(status, 'text/html', ''),
    });
    servers.push(proxy);
    const err = errorOf(await collect(providerFor(proxy.url).chat(ask())));
    expect(err).toMatchObject({ code: 'auth', message: 'anthropic answered HTTP 401: 401 Authorization Required; check ANTHROPIC_API_KEY or providers.anthropic.api_key' });
  });

  it('an unknown model → model_not_found with the API message', async () => {
    const f = await fake();
    const err = errorOf(await collect(providerFor(f.url).chat(ask({ model: 'claude-x' }))));
    expect(err).toMatchObject({ code: 'model_not_found', status: 404, retryable: false, message: 'anthropic answered HTTP 404: model: claude-x' });
  });

  it('out of credit → quota, not retried', async () => {
    const f = await fake();
    f.setFaults({ status: 400, errorMessage: 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.' });
    const err = errorOf(await collect(providerFor(f.url).chat(ask())));
    expect(err).toMatchObject({ code: 'quota', retryable: false });
    expect(f.requests).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------

describe('models and health', () => {
  it('listModels follows has_more / after_id and maps context window and tools', async () => {
    const f = await fake({ maxPageSize: 2, models: [{ id: 'claude-x-1', max_input_tokens: 1_000_000, capabilities: { image_input: { supported: false } } }, 'claude-x-2', 'claude-x-3'] });
    const models = await providerFor(f.url).listModels({ signal: signal() });
    expect(models.map((m) => m.id)).toEqual(['claude-x-1', 'claude-x-2', 'claude-x-3']);
    expect(models[0]).toEqual({ id: 'claude-x-1', provider: 'anthropic', contextWindow: 1_000_000, capabilities: { tools: true, fim: false, vision: false } });
    expect(f.requests.map((r) => r.query)).toEqual([{ limit: '1000' }, { limit: '1000', after_id: 'claude-x-2' }]);
  });

  it('health is the model list, never a generation', async () => {
    const f = await fake();
    const [probe] = await providerFor(f.url).health({ signal: signal() });
    expect(probe).toMatchObject({ url: f.url, ok: true, status: 200, message: 'reachable, 3 models', models: ['claude-haiku-4-5-20251001', 'claude-sonnet-4-5-20250929', 'claude-opus-4-1-20250805'] });
    expect(f.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/models']);
  });

  it('health with a rejected key, with no key, and with nobody listening', async () => {
    const f = await fake();
    const [rejected] = await providerFor(f.url, { key: 'sk-ant-nope' }).health({ signal: signal() });
    expect(rejected).toMatchObject({ ok: false, status: 401, message: expect.stringMatching(/^reachable, but the key was rejected .*ANTHROPIC_API_KEY or providers\.anthropic\.api_key/) });
    const [missing] = await providerFor(f.url, { key: null }).health({ signal: signal() });
    expect(missing).toMatchObject({ ok: false, status: 401, message: 'reachable; no key: set ANTHROPIC_API_KEY or providers.anthropic.api_key' });
    expect(f.requests).toHaveLength(2);

    const gone = await createFakeAnthropic();
    await gone.close();
    const [down] = await providerFor(gone.url).health({ signal: signal() });
    expect(down).toMatchObject({ ok: false, message: expect.stringContaining('cannot reach') });
  });
});
