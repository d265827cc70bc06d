// The Gemini provider end to end over HTTP: recorded streams replayed by a server (parts and the
// request body we sent, as JSON snapshots), fidelity with the official @google/genai SDK on the
// fake Gemini, the fault matrix (each fault ends in one clear error part or a correct retry, the
// socket released), connection reuse, and the key: only ever in the x-goog-api-key header.
import { readFileSync } from 'node:fs';
import { GoogleGenAI } from '@google/genai';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeGemini, createFakeServer, reply, streamReply, type FakeGemini, type FakeGeminiOptions, type FakeServer } from '../../../test/fakes/index.js';
import { Secret, type ResolvedProvider } from '../../config/index.js';
import type { Logger } from '../../log/logger.js';
import type { ChatRequest, ProviderClient, ProviderError, StreamPart } from '../../provider/index.js';
import { FIXTURE_CASES } from './__fixtures__/cases.js';
import { createGeminiProvider, type GeminiProviderOptions } from './index.js';
import { geminiApiBase, modelPath, parseGeminiError, parseRetryDelay } from './gemini-provider.js';

const KEY = 'AIzaSyD-test-key-do-not-leak-0123456789';

// ---------------------------------------------------------------------------------------------
// Harness

const servers: FakeServer[] = [];
const agents: Agent[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(agents.splice(0).map((a) => a.close()));
});

interface TestLogger extends Logger {
  lines: string[];
  /** Resolves with the first line (already logged or future) that matches. */
  waitFor(re: RegExp): Promise<string>;
}

function testLogger(): TestLogger {
  const lines: string[] = [];
  const waiters: Array<{ re: RegExp; resolve: (l: string) => void }> = [];
  const secrets: string[] = [];
  const write = (msg: string) => {
    let line = msg;
    for (const s of secrets) line = line.split(s).join('[redacted]');
    lines.push(line);
    for (const w of waiters.splice(0)) {
      if (w.re.test(line)) w.resolve(line);
      else waiters.push(w);
    }
  };
  return {
    lines,
    waitFor(re) {
      const hit = lines.find((l) => re.test(l));
      return hit ? Promise.resolve(hit) : new Promise((resolve) => waiters.push({ re, resolve }));
    },
    debug: write,
    info: write,
    warn: write,
    error: write,
    redact: (s) => {
      if (s) secrets.push(s);
    },
    configure: () => {},
    file: undefined,
    flushSync: () => {},
    close: (done) => done(),
  };
}

function resolved(baseUrl: string, key: string | undefined, extra: Partial<ResolvedProvider> = {}): ResolvedProvider {
  return {
    name: 'gemini',
    kind: 'gemini',
    enabled: true,
    configured: true,
    baseUrl,
    endpoints: [],
    deployments: {},
    timeoutMs: 45_000,
    prices: {},
    apiKey: new Secret(key, 'env:GEMINI_API_KEY'),
    ...extra,
  };
}

function client(baseUrl: string, opts: { key?: string | null; provider?: Partial<ResolvedProvider>; options?: GeminiProviderOptions } = {}) {
  const dispatcher = new Agent({ keepAliveTimeout: 10_000 });
  agents.push(dispatcher);
  const log = testLogger();
  const provider = createGeminiProvider(
    { provider: resolved(baseUrl, opts.key === null ? undefined : (opts.key ?? KEY), opts.provider), dispatcher, log },
    opts.options,
  );
  return { provider, log, dispatcher };
}

async function fakeGemini(opts: FakeGeminiOptions = {}): Promise<FakeGemini> {
  const fake = await createFakeGemini({ apiKey: KEY, ...opts });
  servers.push(fake);
  return fake;
}

async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const p of stream) parts.push(p);
  return parts;
}

