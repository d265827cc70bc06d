// send() against a real (fake) server on 127.0.0.1: timeouts close the socket, retries follow
// the SDK rules, abort reaches the socket, portal pages are named, proxies are used.
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeOpenAI, type FakeOpenAI } from '../../../test/fakes/index.js';
import { dispatcherFor } from '../../http/dispatcher.js';
import { ProviderError } from '../../provider/index.js';
import { send } from './http.js';

let fake: FakeOpenAI | undefined;
let proxy: Server | undefined;
const agents: Agent[] = [];
afterEach(async () => {
  await fake?.close();
  await new Promise((r) => (proxy ? proxy.close(r) : r(undefined)));
  await Promise.all(agents.splice(0).map((a) => a.close()));
  fake = undefined;
  proxy = undefined;
});

function agent(): Agent {
  const a = new Agent({ keepAliveTimeout: 10_000 });
  agents.push(a);
  return a;
}

const chatBody = { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] };

async function drain(body: AsyncIterable<Uint8Array>): Promise<string> {
  let text = '';
  for await (const c of body) text += Buffer.from(c).toString();
  return text;
}

describe('send()', () => {
  it('streams a body and reuses the connection for the next request', async () => {
    fake = await createFakeOpenAI();
    const dispatcher = agent();
    for (let i = 0; i < 2; i++) {
      const res = await send({ provider: 'openai', url: `${fake.baseURL}/chat/completions`, body: chatBody, dispatcher, signal: new AbortController().signal, accept: /event-stream/ });
      expect(res.status).toBe(200);
      expect(await drain(res.body)).toContain('data: [DONE]');
      // undici returns the socket to the pool a moment after the body's end; a next request in
      // the very same tick would open a second socket. Real requests are never that close.
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(fake.connections).toBe(1);
  });

  it('retries a 429 after its retry-after, then succeeds', async () => {
    fake = await createFakeOpenAI();
    fake.setFaults({ status: 429, retryAfterMs: 20, failTimes: 1 });
    const retries: number[] = [];
    const res = await send({
      provider: 'openai',
      url: `${fake.baseURL}/chat/completions`,
      body: chatBody,
      dispatcher: agent(),
      signal: new AbortController().signal,
      onRetry: (_n, delay) => retries.push(delay),
    });
    expect(res.status).toBe(200);
    expect(retries).toEqual([20]);
    expect(fake.requests).toHaveLength(2);
    await drain(res.body);
  });

  it('does not retry insufficient_quota, and keeps the provider message', async () => {
    fake = await createFakeOpenAI();
    fake.setFaults({ status: 429, errorCode: 'insufficient_quota', errorMessage: 'You exceeded your current quota.' });
    const err = await send({ provider: 'openai', url: `${fake.baseURL}/chat/completions`, body: chatBody, dispatcher: agent(), signal: new AbortController().signal }).catch((e) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ code: 'quota', status: 429, retryable: false, providerCode: 'insufficient_quota' });
    expect(err.message).toContain('You exceeded your current quota.');
    expect(fake.requests).toHaveLength(1);
  });

  it('a slow first byte is a timeout that names the address; the socket is closed', async () => {
    fake = await createFakeOpenAI();
    fake.setFaults({ firstByteDelayMs: 30_000 });
    const err = await send({ provider: 'openai', url: `${fake.baseURL}/chat/completions`, body: chatBody, dispatcher: agent(), signal: new AbortController().signal, firstByteTimeoutMs: 200, maxRetries: 0 }).catch((e) => e);
    expect(err).toMatchObject({ code: 'timeout', retryable: true });
    expect(err.message).toContain(`no answer from ${fake.baseURL}/chat/completions within 200 ms`);
    await fake.waitForDisconnect();
  });

  it('a stalled stream ends with an idle timeout, not a hang', async () => {
    fake = await createFakeOpenAI();
    fake.setFaults({ stallAfterChunks: 2 });
    const res = await send({ provider: 'openai', url: `${fake.baseURL}/chat/completions`, body: chatBody, dispatcher: agent(), signal: new AbortController().signal, idleTimeoutMs: 200 });
    const err = await drain(res.body).catch((e) => e);
    expect(err).toMatchObject({ code: 'timeout', retryable: false });
    expect(err.message).toMatch(/stalled/);
    await fake.waitForDisconnect();
  });

  it('abort mid-stream closes the socket promptly', async () => {
    fake = await createFakeOpenAI();
    fake.setFaults({ stallAfterChunks: 1 });
    const ac = new AbortController();
    const res = await send({ provider: 'openai', url: `${fake.baseURL}/chat/completions`, body: chatBody, dispatcher: agent(), signal: ac.signal });
    const reading = drain(res.body).catch((e) => e);
    await fake.waitForStall();
    ac.abort();
    expect(await reading).toMatchObject({ code: 'cancelled' });
    await fake.waitForDisconnect();
  });

  it('a 200 HTML page where JSON/SSE was expected is a bad_response that says so', async () => {
    fake = await createFakeOpenAI();
    fake.setFaults({ wrongContentType: true });
    const err = await send({ provider: 'openai', url: `${fake.baseURL}/chat/completions`, body: chatBody, dispatcher: agent(), signal: new AbortController().signal, accept: /event-stream/ }).catch((e) => e);
    expect(err).toMatchObject({ code: 'bad_response' });
    expect(err.message).toMatch(/got "text\/html.*proxy or login page/);
  });

  it('connection refused is unreachable, retried, then reported', async () => {
    fake = await createFakeOpenAI();
    const url = `${fake.baseURL}/models`;
    await fake.close();
    const retries: number[] = [];
    const err = await send({ provider: 'openai', url, dispatcher: agent(), signal: new AbortController().signal, maxRetries: 1, onRetry: (n) => retries.push(n) }).catch((e) => e);
    expect(err).toMatchObject({ code: 'unreachable' });
    expect(err.message).toContain('ECONNREFUSED');
    expect(retries).toEqual([1]);
  });
});

/** A minimal forward proxy (CONNECT tunnels and absolute-form requests) that records its use. */
async function startProxy(): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = [];
  proxy = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const target = new URL(req.url!);
    const up = httpRequest({ host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode!, r.headers);
      r.pipe(res);
    });
    req.pipe(up);
  });
  proxy.on('connect', (req, socket, head) => {
    seen.push(`CONNECT ${req.url}`);
    const [host, port] = req.url!.split(':');
    const up = connect(Number(port), host!, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  await new Promise<void>((r) => proxy!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, seen };
}

describe('proxies', () => {
  it('a provider proxy option sends the request through that proxy', async () => {
    fake = await createFakeOpenAI();
    const p = await startProxy();
    const res = await send({ provider: 'openai', url: `${fake.baseURL}/models`, dispatcher: dispatcherFor(p.url), signal: new AbortController().signal });
    expect(res.status).toBe(200);
    await res.text();
    expect(p.seen.length).toBeGreaterThan(0);
    expect(p.seen[0]).toMatch(new RegExp(`127\\.0\\.0\\.1:${fake.port}`));
  });

  it('HTTP_PROXY from the environment is used, and NO_PROXY exempts hosts', async () => {
    fake = await createFakeOpenAI();
    const p = await startProxy();
    const viaEnv = dispatcherFor(undefined, { HTTP_PROXY: p.url });
    const res = await send({ provider: 'openai', url: `${fake.baseURL}/models`, dispatcher: viaEnv, signal: new AbortController().signal });
    await res.text();
    expect(p.seen).toHaveLength(1);
    const exempt = dispatcherFor(undefined, { HTTP_PROXY: p.url, NO_PROXY: '127.0.0.1' });
    const res2 = await send({ provider: 'openai', url: `${fake.baseURL}/models`, dispatcher: exempt, signal: new AbortController().signal });
    await res2.text();
    expect(p.seen).toHaveLength(1);
  });
});
