// Each fault switch does what it says, observed with plain fetch / undici (no SDK in the way).
// Timing checks are lower bounds only (delays can only make things slower on a loaded machine).
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeOllama, createFakeOpenAI, type FakeServer } from './index.js';
import { BodyReader, ndjsonLines, settlesWithin, sseEvents } from './wire.js';

const servers: FakeServer[] = [];
const agents: Agent[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(agents.splice(0).map((a) => a.close()));
});

async function ollama(reply: string[] = ['a', 'b', 'c', 'd']) {
  const s = await createFakeOllama({ reply });
  servers.push(s);
  return s;
}
async function openai(reply: string[] = ['a', 'b', 'c', 'd']) {
  const s = await createFakeOpenAI({ reply });
  servers.push(s);
  return s;
}

const chatBody = (extra: Record<string, unknown> = {}) => JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], ...extra });
const postChat = (s: FakeServer, init: RequestInit = {}, extra: Record<string, unknown> = {}) =>
  fetch(`${s.url}/api/chat`, { method: 'POST', body: chatBody(extra), ...init });
const oaiBody = (extra: Record<string, unknown> = {}) => JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true, ...extra });
const postOai = (s: FakeServer, init: RequestInit = {}, extra: Record<string, unknown> = {}) =>
  fetch(`${s.url}/v1/chat/completions`, { method: 'POST', body: oaiBody(extra), ...init });

const countLines = (t: string) => t.split('\n').length - 1;

describe('timing faults', () => {
  it('firstByteDelayMs delays the response head', async () => {
    const s = await ollama();
    s.setFaults({ firstByteDelayMs: 300 });
    const t0 = Date.now();
    const res = await postChat(s);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(res.status).toBe(200);
    expect(ndjsonLines(await res.text())).toHaveLength(5);
  });

  it('chunkDelayMs spaces the chunks out', async () => {
    const s = await openai(['a', 'b', 'c']);
    s.setFaults({ chunkDelayMs: 100 });
    const res = await postOai(s);
    const t0 = Date.now();
    const reader = new BodyReader(res);
    await reader.readUntil((t) => t.includes('[DONE]'));
    // role + 3 content + finish + [DONE] = 6 chunks → 5 gaps; the first chunk may already be buffered.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
  });

  it('a client that leaves during firstByteDelayMs is counted as a disconnect', async () => {
    const s = await ollama();
    s.setFaults({ firstByteDelayMs: 60_000 });
    const ac = new AbortController();
    const pending = postChat(s, { signal: ac.signal });
    await s.waitForRequest();
    ac.abort();
    await expect(pending).rejects.toThrow();
    await s.waitForDisconnect();
    expect(s.disconnects).toBe(1);
    expect(s.requests[0]!.clientDisconnected).toBe(true);
  });
});

