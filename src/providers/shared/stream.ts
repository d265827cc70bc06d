// Helpers every protocol's stream uses: a guard that turns anything thrown into the one
// final `error` part, and the assembler that joins tool-call pieces by index.
import { ProviderError, type StreamPart, type ToolCall } from '../../provider/index.js';

/** Runs a vendor's part generator; whatever it throws becomes one final `error` part. */
export async function* guardStream(provider: string, signal: AbortSignal, parts: AsyncIterable<StreamPart>): AsyncGenerator<StreamPart> {
  try {
    for await (const part of parts) yield part;
  } catch (err) {
    yield { type: 'error', error: toProviderError(err, provider, signal) };
  }
}

export function toProviderError(err: unknown, provider: string, signal?: AbortSignal): ProviderError {
  if (err instanceof ProviderError) return err;
  if (signal?.aborted) return new ProviderError({ code: 'cancelled', provider, message: 'cancelled' });
  if (err instanceof SyntaxError) return new ProviderError({ code: 'bad_response', provider, message: `${provider}: malformed data in the stream (${err.message})`, cause: err });
  return new ProviderError({ code: 'stream', provider, message: `${provider}: ${err instanceof Error ? err.message : String(err)}`, cause: err });
}

/** Parses one JSON frame; a broken frame is a `bad_response` naming the provider. */
export function parseFrame<T>(provider: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new ProviderError({
      code: 'bad_response',
      provider,
      message: `${provider}: malformed JSON in the stream: ${text.slice(0, 80)}${text.length > 80 ? '…' : ''}`,
      cause: err,
    });
  }
}

/** Collects tool-call pieces (OpenAI `tool_calls[].index`, Anthropic `input_json_delta`). */
export class ToolCallAssembler {
  private readonly calls = new Map<number, { id?: string; name?: string; args: string }>();

  add(index: number, piece: { id?: string; name?: string; argumentsDelta?: string }): void {
    const call = this.calls.get(index) ?? { args: '' };
    if (piece.id) call.id = piece.id;
    if (piece.name) call.name = (call.name ?? '') + piece.name;
    if (piece.argumentsDelta) call.args += piece.argumentsDelta;
    this.calls.set(index, call);
  }

  /** Complete calls in index order; empty arguments become `{}`. */
  finish(): { index: number; call: ToolCall }[] {
    return [...this.calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, c]) => ({ index, call: { id: c.id ?? `call_${index}`, name: c.name ?? '', arguments: c.args === '' ? '{}' : c.args } }));
  }

  get size(): number {
    return this.calls.size;
  }
}

/** The first part of every stream: status, TTFB, request id, and X-OMEN-* trace headers if any. */
export function responseMetadata(res: { status: number; ttfbMs: number; headers: Record<string, string | string[] | undefined> }, model?: string): StreamPart {
  const h = res.headers;
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const requestId = one(h['x-request-id']) ?? one(h['request-id']) ?? one(h['apim-request-id']) ?? one(h['x-goog-request-id']);
  const trace: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (k.startsWith('x-omen-') && v !== undefined) trace[k] = String(one(v));
  return {
    type: 'response-metadata',
    status: res.status,
    ttfbMs: Math.round(res.ttfbMs * 10) / 10,
    ...(requestId ? { requestId } : {}),
    ...(model ? { model } : {}),
    ...(Object.keys(trace).length ? { trace } : {}),
  };
}
