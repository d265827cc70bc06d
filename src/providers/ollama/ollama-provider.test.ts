// The Ollama provider against the fake Ollama server: recorded streams replayed over HTTP
// (parts and request bodies checked against __fixtures__), fidelity with the official
// `ollama` client, the fault matrix, endpoint failover, health, models, FIM and embeddings.
// No fixed sleeps: every wait is on a promise or an event of the fake.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { Ollama } from 'ollama';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeOllama, type FakeOllama, type FakeOllamaModel, type FakeOllamaOptions } from '../../../test/fakes/index.js';
import type { ResolvedProvider } from '../../config/index.js';
import { Secret } from '../../config/secret.js';
import type { Logger } from '../../log/logger.js';
import type { ChatRequest, FimRequest, StreamPart } from '../../provider/index.js';
import { createOllamaProvider, listLoadedModels, type OllamaProviderClient, type OllamaProviderOptions, type OllamaRequestExtras } from './index.js';

// ---------------------------------------------------------------------------------------------------
// Harness

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function fakeOllama(opts: FakeOllamaOptions = {}): Promise<FakeOllama> {
  const fake = await createFakeOllama(opts);
  cleanups.push(() => fake.close());
  return fake;
}

function testLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (msg: string) => void lines.push(`${level} ${msg}`);
  const log: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    redact() {},
    configure() {},
    file: undefined,
    flushSync() {},
    close(done) {
      done();
    },
  };
  return { log, lines };
}

interface Setup {
  keepAlive?: string;
  numCtx?: number;
  apiKey?: string;
  timeoutMs?: number;
  options?: OllamaProviderOptions;
  /** One socket per origin: a leaked (unreleased) socket makes the next call hang, and the test time out. */
  oneSocket?: boolean;
}

function makeProvider(endpoints: string[], s: Setup = {}): { provider: OllamaProviderClient; lines: string[] } {
  const dispatcher = new Agent({ keepAliveTimeout: 10_000, ...(s.oneSocket ? { connections: 1 } : {}) });
  cleanups.push(() => dispatcher.destroy());
  const resolved: ResolvedProvider = {
    name: 'ollama',
    kind: 'ollama',
    enabled: true,
    configured: true,
    endpoints,
    deployments: {},
    timeoutMs: s.timeoutMs ?? 5_000,
    ...(s.keepAlive !== undefined ? { keepAlive: s.keepAlive } : {}),
    ...(s.numCtx !== undefined ? { numCtx: s.numCtx } : {}),
    prices: {},
    apiKey: new Secret(s.apiKey, s.apiKey ? 'config' : 'none'),
  };
  const { log, lines } = testLog();
  return { provider: createOllamaProvider({ provider: resolved, dispatcher, log }, s.options), lines };
}

const signal = () => new AbortController().signal;
type Chat = ChatRequest & OllamaRequestExtras;
type Fim = FimRequest & OllamaRequestExtras;
const hello = (extra: Partial<Chat> = {}): Chat => ({ signal: signal(), model: 'llama3.2', messages: [{ role: 'user', content: 'Say hello' }], ...extra });

async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const p of stream) parts.push(p);
  return parts;
}

/** JSON form (errors via toJSON), with the timing field zeroed. */
function plain(parts: StreamPart[]): unknown[] {
  return (JSON.parse(JSON.stringify(parts)) as Array<Record<string, unknown>>).map((p) => (p.type === 'response-metadata' ? { ...p, ttfbMs: 0 } : p));
}

const textOf = (parts: StreamPart[]) => parts.flatMap((p) => (p.type === 'text-delta' ? [p.text] : [])).join('');
const last = (parts: StreamPart[]) => parts[parts.length - 1]!;

/** Every stream ends with exactly one finish or error part, and nothing after it. */
function expectOneEnd(parts: StreamPart[]): void {
  const ends = parts.filter((p) => p.type === 'finish' || p.type === 'error');
  expect(ends).toHaveLength(1);
  expect(last(parts)).toBe(ends[0]);
}

function errorOf(parts: StreamPart[]) {
  expectOneEnd(parts);
  const end = last(parts);
  if (end.type !== 'error') throw new Error(`expected an error part, got ${JSON.stringify(plain(parts))}`);
  return end.error;
}

/** An address that refuses connections (a port that was just freed). */
async function refusedUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** An address that accepts TCP and hangs up at once, counting the attempts. */
async function hangUpServer(): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const server = net.createServer((socket) => {
    hits++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, hits: () => hits };
}

// ---------------------------------------------------------------------------------------------------
// Recorded streams over HTTP

const FIXTURE_MODELS: FakeOllamaModel[] = [
  { name: 'llama3.2:latest', capabilities: ['completion', 'tools'] },
  { name: 'qwen3:8b', capabilities: ['completion', 'tools', 'thinking'] },
  { name: 'llama3.1:8b', capabilities: ['completion', 'tools'] },
  { name: 'qwen2.5-coder:1.5b', capabilities: ['completion', 'insert'] },
  { name: 'codellama:7b-code', capabilities: ['completion'], details: { family: 'llama' } },
];

const weatherTool = { name: 'get_weather', description: 'Current weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city'] } };
const timeTool = { name: 'get_time', description: 'Local time in a time zone', parameters: { type: 'object', properties: { tz: { type: 'string' } }, required: ['tz'] } };
const shellTool = { name: 'run_shell', parameters: { type: 'object', properties: { cmd: { type: 'string' }, flags: { type: 'array', items: { type: 'string' } }, timeout: { type: 'integer' } } } };

interface FixtureCase {
  fixture: string;
  path: '/api/chat' | '/api/generate';
  model: string;
  run: (p: OllamaProviderClient) => AsyncIterable<StreamPart>;
}

