import { describe, expect, it } from 'vitest';
import { createHealthTracker, endpointKey } from './health-tracker.js';
import type { RequestRecord } from '../store/types.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('health tracker', () => {
  it('EWMA of TTFB and tokens/s, alpha 0.3 by default', () => {
    const h = createHealthTracker();
    h.recordSuccess('openai', { ttfbMs: 1000, tokensPerSec: 50 });
    expect(h.stats('openai')).toMatchObject({ ttfbEwmaMs: 1000, tokensPerSecEwma: 50 });
    h.recordSuccess('openai', { ttfbMs: 2000 });
    expect(h.stats('openai')?.ttfbEwmaMs).toBeCloseTo(1300, 10);
    expect(h.stats('openai')?.tokensPerSecEwma).toBe(50);
    h.recordSuccess('openai', { ttfbMs: 0, tokensPerSec: 100 });
    expect(h.stats('openai')?.ttfbEwmaMs).toBeCloseTo(910, 10);
    expect(h.stats('openai')?.tokensPerSecEwma).toBeCloseTo(65, 10);
  });

  it('success rate over a window of recent outcomes', () => {
    const h = createHealthTracker({ window: 4 });
    for (const ok of [false, false, true, true, true, true]) (ok ? h.recordSuccess('a') : h.recordFailure('a', 'server'));
    expect(h.stats('a')).toMatchObject({ successRate: 1, samples: 4 });
    h.recordFailure('a', 'timeout');
    expect(h.stats('a')).toMatchObject({ successRate: 0.75, samples: 4 });
    expect(createHealthTracker().snapshot()).toEqual({});
  });

  it('breaker: opens after 3 failures in a row, half-opens after the cool-down, closes on success', () => {
    const c = clock();
    const h = createHealthTracker({ now: c.now, cooldownMs: 30_000 });
    h.recordFailure('openai', 'server');
    h.recordFailure('openai', 'timeout');
    expect(h.stats('openai')?.breaker).toBe('closed');
    h.recordSuccess('openai');
    h.recordFailure('openai', 'server');
    h.recordFailure('openai', 'server');
    expect(h.stats('openai')?.breaker).toBe('closed');
    h.recordFailure('openai', 'unreachable');
    expect(h.stats('openai')?.breaker).toBe('open');
    c.advance(29_999);
    expect(h.stats('openai')?.breaker).toBe('open');
    c.advance(1);
    expect(h.stats('openai')?.breaker).toBe('half-open');
    // The trial fails: open again for a full cool-down.
    h.recordFailure('openai', 'server');
    expect(h.stats('openai')?.breaker).toBe('open');
    c.advance(30_000);
    expect(h.stats('openai')?.breaker).toBe('half-open');
    h.recordSuccess('openai', { ttfbMs: 100 });
    expect(h.stats('openai')?.breaker).toBe('closed');
    h.recordFailure('openai', 'server');
    expect(h.stats('openai')?.breaker).toBe('closed');
  });

  it.each(['cancelled', 'bad_request', 'model_not_found', 'too_large'])('a %s failure says nothing about the provider', (code) => {
    const h = createHealthTracker();
    for (let i = 0; i < 5; i++) h.recordFailure('a', code);
    expect(h.stats('a')).toBeUndefined();
  });

  it('keys are independent: provider and ollama@endpoint', () => {
    const h = createHealthTracker();
    const key = endpointKey('ollama', 'http://gpu:11434');
    expect(key).toBe('ollama@http://gpu:11434');
    for (let i = 0; i < 3; i++) h.recordFailure(key, 'unreachable');
    h.recordSuccess('ollama', { ttfbMs: 80 });
    expect(h.snapshot()).toEqual({
      'ollama@http://gpu:11434': { successRate: 0, samples: 3, breaker: 'open' },
      ollama: { successRate: 1, samples: 1, breaker: 'closed', ttfbEwmaMs: 80, healthy: true },
    });
  });

  it('markHealth: a failed probe counts for one cool-down; a passing one half-opens an open breaker', () => {
    const c = clock();
    const h = createHealthTracker({ now: c.now, cooldownMs: 10_000 });
    h.markHealth('ollama', false);
    expect(h.stats('ollama')).toEqual({ successRate: 1, samples: 0, breaker: 'closed', healthy: false });
    c.advance(10_000);
    expect(h.stats('ollama')?.healthy).toBeUndefined();
    for (let i = 0; i < 3; i++) h.recordFailure('ollama', 'unreachable');
    expect(h.stats('ollama')?.breaker).toBe('open');
    h.markHealth('ollama', true);
    expect(h.stats('ollama')).toMatchObject({ breaker: 'half-open', healthy: true });
  });

  it('warmFrom replays history oldest first at each record\'s time', () => {
    const c = clock(1_000_000);
    const h = createHealthTracker({ now: c.now, cooldownMs: 30_000 });
    const rec = (over: Partial<RequestRecord>): RequestRecord => ({
      requestId: 'r',
      project: 'p',
      model: 'openai:gpt-4o-mini',
      provider: 'openai',
      local: false,
      intent: 'code',
      totalDurationMs: 2000,
      success: true,
      escalated: false,
      createdAt: 0,
      ...over,
    });
    // Newest first, as Store.recent returns them.
    h.warmFrom([
      rec({ provider: 'anthropic', success: false, errorCode: 'server', createdAt: 999_000 }),
      rec({ provider: 'anthropic', success: false, errorCode: 'overloaded', createdAt: 998_000 }),
      rec({ provider: 'anthropic', success: false, errorCode: 'timeout', createdAt: 990_000 }),
      rec({ provider: 'openai', success: false, errorCode: 'server', createdAt: 900_000 }),
      rec({ provider: 'openai', success: false, errorCode: 'server', createdAt: 800_000 }),
      rec({ provider: 'openai', success: false, errorCode: 'server', createdAt: 700_000 }),
      rec({ provider: 'openai', latencyMs: 400, tokensOut: 160, totalDurationMs: 2400, createdAt: 600_000 }),
      rec({ provider: 'openai', latencyMs: 200, tokensOut: 100, totalDurationMs: 1200, createdAt: 500_000 }),
    ]);
    const openai = h.stats('openai')!;
    expect(openai.ttfbEwmaMs).toBeCloseTo(260, 10);
    expect(openai.tokensPerSecEwma).toBeCloseTo(100 + 0.3 * (80 - 100), 10);
    expect(openai.successRate).toBeCloseTo(2 / 5, 10);
    // Opened at 900,000: the cool-down passed long ago.
    expect(openai.breaker).toBe('half-open');
    // Opened at 999,000: still cooling down.
    expect(h.stats('anthropic')?.breaker).toBe('open');
  });
});