describe('stall and reset', () => {
  it('stallAfterChunks: n chunks arrive, then nothing; the server sees the client abort', async () => {
    const s = await ollama(['a', 'b', 'c', 'd']);
    s.setFaults({ stallAfterChunks: 2 });
    const ac = new AbortController();
    const res = await postChat(s, { signal: ac.signal });
    expect(res.status).toBe(200);
    const reader = new BodyReader(res);
    await reader.readUntil((t) => countLines(t) >= 2);
    await s.waitForStall();
    const next = reader.read();
    expect(await settlesWithin(next, 300)).toBe('timeout');
    expect(countLines(reader.text)).toBe(2);
    expect(s.disconnects).toBe(0);
    ac.abort();
    await expect(next).rejects.toThrow();
    await s.waitForDisconnect();
    expect(s.disconnects).toBe(1);
    expect(s.requests[0]).toMatchObject({ clientDisconnected: true, completed: false });
  });

  it('stallAfterChunks on a non-streamed body sends half of it and hangs', async () => {
    const s = await openai(['hello', ' world']);
    s.setFaults({ stallAfterChunks: 1 });
    const ac = new AbortController();
    const res = await postOai(s, { signal: ac.signal }, { stream: false });
    const total = Number(res.headers.get('content-length'));
    expect(total).toBeGreaterThan(0);
    const reader = new BodyReader(res);
    await reader.readUntil((t) => Buffer.byteLength(t) >= Math.floor(total / 2));
    await s.waitForStall();
    expect(await settlesWithin(reader.read(), 200)).toBe('timeout');
    expect(Buffer.byteLength(reader.text)).toBeLessThan(total);
    ac.abort();
    await s.waitForDisconnect();
  });

  it('close() ends a stalled response promptly and is not counted as a client disconnect', async () => {
    const s = await openai();
    s.setFaults({ stallAfterChunks: 1 });
    const res = await postOai(s);
    const reader = new BodyReader(res);
    await s.waitForStall();
    const rest = reader.readAll();
    await s.close();
    await expect(rest).rejects.toThrow();
    expect(s.disconnects).toBe(0);
  });

  it('resetAfterChunks: the client gets the first chunks, then a socket error', async () => {
    const s = await ollama(['a', 'b', 'c', 'd']);
    s.setFaults({ resetAfterChunks: 2 });
    const res = await postChat(s);
    expect(res.status).toBe(200);
    const reader = new BodyReader(res);
    await expect(reader.readAll()).rejects.toThrow();
    expect(countLines(reader.text)).toBeLessThanOrEqual(2);
    expect(s.disconnects).toBe(0); // the server cut it, not the client
    expect(s.requests[0]).toMatchObject({ completed: false, clientDisconnected: false });
  });

  it('resetAfterChunks with chunkDelayMs: exactly n chunks are read before the error', async () => {
    const s = await openai(['a', 'b', 'c', 'd']);
    s.setFaults({ resetAfterChunks: 3, chunkDelayMs: 50 });
    const reader = new BodyReader(await postOai(s));
    await expect(reader.readAll()).rejects.toThrow();
    const events = sseEvents(reader.text);
    expect(events).toHaveLength(3);
    expect(events.map((e) => JSON.parse(e.data!).choices[0].delta)).toEqual([{ role: 'assistant', content: '' }, { content: 'a' }, { content: 'b' }]);
  });

  it('resetAfterChunks also cuts a non-streamed body (content-length never satisfied)', async () => {
    const s = await ollama(['a']);
    s.setFaults({ resetAfterChunks: 1 });
    const res = await postChat(s, {}, { stream: false });
    await expect(res.text()).rejects.toThrow();
  });

  it('resetAfterChunks: 0 resets right after the head', async () => {
    const s = await openai();
    s.setFaults({ resetAfterChunks: 0 });
    const res = await postOai(s);
    await expect(res.text()).rejects.toThrow();
  });
});