const fixtureCases: FixtureCase[] = [
  {
    fixture: 'chat-text',
    path: '/api/chat',
    model: 'llama3.2',
    run: (p) => p.chat({ signal: signal(), model: 'llama3.2', messages: [{ role: 'system', content: 'Answer in one line.' }, { role: 'user', content: 'How do I hold a list in Rust?' }], temperature: 0.2, maxTokens: 256 }),
  },
  {
    fixture: 'chat-thinking',
    path: '/api/chat',
    model: 'qwen3:8b',
    run: (p) => p.chat({ signal: signal(), model: 'qwen3:8b', messages: [{ role: 'user', content: 'What is 2+2?' }], think: true } as Chat),
  },
  {
    fixture: 'chat-tool-calls',
    path: '/api/chat',
    model: 'qwen3:8b',
    run: (p) => p.chat({ signal: signal(), model: 'qwen3:8b', messages: [{ role: 'user', content: 'Weather and local time in Tokyo?' }], tools: [weatherTool, timeTool] }),
  },
  {
    fixture: 'chat-tool-call-legacy',
    path: '/api/chat',
    model: 'llama3.1:8b',
    run: (p) =>
      p.chat({
        signal: signal(),
        model: 'llama3.1:8b',
        messages: [
          { role: 'user', content: 'How many files are here?' },
          { role: 'assistant', content: '', toolCalls: [{ id: 'call_0', name: 'run_shell', arguments: '{"cmd":"ls"}' }] },
          { role: 'tool', content: 'a.txt\nb.txt', toolCallId: 'call_0' },
          { role: 'user', content: 'Count them with wc, into out.txt.' },
        ],
        tools: [shellTool],
      }),
  },
  {
    fixture: 'chat-length-cached-prompt',
    path: '/api/chat',
    model: 'llama3.2',
    run: (p) => p.chat({ signal: signal(), model: 'llama3.2', messages: [{ role: 'user', content: 'Tell me a story' }], maxTokens: 2, stop: ['\n\n'], numCtx: 8192 } as Chat),
  },
  {
    fixture: 'chat-mid-stream-error',
    path: '/api/chat',
    model: 'llama3.2',
    run: (p) => p.chat({ signal: signal(), model: 'llama3.2', messages: [{ role: 'user', content: 'Write a poem' }] }),
  },
  {
    fixture: 'generate-fim-suffix',
    path: '/api/generate',
    model: 'qwen2.5-coder:1.5b',
    run: (p) => p.fim({ signal: signal(), model: 'qwen2.5-coder:1.5b', prefix: 'def gcd(a, b):\n    while b:\n', suffix: '\n    return result\n', maxTokens: 64, temperature: 0 }),
  },
  {
    fixture: 'generate-fim-raw',
    path: '/api/generate',
    model: 'codellama:7b-code',
    run: (p) => p.fim({ signal: signal(), model: 'codellama:7b-code', prefix: 'def add(a, b):\n    return', suffix: '\n', maxTokens: 32, stop: ['\n\n', '<EOT>'] }),
  },
];

const fixtureText = (name: string) => readFileSync(new URL(`./__fixtures__/${name}.stream.txt`, import.meta.url), 'utf8');
const fixtureParts = (name: string) => JSON.parse(readFileSync(new URL(`./__fixtures__/${name}.parts.json`, import.meta.url), 'utf8')) as unknown[];

describe('recorded streams replayed through the fake server', () => {
  for (const c of fixtureCases) {
    it(`${c.fixture}: parts as recorded, request body as recorded`, async () => {
      const fake = await fakeOllama({ models: FIXTURE_MODELS, replay: fixtureText(c.fixture) });
      const { provider } = makeProvider([fake.url], { keepAlive: '10m' });
      const parts = await collect(c.run(provider));
      expectOneEnd(parts);
      expect(plain(parts)[0]).toEqual({ type: 'response-metadata', status: 200, ttfbMs: 0, model: c.model });
      expect(plain(parts).slice(1)).toEqual(fixtureParts(c.fixture));

      const sent = fake.requests.filter((r) => r.path === c.path);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.headers['content-type']).toBe('application/json');
      await expect(`${JSON.stringify(sent[0]!.body, null, 2)}\n`).toMatchFileSnapshot(`./__fixtures__/${c.fixture}.request.json`);
    });
  }

  it('the official ollama client reads the same replayed streams to the same text, reasoning, tool calls and counts', async () => {
    for (const c of fixtureCases.filter((f) => !f.fixture.includes('error'))) {
      const fake = await fakeOllama({ models: FIXTURE_MODELS, replay: fixtureText(c.fixture) });
      const { provider } = makeProvider([fake.url], { keepAlive: '10m' });
      const ours = summarizeOurs(await collect(c.run(provider)));
      const body = fake.requests.find((r) => r.path === c.path)!.body;
      const official = new Ollama({ host: fake.url });
      const chunks: OfficialChunk[] = [];
      if (c.path === '/api/chat') for await (const ch of await official.chat({ ...body, stream: true })) chunks.push(ch);
      else for await (const ch of await official.generate({ ...body, stream: true })) chunks.push(ch);
      expect(ours, c.fixture).toEqual(summarizeOfficial(chunks));
    }
  });
});

interface OfficialChunk {
  message?: { content?: string; thinking?: string; tool_calls?: { function: { name: string; arguments: Record<string, unknown> } }[] };
  response?: string;
  thinking?: string;
  done: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
}

