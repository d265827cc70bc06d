import { describe, expect, it } from 'vitest';
import { ProviderError, type StreamPart } from '../provider/index.js';
import { executeRoute, RouteError, type ExecutorDeps } from './executor.js';
import type { Candidate, Decision, RouteTrace } from './types.js';

const local: Candidate = { ref: 'ollama:qwen', provider: 'ollama', model: 'qwen', local: true };
const cloud: Candidate = { ref: 'openai:gpt-4o-mini', provider: 'openai', model: 'gpt-4o-mini', local: false };
const trace = { requested: 'auto', hints: { intent: 'code' }, candidates: [], rule: 'test', chosen: local.ref, fallbacks: [], budget: { capCents: 200, todayUsd: 0, monthUsd: 0 } } as RouteTrace;

function decision(chosen: Candidate, fallbacks: Candidate[], escalation?: { to: Candidate; afterMs: number }): Extract<Decision, { ok: true }> {
  return { ok: true, chosen, fallbacks, escalation, trace };
}

type Script = { delayFirstMs?: number; text?: string[]; error?: ProviderError; errorAfterText?: boolean };

/** A provider stream that waits (on a timer or the abort signal) before its first token. */
function deps(scripts: Record<string, Script>, log: string[]): ExecutorDeps {
  return {
    async *stream(c, req) {
      log.push(`start ${c.ref}`);
      const s = scripts[c.ref]!;
      yield { type: 'response-metadata', status: 200, ttfbMs: 1 } as StreamPart;
      if (s.delayFirstMs) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, s.delayFirstMs);
          req.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
        });
        if (req.signal.aborted) {
          log.push(`aborted ${c.ref}`);
          yield { type: 'error', error: new ProviderError({ code: 'cancelled', provider: c.provider, message: 'cancelled' }) };
          return;
        }
      }
      if (s.error && !s.errorAfterText) {
        yield { type: 'error', error: s.error };
        return;
      }
      for (const t of s.text ?? []) yield { type: 'text-delta', text: t };
      if (s.error) {
        yield { type: 'error', error: s.error };
        return;
      }
      yield { type: 'finish', reason: 'stop', usage: { inputTokens: 1, outputTokens: (s.text ?? []).length } };
    },
    recordSuccess: (c) => log.push(`ok ${c.ref}`),
    recordFailure: (c, e) => log.push(`fail ${c.ref} ${e.code}`),
  };
}

const signal = () => new AbortController().signal;
const texts = (parts: { part: StreamPart; c: Candidate }[]) => parts.filter((p) => p.part.type === 'text-delta').map((p) => `${p.c.ref}:${(p.part as { text: string }).text}`);

