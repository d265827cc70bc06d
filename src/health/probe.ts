// One cheap, non-billable GET (a model list, a version, /health) with a deadline, turned
// into a line a user can act on. Keys travel only in headers to the provider's own address.
import { request } from 'undici';
import type { ProbeResult } from '../protocol.js';
import { dispatcherFor } from '../http/dispatcher.js';

const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface ProbeRequest {
  url: string;
  /** Shown to the user instead of `url` (e.g. without a query string). */
  display?: string;
  headers?: Record<string, string>;
  proxy?: string;
  timeoutMs: number;
  signal: AbortSignal;
}

export interface RawProbe {
  result: ProbeResult;
  json?: unknown;
}

export async function probe(req: ProbeRequest): Promise<RawProbe> {
  const started = performance.now();
  const display = req.display ?? req.url;
  const deadline = AbortSignal.timeout(req.timeoutMs);
  const signal = AbortSignal.any([req.signal, deadline]);
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const res = await request(req.url, {
      method: 'GET',
      headers: { accept: 'application/json', ...req.headers },
      dispatcher: dispatcherFor(req.proxy),
      signal,
      maxRedirections: 0,
    } as Parameters<typeof request>[1]);
    const text = await readCapped(res.body);
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    return {
      json,
      result: { url: display, ok, status: res.statusCode, latency_ms: elapsed(), message: ok ? 'reachable' : `HTTP ${res.statusCode}${errorText(json, text)}` },
    };
  } catch (err) {
    if (req.signal.aborted) throw err;
    const message = deadline.aborted ? `no answer within ${req.timeoutMs} ms` : `unreachable: ${networkReason(err)}`;
    return { result: { url: display, ok: false, latency_ms: elapsed(), message } };
  }
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      body.destroy();
      break;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The provider's own error message, in one short line. */
function errorText(json: unknown, text: string): string {
  const j = json as { error?: { message?: string } | string; message?: string } | undefined;
  const msg = typeof j?.error === 'string' ? j.error : j?.error?.message ?? j?.message ?? (json === undefined ? text.slice(0, 120) : '');
  return msg ? `: ${String(msg).split('\n')[0]!.slice(0, 200)}` : '';
}

function networkReason(err: unknown): string {
  const e = err as { code?: string; cause?: { code?: string; message?: string }; message?: string };
  return e.cause?.code ?? e.code ?? e.cause?.message ?? e.message ?? String(err);
}
