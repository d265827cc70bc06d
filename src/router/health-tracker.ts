// What recent requests say about each provider: EWMA time to first token and tokens/s, the
// success rate over a recent window, a circuit breaker, and the last health probe. decide()
// reads a snapshot; the executor records outcomes; start-up seeds it from the stats store.
//
// Keys: the provider name (`openai`), and for Ollama also `ollama@<endpoint>` per instance.
// The executor records an outcome under the endpoint key and under the provider name; the
// router reads the provider name and falls back to the best endpoint (score.ts, statsByProvider).
//
// Breaker:  closed ──3 failures in a row──▶ open ──cool-down (30 s)──▶ half-open
//             ▲                                                          │
//             └──────────── a success ◀──────────────────────────────────┤
//                           (one more failure re-opens it) ──────────────┘
// A health probe that answers moves an open breaker to half-open at once; one that fails
// marks the key unhealthy for one cool-down (then "unknown" again, so a stale probe cannot
// keep a provider out for good).
import type { ProviderErrorCode } from '../provider/index.js';
import type { RequestRecord } from '../store/types.js';
import type { ProviderStats } from './types.js';

export interface HealthTrackerOptions {
  /** EWMA weight of the newest sample (0..1]. Default 0.3. */
  alpha?: number;
  /** Outcomes kept for the success rate. Default 20. */
  window?: number;
  /** Consecutive failures that open the breaker. Default 3. */
  failureThreshold?: number;
  /** Open → half-open after this long; also how long a failed probe counts. Default 30 s. */
  cooldownMs?: number;
  /** ms clock, injectable for tests. Default Date.now. */
  now?: () => number;
}

export interface HealthTracker {
  recordSuccess(key: string, sample?: { ttfbMs?: number; tokensPerSec?: number }): void;
  /** Codes that say nothing about the provider (cancelled, bad_request, model_not_found, too_large) are ignored. */
  recordFailure(key: string, code?: ProviderErrorCode | string): void;
  /** A cheap health probe's verdict. */
  markHealth(key: string, healthy: boolean): void;
  stats(key: string): ProviderStats | undefined;
  snapshot(): Record<string, ProviderStats>;
  /** Seed from stored history (any order; replayed oldest first at each record's own time). */
  warmFrom(records: readonly RequestRecord[]): void;
}

/** Failures that are the caller's or the request's, not the provider's. */
export const NEUTRAL_FAILURES: ReadonlySet<string> = new Set(['cancelled', 'bad_request', 'model_not_found', 'too_large']);

interface KeyState {
  ttfb?: number;
  tps?: number;
  /** Ring of recent outcomes (true = success). */
  outcomes: boolean[];
  next: number;
  consecutiveFailures: number;
  /** Set while the breaker is open or half-open: when it (last) opened. */
  openedAt?: number;
  healthy?: boolean;
  unhealthyAt?: number;
}

export function createHealthTracker(opts: HealthTrackerOptions = {}): HealthTracker {
  const alpha = opts.alpha ?? 0.3;
  const window = Math.max(1, opts.window ?? 20);
  const threshold = Math.max(1, opts.failureThreshold ?? 3);
  const cooldownMs = opts.cooldownMs ?? 30_000;
  const now = opts.now ?? Date.now;
  const keys = new Map<string, KeyState>();

  const state = (key: string): KeyState => {
    let s = keys.get(key);
    if (!s) keys.set(key, (s = { outcomes: [], next: 0, consecutiveFailures: 0 }));
    return s;
  };
  const ewma = (prev: number | undefined, x: number) => (prev === undefined ? x : prev + alpha * (x - prev));
  const push = (s: KeyState, ok: boolean) => {
    if (s.outcomes.length < window) s.outcomes.push(ok);
    else s.outcomes[s.next] = ok;
    s.next = (s.next + 1) % window;
  };
  const breakerAt = (s: KeyState, t: number): ProviderStats['breaker'] =>
    s.openedAt === undefined ? 'closed' : t - s.openedAt >= cooldownMs ? 'half-open' : 'open';

  function success(key: string, sample: { ttfbMs?: number; tokensPerSec?: number } | undefined): void {
    const s = state(key);
    if (sample?.ttfbMs !== undefined && Number.isFinite(sample.ttfbMs) && sample.ttfbMs >= 0) s.ttfb = ewma(s.ttfb, sample.ttfbMs);
    if (sample?.tokensPerSec !== undefined && Number.isFinite(sample.tokensPerSec) && sample.tokensPerSec > 0) s.tps = ewma(s.tps, sample.tokensPerSec);
    push(s, true);
    s.consecutiveFailures = 0;
    s.openedAt = undefined;
    s.healthy = true;
    s.unhealthyAt = undefined;
  }

  function failure(key: string, code: string | undefined, t: number): void {
    if (code !== undefined && NEUTRAL_FAILURES.has(code)) return;
    const s = state(key);
    push(s, false);
    s.consecutiveFailures++;
    // A half-open breaker re-opens on its trial's failure; a closed one after `threshold` in a row.
    if (breakerAt(s, t) === 'half-open' || (s.openedAt === undefined && s.consecutiveFailures >= threshold)) s.openedAt = t;
  }

  function read(s: KeyState, t: number): ProviderStats {
    const n = s.outcomes.length;
    const ok = s.outcomes.reduce((a, x) => a + (x ? 1 : 0), 0);
    const out: ProviderStats = { successRate: n ? ok / n : 1, samples: n, breaker: breakerAt(s, t) };
    if (s.ttfb !== undefined) out.ttfbEwmaMs = s.ttfb;
    if (s.tps !== undefined) out.tokensPerSecEwma = s.tps;
    if (s.healthy === false) {
      if (s.unhealthyAt !== undefined && t - s.unhealthyAt < cooldownMs) out.healthy = false;
    } else if (s.healthy === true) out.healthy = true;
    return out;
  }

  return {
    recordSuccess: (key, sample) => success(key, sample),
    recordFailure: (key, code) => failure(key, code, now()),
    markHealth(key, healthy) {
      const s = state(key);
      const t = now();
      s.healthy = healthy;
      if (healthy) {
        s.unhealthyAt = undefined;
        // It answers again: allow a trial request now rather than after the cool-down.
        if (breakerAt(s, t) === 'open') s.openedAt = t - cooldownMs;
      } else s.unhealthyAt = t;
    },
    stats(key) {
      const s = keys.get(key);
      return s ? read(s, now()) : undefined;
    },
    snapshot() {
      const t = now();
      const out: Record<string, ProviderStats> = {};
      for (const [key, s] of keys) out[key] = read(s, t);
      return out;
    },
    warmFrom(records) {
      const sorted = [...records].sort((a, b) => a.createdAt - b.createdAt);
      for (const r of sorted) {
        if (r.success) {
          const genMs = r.latencyMs !== undefined ? r.totalDurationMs - r.latencyMs : undefined;
          const tps = r.tokensOut && genMs && genMs > 0 ? r.tokensOut / (genMs / 1000) : undefined;
          success(r.provider, { ttfbMs: r.latencyMs, tokensPerSec: tps });
        } else failure(r.provider, r.errorCode, r.createdAt);
      }
    },
  };
}

/** The stats key of one Ollama instance. */
export function endpointKey(provider: string, endpoint: string): string {
  return `${provider}@${endpoint}`;
}
