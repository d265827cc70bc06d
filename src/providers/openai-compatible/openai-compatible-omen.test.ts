// `extraBody` merged into the chat body, and the `omen` quirk's body normalization, checked
// against the fake OMEN (whose serde-strict parsing answers 400 to the shapes OpenAI accepts).
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeOmen, createFakeOpenAI, type FakeOmen, type FakeOpenAI } from '../../../test/fakes/index.js';
import type { ChatRequest, ProviderClient } from '../../provider/index.js';
import { createOpenAICompatibleProvider, normalizeOmenChatBody, quirksFor, withExtraBody } from './index.js';
import { collect, expectOneEnd, lastError, resolvedProvider, summarize, testContext, testLogger } from './test-support.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function omen(opts: Parameters<typeof createFakeOmen>[0] = {}): Promise<FakeOmen> {
  const f = await createFakeOmen(opts);
  cleanups.push(() => f.close());
  return f;
}

function client(name: string, baseUrl: string, log = testLogger()): ProviderClient {
  const ctx = testContext(resolvedProvider({ name, kind: 'openai-compatible', baseUrl }), log);
  cleanups.push(() => ctx.dispatcher.destroy());
  return createOpenAICompatibleProvider(ctx);
}

const req = (extra: Partial<ChatRequest> = {}): ChatRequest => ({ signal: new AbortController().signal, model: 'qwen2.5-coder:7b', messages: [{ role: 'user', content: 'Say hello' }], ...extra });
const weather = { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } };

describe('extraBody', () => {
  it('adds top-level fields and may replace optional ones, never model, messages or stream', () => {
    const ignored: string[] = [];
    const body = withExtraBody(
      { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true, stop: ['a'] },
      { model: 'other', messages: [], stream: false, stop: ['b'], tags: { intent: 'code' }, omen: { strategy: 'single' }, skipped: undefined },
      (k) => ignored.push(k),
    );
    expect(body).toEqual({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true, stop: ['b'], tags: { intent: 'code' }, omen: { strategy: 'single' } });
    expect(ignored).toEqual(['model', 'messages', 'stream']);
  });

  it('reaches the wire for any OpenAI-compatible server; a protected key is logged and ignored', async () => {
    const f: FakeOpenAI = await createFakeOpenAI({ strictModels: false });
    cleanups.push(() => f.close());
    const log = testLogger();
    const parts = await collect(client('litellm', f.baseURL, log).chat(req({ extraBody: { tags: { team: 'a' }, seed: 7, model: 'nope' } })));
    expect(expectOneEnd(parts)).toMatchObject({ type: 'finish' });
    expect(f.requests[0]!.body).toMatchObject({ model: 'qwen2.5-coder:7b', stream: true, tags: { team: 'a' }, seed: 7 });
    expect(log.lines).toContain('debug litellm: extraBody.model ignored (zeke sets it)');
  });
});

describe('the omen quirk normalizes the chat body', () => {
  it('is on for the provider named omen only', () => {
    expect(quirksFor({ name: 'omen', kind: 'openai-compatible' }).omenBody).toBe(true);
    expect(quirksFor({ name: 'litellm', kind: 'openai-compatible' }).omenBody).toBeFalsy();
  });

  it('stop array, tool_choice object only, content never null, stream boolean, string tags, no empty omen', () => {
    const body = {
      model: 'm',
      stream: null,
      stop: '\n\n',
      tool_choice: 'auto',
      tools: [{ type: 'function', function: { name: 'f', parameters: {} } }],
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'user', content: [{ type: 'text', text: 'parts stay' }] },
      ],
      tags: { intent: 'code', n: 1, ok: true, nothing: null, nested: { a: 1 }, inf: Infinity },
      omen: {},
    };
    const out = normalizeOmenChatBody(body);
    expect(out).toEqual({
      model: 'm',
      stream: false,
      stop: ['\n\n'],
      tools: body.tools,
      messages: [body.messages[0], { ...body.messages[1], content: '' }, body.messages[2]],
      tags: { intent: 'code', n: '1', ok: 'true' },
    });
    expect(body.stop).toBe('\n\n'); // the input is not changed
  });

  it('tool_choice: "none" drops the tools, a named function is kept as {type, function:{name}}, "required" is dropped', () => {
    const tools = [{ type: 'function', function: { name: 'f', parameters: {} } }];
    expect(normalizeOmenChatBody({ tools, tool_choice: 'none' })).toEqual({ stream: false });
    expect(normalizeOmenChatBody({ tools, tool_choice: { type: 'function', function: { name: 'f' } } })).toEqual({ stream: false, tools, tool_choice: { type: 'function', function: { name: 'f' } } });
    expect(normalizeOmenChatBody({ tools, tool_choice: 'required' })).toEqual({ stream: false, tools });
    expect(normalizeOmenChatBody({ stop: [], tags: {}, omen: { strategy: 'single' } })).toEqual({ stream: false, omen: { strategy: 'single' } });
    expect(normalizeOmenChatBody({ stop: null, tags: null, omen: null })).toEqual({ stream: false });
  });

  it('bodies OMEN rejects when sent as is (400 from the fake) are accepted once the client is named omen', async () => {
    const f = await omen({ reply: 'fine' });
    const hostile = req({
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: null as unknown as string, toolCalls: [{ id: 'c1', name: 'get_weather', arguments: '{"city":"Lyon"}' }] },
        { role: 'tool', toolCallId: 'c1', content: '18°C' },
      ],
      tools: [weather],
      extraBody: { stop: '\n\n', tool_choice: 'auto', tags: { intent: 'code', project: null, n: 1 }, omen: {} },
    });
    // Another OpenAI-compatible server gets the body as built: the fake OMEN answers 400.
    const raw = lastError(await collect(client('litellm', f.baseURL).chat(hostile)));
    expect(raw).toMatchObject({ code: 'bad_request', status: 400 });
    expect(raw.message).toMatch(/Invalid request/);

    const parts = await collect(client('omen', f.baseURL).chat(hostile));
    expect(expectOneEnd(parts)).toMatchObject({ type: 'finish', reason: 'stop' });
    expect(summarize(parts).text).toBe('fine');
    const sent = f.requests.at(-1)!.body as Record<string, unknown>;
    expect(sent).toMatchObject({ stream: true, stop: ['\n\n'], tags: { intent: 'code', n: '1' } });
    expect(sent).not.toHaveProperty('tool_choice');
    expect(sent).not.toHaveProperty('omen');
    expect((sent.messages as Array<{ content: unknown }>)[1]!.content).toBe('');
  });
});
