// Fidelity of the fake OpenAI: the official `openai` SDK must work against it unchanged (streaming,
// usage, retries, typed errors), and the raw wire must match providers.md §2 / §9.2.
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeOpenAI, type FakeOpenAI, type FakeOpenAIOptions } from './index.js';
import { sseEvents } from './wire.js';

const servers: FakeOpenAI[] = [];
async function start(opts: FakeOpenAIOptions = {}, clientOpts: { apiKey?: string; maxRetries?: number } = {}) {
  const fake = await createFakeOpenAI(opts);
  servers.push(fake);
  const client = new OpenAI({ apiKey: clientOpts.apiKey ?? opts.apiKey ?? 'sk-test', baseURL: fake.baseURL, maxRetries: clientOpts.maxRetries ?? 1, timeout: 20_000 });
  return { fake, client };
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const messages = [{ role: 'user' as const, content: 'Say hello' }];

describe('fake OpenAI with the official openai SDK', () => {
  it('streams a chat completion with include_usage: same text and usage as scripted', async () => {
    const { fake, client } = await start({ reply: { tokens: ['Hel', 'lo', ' there'], promptTokens: 9, completionTokens: 12, cachedTokens: 4 } });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    const finish: string[] = [];
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      const f = chunk.choices[0]?.finish_reason;
      if (f) finish.push(f);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Hello there');
    expect(finish).toEqual(['stop']);
    expect(usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 12, total_tokens: 21, prompt_tokens_details: { cached_tokens: 4 } });
    const req = await fake.waitForRequest((r) => r.path === '/v1/chat/completions');
    expect(req.headers.authorization).toBe('Bearer sk-test');
    expect(req.body).toMatchObject({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true } });
  });

  it('answers a non-streamed chat completion', async () => {
    const { client } = await start({ reply: { tokens: ['Hi', '!'], promptTokens: 5 } });
    const res = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    expect(res.object).toBe('chat.completion');
    expect(res.choices[0]?.message.content).toBe('Hi!');
    expect(res.choices[0]?.finish_reason).toBe('stop');
    expect(res.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 });
  });

  it('lists and retrieves models', async () => {
    const { client } = await start({ models: ['gpt-4o-mini', { id: 'gpt-5', owned_by: 'openai', created: 1700000000 }] });
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(['gpt-4o-mini', 'gpt-5']);
    expect(page.data[1]).toMatchObject({ object: 'model', owned_by: 'openai', created: 1700000000 });
    expect(await client.models.retrieve('gpt-5')).toMatchObject({ id: 'gpt-5' });
    await expect(client.models.retrieve('nope')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('a 429 with retry-after-ms is retried by the SDK (failTimes=1 → 2 requests reach the server)', async () => {
    const { fake, client } = await start({ reply: 'after retry' }, { maxRetries: 2 });
    fake.setFaults({ status: 429, retryAfter: 1, retryAfterMs: 50, failTimes: 1 });
    const res = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    expect(res.choices[0]?.message.content).toBe('after retry');
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[0]).toMatchObject({ status: 429, faulted: true });
    expect(fake.requests[1]).toMatchObject({ status: 200, faulted: false });
    expect(fake.requests[1]!.headers['x-stainless-retry-count']).toBe('1');
  });

  it('the SDK waits the retry-after seconds when no retry-after-ms is sent', async () => {
    const { fake, client } = await start({ reply: 'ok' }, { maxRetries: 2 });
    fake.setFaults({ status: 503, retryAfter: 1, failTimes: 1 });
    const t0 = Date.now();
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    // The SDK's default first backoff is <= 500 ms; retry-after: 1 makes it wait ~1000 ms.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(fake.requests).toHaveLength(2);
  });

  it('a 429 that persists surfaces as RateLimitError with the real body', async () => {
    const { fake, client } = await start({}, { maxRetries: 0 });
    fake.setFaults({ status: 429 });
    const err = await client.chat.completions.create({ model: 'gpt-4o-mini', messages }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err).toMatchObject({ status: 429, code: 'rate_limit_exceeded', type: 'tokens' });
    fake.setFaults({ errorCode: 'insufficient_quota' });
    await expect(client.chat.completions.create({ model: 'gpt-4o-mini', messages })).rejects.toMatchObject({ status: 429, code: 'insufficient_quota' });
  });

  it('a wrong or missing key is a 401 AuthenticationError (not retried)', async () => {
    const { fake, client } = await start({ apiKey: 'sk-right-key-0000' }, { apiKey: 'sk-wrong-key-1234', maxRetries: 2 });
    const err = await client.models.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err).toMatchObject({ status: 401, code: 'invalid_api_key', type: 'invalid_request_error' });
    expect((err as Error).message).toContain('Incorrect API key provided: sk-wro***234');
    expect(fake.requests).toHaveLength(1);

    const noKey = await fetch(`${fake.baseURL}/models`);
    expect(noKey.status).toBe(401);
    expect(((await noKey.json()) as { error: { message: string } }).error.message).toMatch(/^You didn't provide an API key/);

    const good = new OpenAI({ apiKey: 'sk-right-key-0000', baseURL: fake.baseURL, maxRetries: 0 });
    expect((await good.models.list()).data.length).toBeGreaterThan(0);
  });

  it('an unknown model is a 404 NotFoundError with code model_not_found', async () => {
    const { client } = await start();
    await expect(client.chat.completions.create({ model: 'gpt-x', messages })).rejects.toMatchObject({
      status: 404,
      code: 'model_not_found',
      message: expect.stringContaining('The model `gpt-x` does not exist or you do not have access to it.'),
    });
  });

  it('streams tool-call fragments by index that reassemble into the scripted arguments', async () => {
    const args0 = { location: 'Paris', unit: 'celsius' };
    const args1 = { query: 'weather in "Paris"' };
    const { client } = await start({
      reply: {
        toolCalls: [
          { name: 'get_weather', arguments: args0, id: 'call_A' },
          { name: 'search', arguments: args1 },
        ],
      },
    });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    const calls: Array<{ id?: string; name?: string; args: string }> = [];
    let finish: string | null | undefined;
    let fragmentsSeen = 0;
    for await (const chunk of stream) {
      const c = chunk.choices[0];
      if (c?.finish_reason) finish = c.finish_reason;
      for (const tc of c?.delta.tool_calls ?? []) {
        fragmentsSeen++;
        const slot = (calls[tc.index] ??= { args: '' });
        if (tc.id) slot.id = tc.id;
        if (tc.function?.name) slot.name = tc.function.name;
        slot.args += tc.function?.arguments ?? '';
      }
    }
    expect(finish).toBe('tool_calls');
    expect(fragmentsSeen).toBeGreaterThan(4);
    expect(calls.map((c) => c.name)).toEqual(['get_weather', 'search']);
    expect(calls[0]!.id).toBe('call_A');
    expect(calls[1]!.id).toMatch(/^call_/);
    expect(JSON.parse(calls[0]!.args)).toEqual(args0);
    expect(JSON.parse(calls[1]!.args)).toEqual(args1);

    const whole = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    expect(whole.choices[0]?.message.content).toBeNull();
    expect(whole.choices[0]?.finish_reason).toBe('tool_calls');
    const tc = whole.choices[0]?.message.tool_calls?.[0];
    expect(tc?.type === 'function' ? JSON.parse(tc.function.arguments) : undefined).toEqual(args0);
  });

  it('legacy /v1/completions with suffix, streamed and not', async () => {
    const { fake, client } = await start({ reply: ['    return ', 'a + b'] });
    const stream = await client.completions.create({
      model: 'gpt-3.5-turbo-instruct',
      prompt: 'def add(a, b):\n',
      suffix: '\n\nprint(add(1, 2))',
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('    return a + b');
    expect(usage).toMatchObject({ completion_tokens: 2 });
    const req = await fake.waitForRequest((r) => r.path === '/v1/completions');
    expect(req.body.suffix).toBe('\n\nprint(add(1, 2))');

    const whole = await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'def add(a, b):\n', suffix: '\n' });
    expect(whole.object).toBe('text_completion');
    expect(whole.choices[0]).toMatchObject({ text: '    return a + b', index: 0, logprobs: null, finish_reason: 'stop' });
  });

  it('a mid-stream data: {"error":...} event makes the SDK throw', async () => {
    const { fake, client } = await start({ reply: ['a', 'b', 'c'] });
    fake.setFaults({ midStreamErrorAt: 2 });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    const got: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of stream) got.push(chunk.choices[0]?.delta?.content ?? '');
      })(),
    ).rejects.toBeInstanceOf(OpenAI.APIError);
    expect(got.join('')).toBe('a');
  });

  it('DeepSeek-style `: keep-alive` comments are ignored by the SDK', async () => {
    const { fake, client } = await start({ keepAliveComments: 3, reply: 'fine' });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe('fine');
    const raw = await (await fetch(`${fake.baseURL}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'gpt-4o-mini', messages, stream: true }) })).text();
    expect(raw.startsWith(': keep-alive\n\n: keep-alive\n\n: keep-alive\n\ndata: {')).toBe(true);
  });
});

describe('fake OpenAI raw wire', () => {
  const post = (fake: FakeOpenAI, body: unknown) =>
    fetch(`${fake.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('SSE framing: role chunk, content deltas, empty-delta finish, usage chunk with choices [], [DONE]', async () => {
    const { fake } = await start({ reply: ['Hello', ' world'] });
    const res = await post(fake, { model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    expect(res.headers.get('x-ratelimit-reset-tokens')).toMatch(/^\d+(\.\d+)?(ms|s|m\d+s)$|^\d+m\d+s$/);
    const text = await res.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const events = sseEvents(text);
    expect(events.every((e) => e.raw.startsWith('data: ') && !e.raw.includes('\n'))).toBe(true);
    const json = events.slice(0, -1).map((e) => JSON.parse(e.data!));
    expect(json).toHaveLength(5);
    expect(new Set(json.map((j) => j.id)).size).toBe(1);
    expect(new Set(json.map((j) => j.created)).size).toBe(1);
    expect(json[0].choices[0]).toEqual({ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null });
    expect(json[1].choices[0].delta).toEqual({ content: 'Hello' });
    expect(json[3].choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' });
    expect(json.slice(0, 4).every((j) => j.usage === null)).toBe(true);
    expect(json[4].choices).toEqual([]);
    expect(json[4].usage).toEqual({
      prompt_tokens: 3,
      completion_tokens: 2,
      total_tokens: 5,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    });
    expect(Object.keys(json[0]).slice(0, 4)).toEqual(['id', 'object', 'created', 'model']);
    expect(json[0].object).toBe('chat.completion.chunk');
  });

  it('without include_usage there is no usage key and no usage chunk; include_obfuscation:false drops obfuscation', async () => {
    const { fake } = await start({ reply: ['x'] });
    const text = await (await post(fake, { model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_obfuscation: false } })).text();
    const json = sseEvents(text)
      .filter((e) => e.data !== '[DONE]')
      .map((e) => JSON.parse(e.data!));
    expect(json).toHaveLength(3);
    expect(json.some((j) => 'usage' in j || 'obfuscation' in j)).toBe(false);
  });

  it('omitDone ends the stream without data: [DONE]', async () => {
    const { fake } = await start({ reply: ['x'], omitDone: true });
    const text = await (await post(fake, { model: 'gpt-4o-mini', messages, stream: true })).text();
    expect(text).not.toContain('[DONE]');
    expect(text.endsWith('\n\n')).toBe(true);
  });

  it('errors use the four-key envelope', async () => {
    const { fake } = await start();
    fake.setFaults({ status: 500 });
    const res = await post(fake, { model: 'gpt-4o-mini', messages });
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(Object.keys(body.error)).toEqual(['message', 'type', 'param', 'code']);
    expect(body.error).toMatchObject({ type: 'server_error', param: null, code: null });
    fake.resetFaults();
    const bad = await fetch(`${fake.baseURL}/chat/completions`, { method: 'POST', body: '{not json' });
    expect(bad.status).toBe(400);
    const missing = await post(fake, { model: 'gpt-4o-mini' });
    expect(((await missing.json()) as { error: Record<string, unknown> }).error).toMatchObject({ param: 'messages', code: 'missing_required_parameter' });
  });
});