const chat = (provider: ProviderClient, req: Partial<ChatRequest> = {}) =>
  collect(provider.chat({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Hi' }], signal: new AbortController().signal, ...req }));

const last = (parts: StreamPart[]) => parts[parts.length - 1]!;
const errorOf = (parts: StreamPart[]): ProviderError => {
  const p = last(parts);
  if (p.type !== 'error') throw new Error(`expected an error part, got ${JSON.stringify(p)}`);
  return p.error;
};
const textOf = (parts: StreamPart[]) => parts.flatMap((p) => (p.type === 'text-delta' ? [p.text] : [])).join('');

/** Waits until the agent has no request in flight on any origin: the socket was returned or closed. */
async function released(agent: Agent): Promise<void> {
  for (;;) {
    const busy = Object.values(agent.stats).some((s) => s.running > 0 || s.pending > 0);
    if (!busy) return;
    await new Promise((r) => setImmediate(r));
  }
}

/** Waits until a kept-alive socket is free again (undici frees it a few ticks after the body ends). */
async function idleSocket(agent: Agent): Promise<void> {
  for (;;) {
    if (Object.values(agent.stats).some((s) => 'free' in s && s.free > 0)) return;
    await new Promise((r) => setImmediate(r));
  }
}

/** Every error part and log line of a run, for "the key never shows" checks. */
function assertNoKey(parts: StreamPart[], log: TestLogger, fake?: FakeServer) {
  for (const p of parts) if (p.type === 'error') expect(JSON.stringify({ ...p.error.toJSON(), url: p.error.url, message: p.error.message })).not.toContain(KEY);
  for (const l of log.lines) expect(l).not.toContain(KEY);
  for (const r of fake?.requests ?? []) {
    expect(r.query.key).toBeUndefined();
    expect(r.path).not.toContain(KEY);
  }
}

// ---------------------------------------------------------------------------------------------
// Recorded streams

describe('recorded streams replayed over HTTP', () => {
  const fixture = (file: string) => new URL(`./__fixtures__/${file}`, import.meta.url);

  for (const c of FIXTURE_CASES) {
    it(`${c.name}: ${c.about}`, async () => {
      const raw = readFileSync(fixture(`${c.name}.stream.txt`), 'utf8');
      expect(raw).toContain('\r\n\r\n');
      // One HTTP chunk per event, as Gemini sends them.
      const events = raw.split(/(?<=\r\n\r\n)/);
      const server = await createFakeServer({
        routes: { 'POST /v1beta/models/:action': () => streamReply('text/event-stream', events, { 'content-disposition': 'attachment' }) },
        notFound: () => reply(404, 'text/plain', 'not found'),
        errorReply: (status) => reply(status, 'application/json', '{}'),
      });
      servers.push(server);
      const { provider, log } = client(server.url);
      const parts = await collect(provider.chat({ ...c.request, signal: new AbortController().signal }));

      const snapshot = JSON.parse(JSON.stringify(parts)) as Array<Record<string, unknown>>;
      expect(snapshot[0]).toMatchObject({ type: 'response-metadata', status: 200 });
      snapshot[0]!.ttfbMs = 0;
      await expect(`${JSON.stringify(snapshot, null, 2)}\n`).toMatchFileSnapshot(`./__fixtures__/${c.name}.parts.json`);

      const req = await server.waitForRequest();
      expect(req.path).toBe(`/v1beta/models/${c.request.model}:streamGenerateContent`);
      expect(req.query).toEqual({ alt: 'sse' });
      expect(req.headers['x-goog-api-key']).toBe(KEY);
      expect(req.headers['content-type']).toBe('application/json');
      await expect(`${JSON.stringify(req.body, null, 2)}\n`).toMatchFileSnapshot(`./__fixtures__/${c.name}.request.json`);
      assertNoKey(parts, log, server);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// The fake Gemini: chat, models, embeddings, health

describe('against the fake Gemini', () => {
  it('streams: metadata (responseId, modelVersion), text, cumulative usage, finish with cost', async () => {
    const fake = await fakeGemini({ reply: { tokens: ['Hel', 'lo'], promptTokens: 1000, completionTokens: 200, cachedTokens: 400 } });
    const { provider } = client(fake.url);
    const parts = await chat(provider);
    expect(parts[0]).toMatchObject({ type: 'response-metadata', status: 200, model: 'gemini-2.5-flash', requestId: expect.stringMatching(/^[\w-]{23}$/) });
    expect(textOf(parts)).toBe('Hello');
    const usage = { inputTokens: 1000, outputTokens: 200, cachedInputTokens: 400 };
    expect(parts.filter((p) => p.type === 'usage').at(-1)).toEqual({ type: 'usage', usage });
    const finish = last(parts);
    expect(finish).toMatchObject({ type: 'finish', reason: 'stop', rawReason: 'STOP', usage });
    // gemini-2.5-flash: 0.30 in, 0.03 cached, 2.50 out per 1M.
    expect(finish.type === 'finish' && finish.cost?.usd).toBeCloseTo((600 * 0.3 + 400 * 0.03 + 200 * 2.5) / 1e6, 12);
  });

  it('price overrides from config are used; unknown models have no cost', async () => {
    const fake = await fakeGemini({ strictModels: false, reply: { tokens: ['x'], promptTokens: 1_000_000, completionTokens: 0 } });
    const { provider } = client(fake.url, { provider: { prices: { 'my-tuned': { input: 1, output: 2 } } } });
    const priced = last(await chat(provider, { model: 'my-tuned' }));
    expect(priced.type === 'finish' && priced.cost).toMatchObject({ usd: 1, price: { input: 1, output: 2, verifiedAt: 'config' } });
    const unpriced = last(await chat(provider, { model: 'gemini-unknown' }));
    expect(unpriced).toMatchObject({ type: 'finish', reason: 'stop' });
    expect(unpriced.type === 'finish' && unpriced.cost).toBeUndefined();
  });

  it('tool round trip on Gemini 3: ids and the thought signature go back with the next turn', async () => {
    const fake = await fakeGemini({ functionCallIds: true, thoughtSignatures: true, reply: { toolCalls: [{ name: 'read_file', arguments: { path: 'a.ts' }, id: 'fc_1' }] } });
    const { provider } = client(fake.url);
    const tools = [{ name: 'read_file', parameters: { type: 'object', properties: { path: { type: 'string' } } } }];
    const first = await chat(provider, { tools });
    const call = first.find((p) => p.type === 'tool-call');
    expect(call).toEqual({ type: 'tool-call', index: 0, call: { id: 'fc_1', name: 'read_file', arguments: '{"path":"a.ts"}' } });
    expect(last(first)).toMatchObject({ type: 'finish', reason: 'tool-calls', rawReason: 'STOP' });
    const sent = (fake.requests[0]!.body as { contents: unknown[] }).contents;
    expect(sent).toEqual([{ role: 'user', parts: [{ text: 'Hi' }] }]);
    const firstChunk = JSON.parse((await fetchRaw(fake)).split('\r\n\r\n')[0]!.slice(6)) as { candidates: Array<{ content: { parts: Array<{ thoughtSignature?: string }> } }> };
    expect(firstChunk.candidates[0]!.content.parts[0]!.thoughtSignature).toBeTruthy();

    fake.setReply('The file is short.');
    await chat(provider, {
      tools,
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: '', toolCalls: [call!.type === 'tool-call' ? call!.call : { id: '', name: '', arguments: '' }] },
        { role: 'tool', toolCallId: 'fc_1', content: 'export {}' },
      ],
    });
    const body = fake.requests.at(-1)!.body as { contents: Array<{ role: string; parts: Array<Record<string, any>> }> };
    expect(body.contents[1]).toEqual({
      role: 'model',
      parts: [{ functionCall: { name: 'read_file', args: { path: 'a.ts' }, id: 'fc_1' }, thoughtSignature: expect.any(String) }],
    });
    expect(body.contents[2]).toEqual({ role: 'user', parts: [{ functionResponse: { name: 'read_file', response: { output: 'export {}' }, id: 'fc_1' } }] });
  });

  it('Gemini 2.5 calls (no id) get synthesized ids that are never sent back', async () => {
    const fake = await fakeGemini({ reply: { toolCalls: [{ name: 'f', arguments: { a: 1 } }, { name: 'g', arguments: {} }] } });
    const { provider } = client(fake.url);
    const parts = await chat(provider, { tools: [{ name: 'f', parameters: { type: 'object', properties: { a: { type: 'number' } } } }, { name: 'g', parameters: {} }] });
    const calls = parts.flatMap((p) => (p.type === 'tool-call' ? [p.call] : []));
    expect(calls.map((c) => c.name)).toEqual(['f', 'g']);
    expect(calls[0]!.id).toMatch(/^gemini-call-.+-0$/);
    expect(calls[1]!.id).toMatch(/^gemini-call-.+-1$/);
    expect(parts.filter((p) => p.type === 'tool-call-delta')).toHaveLength(2);
    fake.setReply('ok');
    await chat(provider, {
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: '', toolCalls: calls },
        { role: 'tool', toolCallId: calls[0]!.id, content: '1' },
        { role: 'tool', toolCallId: calls[1]!.id, content: '{"ok":true}' },
      ],
    });
    const body = fake.requests.at(-1)!.body as { contents: unknown[] };
    expect(body.contents.slice(1)).toEqual([
      { role: 'model', parts: [{ functionCall: { name: 'f', args: { a: 1 } } }, { functionCall: { name: 'g', args: {} } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'f', response: { output: 1 } } }, { functionResponse: { name: 'g', response: { ok: true } } }] },
    ]);
  });

  it('a blocked prompt finishes with content-filter', async () => {
    const fake = await fakeGemini({ promptBlockReason: 'SAFETY' });
    const parts = await chat(client(fake.url).provider);
    expect(last(parts)).toMatchObject({ type: 'finish', reason: 'content-filter', rawReason: 'blockReason:SAFETY' });
  });

  it('lists models across pages (prefix stripped, generate/embed models only), without a generation', async () => {
    const ids = Array.from({ length: 1203 }, (_, i) => `gemini-x-${i}`);
    const fake = await fakeGemini({ models: [...ids, { id: 'aqa', methods: ['generateAnswer'] }, 'text-embedding-004'] });
    const { provider } = client(fake.url);
    const models = await provider.listModels({ signal: new AbortController().signal });
    expect(models).toHaveLength(1204);
    expect(models[0]).toEqual({ id: 'gemini-x-0', provider: 'gemini', contextWindow: 1048576, capabilities: { fim: false, embedding: false } });
    expect(models.at(-1)).toEqual({ id: 'text-embedding-004', provider: 'gemini', contextWindow: 2048, capabilities: { fim: false, embedding: true } });
    expect(fake.requests.map((r) => `${r.method} ${r.path} ${r.query.pageSize} ${r.query.pageToken ? 'token' : '-'}`)).toEqual([
      'GET /v1beta/models 1000 -',
      'GET /v1beta/models 1000 token',
    ]);
  });

  it('embeds through batchEmbedContents in batches of 100, same vectors as the SDK', async () => {
    const fake = await fakeGemini();
    const { provider } = client(fake.url);
    const input = Array.from({ length: 150 }, (_, i) => `text ${i}`);
    const vectors = await provider.embed!({ model: 'text-embedding-004', input, signal: new AbortController().signal });
    expect(vectors).toHaveLength(150);
    expect(fake.requests.map((r) => [r.path, r.body.requests.length])).toEqual([
      ['/v1beta/models/text-embedding-004:batchEmbedContents', 100],
      ['/v1beta/models/text-embedding-004:batchEmbedContents', 50],
    ]);
    expect(fake.requests[0]!.body.requests[0]).toEqual({ model: 'models/text-embedding-004', content: { parts: [{ text: 'text 0' }] } });
    const ai = new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: fake.url } });
    const sdk = await ai.models.embedContent({ model: 'text-embedding-004', contents: input.slice(98, 102) });
    expect(sdk.embeddings?.map((e) => e.values)).toEqual(vectors.slice(98, 102));
    expect(await provider.embed!({ model: 'text-embedding-004', input: [], signal: new AbortController().signal })).toEqual([]);
  });

  it('health is the model list: ok with the models, never a generation', async () => {
    const fake = await fakeGemini();
    const { provider } = client(fake.url);
    const [probe] = await provider.health({ signal: new AbortController().signal });
    expect(probe).toMatchObject({ url: fake.url, ok: true, status: 200, message: 'reachable, 3 models', models: ['gemini-2.5-flash', 'gemini-2.5-pro', 'text-embedding-004'] });
    expect(probe!.latency_ms).toBeGreaterThanOrEqual(0);
    expect(fake.requests.every((r) => r.method === 'GET' && r.path === '/v1beta/models')).toBe(true);
  });

  it('health: a rejected key, a missing key, an unreachable address', async () => {
    const fake = await fakeGemini();
    const [bad] = await client(fake.url, { key: 'AIza-wrong-key-1234' }).provider.health({ signal: new AbortController().signal });
    expect(bad).toMatchObject({ ok: false, status: 400 });
    expect(bad!.message).toBe('reachable, but the key was rejected (API key not valid. Please pass a valid API key.); check GEMINI_API_KEY or providers.gemini.api_key');
    const [none] = await client(fake.url, { key: null }).provider.health({ signal: new AbortController().signal });
    expect(none).toMatchObject({ ok: false, status: 403, message: 'reachable; no key: set GEMINI_API_KEY or providers.gemini.api_key' });
    const url = fake.url;
    await fake.close();
    const [down] = await client(url).provider.health({ signal: new AbortController().signal });
    expect(down).toMatchObject({ ok: false, url });
    expect(down!.message).toMatch(/cannot reach .*\/v1beta\/models \(ECONNREFUSED\)/);
  });
});

