// OMEN mode and hybrid mode against the fake OMEN (test/fakes/omen-server.ts): the synthetic
// provider and its client send bodies OMEN accepts and read its streams (no [DONE], stray
// Anthropic frames, silent cuts) to the right text; model ids, hints, scores, health and trace
// headers are parsed the tolerant way ghost-stack.md §2 / §5 asks for.
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeOmen, createFakeServer, reply, type FakeOmen, type FakeOmenOptions, type FakeServer } from '../../test/fakes/index.js';
import { Secret, type ResolvedConfig, type ResolvedProvider } from '../config/index.js';
import type { ChatRequest, ProviderClient, StreamPart } from '../provider/index.js';
import { createOpenAICompatibleProvider, quirksFor } from '../providers/openai-compatible/index.js';
import { collect, expectOneEnd, summarize, testContext, testLogger } from '../providers/openai-compatible/test-support.js';
import { fetchOmenScores, normalizeOmenScores, omenHealth, omenModelId, omenProvider, omenRequestExtras, omenUrls, readOmenTrace } from './omen.js';
import type { RouteHints } from './types.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function omen(opts: FakeOmenOptions = {}): Promise<FakeOmen> {
  const f = await createFakeOmen(opts);
  cleanups.push(() => f.close());
  return f;
}

type Cfg = Pick<ResolvedConfig, 'api'> & { providers?: ResolvedProvider[] };
const cfgFor = (baseUrl: string | undefined, key?: string, strategy = 'single'): Cfg => ({
  api: { mode: 'omen', strategy, ...(baseUrl !== undefined ? { baseUrl } : {}), apiKey: new Secret(key, key === undefined ? 'none' : 'config') },
});

function dispatcher(): Agent {
  const d = new Agent({ connections: 1 });
  cleanups.push(() => d.destroy());
  return d;
}

function omenClient(cfg: Cfg): ProviderClient {
  const ctx = testContext(omenProvider(cfg), testLogger());
  cleanups.push(() => ctx.dispatcher.destroy());
  return createOpenAICompatibleProvider(ctx);
}

const signal = () => new AbortController().signal;
const hints: RouteHints = { intent: 'code', sizeHint: 'small', latency: 'low', budget: 'frugal', project: 'grim' };
const chat = (model: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  signal: signal(),
  model,
  messages: [{ role: 'user', content: 'Refactor this function' }],
  extraBody: omenRequestExtras(hints, 'single'),
  ...extra,
});

describe('omenProvider', () => {
  it('is an openai-compatible provider named omen with the api key and the omen quirks', () => {
    const key = new Secret('omen-key', 'env:OMEN_KEY');
    const p = omenProvider({ api: { mode: 'omen', strategy: 'single', baseUrl: 'http://gpu:8080/v1', apiKey: key } });
    expect(p).toMatchObject({ name: 'omen', kind: 'openai-compatible', enabled: true, configured: true, baseUrl: 'http://gpu:8080/v1', timeoutMs: 45_000, endpoints: [], deployments: {}, prices: {} });
    expect(p.apiKey).toBe(key);
    expect(quirksFor(p)).toMatchObject({ family: 'omen', eofIsFinish: true, omenBody: true });
  });

  it('an address without a path gets /v1; health and scores live beside it; a providers.omen table lends its timeout', () => {
    expect(omenUrls('http://gpu:8080')).toEqual({ api: 'http://gpu:8080/v1', root: 'http://gpu:8080' });
    expect(omenUrls('http://gpu:8080/v1/')).toEqual({ api: 'http://gpu:8080/v1', root: 'http://gpu:8080' });
    expect(omenUrls('https://proxy/omen/v1')).toEqual({ api: 'https://proxy/omen/v1', root: 'https://proxy/omen' });
    const user = { ...omenProvider(cfgFor('http://x/v1')), timeoutMs: 7_000, proxy: 'http://proxy:3128' };
    expect(omenProvider({ ...cfgFor('http://gpu:8080'), providers: [user] })).toMatchObject({ baseUrl: 'http://gpu:8080/v1', timeoutMs: 7_000, proxy: 'http://proxy:3128' });
    expect(omenProvider(cfgFor('http://gpu:8080'), { timeoutMs: 5_000 }).timeoutMs).toBe(5_000);
  });

  it('without api.base_url it throws a message that names the setting', () => {
    expect(() => omenProvider(cfgFor(undefined))).toThrow(/api\.base_url/);
  });
});

