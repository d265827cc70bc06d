// The Azure provider against the fake Azure server: recorded Azure streams (the empty
// prompt-filter first frame, content_filter_results, a content-filter finish) replayed over
// HTTP, fidelity with the official `AzureOpenAI` client, both address forms, deployments,
// api-version, the api-key header, Azure's error envelope, keys, connection reuse and the
// fault matrix. Every wait is on a promise or an event.
import { readFileSync } from 'node:fs';
import OpenAI, { AzureOpenAI } from 'openai';
import { Agent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakeAzure, type FakeAzure, type FakeAzureOptions } from '../../../test/fakes/index.js';
import type { ChatRequest, ProviderClient, StreamPart } from '../../provider/index.js';
import {
  collect,
  expectOneEnd,
  faultMatrix,
  lastError,
  plain,
  resolvedProvider,
  summarize,
  testContext,
  testLogger,
  type FaultSubject,
} from '../openai-compatible/test-support.js';
import { createAzureProvider } from './index.js';

const KEY = 'azure-key-0123456789abcdef0123456789ab';
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function fake(opts: FakeAzureOptions = {}): Promise<FakeAzure> {
  const f = await createFakeAzure({ apiKey: KEY, deployments: { 'prod-mini': 'gpt-4o-mini-2024-07-18', 'embed-small': 'text-embedding-3-small', 'instruct': 'gpt-35-turbo-instruct' }, ...opts });
  cleanups.push(() => f.close());
  return f;
}

type Over = Parameters<typeof resolvedProvider>[0];
function azure(f: FakeAzure, over: Over = {}, form: 'classic' | 'v1' = 'classic'): ProviderClient {
  const provider = resolvedProvider({
    name: 'azure',
    kind: 'azure',
    key: KEY,
    keySource: 'env:AZURE_OPENAI_API_KEY',
    apiVersion: '2024-10-21',
    deployments: { 'gpt-4o-mini': 'prod-mini', chat: 'prod-mini', 'text-embedding-3-small': 'embed-small', 'gpt-3.5-turbo-instruct': 'instruct' },
    ...(form === 'classic' ? { endpoint: f.endpoint } : { baseUrl: f.v1BaseURL }),
    ...over,
  });
  const ctx = testContext(provider);
  cleanups.push(() => ctx.dispatcher.destroy());
  return createAzureProvider(ctx);
}

const signal = () => new AbortController().signal;
const hello = (extra: Partial<ChatRequest> = {}): ChatRequest => ({ signal: signal(), model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }], ...extra });
const fixtureText = (name: string) => readFileSync(new URL(`./__fixtures__/${name}.stream.txt`, import.meta.url), 'utf8');

// ---------------------------------------------------------------------------------------------------
// Recorded streams

