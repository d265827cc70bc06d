// Fidelity of the fake Anthropic: the official `@anthropic-ai/sdk` must work against it unchanged
// (streams, tool input, thinking, usage, paging, retries, typed errors), and the raw wire must match
// providers.md §4 / §9.4.
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeAnthropic, type FakeAnthropic, type FakeAnthropicOptions } from './index.js';
import { sseEvents } from './wire.js';

const servers: FakeAnthropic[] = [];
async function start(opts: FakeAnthropicOptions = {}, clientOpts: { apiKey?: string; maxRetries?: number } = {}) {
  const fake = await createFakeAnthropic({ apiKey: 'sk-ant-test', ...opts });
  servers.push(fake);
  const client = new Anthropic({ apiKey: clientOpts.apiKey ?? opts.apiKey ?? 'sk-ant-test', baseURL: fake.url, maxRetries: clientOpts.maxRetries ?? 1, timeout: 20_000 });
  return { fake, client };
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

// Not Sonnet 4.5: the SDK prints a deprecation warning for it.
const model = 'claude-haiku-4-5';
const messages = [{ role: 'user' as const, content: 'Say hello' }];

describe('fake Anthropic with the official @anthropic-ai/sdk', () => {
  it('messages.stream: text, cache usage and the dated model id as scripted', async () => {
    const { fake, client } = await start({ reply: { tokens: ['Hel', 'lo', ' there'], promptTokens: 9, completionTokens: 12, cachedTokens: 40, cacheWriteTokens: 7 } });
    const stream = client.messages.stream({ model, max_tokens: 256, system: 'Be terse.', messages });
    const pieces: string[] = [];
    stream.on('text', (t) => pieces.push(t));
    const final = await stream.finalMessage();
    expect(pieces).toEqual(['Hel', 'lo', ' there']);
    expect(final.model).toBe('claude-haiku-4-5-20251001');
    expect(final.id).toMatch(/^msg_01[A-Za-z0-9]{22}$/);
    expect(final.content).toEqual([{ type: 'text', text: 'Hello there' }]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage).toMatchObject({ input_tokens: 9, output_tokens: 12, cache_read_input_tokens: 40, cache_creation_input_tokens: 7 });
    const req = await fake.waitForRequest((r) => r.path === '/v1/messages');
    // SDK 1.x speaks API version 2026-10-21 and sends the key as a bearer token.
    expect(req.headers.authorization).toBe('Bearer sk-ant-test');
    expect(req.headers['anthropic-version']).toBe('2026-10-21');
    expect(req.body).toMatchObject({ model, max_tokens: 256, system: 'Be terse.', stream: true });
    expect(stream.request_id).toBe(fake.requestIdOf(req));
  });

  it('create({ stream: true }) yields the raw events in §4.2 order (ping is swallowed by the SDK)', async () => {
    const { client } = await start({ reply: ['a', 'b'] });
    const stream = await client.messages.create({ model, max_tokens: 64, messages, stream: true });
    const types: string[] = [];
    for await (const ev of stream) types.push(ev.type === 'content_block_delta' ? `${ev.type}:${ev.delta.type}` : ev.type);
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta:text_delta',
      'content_block_delta:text_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });

  it('answers a non-streamed message with the same usage shape', async () => {
    const { client } = await start({ reply: { tokens: ['Hi', '!'], promptTokens: 5 } });
    const res = await client.messages.create({ model, max_tokens: 64, messages });
    expect(res.type).toBe('message');
    expect(res.content).toEqual([{ type: 'text', text: 'Hi!' }]);
    expect(res.usage).toMatchObject({ input_tokens: 5, output_tokens: 2, cache_read_input_tokens: 0, cache_creation_input_tokens: 0, service_tier: 'standard' });
  });

  it('tool_use blocks stream as input_json_delta pieces that the SDK parses into the scripted input', async () => {
    const args0 = { location: 'San Francisco, CA', unit: 'celsius' };
    const args1 = { query: 'weather in "Paris"', days: [1, 2] };
    const { client } = await start({
      reply: {
        tokens: ['Checking.'],
        toolCalls: [
          { name: 'get_weather', arguments: args0, id: 'toolu_01A09q90qw90lq917835lq9' },
          { name: 'search', arguments: args1 },
        ],
      },
    });
    const stream = client.messages.stream({ model, max_tokens: 256, messages });
    const partials: string[] = [];
    stream.on('inputJson', (p) => partials.push(p));
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(partials.length).toBeGreaterThan(4);
    expect(partials[0]).toBe('');
    const tools = final.content.filter((b) => b.type === 'tool_use');
    expect(tools.map((t) => t.name)).toEqual(['get_weather', 'search']);
    expect(tools[0]!.id).toBe('toolu_01A09q90qw90lq917835lq9');
    expect(tools[1]!.id).toMatch(/^toolu_01[A-Za-z0-9]{22}$/);
    expect(tools.map((t) => t.input)).toEqual([args0, args1]);

    const whole = await client.messages.create({ model, max_tokens: 256, messages });
    expect(whole.content.map((b) => b.type)).toEqual(['text', 'tool_use', 'tool_use']);
  });

  it('thinking blocks: thinking_delta pieces and a signature_delta', async () => {
    const { client } = await start({ reply: { thinking: ['Let me ', 'think.'], tokens: ['42'] } });
    const stream = client.messages.stream({ model, max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 }, messages });
    const thoughts: string[] = [];
    stream.on('thinking', (t) => thoughts.push(t));
    const final = await stream.finalMessage();
    expect(thoughts).toEqual(['Let me ', 'think.']);
    expect(final.content[0]).toMatchObject({ type: 'thinking', thinking: 'Let me think.', signature: expect.stringMatching(/^[A-Za-z0-9+/]{100,}$/) });
    expect(final.content[1]).toEqual({ type: 'text', text: '42' });
  });

  it('lists models newest first, pages with after_id, and retrieves by id or undated alias', async () => {
    const { fake, client } = await start({ maxPageSize: 2 });
    const ids: string[] = [];
    for await (const m of client.models.list({ limit: 2 })) ids.push(m.id);
    expect(ids).toEqual(['claude-haiku-4-5-20251001', 'claude-sonnet-4-5-20250929', 'claude-opus-4-1-20250805']);
    expect(fake.requests.filter((r) => r.path === '/v1/models').map((r) => r.query.after_id)).toEqual([undefined, 'claude-sonnet-4-5-20250929']);
    const one = await client.models.retrieve('claude-sonnet-4-5');
    expect(one).toMatchObject({ type: 'model', id: 'claude-sonnet-4-5-20250929', display_name: 'Claude Sonnet 4.5', created_at: '2025-09-29T00:00:00Z' });
    await expect(client.models.retrieve('claude-x')).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  });

  it('a 529 overloaded_error is retried by the SDK (failTimes=1 → 2 requests reach the server)', async () => {
    const { fake, client } = await start({ reply: 'after retry' }, { maxRetries: 2 });
    fake.setFaults({ status: 529, retryAfterMs: 20, failTimes: 1 });
    const res = await client.messages.create({ model, max_tokens: 64, messages });
    expect(res.content).toEqual([{ type: 'text', text: 'after retry' }]);
    expect(fake.requests.map((r) => r.status)).toEqual([529, 200]);
  });

  it('a persistent 529 surfaces as the SDK error with the overloaded_error body', async () => {
    const { fake, client } = await start({}, { maxRetries: 0 });
    fake.setFaults({ status: 529 });
    const err = (await client.messages.create({ model, max_tokens: 64, messages }).catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect(err.status).toBe(529);
    expect(err.error).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: fake.requestIdOf(fake.requests[0]!) });
  });

  it('a wrong key is a 401 AuthenticationError (not retried); a missing key says the header is required', async () => {
    const { fake, client } = await start({}, { apiKey: 'sk-ant-wrong', maxRetries: 2 });
    const err = await client.models.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((err as Error).message).toContain('invalid x-api-key');
    expect(fake.requests).toHaveLength(1);
    const noKey = await fetch(`${fake.url}/v1/models`, { headers: { 'anthropic-version': '2023-06-01' } });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error', message: 'x-api-key header is required' } });
  });

  it('an event: error mid-stream makes the SDK throw with overloaded_error after the text so far', async () => {
    const { fake, client } = await start({ reply: ['a', 'b', 'c'] });
    // message_start, content_block_start, ping, delta "a", then the error.
    fake.setFaults({ midStreamErrorAt: 4 });
    const stream = client.messages.stream({ model, max_tokens: 64, messages });
    const got: string[] = [];
    stream.on('text', (t) => got.push(t));
    const err = (await stream.finalMessage().catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(err.error).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    expect(got).toEqual(['a']);
  });

  it('an unknown model is a 404 NotFoundError naming the model', async () => {
    const { client } = await start();
    await expect(client.messages.create({ model: 'claude-x', max_tokens: 8, messages })).rejects.toMatchObject({ status: 404, message: expect.stringContaining('model: claude-x') });
  });
});

describe('fake Anthropic raw wire', () => {
  const post = (fake: FakeAnthropic, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01', ...headers },
      body: JSON.stringify(body),
    });

  it('named events, ping after the first content_block_start, cumulative usage, no [DONE]', async () => {
    const { fake } = await start({ reply: { tokens: ['Hello', '!'], promptTokens: 25, completionTokens: 15, cachedTokens: 3 } });
    const res = await post(fake, { model, max_tokens: 64, messages, stream: true });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('request-id')).toMatch(/^req_011C[A-Za-z0-9]{20}$/);
    expect(res.headers.get('anthropic-ratelimit-requests-remaining')).toBe('49');
    expect(res.headers.get('anthropic-ratelimit-tokens-reset')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const text = await res.text();
    expect(text).not.toContain('[DONE]');
    const events = sseEvents(text);
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const json = events.map((e) => JSON.parse(e.data!) as Record<string, any>);
    // The event name always repeats the data's type; JSON is compact.
    expect(json.map((j) => j.type)).toEqual(events.map((e) => e.event));
    expect(events.every((e) => e.data === JSON.stringify(JSON.parse(e.data!)))).toBe(true);
    expect(Object.keys(json[0]!.message)).toEqual(['model', 'id', 'type', 'role', 'content', 'stop_reason', 'stop_sequence', 'usage']);
    expect(json[0]!.message.usage).toEqual({
      input_tokens: 25,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 3,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
      output_tokens: 1,
      service_tier: 'standard',
    });
    expect(json[1]).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    expect(json[3]).toEqual({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } });
    expect(json[6]).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { input_tokens: 25, cache_creation_input_tokens: 0, cache_read_input_tokens: 3, output_tokens: 15 },
    });
  });

  it('tool input is model-style JSON split into pieces, the first one empty', async () => {
    const { fake } = await start({ reply: { toolCalls: [{ name: 'get_weather', arguments: { location: 'San Francisco, CA' } }] } });
    const json = sseEvents(await (await post(fake, { model, max_tokens: 64, messages, stream: true })).text()).map((e) => JSON.parse(e.data!) as Record<string, any>);
    const start0 = json.find((j) => j.type === 'content_block_start')!;
    expect(start0.content_block).toMatchObject({ type: 'tool_use', name: 'get_weather', input: {} });
    const pieces = json.filter((j) => j.delta?.type === 'input_json_delta').map((j) => j.delta.partial_json as string);
    expect(pieces[0]).toBe('');
    expect(pieces.join('')).toBe('{"location": "San Francisco, CA"}');
    expect(json.find((j) => j.type === 'message_delta')!.delta.stop_reason).toBe('tool_use');
  });

  it('request checks: anthropic-version, max_tokens, system role (before 2026-10-21), whitespace stop sequences', async () => {
    const { fake } = await start();
    const bodyOf = async (r: Response) => ({ status: r.status, ...((await r.json()) as { error: { type: string; message: string } }) });
    expect(await bodyOf(await post(fake, { model, max_tokens: 8, messages }, { 'anthropic-version': '' }))).toMatchObject({
      status: 400,
      error: { type: 'invalid_request_error' },
    });
    const noVersion = await fetch(`${fake.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'sk-ant-test' }, body: JSON.stringify({ model, max_tokens: 8, messages }) });
    expect(await bodyOf(noVersion)).toMatchObject({ status: 400, error: { message: 'anthropic-version: header is required' } });
    expect(await bodyOf(await post(fake, { model, messages }))).toMatchObject({ status: 400, error: { message: 'max_tokens: Field required' } });
    expect(await bodyOf(await post(fake, { model, max_tokens: 8, messages: [{ role: 'system', content: 'x' }, ...messages] }))).toMatchObject({
      status: 400,
      error: { message: expect.stringContaining('Unexpected role "system"') },
    });
    const withSystem = await post(fake, { model, max_tokens: 8, messages: [{ role: 'system', content: 'x' }, ...messages] }, { 'anthropic-version': '2026-10-21' });
    expect(withSystem.status).toBe(200);
    expect(await bodyOf(await post(fake, { model, max_tokens: 8, messages, stop_sequences: ['\n\n'] }))).toMatchObject({
      status: 400,
      error: { message: 'stop_sequences: each stop sequence must contain non-whitespace' },
    });
  });

  it('max_tokens cuts the reply and says so', async () => {
    const { fake } = await start({ reply: ['a', 'b', 'c', 'd'] });
    const res = (await (await post(fake, { model, max_tokens: 2, messages })).json()) as { content: Array<{ text: string }>; stop_reason: string };
    expect(res.content[0]!.text).toBe('ab');
    expect(res.stop_reason).toBe('max_tokens');
  });

  it('a 429 carries retry-after, exhausted rate-limit headers and the request id in the body', async () => {
    const { fake } = await start();
    fake.setFaults({ status: 429 });
    const res = await post(fake, { model, max_tokens: 8, messages });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    const body = (await res.json()) as { error: { type: string }; request_id: string };
    expect(body.error.type).toBe('rate_limit_error');
    expect(body.request_id).toBe(res.headers.get('request-id'));
  });

  it('midStreamErrorAt ends the stream with event: error after n events, status 200', async () => {
    const { fake } = await start({ reply: ['a', 'b'] });
    fake.setFaults({ midStreamErrorAt: 2 });
    const res = await post(fake, { model, max_tokens: 8, messages, stream: true });
    expect(res.status).toBe(200);
    const events = sseEvents(await res.text());
    expect(events.map((e) => e.event)).toEqual(['message_start', 'content_block_start', 'error']);
    expect(JSON.parse(events[2]!.data!)).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
  });
});
