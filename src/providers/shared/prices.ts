// Usage → cost. Prices in USD per 1M tokens, each row with the day it was checked; they
// change often, so config can override any of them (providers.<name>.prices). Local models
// cost nothing. Dated model ids (`gpt-4o-mini-2024-07-18`) match their undated row.
import type { Cost, Usage } from '../../provider/index.js';
import type { ProviderKind } from '../../config/index.js';

export interface Price {
  input: number;
  cachedInput?: number;
  /** Anthropic's cache write (5-minute) price. */
  cacheWrite?: number;
  output: number;
  verifiedAt: string;
}

/** Seed prices (shared/reference/providers.md §8, observed 2026-08/09). Keyed by provider kind family. */
export const PRICES: Record<string, Record<string, Price>> = {
  openai: {
    'gpt-5.4': { input: 2.5, cachedInput: 0.25, output: 15, verifiedAt: '2026-08-05' },
    'gpt-5.4-mini': { input: 0.75, cachedInput: 0.075, output: 4.5, verifiedAt: '2026-08-05' },
    'gpt-5.4-nano': { input: 0.2, cachedInput: 0.02, output: 1.25, verifiedAt: '2026-08-05' },
    'gpt-5.6-terra': { input: 2, cachedInput: 0.2, output: 12, verifiedAt: '2026-08-01' },
    'gpt-5.6-luna': { input: 0.2, cachedInput: 0.02, output: 1.2, verifiedAt: '2026-08-01' },
    'gpt-5': { input: 1.25, cachedInput: 0.125, output: 10, verifiedAt: '2026-08-05' },
    'gpt-5-mini': { input: 0.25, cachedInput: 0.025, output: 2, verifiedAt: '2026-08-05' },
    'gpt-4.1-mini': { input: 0.4, cachedInput: 0.1, output: 1.6, verifiedAt: '2026-08-05' },
    'gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6, verifiedAt: '2026-08-05' },
  },
  anthropic: {
    'claude-opus-5': { input: 5, cachedInput: 0.5, cacheWrite: 6.25, output: 25, verifiedAt: '2026-09-01' },
    'claude-sonnet-5': { input: 2, cachedInput: 0.2, cacheWrite: 2.5, output: 10, verifiedAt: '2026-09-01' },
    'claude-sonnet-4-5': { input: 3, cachedInput: 0.3, cacheWrite: 3.75, output: 15, verifiedAt: '2026-08-05' },
    'claude-haiku-4-5': { input: 1, cachedInput: 0.1, cacheWrite: 1.25, output: 5, verifiedAt: '2026-09-01' },
  },
  gemini: {
    'gemini-2.5-flash': { input: 0.3, cachedInput: 0.03, output: 2.5, verifiedAt: '2026-08-05' },
    'gemini-2.5-pro': { input: 1.25, cachedInput: 0.125, output: 10, verifiedAt: '2026-08-05' },
    'gemini-3.5-flash': { input: 1.5, cachedInput: 0.15, output: 9, verifiedAt: '2026-08-05' },
    'gemini-3.1-pro-preview': { input: 2, output: 12, verifiedAt: '2026-08-05' },
  },
  xai: {
    'grok-4.3': { input: 1.25, cachedInput: 0.2, output: 2.5, verifiedAt: '2026-08-05' },
    'grok-4.5': { input: 2, cachedInput: 0.3, output: 6, verifiedAt: '2026-08-05' },
  },
  mistral: {
    'codestral-latest': { input: 0.3, output: 0.9, verifiedAt: '2026-08-05' },
    'mistral-small-latest': { input: 0.1, output: 0.3, verifiedAt: '2026-08-05' },
  },
  deepseek: {
    'deepseek-flash': { input: 0.3, cachedInput: 0.006, output: 1.2, verifiedAt: '2026-08-16' },
    'deepseek-v4-pro': { input: 1.32, cachedInput: 0.044, output: 3.96, verifiedAt: '2026-08-16' },
  },
};

const FREE: Price = { input: 0, output: 0, verifiedAt: 'local' };

/**
 * The price for a model: the user's override first, then the seed table of the provider's
 * name (xai, deepseek…) or kind (openai, azure → openai prices). Undefined when unknown.
 */
export function priceFor(
  provider: { name: string; kind: ProviderKind },
  model: string,
  overrides: Record<string, Partial<Price>> = {},
): Price | undefined {
  if (provider.kind === 'ollama') return FREE;
  const undated = model.replace(/-\d{4}-\d{2}-\d{2}$/, '').replace(/-\d{8}$/, '');
  const override = overrides[model] ?? overrides[undated];
  if (override && override.input !== undefined && override.output !== undefined) {
    return { verifiedAt: 'config', ...override } as Price;
  }
  const family = PRICES[provider.name] ? provider.name : provider.kind === 'azure' ? 'openai' : provider.kind;
  const table = PRICES[family];
  return table?.[model] ?? table?.[undated];
}

export function costOf(usage: Usage, price: Price): Cost {
  const cached = usage.cachedInputTokens ?? 0;
  const writes = usage.cacheWriteTokens ?? 0;
  const fresh = Math.max(0, usage.inputTokens - cached - writes);
  const usd =
    (fresh * price.input + cached * (price.cachedInput ?? price.input) + writes * (price.cacheWrite ?? price.input) + usage.outputTokens * price.output) / 1e6;
  return { usd, price: { input: price.input, cachedInput: price.cachedInput, cacheWrite: price.cacheWrite, output: price.output, verifiedAt: price.verifiedAt } };
}