describe('omenRequestExtras', () => {
  it('tags are strings only, absent hints left out (never null), omen {strategy:"single"} by default', () => {
    expect(omenRequestExtras({ intent: 'code' })).toEqual({ tags: { intent: 'code', source: 'zeke.nvim' }, omen: { strategy: 'single' } });
    const full = omenRequestExtras({ ...hints, session: 's-1', inputTokens: 900, toolCalls: 2 }, 'race');
    expect(full).toEqual({
      tags: { intent: 'code', size_hint: 'small', latency: 'low', budget: 'frugal', project: 'grim', session: 's-1', source: 'zeke.nvim' },
      omen: { strategy: 'race' },
    });
    for (const v of Object.values(full.tags as Record<string, unknown>)) expect(typeof v).toBe('string');
  });

  it('an empty strategy leaves omen out entirely (an empty omen object would mean race)', () => {
    expect(omenRequestExtras({ intent: 'general', project: '' }, '')).toEqual({ tags: { intent: 'general', source: 'zeke.nvim' } });
    expect(omenRequestExtras({ intent: 'general' }, '  ')).not.toHaveProperty('omen');
  });
});

describe('omenModelId: a concrete listed id, never "auto" when OMEN lists anything', () => {
  const listed = ['qwen2.5-coder:7b', 'deepseek-coder:14b', 'llama3.1:latest', 'gpt-4o-mini', 'claude-sonnet-4-5-20250514', 'claude-sonnet-4-5-20250929'];
  const cases: Array<[string, string, Record<string, string[]>?]> = [
    ['qwen2.5-coder:7b', 'qwen2.5-coder:7b'],
    ['ollama:qwen2.5-coder:7b', 'qwen2.5-coder:7b'],
    ['omen:gpt-4o-mini', 'gpt-4o-mini'],
    ['openai:gpt-4o-mini', 'gpt-4o-mini'],
    ['ollama:llama3.1', 'llama3.1:latest'],
    ['anthropic:claude-sonnet-4-5', 'claude-sonnet-4-5-20250929'],
    ['code-fast', 'deepseek-coder:14b', { 'code-fast': ['ollama:deepseek-coder:14b'] }],
    ['code-smart', 'gpt-4o-mini', { 'code-smart': ['azure:gpt-5-codex', 'openai:gpt-4o-mini'] }],
    ['openai:o3', 'o3'],
    ['code-smart', 'gpt-5-codex', { 'code-smart': ['azure:gpt-5-codex'] }],
    ['gpt-9', 'gpt-9'],
    ['auto', 'qwen2.5-coder:7b'],
  ];
  for (const [requested, expected, aliases] of cases) {
    it(`${requested} → ${expected}`, () => expect(omenModelId(requested, listed, aliases)).toBe(expected));
  }

  it('with nothing listed: the model part of a ref, and "auto" stays "auto" (OMEN 500s; the caller falls back)', () => {
    expect(omenModelId('ollama:qwen2.5-coder:7b', [])).toBe('qwen2.5-coder:7b');
    expect(omenModelId('auto', [])).toBe('auto');
  });

  it('the fake OMEN accepts what it returns and answers 500 to "auto"', async () => {
    const f = await omen({ reply: 'ok' });
    const c = omenClient(cfgFor(f.baseURL));
    const ids = (await c.listModels({ signal: signal() })).map((m) => m.id);
    const good = await collect(c.chat(chat(omenModelId('ollama:qwen2.5-coder:7b', ids), { maxRetries: 0 })));
    expect(expectOneEnd(good)).toMatchObject({ type: 'finish' });
    const auto = await collect(c.chat(chat('auto', { maxRetries: 0 })));
    expect(expectOneEnd(auto)).toMatchObject({ type: 'error', error: { code: 'server', status: 500 } });
  });
});