describe('recorded Azure streams replayed through the fake server', () => {
  const cases = [
    // `chat` is a deployment alias with no price row: the cost comes from the model Azure reports.
    { fixture: 'azure-text', form: 'classic' as const, model: 'chat' },
    { fixture: 'azure-content-filter', form: 'v1' as const, model: 'gpt-4o-mini' },
  ];
  for (const c of cases) {
    it(`${c.fixture} (${c.form}): parts and request as recorded`, async () => {
      const f = await fake({ replay: fixtureText(c.fixture) });
      const parts = await collect(azure(f, {}, c.form).chat(hello({ model: c.model, maxTokens: 100 })));
      expectOneEnd(parts);
      expect(parts[0]).toMatchObject({ type: 'response-metadata', status: 200, requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      await expect(`${JSON.stringify(plain(parts).slice(1), null, 2)}\n`).toMatchFileSnapshot(`./__fixtures__/${c.fixture}.parts.json`);
      const sent = f.requests[0]!;
      expect(sent.headers['api-key']).toBe(KEY);
      expect(sent.headers.authorization).toBeUndefined();
      await expect(`${JSON.stringify({ method: sent.method, path: sent.path, query: sent.query, body: sent.body }, null, 2)}\n`).toMatchFileSnapshot(
        `./__fixtures__/${c.fixture}.request.json`,
      );
    });
  }

  it('the official AzureOpenAI client reads the same replayed stream to the same text and usage', async () => {
    const f = await fake({ replay: fixtureText('azure-text') });
    const mine = summarize(await collect(azure(f).chat(hello())));
    const theirs = await sdkChat(new AzureOpenAI({ endpoint: f.endpoint, apiKey: KEY, apiVersion: '2024-10-21', deployment: 'prod-mini', maxRetries: 0 }));
    expect({ text: mine.text, toolCalls: mine.toolCalls, usage: mine.usage }).toEqual(theirs);
    expect(mine.text).toBe('Hey there, how can I help?');
  });
});

async function sdkChat(sdk: OpenAI, extra: Partial<OpenAI.ChatCompletionCreateParamsStreaming> = {}) {
  const stream = await sdk.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }], stream: true, stream_options: { include_usage: true }, ...extra });
  let text = '';
  const calls: Array<{ id: string; name: string; args: string }> = [];
  let usage: OpenAI.CompletionUsage | undefined;
  for await (const chunk of stream) {
    // Azure's first frame has no choices at all.
    const delta = chunk.choices[0]?.delta;
    text += delta?.content ?? '';
    for (const tc of delta?.tool_calls ?? []) {
      const slot = (calls[tc.index] ??= { id: '', name: '', args: '' });
      if (tc.id) slot.id = tc.id;
      if (tc.function?.name) slot.name = tc.function.name;
      slot.args += tc.function?.arguments ?? '';
    }
    if (chunk.usage) usage = chunk.usage;
  }
  return {
    text,
    toolCalls: calls.map((c) => ({ id: c.id, name: c.name, arguments: JSON.parse(c.args) as unknown })),
    usage: usage && {
      inputTokens: usage.prompt_tokens,
      outputTokens: usage.completion_tokens,
      ...(usage.prompt_tokens_details?.cached_tokens ? { cachedInputTokens: usage.prompt_tokens_details.cached_tokens } : {}),
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Fidelity on scripted answers

describe('the official AzureOpenAI client and our provider read the same fake streams', () => {
  const script = {
    tokens: ['Looking', ' it up.'],
    toolCalls: [{ name: 'get_weather', arguments: { location: 'Oslo' }, id: 'call_az1' }],
    promptTokens: 55,
    completionTokens: 21,
    cachedTokens: 32,
  };
  it('classic deployment URL: same text, tool calls and usage', async () => {
    const f = await fake({ reply: script });
    const mine = summarize(await collect(azure(f).chat(hello({ tools: [{ name: 'get_weather', parameters: { type: 'object' } }] }))));
    const theirs = await sdkChat(new AzureOpenAI({ endpoint: f.endpoint, apiKey: KEY, apiVersion: '2024-10-21', deployment: 'prod-mini', maxRetries: 0 }));
    expect({ text: mine.text, toolCalls: mine.toolCalls, usage: mine.usage }).toEqual(theirs);
    expect(mine).toMatchObject({ text: 'Looking it up.', finish: 'tool-calls', usage: { inputTokens: 55, outputTokens: 21, cachedInputTokens: 32 } });
    // Both clients asked the same address with the same key header.
    expect(f.requests.map((r) => [r.path, r.query['api-version'], r.headers['api-key']])).toEqual([
      ['/openai/deployments/prod-mini/chat/completions', '2024-10-21', KEY],
      ['/openai/deployments/prod-mini/chat/completions', '2024-10-21', KEY],
    ]);
  });

  it('v1 base URL: the deployment goes in `model`, no api-version', async () => {
    const f = await fake({ reply: script });
    const mine = summarize(await collect(azure(f, {}, 'v1').chat(hello())));
    const theirs = await sdkChat(new OpenAI({ baseURL: f.v1BaseURL, apiKey: KEY, maxRetries: 0 }), { model: 'prod-mini' });
    expect({ text: mine.text, toolCalls: mine.toolCalls, usage: mine.usage }).toEqual(theirs);
    expect(f.requests[0]).toMatchObject({ path: '/openai/v1/chat/completions', query: {}, body: { model: 'prod-mini', stream_options: { include_usage: true } } });
    expect(f.requests[0]!.headers['api-key']).toBe(KEY);
  });
});

// ---------------------------------------------------------------------------------------------------
// Azure specifics

describe('Azure specifics', () => {
  it('a model without a deployment entry is used as the deployment name', async () => {
    const f = await fake({ deployments: { 'gpt-4o': 'gpt-4o-2024-08-06' } });
    const parts = await collect(azure(f, { deployments: {} }).chat(hello({ model: 'gpt-4o' })));
    expect(expectOneEnd(parts)).toMatchObject({ type: 'finish', reason: 'stop' });
    expect(f.requests[0]!.path).toBe('/openai/deployments/gpt-4o/chat/completions');
  });

  it('an old api-version gets neither stream_options nor max_completion_tokens', async () => {
    const f = await fake();
    await collect(azure(f, { apiVersion: '2024-06-01' }).chat(hello({ maxTokens: 20 })));
    expect(f.requests[0]!.query['api-version']).toBe('2024-06-01');
    expect(f.requests[0]!.body).not.toHaveProperty('stream_options');
    expect(f.requests[0]!.body).toMatchObject({ max_tokens: 20 });
    await collect(azure(f).chat(hello({ maxTokens: 20 })));
    expect(f.requests[1]!.body).toMatchObject({ max_completion_tokens: 20, stream_options: { include_usage: true } });
  });

  it('DeploymentNotFound names the deployment and the setting that maps it', async () => {
    const f = await fake();
    const err = lastError(await collect(azure(f).chat(hello({ model: 'gpt-5' }))));
    expect(err).toMatchObject({ code: 'model_not_found', status: 404, providerCode: 'DeploymentNotFound', retryable: false });
    expect(err.message).toContain('The API deployment for this resource does not exist');
    expect(err.message).toContain('deployment "gpt-5" for model "gpt-5"; map model names to deployments with providers.azure.deployments');
  });

  it('a wrong key is auth (code "401" as a string), not retried, and names the key setting', async () => {
    const f = await fake();
    const err = lastError(await collect(azure(f, { key: 'wrong-key' }).chat(hello({ maxRetries: 2 }))));
    expect(err).toMatchObject({ code: 'auth', status: 401, providerCode: '401', retryable: false });
    expect(err.message).toMatch(/Access denied due to invalid subscription key.*\(check AZURE_OPENAI_API_KEY or providers\.azure\.api_key\)$/);
    expect(f.requests).toHaveLength(1);
  });

  it('a filtered prompt is a bad_request with providerCode content_filter', async () => {
    const f = await fake({ filterPrompt: true });
    const err = lastError(await collect(azure(f).chat(hello())));
    expect(err).toMatchObject({ code: 'bad_request', status: 400, providerCode: 'content_filter', retryable: false });
    expect(err.message).toContain("triggering Azure OpenAI's content management policy");
  });

  it('filtered output ends with finish content-filter; annotation-only frames are skipped', async () => {
    const f = await fake({ reply: ['Step', ' one', ' two', ' three'], filterAfterChunks: 2, asyncFilter: true });
    const parts = await collect(azure(f).chat(hello()));
    expect(summarize(parts)).toMatchObject({ text: 'Step one', finish: 'content-filter' });
    expect(expectOneEnd(parts)).toMatchObject({ rawReason: 'content_filter' });
  });

  it('FIM and embeddings go to their deployments', async () => {
    const f = await fake({ reply: ['    return', ' x'] });
    const c = azure(f);
    const fim = summarize(await collect(c.fim!({ signal: signal(), model: 'gpt-3.5-turbo-instruct', prefix: 'def f(x):\n', suffix: '\n' })));
    expect(fim).toMatchObject({ text: '    return x', finish: 'stop' });
    const vectors = await c.embed!({ signal: signal(), model: 'text-embedding-3-small', input: ['a', 'b'] });
    expect(vectors).toHaveLength(2);
    expect(f.requests.map((r) => r.path)).toEqual(['/openai/deployments/instruct/completions', '/openai/deployments/embed-small/embeddings']);
    expect(f.requests[0]!.body).toMatchObject({ prompt: 'def f(x):\n', suffix: '\n', stream: true });
  });

  it('listModels returns the configured deployments; without any, what the resource lists', async () => {
    const f = await fake();
    expect((await azure(f).listModels({ signal: signal() })).map((m) => m.id)).toEqual(['gpt-4o-mini', 'chat', 'text-embedding-3-small', 'gpt-3.5-turbo-instruct']);
    const listed = await azure(f, { deployments: {} }).listModels({ signal: signal() });
    expect(listed.map((m) => m.id)).toEqual(['gpt-4o-mini-2024-07-18', 'text-embedding-3-small', 'gpt-35-turbo-instruct']);
    expect(listed[1]).toMatchObject({ capabilities: { embedding: true } });
    expect(f.requests.map((r) => `${r.method} ${r.path}?api-version=${r.query['api-version']}`)).toEqual([
      'GET /openai/models?api-version=2024-10-21',
      'GET /openai/models?api-version=2024-10-21',
    ]);
  });

  it('health probes the model list (classic and v1) and names the key setting on 401', async () => {
    const f = await fake();
    const [classic] = await azure(f).health({ signal: signal() });
    expect(classic).toMatchObject({ ok: true, url: f.endpoint, status: 200 });
    const [v1] = await azure(f, {}, 'v1').health({ signal: signal() });
    expect(v1).toMatchObject({ ok: true, url: f.v1BaseURL });
    const [bad] = await azure(f, { key: 'nope' }).health({ signal: signal() });
    expect(bad).toMatchObject({ ok: false, status: 401 });
    expect(bad!.message).toMatch(/^reachable, but the key was rejected .*check AZURE_OPENAI_API_KEY or providers\.azure\.api_key/);
    expect(f.requests.every((r) => r.method === 'GET')).toBe(true);
  });

  it('the key travels only in the api-key header, never in a URL or a message', async () => {
    const f = await fake();
    const c = azure(f);
    const messages: string[] = [];
    const grab = (parts: StreamPart[]) => parts.forEach((p) => p.type === 'error' && messages.push(p.error.message, JSON.stringify(p.error)));
    grab(await collect(c.chat(hello())));
    grab(await collect(c.chat(hello({ model: 'missing' }))));
    f.setFaults({ status: 429, errorMessage: `quota for key ${KEY} exceeded`, failTimes: 1 });
    grab(await collect(c.chat(hello({ maxRetries: 0 }))));
    f.resetFaults();
    f.setFaults({ midStreamErrorAt: 2, failTimes: 1 });
    grab(await collect(c.chat(hello())));
    messages.push(...(await azure(f, { key: 'bad' }).health({ signal: signal() })).map((p) => p.message));
    expect(messages.length).toBeGreaterThanOrEqual(6);
    for (const m of messages) expect(m).not.toContain(KEY);
    expect(messages.some((m) => m.includes('quota for key [redacted] exceeded'))).toBe(true);
    for (const r of f.requests.filter((x) => x.headers['api-key'] === KEY)) {
      const { 'api-key': _key, ...rest } = r.headers;
      expect(JSON.stringify([r.path, r.query, r.rawBody, rest])).not.toContain(KEY);
    }
  });

  it('two sequential chats share one keep-alive connection', async () => {
    const f = await fake();
    const dispatcher = new Agent();
    cleanups.push(() => dispatcher.destroy());
    const c = createAzureProvider({ provider: resolvedProvider({ name: 'azure', kind: 'azure', key: KEY, endpoint: f.endpoint, apiVersion: '2024-10-21', deployments: { 'gpt-4o-mini': 'prod-mini' } }), dispatcher, log: testLogger() });
    for (let i = 0; i < 2; i++) expect(expectOneEnd(await collect(c.chat(hello())))).toMatchObject({ type: 'finish', reason: 'stop' });
    expect(f.connections).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------------
// The fake itself, byte for byte (providers.md §3.2, §9.3)

describe('fake Azure wire', () => {
  const post = (f: FakeAzure, path: string, body: unknown, headers: Record<string, string> = { 'api-key': KEY }) =>
    fetch(`${f.endpoint}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const chatPath = '/openai/deployments/prod-mini/chat/completions?api-version=2024-10-21';

  it('first frame: empty choices, created 0, blank id/model/object, prompt_filter_results; then filter results on every choice, keys sorted', async () => {
    const f = await fake({ reply: ['Hey', ' you'] });
    const res = await post(f, chatPath, { messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('apim-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const events = (await res.text()).split('\n\n').filter(Boolean);
    expect(events[0]).toMatch(/^data: \{"choices":\[\],"created":0,"id":"","model":"","object":"","prompt_filter_results":\[\{"prompt_index":0,"content_filter_results":\{"hate":\{"filtered":false,"severity":"safe"\},"jailbreak"/);
    expect(events[events.length - 1]).toBe('data: [DONE]');
    const chunks = events.slice(1, -1).map((e) => JSON.parse(e.slice(6)) as Record<string, unknown> & { choices: Array<Record<string, unknown>> });
    for (const c of chunks) {
      expect(Object.keys(c)).toEqual([...Object.keys(c)].sort());
      expect(c.model).toBe('gpt-4o-mini-2024-07-18');
      for (const choice of c.choices) expect(choice).toHaveProperty('content_filter_results');
    }
    expect(chunks[0]!.choices[0]).toEqual({ content_filter_results: {}, delta: { content: '', refusal: null, role: 'assistant' }, finish_reason: null, index: 0, logprobs: null });
    expect(chunks[1]!.choices[0]!.content_filter_results).toMatchObject({ hate: { filtered: false, severity: 'safe' }, violence: { filtered: false, severity: 'safe' } });
    expect(chunks[chunks.length - 1]).toMatchObject({ choices: [], usage: { prompt_tokens: expect.any(Number) } });
  });

  it('classic URLs need a valid api-version; errors use the Azure envelope with a string code', async () => {
    const f = await fake();
    const none = await post(f, '/openai/deployments/prod-mini/chat/completions', { messages: [] });
    expect(none.status).toBe(404);
    expect(await none.json()).toEqual({ error: { code: '404', message: 'Resource not found' } });
    const unauth = await post(f, chatPath, { messages: [] }, {});
    expect(unauth.status).toBe(401);
    expect(((await unauth.json()) as { error: { code: unknown } }).error.code).toBe('401');
    f.setFaults({ status: 429, retryAfter: 6 });
    const limited = await post(f, chatPath, { messages: [] });
    expect(limited.headers.get('retry-after')).toBe('6');
    expect(((await limited.json()) as { error: { code: unknown; message: string } }).error).toMatchObject({ code: '429', message: expect.stringContaining('Azure OpenAI API version 2024-10-21') });
  });
});

// ---------------------------------------------------------------------------------------------------
// Fault matrix

describe('fault matrix (Azure)', () => {
  let subject: FaultSubject;
  beforeEach(async () => {
    const f = await fake({ reply: ['one', ' two', ' three', ' four'] });
    const provider = resolvedProvider({ name: 'azure', kind: 'azure', key: KEY, endpoint: f.endpoint, apiVersion: '2024-10-21', deployments: { 'gpt-4o-mini': 'prod-mini' } });
    const ctx = testContext(provider);
    cleanups.push(() => ctx.dispatcher.destroy());
    const c = createAzureProvider(ctx);
    // The prompt-filter frame and the role chunk come before the first text.
    subject = { fake: f, client: c, log: ctx.log, key: KEY, framesBeforeText: 2, chat: (extra = {}) => c.chat(hello(extra)) };
  });
  faultMatrix(() => subject);
});