function summarizeOurs(parts: StreamPart[]) {
  const end = last(parts);
  if (end.type !== 'finish') throw new Error(`no finish: ${JSON.stringify(plain(parts))}`);
  return {
    text: textOf(parts),
    reasoning: parts.flatMap((p) => (p.type === 'reasoning-delta' ? [p.text] : [])).join(''),
    toolCalls: parts.flatMap((p) => (p.type === 'tool-call' ? [{ name: p.call.name, arguments: JSON.parse(p.call.arguments) as unknown }] : [])),
    inputTokens: end.usage?.inputTokens,
    outputTokens: end.usage?.outputTokens,
    doneReason: end.rawReason,
  };
}

function summarizeOfficial(chunks: OfficialChunk[]) {
  const final = chunks[chunks.length - 1]!;
  expect(final.done).toBe(true);
  return {
    text: chunks.map((c) => c.message?.content ?? c.response ?? '').join(''),
    reasoning: chunks.map((c) => c.message?.thinking ?? c.thinking ?? '').join(''),
    toolCalls: chunks.flatMap((c) => c.message?.tool_calls ?? []).map((t) => ({ name: t.function.name, arguments: t.function.arguments })),
    inputTokens: final.prompt_eval_count ?? 0,
    outputTokens: final.eval_count ?? 0,
    doneReason: final.done_reason,
  };
}

// ---------------------------------------------------------------------------------------------------

describe('fidelity with the official ollama client on scripted streams', () => {
  it('chat with thinking, text and tool calls: same text, reasoning, tool calls and counts', async () => {
    const fake = await fakeOllama({
      models: FIXTURE_MODELS,
      reply: {
        thinking: ['Need', ' the weather.'],
        tokens: ['Checking', ' <Tokyo>', ' & Osaka…'],
        toolCalls: [
          { name: 'get_weather', arguments: { city: 'Tokyo', unit: 'celsius' } },
          { name: 'get_time', arguments: { tz: 'Asia/Tokyo' } },
        ],
        promptTokens: 57,
      },
    });
    const { provider } = makeProvider([fake.url]);
    const request: Chat = { signal: signal(), model: 'qwen3:8b', messages: [{ role: 'user', content: 'Weather?' }], tools: [weatherTool, timeTool], think: true };
    const ours = summarizeOurs(await collect(provider.chat(request)));
    const body = fake.requests.find((r) => r.path === '/api/chat')!.body;
    const chunks: OfficialChunk[] = [];
    for await (const ch of await new Ollama({ host: fake.url }).chat({ ...body, stream: true })) chunks.push(ch);
    expect(ours).toEqual(summarizeOfficial(chunks));
    expect(ours).toMatchObject({ text: 'Checking <Tokyo> & Osaka…', reasoning: 'Need the weather.', inputTokens: 57, outputTokens: 5 });
    expect(ours.toolCalls).toHaveLength(2);
  });

  it('FIM through /api/generate with suffix: same text and counts', async () => {
    const fake = await fakeOllama({ reply: { tokens: ['    a, b = b, a % b\n', '    result = a'], promptTokens: 21 } });
    const { provider } = makeProvider([fake.url]);
    const ours = summarizeOurs(await collect(provider.fim({ signal: signal(), model: 'qwen2.5-coder:1.5b', prefix: 'def gcd(a, b):\n', suffix: '\n    return result' })));
    const body = fake.requests.find((r) => r.path === '/api/generate')!.body;
    const chunks: OfficialChunk[] = [];
    for await (const ch of await new Ollama({ host: fake.url }).generate({ ...body, stream: true })) chunks.push(ch);
    expect(ours).toEqual(summarizeOfficial(chunks));
    expect(ours.text).toBe('    a, b = b, a % b\n    result = a');
  });
});

// ---------------------------------------------------------------------------------------------------