describe('OMEN mode through the openai-compatible client', () => {
  it('sends a body the fake accepts: concrete model, string tags, omen {strategy:"single"}, stop array, no tool_choice', async () => {
    const f = await omen({ reply: 'def add(a, b): return a + b' });
    const c = omenClient(cfgFor(f.baseURL));
    const parts = await collect(
      c.chat(
        chat('qwen2.5-coder:7b', {
          stop: ['\n\n'],
          temperature: 0.2,
          maxTokens: 200,
          tools: [{ name: 'read_file', parameters: { type: 'object' } }],
          messages: [
            { role: 'user', content: 'Read it' },
            { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'read_file', arguments: '{}' }] },
            { role: 'tool', toolCallId: 'c1', content: 'def add(a, b): pass' },
          ],
        }),
      ),
    );
    expect(expectOneEnd(parts)).toMatchObject({ type: 'finish', reason: 'stop' });
    expect(summarize(parts).text).toBe('def add(a, b): return a + b');
    const sent = f.requests[0]!;
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({
      model: 'qwen2.5-coder:7b',
      stream: true,
      stop: ['\n\n'],
      temperature: 0.2,
      max_tokens: 200,
      tags: { intent: 'code', size_hint: 'small', latency: 'low', budget: 'frugal', project: 'grim', source: 'zeke.nvim' },
      omen: { strategy: 'single' },
    });
    expect(sent.body).not.toHaveProperty('tool_choice');
    expect(sent.body.messages[1]).toMatchObject({ role: 'assistant', content: '' });
    expect(sent.headers.authorization).toBeUndefined();
  });

  it('the key goes as a Bearer header; a wrong one is an auth error naming the key setting (OMEN\'s 401 has no body)', async () => {
    const f = await omen({ apiKey: 'omen-master' });
    const ok = await collect(omenClient(cfgFor(f.baseURL, 'omen-master')).chat(chat('gpt-4o-mini')));
    expect(expectOneEnd(ok)).toMatchObject({ type: 'finish' });
    expect(f.requests[0]!.headers.authorization).toBe('Bearer omen-master');
    const bad = expectOneEnd(await collect(omenClient(cfgFor(f.baseURL, 'wrong')).chat(chat('gpt-4o-mini'))));
    expect(bad).toMatchObject({ type: 'error', error: { code: 'auth', status: 401, retryable: false } });
    if (bad.type === 'error') expect(bad.error.message).toMatch(/providers\.omen\.api_key|api_key/);
  });

  it('reads an Ollama-backed stream that ends without [DONE] to the full text, finish "stop"', async () => {
    const f = await omen({ reply: ['one', ' two', ' three'] });
    const parts = await collect(omenClient(cfgFor(f.baseURL)).chat(chat('qwen2.5-coder:7b')));
    expect(parts[0]).toMatchObject({ type: 'response-metadata', status: 200, model: 'qwen2.5-coder:7b' });
    expect(parts[0]).not.toHaveProperty('trace');
    expect(summarize(parts)).toMatchObject({ text: 'one two three', finish: 'stop' });
  });

  it('stray Anthropic event: frames are skipped: the text is the OpenAI-style text only', async () => {
    const f = await omen({ reply: ['alpha', ' beta', ' gamma'], quirks: { anthropicFrames: true } });
    for (const model of ['qwen2.5-coder:7b', 'gpt-4o-mini']) {
      const parts = await collect(omenClient(cfgFor(f.baseURL)).chat(chat(model)));
      expect(expectOneEnd(parts), model).toMatchObject({ type: 'finish', reason: 'stop' });
      expect(summarize(parts).text, model).toBe('alpha beta gamma');
    }
  });

  it('an Anthropic-backed model (OMEN forwards raw Anthropic SSE) ends cleanly with its stop reason', async () => {
    const f = await omen({ reply: ['Hi', ' you'] });
    const parts = await collect(omenClient(cfgFor(f.baseURL)).chat(chat('claude-sonnet-4-5-20250929')));
    expect(expectOneEnd(parts)).toMatchObject({ type: 'finish', reason: 'stop' });
  });

  // The omen quirk reads raw Anthropic frames' text when no OpenAI-style chunk came first.
  it('an Anthropic-backed model gives its text (OMEN forwards raw Anthropic SSE)', async () => {
    const f = await omen({ reply: ['Hi', ' you'] });
    const parts = await collect(omenClient(cfgFor(f.baseURL)).chat(chat('claude-sonnet-4-5-20250929')));
    expect(summarize(parts).text).toBe('Hi you');
  });

  it('strategy "single" is never cut; a race (what an empty omen object means) is cut silently and ends as "other"', async () => {
    const tokens = Array.from({ length: 10 }, (_, i) => ` w${i}`);
    const f = await omen({ reply: tokens });
    const single = await collect(omenClient(cfgFor(f.baseURL)).chat(chat('gpt-4o-mini')));
    expect(summarize(single)).toMatchObject({ text: tokens.join(''), finish: 'stop' });
    // A caller's empty omen object is dropped by the quirk, so it is not a race either.
    const empty = await collect(omenClient(cfgFor(f.baseURL)).chat(chat('gpt-4o-mini', { extraBody: { omen: {} } })));
    expect(summarize(empty).text).toBe(tokens.join(''));
    // An explicit race is OMEN's to cut: no error, no finish_reason, no [DONE] — a short answer marked "other".
    const race = await collect(omenClient(cfgFor(f.baseURL)).chat(chat('gpt-4o-mini', { extraBody: omenRequestExtras(hints, 'race') })));
    expect(summarize(race)).toMatchObject({ text: tokens.slice(0, 6).join(''), finish: 'other' });
  });

  it('a mid-stream failure OMEN swallows ends as a finished-but-short answer ("other"), not a hang', async () => {
    const f = await omen({ reply: ['a', 'b', 'c', 'd'], faults: { midStreamErrorAt: 2 } });
    const parts = await collect(omenClient(cfgFor(f.baseURL)).chat(chat('qwen2.5-coder:7b')));
    expect(expectOneEnd(parts)).toMatchObject({ type: 'finish', reason: 'other' });
    expect(summarize(parts).text).toBe('ab');
  });

  it('X-OMEN-* headers, when a future OMEN sends them, reach the trace', async () => {
    const f = await omen({ reply: 'x', quirks: { traceHeaders: true } });
    const parts = await collect(omenClient(cfgFor(f.baseURL)).chat(chat('gpt-4o-mini')));
    const meta = parts[0] as Extract<StreamPart, { type: 'response-metadata' }>;
    expect(readOmenTrace(meta.trace)).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', reason: 'exact model id', costUsd: expect.any(Number) });
  });

  it('the model list is OMEN\'s ids with their context windows', async () => {
    const f = await omen();
    const models = await omenClient(cfgFor(f.baseURL)).listModels({ signal: signal() });
    expect(models.map((m) => m.id)).toEqual(['qwen2.5-coder:7b', 'deepseek-coder:14b', 'gpt-4o-mini', 'claude-sonnet-4-5-20250929']);
    expect(models[0]).toMatchObject({ provider: 'omen', contextWindow: 32768 });
  });
});

