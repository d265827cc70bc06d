// When and how long to wait before retrying, as the official OpenAI and Anthropic SDKs do:
// 408/409/429/5xx and connection failures retry; `x-should-retry` overrides; the server's
// `retry-after-ms` / `retry-after` is honoured up to 60 s; otherwise min(0.5 s·2ⁿ, 8 s)
// with jitter. Never retried: auth, quota, a bad request, a cancelled call.
import type { ProviderError } from '../../provider/index.js';

export const DEFAULT_MAX_RETRIES = 2;
const MAX_SERVER_DELAY_MS = 60_000;

/** Retry-After as ms: `retry-after-ms` (float ms), else `retry-after` (seconds or an HTTP date). */
export function retryAfterMs(headers: Record<string, string | string[] | undefined>, now = Date.now()): number | undefined {
  const ms = first(headers['retry-after-ms']);
  if (ms !== undefined) {
    const v = Number.parseFloat(ms);
    if (Number.isFinite(v) && v >= 0) return v;
  }
  const after = first(headers['retry-after']);
  if (after === undefined) return undefined;
  const seconds = Number.parseFloat(after);
  if (Number.isFinite(seconds) && /^\s*[\d.]+\s*$/.test(after)) return seconds * 1000;
  const date = Date.parse(after);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

export function retryableStatus(status: number, headers: Record<string, string | string[] | undefined> = {}): boolean {
  const should = first(headers['x-should-retry']);
  if (should === 'true') return true;
  if (should === 'false') return false;
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** The wait before retry number `attempt` (0-based). */
export function retryDelayMs(attempt: number, err: Pick<ProviderError, 'retryAfterMs'>, random = Math.random): number {
  const server = err.retryAfterMs;
  if (server !== undefined && server >= 0 && server <= MAX_SERVER_DELAY_MS) return server;
  const base = Math.min(500 * 2 ** attempt, 8000);
  return base * (1 - random() * 0.25);
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Sleeps `ms`, or rejects at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
