import { describe, expect, it } from 'vitest';
import { costPart, fastestTtfb, healthPart, latencyPart, reliabilityPart, scoreAll, scoreCandidate, statsByProvider, weighted } from './score.js';
import type { Candidate, ProviderStats } from './types.js';

const st = (over: Partial<ProviderStats> = {}): ProviderStats => ({ successRate: 1, samples: 10, breaker: 'closed', ...over });
const cand = (over: Partial<Candidate> = {}): Candidate => ({ ref: 'openai:m', provider: 'openai', model: 'm', local: false, ...over });
const W = { health: 0.4, latency: 0.3, cost: 0.2, reliability: 0.1 };

describe('score parts', () => {
  it.each<[string, ProviderStats | undefined, number]>([
    ['no stats: unknown', undefined, 0.75],
    ['no samples, no probe: unknown', st({ samples: 0 }), 0.75],
    ['probe passed', st({ samples: 0, healthy: true }), 1],
    ['requests succeeded', st(), 1],
    ['half-open', st({ breaker: 'half-open' }), 0.5],
    ['open', st({ breaker: 'open' }), 0],
    ['probe failed', st({ healthy: false }), 0],
  ])('health: %s → %s', (_n, s, want) => expect(healthPart(s)).toBe(want));

  it.each<[string, ProviderStats | undefined, number | undefined, number]>([
    ['the fastest', st({ ttfbEwmaMs: 200 }), 200, 1],
    ['twice as slow', st({ ttfbEwmaMs: 400 }), 200, 0.5],
    ['ten times as slow', st({ ttfbEwmaMs: 2000 }), 200, 0.1],
    ['unknown TTFB: neutral', st(), 200, 0.5],
    ['no TTFB anywhere: neutral', undefined, undefined, 0.5],
  ])('latency: %s', (_n, s, fastest, want) => expect(latencyPart(s, fastest)).toBeCloseTo(want, 10));

  it('cost: local 1, cheaper cloud higher, unknown price neutral', () => {
    const price = (input: number, output: number) => ({ input, output, verifiedAt: 't' });
    expect(costPart(cand({ local: true }))).toBe(1);
    expect(costPart(cand({ price: price(0, 0) }))).toBe(1);
    const mini = costPart(cand({ price: price(0.15, 0.6) }));
    const sonnet = costPart(cand({ price: price(3, 15) }));
    expect(mini).toBeCloseTo(1 / (1 + 0.2625), 10);
    expect(sonnet).toBeCloseTo(1 / 7, 10);
    expect(mini).toBeGreaterThan(sonnet);
    expect(costPart(cand())).toBe(0.5);
  });

  it('reliability: neutral without samples, shrunk with few, the rate with many', () => {
    expect(reliabilityPart(undefined)).toBe(0.5);
    expect(reliabilityPart(st({ samples: 0, successRate: 1 }))).toBe(0.5);
    expect(reliabilityPart(st({ samples: 1, successRate: 0 }))).toBeCloseTo(0.4, 10);
    expect(reliabilityPart(st({ samples: 1, successRate: 1 }))).toBeCloseTo(0.6, 10);
    expect(reliabilityPart(st({ samples: 1000, successRate: 0.9 }))).toBeCloseTo(0.9, 2);
  });
});

describe('score', () => {
  it('is the weighted sum of the parts, normalized by the weights', () => {
    const parts = { health: 1, latency: 0.5, cost: 0.2, reliability: 0.9 };
    expect(weighted(parts, W)).toBeCloseTo(0.4 + 0.15 + 0.04 + 0.09, 10);
    expect(weighted(parts, { health: 4, latency: 3, cost: 2, reliability: 1 })).toBeCloseTo(0.68, 10);
    expect(weighted(parts, { health: 0, latency: 0, cost: 0, reliability: 0 })).toBe(0);
    expect(weighted(parts, { health: 0, latency: 0, cost: 1, reliability: 0 })).toBe(0.2);
  });

  it('scoreCandidate reports its parts', () => {
    const s = scoreCandidate(cand({ local: true }), st({ ttfbEwmaMs: 100 }), W, 100);
    expect(s.parts).toEqual({ health: 1, latency: 1, cost: 1, reliability: (10 + 2) / 14 });
    expect(s.score).toBeCloseTo(0.9 + 0.1 * (12 / 14), 12);
  });

  it('scoreAll ranks latency against the fastest candidate', () => {
    const catalog = [cand({ ref: 'a:x', provider: 'a' }), cand({ ref: 'b:x', provider: 'b' }), cand({ ref: 'c:x', provider: 'c' })];
    const scores = scoreAll(catalog, { a: st({ ttfbEwmaMs: 300 }), b: st({ ttfbEwmaMs: 900 }) }, W);
    expect(scores.map((s) => s.parts.latency)).toEqual([1, 300 / 900, 0.5]);
  });
});

describe('statsByProvider', () => {
  it('the provider key wins; else the best Ollama endpoint', () => {
    const m = statsByProvider({
      openai: st({ ttfbEwmaMs: 1 }),
      'ollama@http://a': st({ breaker: 'open', ttfbEwmaMs: 10 }),
      'ollama@http://b': st({ ttfbEwmaMs: 500 }),
      'ollama@http://c': st({ ttfbEwmaMs: 300, healthy: false }),
      remote: st({ breaker: 'half-open' }),
      'remote@http://x': st(),
    });
    expect(m.get('ollama')?.ttfbEwmaMs).toBe(500);
    expect(m.get('remote')?.breaker).toBe('half-open');
    expect(m.get('openai')?.ttfbEwmaMs).toBe(1);
  });

  it('fastestTtfb looks at the catalog providers only', () => {
    const m = statsByProvider({ a: st({ ttfbEwmaMs: 700 }), z: st({ ttfbEwmaMs: 5 }) });
    expect(fastestTtfb([cand({ provider: 'a' }), cand({ provider: 'b' })], m)).toBe(700);
    expect(fastestTtfb([cand({ provider: 'b' })], m)).toBeUndefined();
  });
});
