// What we know about each Ollama endpoint (its model list, cached briefly; whether it was
// unreachable lately), and the one function that picks the order to try them in.
// Among healthy endpoints that have the model, the fastest recent one goes first.
import type { ProviderError } from '../../provider/index.js';
import type { OllamaShowResponse, OllamaTagModel } from './ollama-api.js';

export interface EndpointState {
  url: string;
  /** The last /api/tags answer and when it came (ms, from the provider's clock). */
  tags?: { at: number; models: OllamaTagModel[] };
  /** Skipped (tried last) until then, after an unreachable or silent answer. 0 = up. */
  downUntil: number;
  lastError?: ProviderError;
  /** Moving average of the time to the response headers (generation started), ms. */
  ttfbEwmaMs?: number;
  /** /api/show per model name, kept while the model's digest stays the same. */
  shows: Map<string, { digest?: string; show: OllamaShowResponse }>;
}

export function newEndpointState(url: string): EndpointState {
  return { url: url.replace(/\/+$/, ''), downUntil: 0, shows: new Map() };
}

/** `llama3` and `llama3:latest` are the same model; names are case-insensitive. */
export function normalizeModel(name: string): string {
  const n = name.trim().toLowerCase();
  const last = n.split('/').pop() ?? n;
  return last.includes(':') ? n : `${n}:latest`;
}

export function findModel(models: readonly OllamaTagModel[], model: string): OllamaTagModel | undefined {
  const want = normalizeModel(model);
  return models.find((m) => normalizeModel(m.name) === want || (m.model !== undefined && normalizeModel(m.model) === want));
}

/**
 * The endpoints to try for `model`, best first, config order within each group:
 *  1. up, and listing the model or not asked yet;
 *  2. up, but its (cached) list lacks the model: it may have been pulled since;
 *  3. cooling down after failing: still a last chance, so a restarted server is found at once.
 * Within group 1 the fastest recent endpoint leads; one never measured counts as fastest, so
 * it is tried once and measured (a new GPU box gets its chance). Ties keep config order.
 */
export function endpointOrder(endpoints: readonly EndpointState[], model: string, now: number): EndpointState[] {
  const rank = (e: EndpointState) => (e.downUntil > now ? 2 : e.tags && !findModel(e.tags.models, model) ? 1 : 0);
  return endpoints
    .map((e, i) => ({ e, i, r: rank(e) }))
    .sort((a, b) => a.r - b.r || (a.r === 0 ? (a.e.ttfbEwmaMs ?? 0) - (b.e.ttfbEwmaMs ?? 0) : 0) || a.i - b.i)
    .map(({ e }) => e);
}

/** Folds one time-to-first-byte sample into the endpoint's moving average. */
export function recordTtfb(e: EndpointState, ms: number, alpha = 0.3): void {
  e.ttfbEwmaMs = e.ttfbEwmaMs === undefined ? ms : e.ttfbEwmaMs + alpha * (ms - e.ttfbEwmaMs);
}
