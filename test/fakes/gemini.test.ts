// Fidelity of the fake Gemini: the official `@google/genai` SDK must work against it unchanged
// (streaming, function calls, usage, paging, embeddings, typed errors), and the raw wire must match
// providers.md §5 / §9.5 (`\r\n\r\n` separators, no sentinel, finishReason last, cumulative usage).
import { ApiError, GoogleGenAI } from '@google/genai';
import { createParser } from 'eventsource-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeGemini, type FakeGemini, type FakeGeminiOptions } from './index.js';

const servers: FakeGemini[] = [];
async function start(opts: FakeGeminiOptions = {}, clientKey?: string) {
  const fake = await createFakeGemini({ apiKey: 'AIza-test-key', ...opts });
  servers.push(fake);
  const ai = new GoogleGenAI({ apiKey: clientKey ?? opts.apiKey ?? 'AIza-test-key', httpOptions: { baseUrl: fake.url } });
  return { fake, ai };
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const contents = [{ role: 'user', parts: [{ text: 'Count to five' }] }];
const post = (fake: FakeGemini, path: string, body: unknown, headers: Record<string, string> = { 'x-goog-api-key': 'AIza-test-key' }) =>
  fetch(`${fake.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

/** Events as eventsource-parser sees them. */
function parseSse(text: string): string[] {
  const out: string[] = [];
  const p = createParser({ onEvent: (e) => out.push(e.data) });
  p.feed(text);
  return out;
}

describe('fake Gemini with the official @google/genai SDK', () => {
  it('streams text with cumulative usage; the SDK sees the scripted text and the final counts', async () => {
    const { fake, ai } = await start({ reply: { tokens: ['1\n2\n', '3\n4\n', '5'], promptTokens: 8, completionTokens: 8, cachedTokens: 2 } });
    const stream = await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Count to five', config: { temperature: 0.2, maxOutputTokens: 64 } });
    let text = '';
    const finish: string[] = [];
    let usage;
    let responseId: string | undefined;
    for await (const chunk of stream) {
      text += chunk.text ?? '';
      const f = chunk.candidates?.[0]?.finishReason;
      if (f) finish.push(f);
      usage = chunk.usageMetadata;
      responseId ??= chunk.responseId;
      expect(chunk.modelVersion).toBe('gemini-2.5-flash');
    }
    expect(text).toBe('1\n2\n3\n4\n5');
    expect(finish).toEqual(['STOP']);
    expect(usage).toMatchObject({ promptTokenCount: 8, candidatesTokenCount: 8, totalTokenCount: 16, cachedContentTokenCount: 2 });
    expect(responseId).toMatch(/^[\w-]{23}$/);
    const req = await fake.waitForRequest();
    expect(req.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent');
    expect(req.query).toEqual({ alt: 'sse' });
    expect(req.headers['x-goog-api-key']).toBe('AIza-test-key');
    expect(req.body).toMatchObject({ contents: [{ role: 'user', parts: [{ text: 'Count to five' }] }], generationConfig: { temperature: 0.2, maxOutputTokens: 64 } });
  });

  it('function calls arrive whole; thoughts are `thought: true` parts', async () => {
    const { ai } = await start({
      reply: { thinking: ['Weather lookup needed.'], toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }, { name: 'get_time', arguments: { tz: 'Europe/Paris' } }] },
    });
    const stream = await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Weather and time in Paris?', config: { thinkingConfig: { includeThoughts: true } } });
    const calls: unknown[] = [];
    const thoughts: string[] = [];
    let last;
    for await (const chunk of stream) {
      calls.push(...(chunk.functionCalls ?? []));
      for (const p of chunk.candidates?.[0]?.content?.parts ?? []) if (p.thought) thoughts.push(p.text ?? '');
      last = chunk;
    }
    expect(calls).toEqual([
      { name: 'get_weather', args: { city: 'Paris' } },
      { name: 'get_time', args: { tz: 'Europe/Paris' } },
    ]);
    expect(thoughts).toEqual(['Weather lookup needed.']);
    // A function-call turn ends with STOP (finishMessage is on the wire, but the SDK's Gemini API mapping drops it).
    expect(last?.candidates?.[0]?.finishReason).toBe('STOP');
    expect(last?.usageMetadata).toMatchObject({ thoughtsTokenCount: 1 });
  });

  it('Gemini 3 style: function-call ids and a thought signature', async () => {
    const { ai } = await start({ functionCallIds: true, thoughtSignatures: true, reply: { toolCalls: [{ name: 'f', arguments: {}, id: 'call_abc' }] } });
    const res = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'x' });
    expect(res.functionCalls).toEqual([{ name: 'f', args: {}, id: 'call_abc' }]);
    expect(res.candidates?.[0]?.content?.parts?.[0]?.thoughtSignature).toMatch(/^[A-Za-z0-9+/=]+$/);
  });

  it('answers :generateContent with the merged turn', async () => {
    const { ai } = await start({ reply: { tokens: ['Hi', '!'], promptTokens: 5 } });
    const res = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents });
    expect(res.text).toBe('Hi!');
    expect(res.candidates?.[0]?.finishReason).toBe('STOP');
    expect(res.usageMetadata).toMatchObject({ promptTokenCount: 5, candidatesTokenCount: 2, totalTokenCount: 7 });
  });

  it('lists models page by page; gets one', async () => {
    const models = ['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-2.0-flash', 'text-embedding-004', 'gemini-embedding-001'];
    const { ai } = await start({ models });
    const pager = await ai.models.list({ config: { pageSize: 2 } });
    const names: string[] = [];
    for await (const m of pager) names.push(m.name ?? '');
    expect(names).toEqual(models.map((m) => `models/${m}`));
    const one = await ai.models.get({ model: 'gemini-2.5-pro' });
    expect(one).toMatchObject({ name: 'models/gemini-2.5-pro', inputTokenLimit: 1048576, supportedActions: expect.arrayContaining(['generateContent']) });
    await expect(ai.models.get({ model: 'nope' })).rejects.toMatchObject({ status: 404 });
  });

  it('embeds through :batchEmbedContents (one vector per text, deterministic)', async () => {
    const { fake, ai } = await start();
    const res = await ai.models.embedContent({ model: 'text-embedding-004', contents: ['alpha', 'beta', 'alpha'] });
    expect(res.embeddings).toHaveLength(3);
    expect(res.embeddings?.[0]?.values).toHaveLength(768);
    expect(res.embeddings?.[0]?.values).toEqual(res.embeddings?.[2]?.values);
    expect(res.embeddings?.[0]?.values).not.toEqual(res.embeddings?.[1]?.values);
    const req = await fake.waitForRequest();
    expect(req.path).toBe('/v1beta/models/text-embedding-004:batchEmbedContents');
    const single = (await (await post(fake, '/v1beta/models/text-embedding-004:embedContent', { content: { parts: [{ text: 'alpha' }] }, outputDimensionality: 8 })).json()) as {
      embedding: { values: number[] };
    };
    expect(single.embedding.values).toHaveLength(8);
  });

  it('a wrong key is 400 INVALID_ARGUMENT with ErrorInfo API_KEY_INVALID; no key is 403; ?key= works', async () => {
    const { fake, ai } = await start({}, 'AIza-wrong');
    const err = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 400 });
    const body = JSON.parse((err as Error).message) as { error: { status: string; details: Array<{ reason?: string }> } };
    expect(body.error.status).toBe('INVALID_ARGUMENT');
    expect(body.error.details[0]?.reason).toBe('API_KEY_INVALID');

    const none = await post(fake, '/v1beta/models/gemini-2.5-flash:generateContent', { contents }, {});
    expect(none.status).toBe(403);
    expect(((await none.json()) as { error: { status: string } }).error.status).toBe('PERMISSION_DENIED');

    const viaQuery = await post(fake, '/v1beta/models/gemini-2.5-flash:generateContent?key=AIza-test-key', { contents }, {});
    expect(viaQuery.status).toBe(200);
  });

  it('an unknown model is Google’s 404 NOT_FOUND; a chat model cannot embed', async () => {
    const { fake, ai } = await start();
    const err = await ai.models.generateContent({ model: 'gemini-pro', contents }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 404 });
    expect((err as Error).message).toContain('models/gemini-pro is not found for API version v1beta, or is not supported for generateContent.');
    const res = await post(fake, '/v1beta/models/gemini-2.5-flash:batchEmbedContents', { requests: [{ model: 'models/gemini-2.5-flash', content: { parts: [{ text: 'a' }] } }] });
    expect(res.status).toBe(404);
  });

  it('a 429 carries RetryInfo.retryDelay; the SDK surfaces it as ApiError 429', async () => {
    const { fake, ai } = await start();
    fake.setFaults({ status: 429 });
    const err = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 429 });
    const body = JSON.parse((err as Error).message) as { error: { status: string; details: Array<Record<string, unknown>> } };
    expect(body.error.status).toBe('RESOURCE_EXHAUSTED');
    expect(body.error.details.map((d) => d['@type'])).toEqual([
      'type.googleapis.com/google.rpc.QuotaFailure',
      'type.googleapis.com/google.rpc.Help',
      'type.googleapis.com/google.rpc.RetryInfo',
    ]);
    expect(body.error.details[2]).toMatchObject({ retryDelay: '47s' });
    fake.setRetryDelay('0.05s');
    const again = await post(fake, '/v1beta/models/gemini-2.5-flash:generateContent', { contents });
    expect(JSON.stringify(await again.json())).toContain('"retryDelay":"0.05s"');
  });

  it('the SDK retries a 429 when asked to (retryOptions), then streams', async () => {
    const fake = await createFakeGemini({ reply: 'after retry', faults: { status: 429, failTimes: 1 } });
    servers.push(fake);
    const ai = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: fake.url, retryOptions: { attempts: 2, initialDelay: 0.01, maxDelay: 0.05 } } });
    let text = '';
    for await (const c of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents })) text += c.text ?? '';
    expect(text).toBe('after retry');
    expect(fake.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('a mid-stream {"error": …} chunk makes the SDK throw after the text before it', async () => {
    const { fake, ai } = await start({ reply: ['a', 'b', 'c'] });
    fake.setFaults({ midStreamErrorAt: 2 });
    const got: string[] = [];
    const stream = await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents });
    const err = await (async () => {
      for await (const c of stream) got.push(c.text ?? '');
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 500 });
    expect(got.join('')).toBe('ab');
  });

  it('a blocked prompt is 200 with promptFeedback.blockReason and no candidates', async () => {
    const { ai } = await start({ promptBlockReason: 'PROHIBITED_CONTENT' });
    const chunks = [];
    for await (const c of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents })) chunks.push(c);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.candidates).toBeUndefined();
    expect(chunks[0]?.promptFeedback?.blockReason).toBe('PROHIBITED_CONTENT');
  });
});

describe('fake Gemini raw wire', () => {
  const streamPath = '/v1beta/models/gemini-2.5-flash:streamGenerateContent';

  it('SSE: data-only events, CRLF line endings and \\r\\n\\r\\n separators, no sentinel, finishReason only last, usage on every chunk', async () => {
    const { fake } = await start({ reply: { tokens: ['Hello', ' there', '!'], promptTokens: 4, completionTokens: 3 } });
    const res = await post(fake, `${streamPath}?alt=sse`, { contents });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const raw = await res.text();
    expect(raw.endsWith('}\r\n\r\n')).toBe(true);
    expect(raw).not.toContain('[DONE]');
    expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/); // every line break is CRLF
    const blocks = raw.split('\r\n\r\n').slice(0, -1);
    expect(blocks.every((b) => b.startsWith('data: {"candidates": [{"content": {"parts": ['))).toBe(true);
    const events = parseSse(raw).map((d) => JSON.parse(d) as Record<string, any>);
    expect(events).toHaveLength(3);
    expect(events.map((e) => e.candidates[0].finishReason)).toEqual([undefined, undefined, 'STOP']);
    expect(events.map((e) => e.usageMetadata.candidatesTokenCount)).toEqual([1, 2, 3]);
    expect(events.every((e) => e.usageMetadata.promptTokenCount === 4)).toBe(true);
    expect(new Set(events.map((e) => e.responseId)).size).toBe(1);
    // Google's key order and compact style.
    expect(Object.keys(events[2]!)).toEqual(['candidates', 'usageMetadata', 'modelVersion', 'responseId']);
    expect(Object.keys(events[2]!.candidates[0])).toEqual(['content', 'finishReason', 'index']);
    expect(blocks[2]).toContain('"usageMetadata": {"promptTokenCount": 4,"candidatesTokenCount": 3,"totalTokenCount": 7,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 4}]}');
  });

  it('without alt=sse the same stream is one JSON array', async () => {
    const { fake } = await start({ reply: ['a', 'b'] });
    const res = await post(fake, streamPath, { contents });
    expect(res.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    const raw = await res.text();
    expect(raw.startsWith('[{\n  "candidates"')).toBe(true);
    expect(raw.endsWith('\n]')).toBe(true);
    const arr = JSON.parse(raw) as Array<Record<string, any>>;
    expect(arr.map((e) => e.candidates[0].content.parts[0].text)).toEqual(['a', 'b']);
    expect(arr[1]!.candidates[0].finishReason).toBe('STOP');
  });

  it('a function-call turn: one chunk with every call whole, STOP with finishMessage', async () => {
    const { fake } = await start({ reply: { tokens: ['Checking.'], toolCalls: [{ name: 'a', arguments: { x: 1 } }, { name: 'b', arguments: {} }] } });
    const events = parseSse(await (await post(fake, `${streamPath}?alt=sse`, { contents })).text()).map((d) => JSON.parse(d) as Record<string, any>);
    expect(events).toHaveLength(2);
    expect(events[1]!.candidates[0]).toEqual({
      content: { parts: [{ functionCall: { name: 'a', args: { x: 1 } } }, { functionCall: { name: 'b', args: {} } }], role: 'model' },
      finishReason: 'STOP',
      finishMessage: 'Model generated function call(s).',
      index: 0,
    });
  });

  it('a safety stop: a last chunk without content, finishReason SAFETY and a blocked rating', async () => {
    const { fake } = await start({ reply: { tokens: ['Sure, here'], finishReason: 'SAFETY' } });
    const events = parseSse(await (await post(fake, `${streamPath}?alt=sse`, { contents })).text()).map((d) => JSON.parse(d) as Record<string, any>);
    expect(events).toHaveLength(2);
    expect(events[0]!.candidates[0].finishReason).toBeUndefined();
    expect(events[1]!.candidates[0].content).toBeUndefined();
    expect(events[1]!.candidates[0].finishReason).toBe('SAFETY');
    expect(events[1]!.candidates[0].safetyRatings).toContainEqual({ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true });
  });

  it('malformed and mid-stream error chunks keep the SSE framing', async () => {
    const { fake } = await start({ reply: ['a', 'b', 'c'] });
    fake.setFaults({ malformedChunkAt: 1 });
    const bad = await (await post(fake, `${streamPath}?alt=sse`, { contents })).text();
    const blocks = parseSse(bad);
    expect(blocks).toHaveLength(3);
    expect(() => JSON.parse(blocks[1]!)).toThrow();
    fake.resetFaults();
    fake.setFaults({ midStreamErrorAt: 1, errorMessage: 'boom' });
    const err = parseSse(await (await post(fake, `${streamPath}?alt=sse`, { contents })).text());
    expect(err).toHaveLength(2);
    expect(JSON.parse(err[1]!)).toEqual({ error: { code: 500, message: 'boom', status: 'INTERNAL' } });
  });

  it('errors are pretty-printed Google envelopes; unknown paths are an HTML 404', async () => {
    const { fake } = await start();
    fake.setFaults({ status: 503 });
    const res = await post(fake, `${streamPath}?alt=sse`, { contents });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    const text = await res.text();
    expect(text).toBe('{\n  "error": {\n    "code": 503,\n    "message": "The model is overloaded. Please try again later.",\n    "status": "UNAVAILABLE"\n  }\n}\n');
    fake.resetFaults();
    const html = await fetch(`${fake.url}/v1beta/nowhere`, { headers: { 'x-goog-api-key': 'AIza-test-key' } });
    expect(html.status).toBe(404);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('model list: paging by pageSize/pageToken, 50 per page by default', async () => {
    const many = Array.from({ length: 60 }, (_, i) => `gemini-x-${i}`);
    const { fake } = await start({ models: many });
    const get = async (q: string) =>
      (await (await fetch(`${fake.url}/v1beta/models${q}`, { headers: { 'x-goog-api-key': 'AIza-test-key' } })).json()) as { models: Array<{ name: string }>; nextPageToken?: string };
    const first = await get('');
    expect(first.models).toHaveLength(50);
    expect(first.models[0]).toMatchObject({ name: 'models/gemini-x-0', supportedGenerationMethods: expect.arrayContaining(['generateContent']) });
    const second = await get(`?pageToken=${first.nextPageToken}`);
    expect(second.models).toHaveLength(10);
    expect(second.nextPageToken).toBeUndefined();
    expect((await get('?pageSize=1000')).models).toHaveLength(60);
  });
});
