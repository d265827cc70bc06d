// Test helpers shared by the openai-compatible and azure tests (not used at run time): a
// resolved provider, a logger that keeps its lines, part collection, and the fault matrix
// every protocol runs against its fake server.
import { Agent } from 'undici';
import { expect, it } from 'vitest';
import { Secret, type ResolvedProvider } from '../../config/index.js';
import type { Logger } from '../../log/logger.js';
import type { ChatRequest, ProviderClient, StreamPart } from '../../provider/index.js';
import type { FakeServer } from '../../../test/fakes/index.js';
import type { ProviderContext } from '../index.js';

export function testLogger(lines: string[] = []): Logger & { lines: string[] } {
  const put = (level: string) => (msg: string, ...args: unknown[]) => {
    let i = 0;
    lines.push(`${level} ${msg.replace(/%[sdj]/g, () => String(args[i++]))}`);
  };
  return {
    lines,
    debug: put('debug'),
    info: put('info'),
    warn: put('warn'),
    error: put('error'),
    redact() {},
    configure() {},
    file: undefined,
    flushSync() {},
    close(done) {
      done();
    },
  };
}

export function resolvedProvider(over: Partial<Omit<ResolvedProvider, 'apiKey'>> & { key?: string; keySource?: string } = {}): ResolvedProvider {
  const { key, keySource, ...rest } = over;
  return {
    name: 'openai',
    kind: 'openai',
    enabled: true,
    configured: true,
    endpoints: [],
    deployments: {},
    timeoutMs: 10_000,
    prices: {},
    ...rest,
    apiKey: new Secret(key, keySource ?? (key === undefined ? 'none' : 'config')),
  };
}

/** A context whose dispatcher allows one connection per origin: a leaked socket would hang the next call. */
export function testContext(provider: ResolvedProvider, log = testLogger()): ProviderContext & { dispatcher: Agent; log: ReturnType<typeof testLogger> } {
  return { provider, dispatcher: new Agent({ connections: 1 }), log };
}

export async function collect(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const out: StreamPart[] = [];
  for await (const p of parts) out.push(p);
  return out;
}

/** Parts as plain JSON without what changes from run to run (TTFB, request ids). */
export function plain(parts: StreamPart[]): unknown[] {
  return parts.map((p) => {
    if (p.type === 'response-metadata') return { type: p.type, status: p.status, ...(p.model ? { model: p.model } : {}) };
    if (p.type === 'error') return { type: 'error', error: p.error.toJSON() };
    return JSON.parse(JSON.stringify(p)) as unknown;
  });
}

export interface Summary {
  text: string;
  reasoning: string;
  toolCalls: Array<{ id: string; name: string; arguments: unknown }>;
  usage?: { inputTokens: number; outputTokens: number; cachedInputTokens?: number };
  finish?: string;
}

export function summarize(parts: StreamPart[]): Summary {
  const s: Summary = { text: '', reasoning: '', toolCalls: [] };
  for (const p of parts) {
    if (p.type === 'text-delta') s.text += p.text;
    if (p.type === 'reasoning-delta') s.reasoning += p.text;
    if (p.type === 'tool-call') s.toolCalls.push({ id: p.call.id, name: p.call.name, arguments: JSON.parse(p.call.arguments) as unknown });
    if (p.type === 'finish') {
      s.finish = p.reason;
      if (p.usage) s.usage = { inputTokens: p.usage.inputTokens, outputTokens: p.usage.outputTokens, ...(p.usage.cachedInputTokens ? { cachedInputTokens: p.usage.cachedInputTokens } : {}) };
    }
  }
  return s;
}

/** The contract: response-metadata (unless it failed before), then exactly one finish or error, last. */
export function expectOneEnd(parts: StreamPart[]): StreamPart {
  const ends = parts.filter((p) => p.type === 'finish' || p.type === 'error');
  expect(ends).toHaveLength(1);
  expect(parts[parts.length - 1]).toBe(ends[0]);
  return ends[0]!;
}

export function lastError(parts: StreamPart[]) {
  const end = expectOneEnd(parts);
  if (end.type !== 'error') throw new Error(`expected an error part, got ${JSON.stringify(end)}`);
  return end.error;
}

export interface FaultSubject {
  fake: FakeServer;
  client: ProviderClient;
  log: ReturnType<typeof testLogger>;
  /** The key the client sends; no error message may contain it. */
  key: string;
  /** Stream chunks before the first text (OpenAI: the role chunk; Azure: the prompt-filter frame too). */
  framesBeforeText: number;
  /** One chat with a four-token scripted answer ("one two three four"). */
  chat(extra?: Partial<ChatRequest>): AsyncIterable<StreamPart>;
}

/**
 * The fault matrix: each fault ends in one clear error part or a correct retry, never a hang,
 * and the socket is released (the client's dispatcher allows one connection per origin, so a
 * leaked socket would make the healthy call that follows each case hang).
 */
