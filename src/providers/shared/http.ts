// One HTTP exchange with a provider, the way every protocol needs it: keep-alive dispatcher,
// a first-byte timeout and an idle timeout (undici's headersTimeout / bodyTimeout, which close
// the socket), abort that closes the socket at once, retries before the body is consumed
// (see retry.ts), errors normalized into ProviderError with the provider's own message.
import { errors as undiciErrors, request, type Dispatcher } from 'undici';
import { ProviderError, type ProviderErrorCode } from '../../provider/index.js';
import { DEFAULT_MAX_RETRIES, retryableStatus, retryAfterMs, retryDelayMs, sleep } from './retry.js';

export const DEFAULT_FIRST_BYTE_TIMEOUT_MS = 30_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
const MAX_ERROR_BODY = 64 * 1024;

export interface ParsedError {
  message?: string;
  providerCode?: string;
  code?: ProviderErrorCode;
  retryable?: boolean;
  /** A wait the provider asked for in its body (Gemini's RetryInfo.retryDelay); headers win. */
  retryAfterMs?: number;
}

export interface HttpRequest {
  provider: string;
  url: string;
  /** Shown in messages instead of `url` (no query string, never a key). */
  displayUrl?: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  dispatcher: Dispatcher;
  signal: AbortSignal;
  firstByteTimeoutMs?: number;
  idleTimeoutMs?: number;
  maxRetries?: number;
  /** Content types a 2xx answer may have; anything else is `bad_response` (e.g. an HTML portal page). */
  accept?: RegExp;
  /** The provider's error body → message and code. Default reads `{error:{message,type,code}}`, `{error:"…"}`, `{message}`. */
  parseError?: (status: number, body: string, headers: Headers) => ParsedError;
  /** Called before each retry (for logs and tests). */
  onRetry?: (attempt: number, delayMs: number, err: ProviderError) => void;
}

export type Headers = Record<string, string | string[] | undefined>;

export interface HttpResponse {
  status: number;
  headers: Headers;
  /** From sending the request to the response headers, in ms (the last attempt). */
  ttfbMs: number;
  /** The body, with socket errors and idle timeouts turned into ProviderError. */
  body: AsyncIterable<Uint8Array>;
  /** Releases the socket when the body is not read to the end. */
  close(): void;
  /** The whole body as text (capped), for non-streaming endpoints. */
  text(maxBytes?: number): Promise<string>;
}

export async function send(req: HttpRequest): Promise<HttpResponse> {
  const maxRetries = req.maxRetries ?? DEFAULT_MAX_RETRIES;
  for (let attempt = 0; ; attempt++) {
    try {
      return await sendOnce(req);
    } catch (err) {
      const e = asProviderError(err, req);
      if (!e.retryable || attempt >= maxRetries || req.signal.aborted) throw e;
      const delay = retryDelayMs(attempt, e);
      req.onRetry?.(attempt + 1, delay, e);
      try {
        await sleep(delay, req.signal);
      } catch {
        throw cancelled(req);
      }
    }
  }
}

async function sendOnce(req: HttpRequest): Promise<HttpResponse> {
  const started = performance.now();
  const res = await request(req.url, {
    method: req.method ?? (req.body === undefined ? 'GET' : 'POST'),
    headers: { ...(req.body === undefined ? {} : { 'content-type': 'application/json' }), ...req.headers },
    body: req.body === undefined ? undefined : JSON.stringify(req.body),
    dispatcher: req.dispatcher,
    signal: req.signal,
    headersTimeout: req.firstByteTimeoutMs ?? DEFAULT_FIRST_BYTE_TIMEOUT_MS,
    bodyTimeout: req.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
  });
  const ttfbMs = performance.now() - started;
  const headers = res.headers as Headers;
  if (res.statusCode < 200 || res.statusCode >= 300) {
    const body = await readText(res.body, MAX_ERROR_BODY).catch(() => '');
    throw statusError(req, res.statusCode, body, headers);
  }
  const type = String(headers['content-type'] ?? '');
  if (req.accept && !req.accept.test(type)) {
    const snippet = (await readText(res.body, 2048).catch(() => '')).replace(/\s+/g, ' ').slice(0, 120);
    throw new ProviderError({
      code: 'bad_response',
      provider: req.provider,
      status: res.statusCode,
      url: display(req),
      message: `${req.provider}: expected ${req.accept.source.replace(/[\\^$]/g, '')} from ${display(req)}, got "${type || 'no content-type'}" (a proxy or login page in the way?)${snippet ? `: ${snippet}` : ''}`,
    });
  }
  const body = res.body;
  return {
    status: res.statusCode,
    headers,
    ttfbMs,
    body: guardBody(body, req),
    close: () => body.destroy(),
    text: (max = 16 * 1024 * 1024) => readText(guardBody(body, req), max, req),
  };
}

