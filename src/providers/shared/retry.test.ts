import { describe, expect, it } from 'vitest';
import { retryableStatus, retryAfterMs, retryDelayMs } from './retry.js';
import { codeForStatus } from './http.js';

describe('retry rules (as the official SDKs)', () => {
  it('retries 408, 409, 429 and 5xx; x-should-retry overrides', () => {
    for (const s of [408, 409, 429, 500, 502, 503, 529]) expect(retryableStatus(s), String(s)).toBe(true);
    for (const s of [400, 401, 403, 404, 422]) expect(retryableStatus(s), String(s)).toBe(false);
    expect(retryableStatus(400, { 'x-should-retry': 'true' })).toBe(true);
    expect(retryableStatus(503, { 'x-should-retry': 'false' })).toBe(false);
  });

  it('reads retry-after-ms, retry-after seconds and retry-after dates', () => {
    expect(retryAfterMs({ 'retry-after-ms': '250.5', 'retry-after': '9' })).toBe(250.5);
    expect(retryAfterMs({ 'retry-after': '2' })).toBe(2000);
    const now = Date.parse('2026-11-21T10:00:00Z');
    expect(retryAfterMs({ 'retry-after': 'Sat, 21 Nov 2026 10:00:03 GMT' }, now)).toBe(3000);
    expect(retryAfterMs({})).toBeUndefined();
  });

  it("uses the server's delay up to 60 s, else capped exponential backoff with jitter", () => {
    expect(retryDelayMs(0, { retryAfterMs: 1500 })).toBe(1500);
    expect(retryDelayMs(0, { retryAfterMs: 120_000 }, () => 0)).toBe(500);
    expect(retryDelayMs(1, {}, () => 0)).toBe(1000);
    expect(retryDelayMs(10, {}, () => 0)).toBe(8000);
    expect(retryDelayMs(0, {}, () => 0.999)).toBeGreaterThan(375);
  });

  it('maps statuses to codes; insufficient_quota and 402 are quota, not rate limits', () => {
    expect(codeForStatus(429)).toBe('rate_limit');
    expect(codeForStatus(429, 'insufficient_quota')).toBe('quota');
    expect(codeForStatus(402)).toBe('quota');
    expect(codeForStatus(401)).toBe('auth');
    expect(codeForStatus(529)).toBe('overloaded');
    expect(codeForStatus(404)).toBe('model_not_found');
    expect(codeForStatus(500)).toBe('server');
    expect(codeForStatus(400)).toBe('bad_request');
  });
});