export function faultMatrix(subject: () => FaultSubject): void {
  const call = async (extra: Partial<ChatRequest> = {}) => collect(subject().chat({ maxRetries: 0, ...extra }));
  const healthyAfter = async () => {
    const s = subject();
    s.fake.resetFaults();
    const parts = await collect(s.chat());
    expect(expectOneEnd(parts)).toMatchObject({ type: 'finish', reason: 'stop' });
    expect(summarize(parts).text).toBe('one two three four');
  };
  const check = (err: { message: string }) => expect(err.message).not.toContain(subject().key);

  it('stall mid-stream → idle timeout error, socket closed', async () => {
    subject().fake.setFaults({ stallAfterChunks: subject().framesBeforeText + 1 });
    const parts = await call({ idleTimeoutMs: 300 });
    const err = lastError(parts);
    expect(err).toMatchObject({ code: 'timeout', retryable: false });
    expect(err.message).toMatch(/stalled/);
    expect(summarize(parts).text).toBe('one');
    await subject().fake.waitForDisconnect();
    await healthyAfter();
  });

  it('connection reset mid-stream → stream error after the text that arrived', async () => {
    subject().fake.setFaults({ resetAfterChunks: subject().framesBeforeText + 2, chunkDelayMs: 20 });
    const parts = await call();
    expect(lastError(parts)).toMatchObject({ code: 'stream' });
    expect(summarize(parts).text).toBe('one two');
    await healthyAfter();
  });

  it('429 with retry-after is retried, then succeeds (failTimes 1)', async () => {
    subject().fake.setFaults({ status: 429, retryAfter: 1, retryAfterMs: 25, failTimes: 1 });
    const parts = await call({ maxRetries: 2 });
    expect(expectOneEnd(parts)).toMatchObject({ type: 'finish', reason: 'stop' });
    expect(summarize(parts).text).toBe('one two three four');
    expect(subject().fake.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(subject().log.lines.some((l) => /retry 1 in 25 ms/.test(l))).toBe(true);
    expect(subject().fake.connections).toBe(1);
  });

  it('429 insufficient_quota is a quota error and is not retried', async () => {
    subject().fake.setFaults({ status: 429, errorCode: 'insufficient_quota' });
    const err = lastError(await call({ maxRetries: 2 }));
    expect(err).toMatchObject({ code: 'quota', status: 429, retryable: false, providerCode: 'insufficient_quota' });
    expect(subject().fake.requests).toHaveLength(1);
    check(err);
    await healthyAfter();
  });

  it('a lasting 500 is retried maxRetries times, then a server error with the provider message', async () => {
    subject().fake.setFaults({ status: 500, errorMessage: 'boom from upstream' });
    const err = lastError(await call({ maxRetries: 1 }));
    expect(err).toMatchObject({ code: 'server', status: 500, retryable: true });
    expect(err.message).toContain('boom from upstream');
    expect(subject().fake.requests).toHaveLength(2);
    await healthyAfter();
  });

  it('503 → overloaded', async () => {
    subject().fake.setFaults({ status: 503 });
    expect(lastError(await call())).toMatchObject({ code: 'overloaded', status: 503 });
    await healthyAfter();
  });

  it('a malformed chunk → bad_response naming the provider', async () => {
    subject().fake.setFaults({ malformedChunkAt: 2 });
    const err = lastError(await call());
    expect(err).toMatchObject({ code: 'bad_response' });
    expect(err.message).toMatch(/malformed JSON/);
    await healthyAfter();
  });

  it('an in-band data: {"error"} after a 200 → stream error with the provider message', async () => {
    subject().fake.setFaults({ midStreamErrorAt: subject().framesBeforeText + 2, errorMessage: 'model crashed' });
    const parts = await call();
    expect(lastError(parts)).toMatchObject({ code: 'stream', message: expect.stringContaining('model crashed') });
    expect(summarize(parts).text).toBe('one two');
    await healthyAfter();
  });

  it('abort mid-stream → cancelled part, the server sees the disconnect', async () => {
    subject().fake.setFaults({ stallAfterChunks: subject().framesBeforeText + 2 });
    const ac = new AbortController();
    const parts: StreamPart[] = [];
    for await (const p of subject().chat({ signal: ac.signal, maxRetries: 0 })) {
      parts.push(p);
      if (p.type === 'text-delta') ac.abort();
    }
    expect(lastError(parts)).toMatchObject({ code: 'cancelled' });
    await subject().fake.waitForDisconnect();
    expect(subject().fake.requests[0]!.clientDisconnected).toBe(true);
    await healthyAfter();
  });

  it('a consumer that stops reading early releases the socket', async () => {
    subject().fake.setFaults({ stallAfterChunks: subject().framesBeforeText + 2 });
    for await (const p of subject().chat({ maxRetries: 0 })) if (p.type === 'text-delta') break;
    await subject().fake.waitForDisconnect();
    await healthyAfter();
  });

  it('an oversized event → too_large, not out-of-memory', async () => {
    subject().fake.setFaults({ oversizedBodyBytes: 9 * 1024 * 1024 });
    expect(lastError(await call())).toMatchObject({ code: 'too_large' });
    await healthyAfter();
  });

  it('a 200 HTML page (captive portal) → bad_response that says so', async () => {
    subject().fake.setFaults({ wrongContentType: true });
    const err = lastError(await call());
    expect(err).toMatchObject({ code: 'bad_response', status: 200 });
    expect(err.message).toMatch(/text\/html.*proxy or login page/);
    await healthyAfter();
  });

  it('slow first byte → timeout without retries; retried once it answers in time', async () => {
    subject().fake.setFaults({ firstByteDelayMs: 2_000 });
    expect(lastError(await call({ firstByteTimeoutMs: 100 }))).toMatchObject({ code: 'timeout' });
    subject().fake.setFaults({ firstByteDelayMs: 2_000, failTimes: 1 });
    const parts = await call({ firstByteTimeoutMs: 300, maxRetries: 1 });
    expect(expectOneEnd(parts)).toMatchObject({ type: 'finish' });
    await healthyAfter();
  });
}