async function* guardBody(body: AsyncIterable<Uint8Array> & { destroy(): void }, req: HttpRequest): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of body) yield chunk;
    // undici marks the socket free one setImmediate after the body ends; a request sent
    // before that (the next call of a quick loop) would open a second connection.
    await new Promise<void>((resolve) => setImmediate(resolve));
  } catch (err) {
    throw asProviderError(err, req, { midStream: true });
  } finally {
    // Reached on early exit (break, return, throw): the socket must not linger.
    body.destroy();
  }
}

async function readText(body: AsyncIterable<Uint8Array> & { destroy?(): void }, max: number, req?: HttpRequest): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) {
      body.destroy?.();
      if (req) throw new ProviderError({ code: 'too_large', provider: req.provider, url: display(req), message: `${req.provider}: the response from ${display(req)} exceeded ${max} bytes` });
      break;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function display(req: HttpRequest): string {
  return req.displayUrl ?? req.url.replace(/\?.*$/, '');
}

function cancelled(req: HttpRequest): ProviderError {
  return new ProviderError({ code: 'cancelled', provider: req.provider, message: 'cancelled', url: display(req) });
}

/** The provider's own message from the usual error envelopes. */
export function defaultParseError(_status: number, body: string): ParsedError {
  try {
    const j = JSON.parse(body) as { error?: unknown; message?: unknown; code?: unknown; type?: unknown };
    if (typeof j.error === 'string') return { message: j.error, providerCode: typeof j.code === 'string' ? j.code : undefined };
    if (j.error && typeof j.error === 'object') {
      const e = j.error as { message?: unknown; type?: unknown; code?: unknown; status?: unknown };
      const providerCode = [e.code, e.type, e.status].find((v) => typeof v === 'string' && v !== '') as string | undefined;
      return { message: typeof e.message === 'string' ? e.message : undefined, providerCode };
    }
    if (typeof j.message === 'string') return { message: j.message, providerCode: typeof j.type === 'string' ? j.type : undefined };
  } catch {
    /* not JSON */
  }
  const text = body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
  return { message: text ? text.slice(0, 200) : undefined };
}

export function statusError(req: HttpRequest, status: number, body: string, headers: Headers): ProviderError {
  const parsed = { ...defaultParseError(status, body), ...stripUndefined(req.parseError?.(status, body, headers) ?? {}) };
  const code = parsed.code ?? codeForStatus(status, parsed.providerCode);
  const retryable = parsed.retryable ?? (code === 'quota' || code === 'auth' || code === 'bad_request' || code === 'model_not_found' ? false : retryableStatus(status, headers));
  const own = parsed.message ? `: ${parsed.message}` : '';
  return new ProviderError({
    code,
    provider: req.provider,
    status,
    retryable,
    retryAfterMs: retryAfterMs(headers) ?? parsed.retryAfterMs,
    providerCode: parsed.providerCode,
    url: display(req),
    message: `${req.provider} answered HTTP ${status}${own}`,
  });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function codeForStatus(status: number, providerCode?: string): ProviderErrorCode {
  if (providerCode === 'insufficient_quota' || status === 402) return 'quota';
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'rate_limit';
  if (status === 529 || status === 503 || providerCode === 'overloaded_error') return 'overloaded';
  if (status === 404) return 'model_not_found';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'server';
  return 'bad_request';
}

/** Maps anything thrown by undici (or us) during a call into a ProviderError. */
export function asProviderError(err: unknown, req: HttpRequest, where: { midStream?: boolean } = {}): ProviderError {
  if (err instanceof ProviderError) return err;
  if (req.signal.aborted) return cancelled(req);
  const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  const base = { provider: req.provider, url: display(req), cause: err };
  if (err instanceof undiciErrors.HeadersTimeoutError || code === 'UND_ERR_HEADERS_TIMEOUT') {
    return new ProviderError({ ...base, code: 'timeout', retryable: true, message: `${req.provider}: no answer from ${display(req)} within ${req.firstByteTimeoutMs ?? DEFAULT_FIRST_BYTE_TIMEOUT_MS} ms` });
  }
  if (err instanceof undiciErrors.BodyTimeoutError || code === 'UND_ERR_BODY_TIMEOUT') {
    return new ProviderError({ ...base, code: 'timeout', retryable: !where.midStream, message: `${req.provider}: the stream from ${display(req)} stalled (no data for ${req.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS} ms)` });
  }
  const reason = code ?? e.cause?.message ?? e.message ?? String(err);
  if (where.midStream) {
    return new ProviderError({ ...base, code: 'stream', retryable: false, message: `${req.provider}: the connection to ${display(req)} broke mid-stream (${reason})` });
  }
  return new ProviderError({ ...base, code: 'unreachable', retryable: true, message: `${req.provider}: cannot reach ${display(req)} (${reason})` });
}