describe('error and content faults', () => {
  it('status: Ollama 503 with the real busy body', async () => {
    const s = await ollama();
    s.setFaults({ status: 503 });
    const res = await postChat(s);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({ error: 'server busy, please try again.  maximum pending requests exceeded' });
  });

  it('status 429 with retryAfter / retryAfterMs sends retry-after and retry-after-ms', async () => {
    const s = await openai();
    s.setFaults({ status: 429, retryAfter: 2, retryAfterMs: 1500 });
    const res = await postOai(s);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(res.headers.get('retry-after-ms')).toBe('1500');
    expect(res.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    const body = (await res.json()) as { error: { type: string; code: string; message: string } };
    expect(body.error).toMatchObject({ type: 'tokens', code: 'rate_limit_exceeded' });
    expect(body.error.message).toContain('Rate limit reached for gpt-4o-mini');
  });

  it('errorMessage overrides the error text', async () => {
    const s = await ollama();
    s.setFaults({ status: 500, errorMessage: 'boom' });
    const res = await postChat(s);
    expect(await res.json()).toEqual({ error: 'boom' });
  });

  it('malformedChunkAt: that NDJSON line is not valid JSON, the others are', async () => {
    const s = await ollama(['a', 'b', 'c']);
    s.setFaults({ malformedChunkAt: 1 });
    const lines = ndjsonLines(await (await postChat(s)).text());
    expect(lines).toHaveLength(4);
    expect(() => JSON.parse(lines[1]!)).toThrow();
    for (const i of [0, 2, 3]) expect(() => JSON.parse(lines[i]!)).not.toThrow();
  });

  it('malformedChunkAt: that SSE event keeps its framing but carries broken JSON', async () => {
    const s = await openai(['a', 'b']);
    s.setFaults({ malformedChunkAt: 2 });
    const text = await (await postOai(s)).text();
    const events = sseEvents(text);
    expect(events.map((e) => e.raw.startsWith('data: '))).toEqual(events.map(() => true));
    expect(() => JSON.parse(events[2]!.data!)).toThrow();
    expect(() => JSON.parse(events[1]!.data!)).not.toThrow();
    expect(events[events.length - 1]!.data).toBe('[DONE]');
  });

  it('malformedChunkAt: 0 on a non-streamed body breaks the JSON body', async () => {
    const s = await ollama();
    s.setFaults({ malformedChunkAt: 0 });
    const res = await postChat(s, {}, { stream: false });
    const text = await res.text();
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(() => JSON.parse(text)).toThrow();
  });

  it('midStreamErrorAt: Ollama ends with an {"error"} line after n chunks, status 200', async () => {
    const s = await ollama(['a', 'b', 'c']);
    s.setFaults({ midStreamErrorAt: 2 });
    const res = await postChat(s);
    expect(res.status).toBe(200);
    const lines = ndjsonLines(await res.text()).map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[2]).toEqual({ error: 'an error was encountered while running the model' });
  });

  it('wrongContentType: a 200 text/html captive-portal page instead of the API reply', async () => {
    const s = await ollama();
    s.setFaults({ wrongContentType: true });
    const res = await postChat(s);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await res.text()).toMatch(/^<!DOCTYPE html>/);
  });

  it('oversizedBodyBytes: one NDJSON line / SSE event larger than the limit, still valid JSON', async () => {
    const size = 2 * 1024 * 1024;
    const o = await ollama();
    o.setFaults({ oversizedBodyBytes: size });
    const lines = ndjsonLines(await (await postChat(o)).text());
    expect(lines[0]!.length).toBeGreaterThan(size);
    expect(JSON.parse(lines[0]!).message.content).toHaveLength(size);

    const a = await openai();
    a.setFaults({ oversizedBodyBytes: size });
    const events = sseEvents(await (await postOai(a)).text());
    expect(events.some((e) => e.raw.length > size)).toBe(true);
    const big = await postOai(a, {}, { stream: false });
    expect(Number(big.headers.get('content-length'))).toBeGreaterThan(size);
  });
});

describe('fault scoping', () => {
  it('failTimes: only the first n requests are faulted', async () => {
    const s = await ollama();
    s.setFaults({ status: 500, failTimes: 2 });
    expect((await postChat(s)).status).toBe(500);
    expect((await postChat(s)).status).toBe(500);
    expect((await postChat(s)).status).toBe(200);
    expect(s.requests.map((r) => r.faulted)).toEqual([true, true, false]);
    s.setFaults({ failTimes: 1 }); // setFaults restarts the count
    expect((await postChat(s)).status).toBe(500);
    expect((await postChat(s)).status).toBe(200);
  });

  it('onlyPaths: other endpoints (e.g. health checks) stay healthy', async () => {
    const s = await ollama();
    s.setFaults({ status: 503, onlyPaths: ['/api/chat'] });
    expect((await fetch(`${s.url}/api/tags`)).status).toBe(200);
    expect((await postChat(s)).status).toBe(503);
    s.resetFaults();
    expect((await postChat(s)).status).toBe(200);
  });

  it('faults given at creation apply from the first request', async () => {
    const s = await createFakeOpenAI({ faults: { status: 401 } });
    servers.push(s);
    expect((await fetch(`${s.url}/v1/models`)).status).toBe(401);
  });
});

describe('connections', () => {
  it('two sequential requests through one undici Agent reuse one keep-alive connection', async () => {
    const s = await ollama();
    const agent = new Agent({ connections: 1 });
    agents.push(agent);
    for (let i = 0; i < 2; i++) {
      const r = await request(`${s.url}/api/chat`, { method: 'POST', body: chatBody(), dispatcher: agent });
      expect(r.statusCode).toBe(200);
      await r.body.text();
    }
    expect(s.requests).toHaveLength(2);
    expect(s.connections).toBe(1);
  });

  it('separate agents open separate connections', async () => {
    const s = await openai();
    for (let i = 0; i < 2; i++) {
      const agent = new Agent();
      agents.push(agent);
      const r = await request(`${s.url}/v1/models`, { dispatcher: agent });
      await r.body.text();
    }
    expect(s.connections).toBe(2);
  });
});