describe('chat', () => {
  it('sends model, messages, stream and keep_alive; options only when set; no key header without a key', async () => {
    const fake = await fakeOllama({ reply: 'Hi there' });
    const { provider } = makeProvider([fake.url], { keepAlive: '-1' });
    const parts = await collect(provider.chat(hello()));
    expect(textOf(parts)).toBe('Hi there');
    const req = fake.requests.find((r) => r.path === '/api/chat')!;
    expect(req.body).toEqual({ model: 'llama3.2', messages: [{ role: 'user', content: 'Say hello' }], stream: true, keep_alive: -1 });
    expect(req.headers.authorization).toBeUndefined();
    expect(req.headers['user-agent']).toMatch(/^zeke\.nvim\//);
  });

  it('sends the key as a bearer token when one is configured (Ollama cloud)', async () => {
    const fake = await fakeOllama();
    const { provider } = makeProvider([fake.url], { apiKey: 'ollama-key-123' });
    await collect(provider.chat(hello()));
    expect(fake.requests.every((r) => r.headers.authorization === 'Bearer ollama-key-123')).toBe(true);
  });

  it('an empty message list only loads the model: finish "other" with rawReason "load"', async () => {
    const fake = await fakeOllama();
    const { provider } = makeProvider([fake.url]);
    const parts = await collect(provider.chat(hello({ messages: [] })));
    expect(last(parts)).toMatchObject({ type: 'finish', reason: 'other', rawReason: 'load', usage: { inputTokens: 0, outputTokens: 0 } });
  });

  it('two sequential chats share one connection (keep-alive), model list included', async () => {
    const fake = await fakeOllama({ reply: 'one two' });
    const { provider } = makeProvider([fake.url]);
    expect(textOf(await collect(provider.chat(hello())))).toBe('one two');
    expect(textOf(await collect(provider.chat(hello())))).toBe('one two');
    expect(fake.connections).toBe(1);
    // /api/tags once (cached), then the two chats
    expect(fake.requests.map((r) => r.path)).toEqual(['/api/tags', '/api/chat', '/api/chat']);
  });

  it('a model that is not pulled: model_not_found with the pull command', async () => {
    const fake = await fakeOllama();
    const { provider } = makeProvider([fake.url]);
    const err = errorOf(await collect(provider.chat(hello({ model: 'llama3' }))));
    expect(err).toMatchObject({ code: 'model_not_found', retryable: false, message: `model llama3 is not pulled on endpoint ${fake.url} (run: ollama pull llama3)` });
    expect(fake.requests.some((r) => r.path === '/api/chat')).toBe(false);
  });

  it('a model removed after the list was cached: the 404 becomes model_not_found, and the list is asked again next time', async () => {
    const fake = await fakeOllama();
    const { provider } = makeProvider([fake.url]);
    await collect(provider.chat(hello()));
    fake.models.splice(fake.models.findIndex((m) => m.name.startsWith('llama3.2')), 1);
    const err = errorOf(await collect(provider.chat(hello())));
    expect(err).toMatchObject({ code: 'model_not_found', message: `model llama3.2 is not pulled on endpoint ${fake.url} (run: ollama pull llama3.2)` });
    expect(fake.requests.filter((r) => r.path === '/api/chat').at(-1)!.status).toBe(404);
    fake.models.push({ name: 'llama3.2:latest', capabilities: ['completion', 'tools'] });
    expect(last(await collect(provider.chat(hello())))).toMatchObject({ type: 'finish' });
  });

  it('a model pulled after the list was cached is found at once', async () => {
    const fake = await fakeOllama();
    const { provider } = makeProvider([fake.url]);
    await collect(provider.chat(hello()));
    fake.models.push({ name: 'mistral:7b' });
    expect(last(await collect(provider.chat(hello({ model: 'mistral:7b' }))))).toMatchObject({ type: 'finish', reason: 'stop' });
  });
});

// ---------------------------------------------------------------------------------------------------

describe('fault matrix: a clear error part or a correct retry, never a hang; the socket is released', () => {
  const chatOnly = { onlyPaths: ['/api/chat'] };

  /** After the fault, a normal chat on a one-socket pool must finish: nothing was leaked. */
  async function stillWorks(fake: FakeOllama, provider: OllamaProviderClient) {
    fake.resetFaults();
    expect(last(await collect(provider.chat(hello())))).toMatchObject({ type: 'finish', reason: 'stop' });
  }

  it('stall mid-stream → idle timeout; the client closes the socket', async () => {
    const fake = await fakeOllama({ reply: ['a', 'b', 'c', 'd'] });
    const { provider } = makeProvider([fake.url], { oneSocket: true });
    fake.setFaults({ stallAfterChunks: 2, ...chatOnly });
    const parts = await collect(provider.chat(hello({ idleTimeoutMs: 300 })));
    expect(textOf(parts)).toBe('ab');
    expect(errorOf(parts)).toMatchObject({ code: 'timeout', retryable: false });
    expect(errorOf(parts).message).toContain('stalled');
    await fake.waitForDisconnect();
    await stillWorks(fake, provider);
  });

  it('connection reset mid-stream → stream error', async () => {
    const fake = await fakeOllama({ reply: ['a', 'b', 'c', 'd'] });
    const { provider } = makeProvider([fake.url], { oneSocket: true });
    fake.setFaults({ resetAfterChunks: 2, chunkDelayMs: 20, ...chatOnly });
    const parts = await collect(provider.chat(hello()));
    expect(errorOf(parts)).toMatchObject({ code: 'stream' });
    expect(errorOf(parts).message).toContain('broke mid-stream');
    expect(textOf(parts)).toBe('ab');
    await stillWorks(fake, provider);
  });

  it('429 with retry-after → retried, then succeeds (failTimes: 1), on the same connection', async () => {
    const fake = await fakeOllama({ reply: 'after the wait' });
    const { provider, lines } = makeProvider([fake.url]);
    fake.setFaults({ status: 429, retryAfter: 0.05, failTimes: 1, ...chatOnly });
    const parts = await collect(provider.chat(hello()));
    expect(textOf(parts)).toBe('after the wait');
    expect(last(parts)).toMatchObject({ type: 'finish', reason: 'stop' });
    expect(fake.requests.filter((r) => r.path === '/api/chat').map((r) => r.status)).toEqual([429, 200]);
    expect(lines.some((l) => /retry 1 of .*\/api\/chat in 50 ms after: ollama answered HTTP 429: too many requests/.test(l))).toBe(true);
    expect(fake.connections).toBe(1);
  });

  it('429 that never clears → rate_limit error with the wait the server asked for', async () => {
    const fake = await fakeOllama();
    const { provider } = makeProvider([fake.url]);
    fake.setFaults({ status: 429, retryAfter: 0.01, ...chatOnly });
    const err = errorOf(await collect(provider.chat(hello({ maxRetries: 1 }))));
    expect(err).toMatchObject({ code: 'rate_limit', status: 429, retryAfterMs: 10 });
    expect(fake.requests.filter((r) => r.path === '/api/chat')).toHaveLength(2);
  });

  it('500 → server error with Ollama\'s own message', async () => {
    const fake = await fakeOllama();
    const { provider } = makeProvider([fake.url], { oneSocket: true });
    fake.setFaults({ status: 500, ...chatOnly });
    const err = errorOf(await collect(provider.chat(hello({ maxRetries: 0 }))));
    expect(err).toMatchObject({ code: 'server', status: 500, retryable: true, message: 'ollama answered HTTP 500: llama runner process has terminated: exit status 2' });
    await stillWorks(fake, provider);
  });

  it('503 busy → overloaded', async () => {
    const fake = await fakeOllama();
    const { provider } = makeProvider([fake.url]);
    fake.setFaults({ status: 503, ...chatOnly });
    const err = errorOf(await collect(provider.chat(hello({ maxRetries: 0 }))));
    expect(err).toMatchObject({ code: 'overloaded', status: 503 });
    expect(err.message).toContain('server busy, please try again.  maximum pending requests exceeded');
  });

  it('malformed line → bad_response', async () => {
    const fake = await fakeOllama({ reply: ['a', 'b', 'c'] });
    const { provider } = makeProvider([fake.url], { oneSocket: true });
    fake.setFaults({ malformedChunkAt: 1, ...chatOnly });
    const parts = await collect(provider.chat(hello()));
    expect(textOf(parts)).toBe('a');
    expect(errorOf(parts)).toMatchObject({ code: 'bad_response' });
    expect(errorOf(parts).message).toContain('malformed JSON');
    await stillWorks(fake, provider);
  });

  it('in-band {"error"} line after a 200 → stream error with Ollama\'s message', async () => {
    const fake = await fakeOllama({ reply: ['a', 'b', 'c'] });
    const { provider } = makeProvider([fake.url], { oneSocket: true });
    fake.setFaults({ midStreamErrorAt: 2, errorMessage: 'llama runner process has terminated: signal: killed', ...chatOnly });
    const parts = await collect(provider.chat(hello()));
    expect(textOf(parts)).toBe('ab');
    expect(errorOf(parts)).toMatchObject({ code: 'stream', message: 'ollama: llama runner process has terminated: signal: killed' });
    await stillWorks(fake, provider);
  });

  it('abort mid-stream → cancelled at once; the server sees the disconnect promptly', async () => {
    const fake = await fakeOllama({ reply: ['a', 'b', 'c', 'd'] });
    const { provider } = makeProvider([fake.url], { oneSocket: true });
    fake.setFaults({ stallAfterChunks: 2, ...chatOnly });
    const ac = new AbortController();
    const parts: StreamPart[] = [];
    // Idle timeout far beyond the test timeout: only the abort can end this stream.
    for await (const p of provider.chat(hello({ signal: ac.signal, idleTimeoutMs: 60_000 }))) {
      parts.push(p);
      if (p.type === 'text-delta') ac.abort();
    }
    expect(errorOf(parts)).toMatchObject({ code: 'cancelled' });
    await fake.waitForDisconnect();
    expect(fake.requests.find((r) => r.path === '/api/chat')).toMatchObject({ clientDisconnected: true, completed: false });
    await stillWorks(fake, provider);
  });

  it('abort before the answer starts → cancelled, and the pending request is dropped', async () => {
    const fake = await fakeOllama();
    const { provider } = makeProvider([fake.url], { oneSocket: true });
    fake.setFaults({ firstByteDelayMs: 60_000, ...chatOnly });
    const ac = new AbortController();
    const stream = collect(provider.chat(hello({ signal: ac.signal })));
    await fake.waitForRequest((r) => r.path === '/api/chat');
    ac.abort();
    expect(errorOf(await stream)).toMatchObject({ code: 'cancelled' });
    await fake.waitForDisconnect();
    await stillWorks(fake, provider);
  });

  it('oversized line → too_large', async () => {
    const fake = await fakeOllama();
    const { provider } = makeProvider([fake.url], { oneSocket: true, options: { maxLineBytes: 64 * 1024 } });
    fake.setFaults({ oversizedBodyBytes: 256 * 1024, ...chatOnly });
    const err = errorOf(await collect(provider.chat(hello())));
    expect(err).toMatchObject({ code: 'too_large' });
    await stillWorks(fake, provider);
  });

  it('oversized JSON body (model list) → too_large', async () => {
    const fake = await fakeOllama();
    const { provider } = makeProvider([fake.url], { options: { maxBodyBytes: 200 } });
    await expect(provider.listModels({ signal: signal() })).rejects.toMatchObject({ code: 'too_large' });
  });

  it('wrong content-type (a 200 HTML login page) → bad_response naming what came', async () => {
    const fake = await fakeOllama();
    const { provider } = makeProvider([fake.url], { oneSocket: true });
    fake.setFaults({ wrongContentType: true, ...chatOnly });
    const err = errorOf(await collect(provider.chat(hello())));
    expect(err).toMatchObject({ code: 'bad_response', status: 200 });
    expect(err.message).toContain('text/html');
    await stillWorks(fake, provider);
    // the same on the model list
    fake.setFaults({ wrongContentType: true });
    await expect(provider.listModels({ signal: signal() })).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('slow first byte → timeout; the client gives up and closes the socket', async () => {
    const fake = await fakeOllama();
    const { provider } = makeProvider([fake.url], { oneSocket: true });
    fake.setFaults({ firstByteDelayMs: 60_000, ...chatOnly });
    const err = errorOf(await collect(provider.chat(hello({ firstByteTimeoutMs: 300, maxRetries: 0 }))));
    expect(err).toMatchObject({ code: 'timeout' });
    expect(err.message).toContain('no answer from');
    await fake.waitForDisconnect();
    await stillWorks(fake, provider);
  });

  it('slow first byte once → retried, then succeeds', async () => {
    const fake = await fakeOllama({ reply: 'late but fine' });
    const { provider } = makeProvider([fake.url]);
    fake.setFaults({ firstByteDelayMs: 60_000, failTimes: 1, ...chatOnly });
    const parts = await collect(provider.chat(hello({ firstByteTimeoutMs: 300, maxRetries: 1 })));
    expect(textOf(parts)).toBe('late but fine');
    expect(fake.requests.filter((r) => r.path === '/api/chat')).toHaveLength(2);
  });

  it('the provider default first-byte timeout is the provider timeoutMs', async () => {
    const fake = await fakeOllama();
    const { provider } = makeProvider([fake.url], { timeoutMs: 250 });
    fake.setFaults({ firstByteDelayMs: 60_000, ...chatOnly });
    const err = errorOf(await collect(provider.chat(hello({ maxRetries: 0 }))));
    expect(err).toMatchObject({ code: 'timeout' });
    expect(err.message).toContain('within 250 ms');
  });
});

// ---------------------------------------------------------------------------------------------------

describe('several endpoints', () => {
  it('first endpoint refuses connections → the second answers, in the same request', async () => {
    const dead = await refusedUrl();
    const fake = await fakeOllama({ reply: 'from the second' });
    const { provider, lines } = makeProvider([dead, fake.url]);
    const parts = await collect(provider.chat(hello()));
    expect(textOf(parts)).toBe('from the second');
    expect(lines.some((l) => l.startsWith('warn') && l.includes(dead))).toBe(true);
  });

  it('a dead endpoint is skipped during its cool-down and tried again after it', async () => {
    const dead = await hangUpServer();
    const fake = await fakeOllama();
    let clock = 1_000_000;
    const { provider } = makeProvider([dead.url, fake.url], { options: { now: () => clock, cooldownMs: 15_000 } });
    expect(last(await collect(provider.chat(hello())))).toMatchObject({ type: 'finish' });
    expect(dead.hits()).toBe(1);
    clock += 5_000;
    expect(last(await collect(provider.chat(hello())))).toMatchObject({ type: 'finish' });
    expect(dead.hits()).toBe(1); // cooling down: not tried
    clock += 11_000;
    expect(last(await collect(provider.chat(hello())))).toMatchObject({ type: 'finish' });
    expect(dead.hits()).toBe(2); // cool-down over: first in config order again
  });

  it('the first endpoint that has the model serves it', async () => {
    const a = await fakeOllama({ models: [{ name: 'llama3.2' }], reply: 'from a' });
    const b = await fakeOllama({ models: [{ name: 'qwen2.5-coder:1.5b', capabilities: ['completion', 'insert'] }], reply: 'from b' });
    const { provider } = makeProvider([a.url, b.url]);
    expect(textOf(await collect(provider.chat(hello({ model: 'qwen2.5-coder:1.5b' }))))).toBe('from b');
    expect(textOf(await collect(provider.chat(hello({ model: 'llama3.2' }))))).toBe('from a');
    // The second time b is first in line for its model: no new /api/tags on a.
    expect(textOf(await collect(provider.chat(hello({ model: 'qwen2.5-coder:1.5b' }))))).toBe('from b');
    expect(a.requests.filter((r) => r.path === '/api/chat')).toHaveLength(1);
  });

  it('an overloaded endpoint (503) fails over to the next', async () => {
    const a = await fakeOllama({ reply: 'a' });
    const b = await fakeOllama({ reply: 'b' });
    a.setFaults({ status: 503, onlyPaths: ['/api/chat'] });
    const { provider } = makeProvider([a.url, b.url]);
    expect(textOf(await collect(provider.chat(hello({ maxRetries: 0 }))))).toBe('b');
  });

  it('no endpoint has the model: one model_not_found naming them all, and the dead one', async () => {
    const dead = await refusedUrl();
    const a = await fakeOllama({ models: [{ name: 'phi3' }] });
    const b = await fakeOllama({ models: [{ name: 'phi3' }] });
    const { provider } = makeProvider([dead, a.url, b.url]);
    const err = errorOf(await collect(provider.chat(hello({ model: 'llama3' }))));
    expect(err.code).toBe('model_not_found');
    expect(err.message).toMatch(new RegExp(`^model llama3 is not pulled on endpoints ${a.url}, ${b.url} \\(run: ollama pull llama3\\); ollama: cannot reach ${dead}/api/tags`));
  });

  it('every endpoint down: one unreachable error listing them', async () => {
    const [x, y] = [await refusedUrl(), await refusedUrl()];
    const { provider } = makeProvider([x, y]);
    const err = errorOf(await collect(provider.chat(hello())));
    expect(err).toMatchObject({ code: 'unreachable', retryable: true });
    expect(err.message).toContain(x);
    expect(err.message).toContain(y);
  });

  it('a request can pin one of the configured endpoints, and no other address', async () => {
    const a = await fakeOllama({ reply: 'a' });
    const b = await fakeOllama({ reply: 'b' });
    const { provider } = makeProvider([a.url, b.url]);
    expect(textOf(await collect(provider.chat(hello({ endpoint: `${b.url}/` }))))).toBe('b');
    expect(a.requests).toHaveLength(0);
    const err = errorOf(await collect(provider.chat(hello({ endpoint: 'http://elsewhere:11434' }))));
    expect(err.code).toBe('bad_request');
    expect(err.message).toBe(`ollama: http://elsewhere:11434 is not one of providers.ollama.endpoints (${a.url}, ${b.url})`);
  });
});

// ---------------------------------------------------------------------------------------------------

describe('FIM', () => {
  const fim = (extra: Partial<Fim> = {}): Fim => ({ signal: signal(), model: 'qwen2.5-coder:1.5b', prefix: 'def f(x):\n    ', suffix: '\n    return y\n', ...extra });

  it('a model with the insert capability gets `suffix`; /api/show is asked once per model', async () => {
    const fake = await fakeOllama({ reply: 'y = x * 2' });
    const { provider } = makeProvider([fake.url]);
    expect(textOf(await collect(provider.fim(fim())))).toBe('y = x * 2');
    expect(textOf(await collect(provider.fim(fim())))).toBe('y = x * 2');
    const gens = fake.requests.filter((r) => r.path === '/api/generate');
    expect(gens[0]!.body).toEqual({ model: 'qwen2.5-coder:1.5b', prompt: 'def f(x):\n    ', suffix: '\n    return y\n', stream: true });
    expect(fake.requests.filter((r) => r.path === '/api/show')).toHaveLength(1);
  });

  it('a model without insert but with a known family gets raw mode with its template and stop tokens', async () => {
    const fake = await fakeOllama({ models: [{ name: 'deepseek-coder:6.7b-base' }], reply: 'y = x' });
    const { provider } = makeProvider([fake.url]);
    expect(textOf(await collect(provider.fim(fim({ model: 'deepseek-coder:6.7b-base', stop: ['\n\n'] }))))).toBe('y = x');
    const body = fake.requests.find((r) => r.path === '/api/generate')!.body;
    expect(body).toEqual({
      model: 'deepseek-coder:6.7b-base',
      prompt: '<｜fim▁begin｜>def f(x):\n    <｜fim▁hole｜>\n    return y\n<｜fim▁end｜>',
      raw: true,
      stream: true,
      options: { stop: ['<｜end▁of▁sentence｜>', '<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>', '<|EOT|>', '\n\n'] },
    });
  });

  it('an empty suffix on an insert model uses the raw template (Ollama would fall back to its chat template)', async () => {
    const fake = await fakeOllama({ reply: 'z' });
    const { provider } = makeProvider([fake.url]);
    await collect(provider.fim(fim({ suffix: '' })));
    const body = fake.requests.find((r) => r.path === '/api/generate')!.body;
    expect(body).toMatchObject({ raw: true, prompt: '<|fim_prefix|>def f(x):\n    <|fim_suffix|><|fim_middle|>' });
    expect(body).not.toHaveProperty('suffix');
  });

  it('neither insert nor a known family → one error part saying so, and no generation', async () => {
    const fake = await fakeOllama();
    const { provider } = makeProvider([fake.url]);
    const err = errorOf(await collect(provider.fim(fim({ model: 'llama3.2' }))));
    expect(err.code).toBe('bad_request');
    expect(err.message).toContain('model llama3.2 has no FIM support');
    expect(fake.requests.some((r) => r.path === '/api/generate')).toBe(false);
  });

  it('old servers without `capabilities` in /api/show: `.Suffix` in the template means insert', async () => {
    const fake = await fakeOllama({
      models: [
        { name: 'mystery-coder:1b', capabilities: ['completion', 'insert'], template: '<pre>{{ .Prompt }}<suf>{{ .Suffix }}<mid>', legacyShow: true },
        { name: 'mystery-chat:1b', template: '{{ .Prompt }}', legacyShow: true },
      ],
      reply: 'y = 1',
    });
    const { provider } = makeProvider([fake.url]);
    expect(textOf(await collect(provider.fim(fim({ model: 'mystery-coder:1b' }))))).toBe('y = 1');
    expect(fake.requests.find((r) => r.path === '/api/generate')!.body).toMatchObject({ suffix: '\n    return y\n' });
    expect(errorOf(await collect(provider.fim(fim({ model: 'mystery-chat:1b' })))).code).toBe('bad_request');
  });

  it('a re-pulled model (new digest) is asked about again', async () => {
    const fake = await fakeOllama({ reply: 'x' });
    const { provider } = makeProvider([fake.url], { options: { tagsTtlMs: 0 } });
    await collect(provider.fim(fim()));
    await collect(provider.fim(fim()));
    expect(fake.requests.filter((r) => r.path === '/api/show')).toHaveLength(1);
    fake.models.find((m) => m.name.startsWith('qwen2.5-coder'))!.digest = 'f'.repeat(64);
    await collect(provider.fim(fim()));
    expect(fake.requests.filter((r) => r.path === '/api/show')).toHaveLength(2);
  });
});

// ---------------------------------------------------------------------------------------------------

describe('models, health, ps, embeddings', () => {
  it('listModels: every endpoint, each model with its endpoint; capabilities once /api/show was read', async () => {
    const a = await fakeOllama();
    const b = await fakeOllama({ models: [{ name: 'nomic-embed-text', capabilities: ['embedding'] }] });
    const { provider } = makeProvider([a.url, b.url]);
    await collect(provider.fim({ signal: signal(), model: 'qwen2.5-coder:1.5b', prefix: 'a', suffix: 'b' }));
    const models = await provider.listModels({ signal: signal() });
    expect(models).toEqual([
      { id: 'llama3.2:latest', provider: 'ollama', endpoint: a.url },
      { id: 'qwen2.5-coder:1.5b', provider: 'ollama', endpoint: a.url, contextWindow: 32768, capabilities: { fim: true, tools: false, vision: false, embedding: false } },
      { id: 'nomic-embed-text:latest', provider: 'ollama', endpoint: b.url },
    ]);
  });

  it('listModels: a dead endpoint is left out; all dead → the error', async () => {
    const dead = await refusedUrl();
    const a = await fakeOllama();
    expect((await makeProvider([dead, a.url]).provider.listModels({ signal: signal() })).map((m) => m.endpoint)).toEqual([a.url, a.url]);
    await expect(makeProvider([dead]).provider.listModels({ signal: signal() })).rejects.toMatchObject({ code: 'unreachable' });
  });

  it('health: one probe per endpoint, in the words :checkhealth used, and never a generation', async () => {
    const two = await fakeOllama({ version: '0.12.6' });
    const none = await fakeOllama({ version: '0.11.4', models: [] });
    const dead = await refusedUrl();
    const { provider } = makeProvider([two.url, none.url, dead]);
    const probes = await provider.health({ signal: signal() });
    expect(probes).toEqual([
      { url: two.url, ok: true, status: 200, latency_ms: expect.any(Number), version: '0.12.6', models: ['llama3.2:latest', 'qwen2.5-coder:1.5b'], message: 'reachable (Ollama 0.12.6), 2 models' },
      { url: none.url, ok: true, status: 200, latency_ms: expect.any(Number), version: '0.11.4', models: [], message: 'reachable (Ollama 0.11.4), but no models are pulled (run: ollama pull qwen2.5-coder:7b)' },
      { url: dead, ok: false, latency_ms: expect.any(Number), message: 'unreachable: ECONNREFUSED' },
    ]);
    for (const f of [two, none]) expect(f.requests.map((r) => r.path).sort()).toEqual(['/api/tags', '/api/version']);
  });

  it('health: an HTTP error and a login page are reported as such', async () => {
    const err = await fakeOllama();
    err.setFaults({ status: 500, onlyPaths: ['/api/tags'] });
    const portal = await fakeOllama();
    portal.setFaults({ wrongContentType: true });
    const { provider } = makeProvider([err.url, portal.url]);
    const [a, b] = await provider.health({ signal: signal() });
    expect(a).toMatchObject({ ok: false, status: 500, version: '0.12.6', message: 'HTTP 500: llama runner process has terminated: exit status 2' });
    expect(b).toMatchObject({ ok: false, status: 200 });
    expect(b!.message).toContain('text/html');
  });

  it('health marks a dead endpoint down and a live one up (routing uses it)', async () => {
    const dead = await hangUpServer();
    const fake = await fakeOllama();
    const { provider } = makeProvider([dead.url, fake.url]);
    await provider.health({ signal: signal() });
    const hits = dead.hits();
    expect(last(await collect(provider.chat(hello())))).toMatchObject({ type: 'finish' });
    expect(dead.hits()).toBe(hits);
  });

  it('loaded models (/api/ps) per endpoint, and for one address', async () => {
    const fake = await fakeOllama({ models: [{ name: 'llama3.2', loaded: true }, { name: 'phi3' }] });
    const dead = await refusedUrl();
    const { provider } = makeProvider([fake.url, dead]);
    const loaded = await provider.loadedModels({ signal: signal() });
    expect(loaded).toHaveLength(1);
    expect(loaded[0]!.endpoint).toBe(fake.url);
    expect(loaded[0]!.models.map((m) => m.name)).toEqual(['llama3.2:latest']);
    expect(loaded[0]!.models[0]).toMatchObject({ size_vram: expect.any(Number), context_length: expect.any(Number), expires_at: expect.any(String) });

    const dispatcher = new Agent();
    cleanups.push(() => dispatcher.destroy());
    const ctx = { provider: { name: 'ollama', kind: 'ollama', endpoints: [], timeoutMs: 5000, apiKey: new Secret(undefined, 'none') } as unknown as ResolvedProvider, dispatcher, log: testLog().log };
    expect((await listLoadedModels(ctx, `${fake.url}/`, { signal: signal() })).map((m) => m.name)).toEqual(['llama3.2:latest']);
  });

  it('embed: POST /api/embed, one vector per input, keep_alive sent', async () => {
    const fake = await fakeOllama({ models: [{ name: 'nomic-embed-text', capabilities: ['embedding'] }], embeddingLength: 16 });
    const { provider } = makeProvider([fake.url], { keepAlive: '30m' });
    const vectors = await provider.embed({ signal: signal(), model: 'nomic-embed-text', input: ['alpha', 'beta'] });
    expect(vectors).toHaveLength(2);
    expect(vectors[0]).toHaveLength(16);
    expect(vectors[0]).not.toEqual(vectors[1]);
    expect(fake.requests.find((r) => r.path === '/api/embed')!.body).toEqual({ model: 'nomic-embed-text', input: ['alpha', 'beta'], keep_alive: '30m' });
  });

  it('embed: errors reject with a ProviderError (model not pulled, server error)', async () => {
    const fake = await fakeOllama({ models: [] });
    const { provider } = makeProvider([fake.url]);
    await expect(provider.embed({ signal: signal(), model: 'nomic-embed-text', input: ['x'] })).rejects.toMatchObject({
      code: 'model_not_found',
      message: `model nomic-embed-text is not pulled on endpoint ${fake.url} (run: ollama pull nomic-embed-text)`,
    });
    fake.models.push({ name: 'nomic-embed-text' });
    fake.setFaults({ status: 500, onlyPaths: ['/api/embed'] });
    await expect(provider.embed({ signal: signal(), model: 'nomic-embed-text', input: ['x'], maxRetries: 0 })).rejects.toMatchObject({ code: 'server' });
  });
});

describe('num_ctx', () => {
  it('is sent only when the user set it (another value than the server default reloads the model)', async () => {
    const fake = await fakeOllama({ models: FIXTURE_MODELS, reply: ['ok'] });
    const model = FIXTURE_MODELS[0]!.name;
    const plainProvider = makeProvider([fake.url]).provider;
    await collect(plainProvider.chat({ model, messages: [{ role: 'user', content: 'hi' }], signal: signal() }));
    const withCtx = makeProvider([fake.url], { numCtx: 16384 }).provider;
    await collect(withCtx.chat({ model, messages: [{ role: 'user', content: 'hi' }], signal: signal() }));
    const bodies = fake.requests.filter((r) => r.path === '/api/chat').map((r) => r.body as { options?: { num_ctx?: number } });
    expect(bodies).toHaveLength(2);
    expect(bodies[0]!.options?.num_ctx).toBeUndefined();
    expect(bodies[1]!.options?.num_ctx).toBe(16384);
  });
});
