// Size and cost before a request is sent: the size hint from a token count, and what a
// candidate would cost for it (prices are USD per 1M tokens, providers/shared/prices.ts).
import type { Candidate, Intent, RouteHints, SizeHint } from './types.js';

/**
 * Cut points of the size hints, in prompt tokens (upper bounds, exclusive):
 *   tiny   <   256  a line or two around the cursor
 *   small  < 2,048  a function and its neighbours
 *   medium < 8,192  a file or a short conversation
 *   large  ≥ 8,192  several files, a long chat
 * `medium` ends near `routing.local_max_input_tokens` (8,000 by default), so "large" and
 * "too large for local" mean about the same thing out of the box.
 */
export const SIZE_CUTS = { tiny: 256, small: 2048, medium: 8192 } as const;

/** Tokens assumed for a request that only says its size hint (the upper cut; 32k for large). */
export const TOKENS_OF_SIZE: Record<SizeHint, number> = { tiny: 256, small: 2048, medium: 8192, large: 32_768 };

/** Output tokens assumed when a request does not say (`expectedOutputTokens`), for estimates only. */
export const DEFAULT_OUTPUT_TOKENS = 1024;
export const DEFAULT_COMPLETION_OUTPUT_TOKENS = 128;

export function sizeHintOf(tokens: number): SizeHint {
  if (tokens < SIZE_CUTS.tiny) return 'tiny';
  if (tokens < SIZE_CUTS.small) return 'small';
  if (tokens < SIZE_CUTS.medium) return 'medium';
  return 'large';
}

/** The prompt size of a request: its token estimate, else its size hint's, else unknown. */
export function inputTokensOf(hints: RouteHints): number | undefined {
  if (hints.inputTokens !== undefined) return hints.inputTokens;
  return hints.sizeHint ? TOKENS_OF_SIZE[hints.sizeHint] : undefined;
}

/** The answer size assumed for cost estimates. */
export function outputTokensOf(hints: RouteHints): number {
  return hints.expectedOutputTokens ?? defaultOutputTokens(hints.intent);
}

export function defaultOutputTokens(intent: Intent): number {
  return intent === 'completion' ? DEFAULT_COMPLETION_OUTPUT_TOKENS : DEFAULT_OUTPUT_TOKENS;
}

/**
 * USD a request would cost on a candidate, from its price (no cache discount assumed: the
 * upper bound). 0 for local models; undefined when a cloud model's price is unknown.
 */
export function estimateCostUsd(candidate: Candidate, inputTokens: number, expectedOutputTokens: number): number | undefined {
  if (candidate.local) return 0;
  const p = candidate.price;
  if (!p) return undefined;
  return (Math.max(0, inputTokens) * p.input + Math.max(0, expectedOutputTokens) * p.output) / 1e6;
}

/** Costs money per token (a cloud model whose price is unknown counts as paid). */
export function isPaid(candidate: Candidate): boolean {
  return !candidate.local && !(candidate.price && candidate.price.input === 0 && candidate.price.output === 0);
}
