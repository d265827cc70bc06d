import { describe, expect, it } from 'vitest';
import { estimateCostUsd, inputTokensOf, isPaid, outputTokensOf, sizeHintOf } from './estimate.js';
import type { Candidate } from './types.js';

describe('sizeHintOf', () => {
  it.each([
    [0, 'tiny'],
    [255, 'tiny'],
    [256, 'small'],
    [2047, 'small'],
    [2048, 'medium'],
    [8191, 'medium'],
    [8192, 'large'],
    [200_000, 'large'],
  ] as const)('%d tokens → %s', (n, hint) => expect(sizeHintOf(n)).toBe(hint));
});

describe('estimates', () => {
  const cloud: Candidate = { ref: 'a:b', provider: 'a', model: 'b', local: false, price: { input: 3, output: 15, verifiedAt: 't' } };

  it('cost = tokens × price per 1M; local 0; unknown price undefined', () => {
    expect(estimateCostUsd(cloud, 10_000, 2_000)).toBeCloseTo(0.03 + 0.03, 12);
    expect(estimateCostUsd({ ...cloud, local: true }, 10_000, 2_000)).toBe(0);
    expect(estimateCostUsd({ ...cloud, price: undefined }, 10_000, 2_000)).toBeUndefined();
  });

  it('sizes from hints: tokens, else the size hint, else unknown; output defaults by intent', () => {
    expect(inputTokensOf({ intent: 'code', inputTokens: 10, sizeHint: 'large' })).toBe(10);
    expect(inputTokensOf({ intent: 'code', sizeHint: 'medium' })).toBe(8192);
    expect(inputTokensOf({ intent: 'code' })).toBeUndefined();
    expect(outputTokensOf({ intent: 'code', expectedOutputTokens: 50 })).toBe(50);
    expect(outputTokensOf({ intent: 'completion' })).toBe(128);
    expect(outputTokensOf({ intent: 'explain' })).toBe(1024);
  });

  it('paid: cloud unless its price is zero', () => {
    expect(isPaid(cloud)).toBe(true);
    expect(isPaid({ ...cloud, price: undefined })).toBe(true);
    expect(isPaid({ ...cloud, price: { input: 0, output: 0, verifiedAt: 'config' } })).toBe(false);
    expect(isPaid({ ...cloud, local: true })).toBe(false);
  });
});