describe('fetchOmenScores (hybrid mode)', () => {
  it('reads OMEN\'s bare array, best first, with zeke\'s provider names', async () => {
    const f = await omen({ providers: [{ id: 'google', latency_ms: 4000 }, { id: 'ollama', latency_ms: 20 }, { id: 'anthropic', healthy: false }] });
    const scores = await fetchOmenScores(cfgFor(f.baseURL), signal(), dispatcher());
    expect(scores.map((s) => s.provider)).toEqual(['ollama', 'gemini', 'anthropic']);
    expect(scores[0]).toMatchObject({ healthy: true, recommended: true, latencyMs: 20 });
    expect(scores[0]!.score).toBeGreaterThan(scores[1]!.score);
    expect(scores[2]).toMatchObject({ healthy: false, recommended: false });
    expect(f.requests[0]!.path).toBe('/omen/providers/scores');
  });

  it('tolerates the shape variants', () => {
    expect(normalizeOmenScores({ scores: [{ provider: 'ollama', score: 0.9, healthy: true }, { provider: 'openai', score: 0.5 }] })).toEqual([
      { provider: 'ollama', score: 90, healthy: true },
      { provider: 'openai', score: 50 },
    ]);
    expect(normalizeOmenScores({ providers: [{ id: 'xai', overall_score: 0.5, health_score: 0 }, { name: 'Ollama', score: 70, status: 'healthy' }] })).toEqual([
      { provider: 'ollama', score: 70, healthy: true },
      { provider: 'xai', score: 0.5, healthy: false },
    ]);
    expect(normalizeOmenScores({ data: [{ provider_id: 'openai', overall_score: 140 }, { provider_id: 'bad', overall_score: 'high' }, { overall_score: 3 }, 'junk'] })).toEqual([{ provider: 'openai', score: 100 }]);
    expect(normalizeOmenScores([])).toEqual([]);
    expect(normalizeOmenScores({ status: 'ok' })).toBeUndefined();
  });

  it('errors are clear ProviderErrors: an empty 401, a server that is not OMEN, broken JSON, nobody listening', async () => {
    const f = await omen({ apiKey: 'k' });
    await expect(fetchOmenScores(cfgFor(f.baseURL), signal(), dispatcher())).rejects.toMatchObject({ code: 'auth', status: 401, message: expect.stringContaining('set api.api_key') });
    await expect(fetchOmenScores(cfgFor(f.baseURL, 'nope'), signal(), dispatcher())).rejects.toMatchObject({ code: 'auth', message: expect.stringContaining('check api.api_key') });
    expect(await fetchOmenScores(cfgFor(f.baseURL, 'k'), signal(), dispatcher())).toHaveLength(3);

    const other: FakeServer = await createFakeServer({
      routes: { 'GET /broken/omen/providers/scores': () => reply(200, 'application/json', '{"oops"'), 'GET /object/omen/providers/scores': () => reply(200, 'application/json', '{"status":"ok"}') },
      notFound: () => ({ status: 404, headers: {}, chunks: [''], stream: false }),
      errorReply: () => reply(500, 'text/plain', 'x'),
    });
    cleanups.push(() => other.close());
    await expect(fetchOmenScores(cfgFor(`${other.url}/v1`), signal(), dispatcher())).rejects.toMatchObject({ code: 'bad_response', status: 404, message: expect.stringContaining('is api.base_url an OMEN server?') });
    await expect(fetchOmenScores(cfgFor(`${other.url}/broken/v1`), signal(), dispatcher())).rejects.toMatchObject({ code: 'bad_response', message: expect.stringContaining('not JSON') });
    await expect(fetchOmenScores(cfgFor(`${other.url}/object/v1`), signal(), dispatcher())).rejects.toMatchObject({ code: 'bad_response', message: expect.stringContaining('without a score list') });

    const closed = await omen();
    const url = closed.baseURL;
    await closed.close();
    await expect(fetchOmenScores(cfgFor(url), signal(), dispatcher())).rejects.toMatchObject({ code: 'unreachable', provider: 'omen' });
  });
});