describe('executeRoute', () => {
  it('a fast local model answers; no escalation', async () => {
    const log: string[] = [];
    const parts: { part: StreamPart; c: Candidate }[] = [];
    const r = await executeRoute(decision(local, [cloud], { to: cloud, afterMs: 2000 }), { messages: [], signal: signal() }, deps({ [local.ref]: { text: ['a', 'b'] } }, log), (part, c) => parts.push({ part, c }));
    expect(r.chosen.ref).toBe(local.ref);
    expect(r.escalated).toBe(false);
    expect(texts(parts)).toEqual(['ollama:qwen:a', 'ollama:qwen:b']);
    expect(parts[0]!.part.type).toBe('response-metadata'); // held parts are flushed in order
    expect(log).toEqual(['start ollama:qwen', 'ok ollama:qwen']);
  });

  it('a local model slower than the threshold to its first token is cancelled and the cloud answers', async () => {
    const log: string[] = [];
    const parts: { part: StreamPart; c: Candidate }[] = [];
    const r = await executeRoute(
      decision(local, [cloud], { to: cloud, afterMs: 30 }),
      { messages: [], signal: signal() },
      deps({ [local.ref]: { delayFirstMs: 10_000, text: ['late'] }, [cloud.ref]: { text: ['x'] } }, log),
      (part, c) => parts.push({ part, c }),
    );
    expect(r.escalated).toBe(true);
    expect(r.chosen.ref).toBe(cloud.ref);
    expect(r.attempts.map((a) => [a.ref, a.ok, a.escalated ?? false])).toEqual([
      [local.ref, false, true],
      [cloud.ref, true, false],
    ]);
    expect(log).toEqual(['start ollama:qwen', 'aborted ollama:qwen', 'start openai:gpt-4o-mini', 'ok openai:gpt-4o-mini']);
    // Nothing of the abandoned attempt reached the caller.
    expect(parts.every((p) => p.c.ref === cloud.ref)).toBe(true);
  });

  it('a cloud 503 before any text falls back to local', async () => {
    const log: string[] = [];
    const parts: { part: StreamPart; c: Candidate }[] = [];
    const err = new ProviderError({ code: 'overloaded', provider: 'openai', status: 503, message: 'openai answered HTTP 503', retryable: true });
    const r = await executeRoute(decision(cloud, [local]), { messages: [], signal: signal() }, deps({ [cloud.ref]: { error: err }, [local.ref]: { text: ['y'] } }, log), (part, c) => parts.push({ part, c }));
    expect(r.chosen.ref).toBe(local.ref);
    expect(log).toEqual(['start openai:gpt-4o-mini', 'fail openai:gpt-4o-mini overloaded', 'start ollama:qwen', 'ok ollama:qwen']);
    expect(texts(parts)).toEqual(['ollama:qwen:y']);
  });

  it('a failure after text reached the user does not restart elsewhere', async () => {
    const err = new ProviderError({ code: 'stream', provider: 'openai', message: 'broke mid-stream' });
    const log: string[] = [];
    const e = await executeRoute(decision(cloud, [local]), { messages: [], signal: signal() }, deps({ [cloud.ref]: { text: ['partial'], error: err, errorAfterText: true }, [local.ref]: { text: ['z'] } }, log), () => {}).catch((x) => x);
    expect(e).toBeInstanceOf(RouteError);
    expect(e.code).toBe('stream');
    expect(log).not.toContain('start ollama:qwen');
  });

  it('a bad request is not retried elsewhere; every failure is named when all fail', async () => {
    const bad = new ProviderError({ code: 'bad_request', provider: 'openai', message: 'openai answered HTTP 400: bad' });
    const log: string[] = [];
    const e1 = await executeRoute(decision(cloud, [local]), { messages: [], signal: signal() }, deps({ [cloud.ref]: { error: bad }, [local.ref]: { text: ['z'] } }, log), () => {}).catch((x) => x);
    expect(e1.code).toBe('bad_request');
    expect(log).not.toContain('start ollama:qwen');
    const down = (p: string) => new ProviderError({ code: 'unreachable', provider: p, message: `${p}: cannot reach it (ECONNREFUSED)` });
    const e2 = await executeRoute(decision(cloud, [local]), { messages: [], signal: signal() }, deps({ [cloud.ref]: { error: down('openai') }, [local.ref]: { error: down('ollama') } }, []), () => {}).catch((x) => x);
    expect(e2.message).toMatch(/every model on the route failed — openai:gpt-4o-mini: openai: cannot reach it .*; ollama:qwen: ollama: cannot reach it/);
  });

  it('cancel by the caller ends with cancelled and tries nothing else', async () => {
    const ac = new AbortController();
    const log: string[] = [];
    const p = executeRoute(decision(local, [cloud], { to: cloud, afterMs: 10_000 }), { messages: [], signal: ac.signal }, deps({ [local.ref]: { delayFirstMs: 10_000 }, [cloud.ref]: { text: ['x'] } }, log), () => {});
    setImmediate(() => ac.abort());
    const e = await p.catch((x) => x);
    expect(e.code).toBe('cancelled');
    expect(log).not.toContain('start openai:gpt-4o-mini');
  });
});