async function fetchRaw(fake: FakeGemini): Promise<string> {
  const res = await fetch(`${fake.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
    method: 'POST',
    headers: { 'x-goog-api-key': KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] }),
  });
  return res.text();
}

// ---------------------------------------------------------------------------------------------
// Fidelity with the official SDK

describe('same answers as @google/genai on the fake', () => {
  const scripts: Array<[string, FakeGeminiOptions['reply']]> = [
    ['text with cached prompt', { tokens: ['Morning ', 'café—', 'steam ☕'], promptTokens: 40, completionTokens: 9, cachedTokens: 16 }],
    ['tool calls', { tokens: ['Checking.'], toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris', days: [1, 2] } }, { name: 'now', arguments: {} }] }],
    ['thoughts', { thinking: ['Think ', 'hard.'], tokens: ['42'], promptTokens: 12, completionTokens: 30 }],
  ];
  for (const [label, script] of scripts) {
    it(label, async () => {
      const fake = await fakeGemini({ reply: script });
      const ai = new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: fake.url } });
      let sdkText = '';
      let sdkThoughts = '';
      const sdkCalls: Array<{ name?: string; args?: unknown }> = [];
      let sdkUsage;
      let sdkFinish;
      for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Hi' })) {
        for (const p of chunk.candidates?.[0]?.content?.parts ?? []) {
          if (p.thought) sdkThoughts += p.text ?? '';
          else if (p.text) sdkText += p.text;
          if (p.functionCall) sdkCalls.push({ name: p.functionCall.name, args: p.functionCall.args });
        }
        sdkUsage = chunk.usageMetadata;
        sdkFinish = chunk.candidates?.[0]?.finishReason ?? sdkFinish;
      }

      const parts = await chat(client(fake.url).provider);
      expect(textOf(parts)).toBe(sdkText);
      expect(parts.flatMap((p) => (p.type === 'reasoning-delta' ? [p.text] : [])).join('')).toBe(sdkThoughts);
      expect(parts.flatMap((p) => (p.type === 'tool-call' ? [{ name: p.call.name, args: JSON.parse(p.call.arguments) as unknown }] : []))).toEqual(sdkCalls);
      const fin = last(parts);
      expect(fin.type === 'finish' && fin.rawReason).toBe(sdkFinish);
      const u = sdkUsage!;
      expect(fin.type === 'finish' && fin.usage).toEqual({
        inputTokens: u.promptTokenCount,
        outputTokens: (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0),
        ...(u.cachedContentTokenCount ? { cachedInputTokens: u.cachedContentTokenCount } : {}),
        ...(u.thoughtsTokenCount ? { reasoningTokens: u.thoughtsTokenCount } : {}),
      });
      // Both sent the same kind of request.
      const [sdkReq, ourReq] = fake.requests;
      expect(ourReq!.path).toBe(sdkReq!.path);
      expect(ourReq!.query).toEqual(sdkReq!.query);
      expect(ourReq!.body.contents).toEqual(sdkReq!.body.contents);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Faults

describe('fault matrix', () => {
  it('stall mid-stream → idle timeout error part; the socket is closed', async () => {
    const fake = await fakeGemini({ reply: ['a', 'b', 'c'] });
    fake.setFaults({ stallAfterChunks: 1 });
    const { provider, dispatcher } = client(fake.url);
    const parts = await chat(provider, { idleTimeoutMs: 300 });
    expect(textOf(parts)).toBe('a');
    expect(errorOf(parts)).toMatchObject({ code: 'timeout', retryable: false });
    expect(errorOf(parts).message).toMatch(/stalled \(no data for 300 ms\)/);
    await fake.waitForDisconnect();
    await released(dispatcher);
  });

  it('connection reset mid-stream → stream error part', async () => {
    const fake = await fakeGemini({ reply: ['a', 'b', 'c'] });
    fake.setFaults({ resetAfterChunks: 1, chunkDelayMs: 30 });
    const { provider, dispatcher } = client(fake.url);
    const parts = await chat(provider);
    expect(parts[0]).toMatchObject({ type: 'response-metadata' });
    expect(errorOf(parts)).toMatchObject({ code: 'stream', retryable: false });
    expect(errorOf(parts).message).toMatch(/broke mid-stream/);
    await released(dispatcher);
  });

  it('429 with RetryInfo "0.05s" → retried after that wait, then success (failTimes: 1)', async () => {
    const fake = await fakeGemini({ reply: 'after retry', retryDelay: '0.05s', faults: { status: 429, failTimes: 1 } });
    const { provider, log } = client(fake.url);
    const parts = await chat(provider);
    expect(textOf(parts)).toBe('after retry');
    expect(last(parts)).toMatchObject({ type: 'finish', reason: 'stop' });
    expect(fake.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(await log.waitFor(/retry 1 in/)).toMatch(/retry 1 in 50 ms after rate_limit/);
  });

  it('429 with RetryInfo "36s": the error carries retryAfterMs 36000 and the retry waits that long (abortable)', async () => {
    const fake = await fakeGemini({ retryDelay: '36s', faults: { status: 429 } });
    const noRetry = await chat(client(fake.url).provider, { maxRetries: 0 });
    expect(errorOf(noRetry)).toMatchObject({ code: 'rate_limit', status: 429, retryable: true, retryAfterMs: 36_000, providerCode: 'RESOURCE_EXHAUSTED' });
    expect(errorOf(noRetry).message).toMatch(/^gemini answered HTTP 429: You exceeded your current quota/);

    const { provider, log } = client(fake.url);
    const ac = new AbortController();
    const pending = collect(provider.chat({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Hi' }], signal: ac.signal }));
    expect(await log.waitFor(/retry 1 in/)).toMatch(/retry 1 in 36000 ms/);
    ac.abort();
    const parts = await pending;
    expect(errorOf(parts)).toMatchObject({ code: 'cancelled' });
    expect(fake.requests).toHaveLength(2);
  });

  it('a per-day quota 429 is `quota` and not retried', async () => {
    const fake = await fakeGemini({ faults: { status: 429, errorCode: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier' } });
    const parts = await chat(client(fake.url).provider);
    expect(errorOf(parts)).toMatchObject({ code: 'quota', retryable: false, status: 429 });
    expect(fake.requests).toHaveLength(1);
  });

  it('5xx: 503 retried then success; a lasting 500 ends in a server error after maxRetries', async () => {
    const fake = await fakeGemini({ reply: 'ok', faults: { status: 503, failTimes: 1 } });
    const ok = await chat(client(fake.url).provider);
    expect(textOf(ok)).toBe('ok');
    expect(fake.requests.map((r) => r.status)).toEqual([503, 200]);

    fake.setFaults({ status: 500, failTimes: undefined });
    const before = fake.requests.length;
    const { provider, dispatcher } = client(fake.url);
    const parts = await chat(provider, { maxRetries: 1 });
    expect(errorOf(parts)).toMatchObject({ code: 'server', status: 500, retryable: true, providerCode: 'INTERNAL' });
    expect(errorOf(parts).message).toContain('An internal error has occurred');
    expect(fake.requests.length - before).toBe(2);
    await released(dispatcher);
  });

  it('a malformed chunk → bad_response error part after the text before it', async () => {
    const fake = await fakeGemini({ reply: ['a', 'b', 'c'] });
    fake.setFaults({ malformedChunkAt: 1 });
    const { provider, dispatcher } = client(fake.url);
    const parts = await chat(provider);
    expect(textOf(parts)).toBe('a');
    expect(errorOf(parts)).toMatchObject({ code: 'bad_response' });
    expect(errorOf(parts).message).toMatch(/^gemini: malformed JSON in the stream/);
    await released(dispatcher);
  });

  it('a mid-stream {"error": …} chunk → stream error part with Google’s status', async () => {
    const fake = await fakeGemini({ reply: ['a', 'b', 'c'] });
    fake.setFaults({ midStreamErrorAt: 2, errorMessage: 'The model is overloaded.' });
    const parts = await chat(client(fake.url).provider);
    expect(textOf(parts)).toBe('ab');
    expect(errorOf(parts)).toMatchObject({ code: 'stream', status: 500, providerCode: 'INTERNAL', message: 'gemini: error inside the stream (INTERNAL): The model is overloaded.' });
    expect(parts.filter((p) => p.type === 'finish')).toHaveLength(0);
  });

  it('abort mid-stream → cancelled error part; the fake sees the disconnect', async () => {
    const fake = await fakeGemini({ reply: ['a', 'b', 'c'] });
    fake.setFaults({ stallAfterChunks: 1 });
    const { provider, dispatcher } = client(fake.url);
    const ac = new AbortController();
    const parts: StreamPart[] = [];
    for await (const p of provider.chat({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Hi' }], signal: ac.signal })) {
      parts.push(p);
      if (p.type === 'text-delta') ac.abort();
    }
    expect(errorOf(parts)).toMatchObject({ code: 'cancelled' });
    await fake.waitForDisconnect();
    expect(fake.requests[0]!.clientDisconnected).toBe(true);
    await released(dispatcher);
  });

  it('a consumer that stops reading releases the socket too', async () => {
    const fake = await fakeGemini({ reply: ['a', 'b', 'c'] });
    fake.setFaults({ stallAfterChunks: 1 });
    const { provider, dispatcher } = client(fake.url);
    for await (const p of provider.chat({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Hi' }], signal: new AbortController().signal })) {
      if (p.type === 'text-delta') break;
    }
    await fake.waitForDisconnect();
    await released(dispatcher);
  });

  it('an oversized event → too_large error part (default 8 MiB limit, and a configured one)', async () => {
    const fake = await fakeGemini();
    fake.setFaults({ oversizedBodyBytes: 9 * 1024 * 1024 });
    const { provider, dispatcher } = client(fake.url);
    const parts = await chat(provider);
    expect(errorOf(parts)).toMatchObject({ code: 'too_large' });
    await released(dispatcher);

    fake.setFaults({ oversizedBodyBytes: 4096 });
    const small = await chat(client(fake.url, { options: { maxEventBytes: 1024 } }).provider);
    expect(errorOf(small)).toMatchObject({ code: 'too_large', message: 'a stream event exceeded 1024 bytes' });
  });

  it('wrong content-type (a portal page) → bad_response naming what came instead', async () => {
    const fake = await fakeGemini();
    fake.setFaults({ wrongContentType: true });
    const { provider, dispatcher } = client(fake.url);
    const parts = await chat(provider);
    expect(errorOf(parts)).toMatchObject({ code: 'bad_response', status: 200 });
    expect(errorOf(parts).message).toContain('got "text/html; charset=utf-8"');
    expect(errorOf(parts).message).toContain(`${fake.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent`);
    await released(dispatcher);
  });

  it('slow first byte: past firstByteTimeoutMs → timeout; within it → fine', async () => {
    const fake = await fakeGemini({ reply: 'late' });
    fake.setFaults({ firstByteDelayMs: 5_000 });
    const { provider, dispatcher } = client(fake.url);
    const parts = await chat(provider, { firstByteTimeoutMs: 200, maxRetries: 0 });
    expect(errorOf(parts)).toMatchObject({ code: 'timeout', retryable: true });
    expect(errorOf(parts).message).toMatch(/no answer from .* within 200 ms/);
    await fake.waitForDisconnect();
    await released(dispatcher);

    fake.setFaults({ firstByteDelayMs: 100 });
    expect(textOf(await chat(provider))).toBe('late');
  });

  it('unknown model → model_not_found with Google’s message, not retried', async () => {
    const fake = await fakeGemini();
    const parts = await chat(client(fake.url).provider, { model: 'gemini-pro' });
    expect(errorOf(parts)).toMatchObject({ code: 'model_not_found', status: 404, retryable: false, providerCode: 'NOT_FOUND' });
    expect(errorOf(parts).message).toContain('models/gemini-pro is not found for API version v1beta');
    expect(fake.requests).toHaveLength(1);
  });

  it('an unreachable address → unreachable after the retries', async () => {
    const fake = await fakeGemini();
    const url = fake.url;
    await fake.close();
    const parts = await chat(client(url).provider, { maxRetries: 0 });
    expect(errorOf(parts)).toMatchObject({ code: 'unreachable', retryable: true });
  });
});

// ---------------------------------------------------------------------------------------------
// Keys and connections

describe('the key and the connection', () => {
  it('a wrong key (400 API_KEY_INVALID) → auth naming GEMINI_API_KEY, not retried, key nowhere', async () => {
    const fake = await fakeGemini();
    const { provider, log } = client(fake.url, { key: 'AIza-wrong-key-but-long-enough' });
    const parts = await chat(provider);
    const e = errorOf(parts);
    expect(e).toMatchObject({ code: 'auth', status: 400, retryable: false, providerCode: 'API_KEY_INVALID' });
    expect(e.message).toBe('gemini answered HTTP 400: API key not valid. Please pass a valid API key. (check GEMINI_API_KEY or providers.gemini.api_key)');
    expect(e.message).not.toContain('AIza-wrong-key-but-long-enough');
    expect(fake.requests).toHaveLength(1);
    assertNoKey(parts, log, fake);
  });

  it('no key → 403 auth saying where to set one', async () => {
    const fake = await fakeGemini();
    const parts = await chat(client(fake.url, { key: null }).provider);
    expect(errorOf(parts)).toMatchObject({ code: 'auth', status: 403 });
    expect(errorOf(parts).message).toContain('(no API key was sent: set GEMINI_API_KEY or providers.gemini.api_key)');
    expect(fake.requests[0]!.headers['x-goog-api-key']).toBeUndefined();
  });

  it('a key from GOOGLE_API_KEY or from the config file is named as such', () => {
    const hint = (source: string) => parseGeminiError(403, '{"error":{"code":403,"message":"denied","status":"PERMISSION_DENIED"}}', { keyHint: source, keySet: true }).message;
    expect(hint('GOOGLE_API_KEY or providers.gemini.api_key')).toBe('denied (check GOOGLE_API_KEY or providers.gemini.api_key)');
  });

  it('two sequential chats share one connection; the key is only ever in the header', async () => {
    const fake = await fakeGemini({ reply: 'hi' });
    const { provider, log, dispatcher } = client(fake.url);
    const a = await chat(provider);
    await idleSocket(dispatcher);
    const b = await chat(provider);
    expect(textOf(a) + textOf(b)).toBe('hihi');
    expect(fake.connections).toBe(1);
    for (const r of fake.requests) {
      expect(r.headers['x-goog-api-key']).toBe(KEY);
      expect(JSON.stringify(r.query)).not.toContain(KEY);
    }
    assertNoKey([...a, ...b], log, fake);
  });

  it('error URLs never carry a key, even through every error path', async () => {
    const fake = await fakeGemini();
    const { provider, log } = client(fake.url);
    const all: StreamPart[] = [];
    for (const faults of [{ status: 500 }, { status: 429 }, { wrongContentType: true }, { malformedChunkAt: 0 }, { midStreamErrorAt: 0 }] as const) {
      fake.resetFaults();
      fake.setFaults(faults);
      const parts = await chat(provider, { maxRetries: 0 });
      expect(last(parts).type).toBe('error');
      all.push(...parts);
    }
    assertNoKey(all, log, fake);
  });

  it('a key echoed in a provider message is redacted', () => {
    const parsed = parseGeminiError(400, JSON.stringify({ error: { code: 400, message: `bad key ${KEY}`, status: 'INVALID_ARGUMENT' } }), { keyHint: 'X', keySet: true, key: KEY });
    expect(parsed.message).toBe('bad key [redacted]');
  });
});

// ---------------------------------------------------------------------------------------------
// Small pieces

describe('addresses and error parsing', () => {
  it('base URL → API base; model → path', () => {
    expect(geminiApiBase('https://generativelanguage.googleapis.com')).toBe('https://generativelanguage.googleapis.com/v1beta');
    expect(geminiApiBase('https://generativelanguage.googleapis.com/')).toBe('https://generativelanguage.googleapis.com/v1beta');
    expect(geminiApiBase('https://proxy.example/gemini/v1beta')).toBe('https://proxy.example/gemini/v1beta');
    expect(geminiApiBase('https://proxy.example/v1')).toBe('https://proxy.example/v1');
    expect(modelPath('gemini-2.5-flash')).toBe('models/gemini-2.5-flash');
    expect(modelPath('models/gemini-2.5-flash')).toBe('models/gemini-2.5-flash');
    expect(modelPath('tunedModels/my-model-x1')).toBe('tunedModels/my-model-x1');
  });

  it('RetryInfo durations', () => {
    expect(parseRetryDelay('36s')).toBe(36_000);
    expect(parseRetryDelay('0.05s')).toBe(50);
    expect(parseRetryDelay('1.000340s')).toBe(1000);
    expect(parseRetryDelay('soon')).toBeUndefined();
    expect(parseRetryDelay(36)).toBeUndefined();
  });

  it('error bodies: array-wrapped, not JSON, no details', () => {
    const ctx = { keyHint: 'GEMINI_API_KEY or providers.gemini.api_key', keySet: true };
    expect(parseGeminiError(503, '[{"error":{"code":503,"message":"overloaded","status":"UNAVAILABLE"}}]', ctx)).toEqual({ providerCode: 'UNAVAILABLE', message: 'overloaded' });
    expect(parseGeminiError(502, '<html>Bad Gateway</html>', ctx)).toEqual({});
    expect(parseGeminiError(403, 'Forbidden', ctx)).toMatchObject({ code: 'auth', message: 'the API key was rejected (check GEMINI_API_KEY or providers.gemini.api_key)' });
  });
});