describe('omenHealth', () => {
  it('healthy: status, version and providers from the /health body', async () => {
    const f = await omen({ providers: [{ id: 'ollama' }, { id: 'anthropic', healthy: false }] });
    const h = await omenHealth(cfgFor(f.baseURL), signal(), { dispatcher: dispatcher() });
    expect(h).toMatchObject({ ok: true, version: '0.1.0', message: 'OMEN 0.1.0 healthy, 1/2 providers healthy (down: anthropic)' });
    expect(h.providers).toEqual([
      { id: 'ollama', name: 'Ollama', healthy: true, latencyMs: 40, models: 2 },
      { id: 'anthropic', name: 'Anthropic', healthy: false, latencyMs: 350, models: 1 },
    ]);
    expect(f.requests.map((r) => r.path).sort()).toEqual(['/health', '/ready']);
  });

  it('no provider ready (/ready 503): not ok, and says which are down', async () => {
    const f = await omen({ providers: [{ id: 'ollama', healthy: false }] });
    const h = await omenHealth(cfgFor(f.baseURL), signal(), { dispatcher: dispatcher() });
    expect(h).toMatchObject({ ok: false, message: 'OMEN 0.1.0 answers but no provider is ready (down: ollama)' });
  });

  it('OMEN down: not ok, never throws; a caller\'s abort rejects', async () => {
    const f = await omen();
    const url = f.baseURL;
    await f.close();
    const h = await omenHealth(cfgFor(url), signal(), { dispatcher: dispatcher() });
    expect(h.ok).toBe(false);
    expect(h.message).toMatch(/^OMEN is not answering at http:\/\/127\.0\.0\.1:\d+: /);
    expect(await omenHealth(cfgFor(undefined), signal())).toMatchObject({ ok: false, message: expect.stringContaining('api.base_url') });

    const slow = await omen({ faults: { firstByteDelayMs: 5_000 } });
    const ac = new AbortController();
    const pending = omenHealth(cfgFor(slow.baseURL), ac.signal, { dispatcher: dispatcher() });
    await slow.waitForRequest();
    ac.abort();
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('a server with a /health body of its own and no /ready is judged by that body alone', async () => {
    const other = await createFakeServer({
      routes: { 'GET /health': () => reply(200, 'text/plain', '{"status":"healthy","providers":[]}') },
      notFound: () => ({ status: 404, headers: {}, chunks: [''], stream: false }),
      errorReply: () => reply(500, 'text/plain', 'x'),
    });
    cleanups.push(() => other.close());
    expect(await omenHealth(cfgFor(`${other.url}/v1`), signal(), { dispatcher: dispatcher() })).toMatchObject({ ok: true, message: 'OMEN healthy, no provider list', providers: [] });
  });
});

describe('readOmenTrace', () => {
  it('undefined when OMEN sends nothing (today\'s OMEN)', () => {
    expect(readOmenTrace(undefined)).toBeUndefined();
    expect(readOmenTrace({})).toBeUndefined();
    expect(readOmenTrace({ 'x-omen-unrelated': '1', 'x-omen-cost-usd': 'free' })).toBeUndefined();
  });

  it('separate headers, any case; a combined x-omen-trace as JSON or key=value pairs; separate headers win', () => {
    expect(readOmenTrace({ 'X-OMEN-Provider': 'ollama', 'x-omen-model': 'qwen2.5-coder:7b', 'x-omen-routing-reason': 'prefer local for code', 'x-omen-cost-usd': '0.0012' })).toEqual({
      provider: 'ollama',
      model: 'qwen2.5-coder:7b',
      reason: 'prefer local for code',
      costUsd: 0.0012,
    });
    expect(readOmenTrace({ 'x-omen-trace': '{"provider":"anthropic","model":"claude-sonnet-4-5-20250929","reason":"large","cost_usd":0.02}' })).toEqual({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5-20250929',
      reason: 'large',
      costUsd: 0.02,
    });
    expect(readOmenTrace({ 'x-omen-trace': 'provider=ollama; model=deepseek-coder:14b; reason="intent=code"', 'x-omen-provider': 'azure' })).toEqual({
      provider: 'azure',
      model: 'deepseek-coder:14b',
      reason: 'intent=code',
    });
    expect(readOmenTrace({ 'x-omen-cost': '$0.5' })).toEqual({ costUsd: 0.5 });
  });
});
