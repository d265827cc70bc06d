// One number per candidate from recorded history, never from a billable probe:
//
//   score = (w.health·health + w.latency·latency + w.cost·cost + w.reliability·reliability) / Σw
//
// every part in 0..1, higher is better (defaults 0.4 / 0.3 / 0.2 / 0.1, so the weights already
// sum to 1). Unknown means neutral, so a provider without history is neither preferred nor
// punished for it:
//   health       breaker open or failed probe 0 · half-open 0.5 · answered (probe or request) 1
//                · no information 0.75
//   latency      fastest TTFB EWMA among the candidates ÷ this one's (1 for the fastest);
//                no TTFB history 0.5
//   cost         local 1 · cloud 1 / (1 + blended USD per 1M tokens), blended = (3·input + output) / 4
//                (a 3:1 prompt:answer mix): gpt-4o-mini ≈ 0.79, claude-sonnet-4-5 ≈ 0.14;
//                unknown price 0.5
//   reliability  success rate shrunk towards 0.5 by RELIABILITY_PRIOR pseudo-samples, so a
//                couple of outcomes move it little and many move it fully; no samples 0.5
import type { Candidate, ProviderStats, RoutingSettings, ScoredCandidate } from './types.js';

export const NEUTRAL = 0.5;
export const UNKNOWN_HEALTH = 0.75;
export const RELIABILITY_PRIOR = 4;

export type ScoreParts = ScoredCandidate['parts'];

export function healthPart(s: ProviderStats | undefined): number {
  if (!s) return UNKNOWN_HEALTH;
  if (s.breaker === 'open' || s.healthy === false) return 0;
  if (s.breaker === 'half-open') return 0.5;
  if (s.healthy === true || s.samples > 0) return 1;
  return UNKNOWN_HEALTH;
}

/** @param fastestMs the lowest TTFB EWMA among the candidates being compared. */
export function latencyPart(s: ProviderStats | undefined, fastestMs: number | undefined): number {
  const t = s?.ttfbEwmaMs;
  if (t === undefined || fastestMs === undefined) return NEUTRAL;
  return Math.min(1, Math.max(1, fastestMs) / Math.max(1, t));
}

export function costPart(c: Candidate): number {
  if (c.local) return 1;
  if (!c.price) return NEUTRAL;
  const blended = (3 * c.price.input + c.price.output) / 4;
  return 1 / (1 + Math.max(0, blended));
}

export function reliabilityPart(s: ProviderStats | undefined): number {
  if (!s || s.samples <= 0) return NEUTRAL;
  return (s.successRate * s.samples + NEUTRAL * RELIABILITY_PRIOR) / (s.samples + RELIABILITY_PRIOR);
}

export function weighted(parts: ScoreParts, w: RoutingSettings['weights']): number {
  const sum = w.health + w.latency + w.cost + w.reliability;
  if (!(sum > 0)) return 0;
  return (w.health * parts.health + w.latency * parts.latency + w.cost * parts.cost + w.reliability * parts.reliability) / sum;
}

export function scoreCandidate(c: Candidate, s: ProviderStats | undefined, weights: RoutingSettings['weights'], fastestMs: number | undefined): ScoredCandidate {
  const parts = { health: healthPart(s), latency: latencyPart(s, fastestMs), cost: costPart(c), reliability: reliabilityPart(s) };
  return { ref: c.ref, score: weighted(parts, weights), parts };
}

/**
 * Stats per provider name: the provider's own key when recorded, else its best Ollama
 * instance (`ollama@<endpoint>`: the executor uses the fastest healthy one), ranked by
 * breaker (closed, half-open, open), then a passing probe, then TTFB.
 */
export function statsByProvider(stats: Record<string, ProviderStats>): Map<string, ProviderStats> {
  const direct = new Map<string, ProviderStats>();
  const best = new Map<string, ProviderStats>();
  for (const key of Object.keys(stats).sort()) {
    const s = stats[key]!;
    const at = key.indexOf('@');
    if (at < 0) {
      direct.set(key, s);
      continue;
    }
    const provider = key.slice(0, at);
    const prev = best.get(provider);
    if (!prev || endpointRank(s) < endpointRank(prev)) best.set(provider, s);
  }
  for (const [provider, s] of best) if (!direct.has(provider)) direct.set(provider, s);
  return direct;
}

function endpointRank(s: ProviderStats): number {
  const breaker = s.breaker === 'closed' ? 0 : s.breaker === 'half-open' ? 1 : 2;
  return breaker * 1e9 + (s.healthy === false ? 5e8 : 0) + Math.min(4e8, s.ttfbEwmaMs ?? 1e8);
}

/** The lowest TTFB EWMA among these candidates' providers, if any has one. */
export function fastestTtfb(catalog: readonly Candidate[], byProvider: Map<string, ProviderStats>): number | undefined {
  let fastest: number | undefined;
  for (const c of catalog) {
    const t = byProvider.get(c.provider)?.ttfbEwmaMs;
    if (t !== undefined && (fastest === undefined || t < fastest)) fastest = t;
  }
  return fastest;
}

/** Scores for a whole catalog, in catalog order. */
export function scoreAll(catalog: readonly Candidate[], stats: Record<string, ProviderStats>, weights: RoutingSettings['weights']): ScoredCandidate[] {
  const byProvider = statsByProvider(stats);
  const fastest = fastestTtfb(catalog, byProvider);
  return catalog.map((c) => scoreCandidate(c, byProvider.get(c.provider), weights, fastest));
}
