import { describe, expect, it } from 'vitest';
import { costOf, priceFor } from './prices.js';

describe('prices', () => {
  it('finds dated ids, maps Azure to OpenAI prices, local models are free', () => {
    expect(priceFor({ name: 'openai', kind: 'openai' }, 'gpt-4o-mini-2024-07-18')?.input).toBe(0.15);
    expect(priceFor({ name: 'azure', kind: 'azure' }, 'gpt-4o-mini')?.output).toBe(0.6);
    expect(priceFor({ name: 'xai', kind: 'openai-compatible' }, 'grok-4.3')?.input).toBe(1.25);
    expect(priceFor({ name: 'ollama', kind: 'ollama' }, 'anything')).toMatchObject({ input: 0, output: 0 });
    expect(priceFor({ name: 'mine', kind: 'openai-compatible' }, 'unknown-model')).toBeUndefined();
  });

  it('config overrides win and are marked as such', () => {
    const p = priceFor({ name: 'openai', kind: 'openai' }, 'gpt-4o-mini', { 'gpt-4o-mini': { input: 1, output: 2 } });
    expect(p).toEqual({ input: 1, output: 2, verifiedAt: 'config' });
  });

  it('bills cached and cache-write tokens at their own price', () => {
    const price = { input: 3, cachedInput: 0.3, cacheWrite: 3.75, output: 15, verifiedAt: 'x' };
    const c = costOf({ inputTokens: 1_000_000, cachedInputTokens: 400_000, cacheWriteTokens: 100_000, outputTokens: 100_000 }, price);
    // 500k fresh × 3 + 400k × 0.3 + 100k × 3.75 + 100k × 15, per 1M
    expect(c.usd).toBeCloseTo(1.5 + 0.12 + 0.375 + 1.5, 10);
  });
});
