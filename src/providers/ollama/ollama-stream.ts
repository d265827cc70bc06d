// Ollama NDJSON lines (/api/chat and /api/generate) → StreamParts. One small handler per
// kind of line content; the state is one small object.
//
// - `message.thinking` / `thinking` → reasoning-delta; `message.content` / `response` → text-delta
// - `message.tool_calls` arrive whole, with object arguments → tool-call-delta + tool-call
// - the `done: true` line → usage + finish (its zero counters are omitted on the wire)
// - an `{"error": "…"}` line (status already 200) → one error part
import { ProviderError, type StreamPart, type Usage } from '../../provider/index.js';
import { costOf, parseFrame, type Price } from '../shared/index.js';
import type { OllamaStreamLine, OllamaToolCall } from './ollama-api.js';
import { mapOllamaFinishReason } from './map-ollama-finish-reason.js';

export interface OllamaStreamOptions {
  /** Provider name, for error messages. */
  provider: string;
  /** Price of the model (local: 0); no cost on the finish part when undefined. */
  price?: Price;
}

interface StreamState {
  /** Tool calls seen so far: the next call's index (older servers send no index). */
  toolCalls: number;
}

/** Reads lines to the final `done` line, then drains the body so the socket can be reused. */
export async function* ollamaStream(lines: AsyncIterable<string>, opts: OllamaStreamOptions): AsyncGenerator<StreamPart> {
  const state: StreamState = { toolCalls: 0 };
  const it = lines[Symbol.asyncIterator]();
  try {
    let final: OllamaStreamLine | undefined;
    for (;;) {
      const next = await it.next();
      if (next.done) break;
      const line = parseLine(opts.provider, next.value);
      yield* onLine(line, state);
      if (line.done === true) {
        final = line;
        break;
      }
    }
    if (!final) {
      throw new ProviderError({ code: 'stream', provider: opts.provider, message: `${opts.provider}: the stream ended before its final line (done: true)` });
    }
    await drain(it);
    yield* onDone(final, state, opts);
  } finally {
    // Early exit (error, consumer stopped): closes the body and so the socket.
    try {
      await it.return?.();
    } catch {
      /* already broken: nothing left to close */
    }
  }
}

function parseLine(provider: string, text: string): OllamaStreamLine {
  const line = parseFrame<unknown>(provider, text);
  if (line === null || typeof line !== 'object' || Array.isArray(line)) {
    throw new ProviderError({ code: 'bad_response', provider, message: `${provider}: a stream line is not a JSON object: ${text.slice(0, 80)}` });
  }
  const l = line as OllamaStreamLine;
  if (l.error !== undefined) {
    const own = typeof l.error === 'string' ? l.error : JSON.stringify(l.error);
    throw new ProviderError({ code: 'stream', provider, message: `${provider}: ${own}` });
  }
  return l;
}

function* onLine(line: OllamaStreamLine, state: StreamState): Generator<StreamPart> {
  yield* onThinking(line.message?.thinking ?? line.thinking);
  yield* onContent(line.message?.content ?? line.response);
  for (const call of line.message?.tool_calls ?? []) yield* onToolCall(call, state);
}

function* onThinking(text: string | undefined): Generator<StreamPart> {
  if (text) yield { type: 'reasoning-delta', text };
}

function* onContent(text: string | undefined): Generator<StreamPart> {
  if (text) yield { type: 'text-delta', text };
}

function* onToolCall(call: OllamaToolCall, state: StreamState): Generator<StreamPart> {
  const index = state.toolCalls++;
  const id = call.id || `call_${index}`;
  const name = call.function?.name ?? '';
  const raw: unknown = call.function?.arguments;
  const args = typeof raw === 'string' ? raw : JSON.stringify(raw ?? {});
  yield { type: 'tool-call-delta', index, id, name, argumentsDelta: args };
  yield { type: 'tool-call', index, call: { id, name, arguments: args } };
}

function* onDone(line: OllamaStreamLine, state: StreamState, opts: OllamaStreamOptions): Generator<StreamPart> {
  // Counters are omitted when zero (Go omitempty).
  const usage: Usage = { inputTokens: line.prompt_eval_count ?? 0, outputTokens: line.eval_count ?? 0 };
  yield { type: 'usage', usage };
  yield {
    type: 'finish',
    reason: mapOllamaFinishReason(line.done_reason, state.toolCalls > 0),
    ...(line.done_reason ? { rawReason: line.done_reason } : {}),
    usage,
    ...(opts.price ? { cost: costOf(usage, opts.price) } : {}),
  };
}

/** Nothing follows the done line on a real server; read to the end so the socket goes back to the pool. */
async function drain(it: AsyncIterator<string>): Promise<void> {
  try {
    while (!(await it.next()).done) {
      /* ignore */
    }
  } catch {
    // The answer is complete; a broken tail changes nothing.
  }
}
