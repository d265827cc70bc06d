// Gemini stream frames → StreamParts. Every SSE event is a whole GenerateContentResponse:
// candidate parts (text, `thought: true` reasoning, whole `functionCall`s), cumulative
// `usageMetadata` (the last one wins), `finishReason` on the last chunk only, or an in-band
// `{"error": …}`. There is no end sentinel: `end()` runs when the body ends.
import { ProviderError, type StreamPart, type Usage } from '../../provider/index.js';
import { costOf, parseFrame, sseEvents, ToolCallAssembler, type Price } from '../shared/index.js';
import { SYNTHETIC_CALL_ID_PREFIX } from './convert-to-gemini-messages.js';
import type { GeminiCandidate, GeminiErrorBody, GeminiGenerateContentResponse, GeminiPart, GeminiUsageMetadata } from './gemini-api.js';
import { mapGeminiBlockReason, mapGeminiFinishReason } from './map-gemini-finish-reason.js';

export interface GeminiStreamOptions {
  /** The provider's configured name, for messages. */
  provider: string;
  /** The price for `finish.cost`, given the frames' modelVersion; undefined when unknown. */
  price?: (modelVersion: string | undefined) => Price | undefined;
  /** Told about every function call that carried a thought signature (to echo it back later). */
  onThoughtSignature?: (callId: string, signature: string) => void;
}

export class GeminiStream {
  private readonly calls = new ToolCallAssembler();
  private usage: Usage | undefined;
  private usageKey = '';
  private finishReason: string | undefined;
  private blockReason: string | undefined;
  private responseId: string | undefined;
  private modelVersion: string | undefined;
  /** An error chunk arrived: the stream is over. */
  done = false;

  constructor(private readonly opts: GeminiStreamOptions) {}

  /** The parts one frame adds. */
  *frame(f: GeminiGenerateContentResponse): Generator<StreamPart> {
    if (f.error) {
      this.done = true;
      yield { type: 'error', error: this.streamError(f.error) };
      return;
    }
    this.responseId ??= f.responseId;
    this.modelVersion ??= f.modelVersion;
    const candidate = f.candidates?.[0];
    if (candidate) yield* this.candidate(candidate);
    if (f.promptFeedback?.blockReason) this.blockReason = f.promptFeedback.blockReason;
    if (f.usageMetadata) yield* this.usageMetadata(f.usageMetadata);
  }

  /** The closing parts once the body has ended: the tool calls, then `finish` (or an `error` if Gemini never said it finished). */
  *end(): Generator<StreamPart> {
    if (this.done) return;
    this.done = true;
    const calls = this.calls.finish();
    for (const c of calls) yield { type: 'tool-call', index: c.index, call: c.call };
    const usage = this.usage;
    const price = usage ? this.opts.price?.(this.modelVersion) : undefined;
    const cost = usage && price ? costOf(usage, price) : undefined;
    const tail = { ...(usage ? { usage } : {}), ...(cost ? { cost } : {}) };
    if (this.finishReason !== undefined) {
      yield { type: 'finish', reason: mapGeminiFinishReason(this.finishReason, calls.length > 0), rawReason: this.finishReason, ...tail };
    } else if (this.blockReason !== undefined) {
      yield { type: 'finish', reason: mapGeminiBlockReason(this.blockReason), rawReason: `blockReason:${this.blockReason}`, ...tail };
    } else {
      yield {
        type: 'error',
        error: new ProviderError({ code: 'stream', provider: this.opts.provider, message: `${this.opts.provider}: the stream ended before Gemini sent a finish reason` }),
      };
    }
  }

  private *candidate(c: GeminiCandidate): Generator<StreamPart> {
    for (const part of c.content?.parts ?? []) yield* this.part(part);
    if (c.finishReason) this.finishReason = c.finishReason;
  }

  private *part(p: GeminiPart): Generator<StreamPart> {
    if (p.functionCall) {
      const index = this.calls.size;
      const id = p.functionCall.id || `${SYNTHETIC_CALL_ID_PREFIX}${this.responseId ?? Math.random().toString(36).slice(2, 12)}-${index}`;
      const argumentsDelta = JSON.stringify(p.functionCall.args ?? {});
      this.calls.add(index, { id, name: p.functionCall.name, argumentsDelta });
      if (p.thoughtSignature) this.opts.onThoughtSignature?.(id, p.thoughtSignature);
      yield { type: 'tool-call-delta', index, id, name: p.functionCall.name, argumentsDelta };
      return;
    }
    // Parts that only carry a thoughtSignature (empty text) say nothing.
    if (typeof p.text === 'string' && p.text !== '') {
      yield p.thought ? { type: 'reasoning-delta', text: p.text } : { type: 'text-delta', text: p.text };
    }
  }

  private *usageMetadata(u: GeminiUsageMetadata): Generator<StreamPart> {
    const usage = toUsage(u);
    const key = JSON.stringify(usage);
    if (key === this.usageKey) return;
    this.usage = usage;
    this.usageKey = key;
    yield { type: 'usage', usage };
  }

  private streamError(e: GeminiErrorBody): ProviderError {
    const what = e.message ?? 'unknown error';
    return new ProviderError({
      code: 'stream',
      provider: this.opts.provider,
      status: typeof e.code === 'number' ? e.code : undefined,
      providerCode: e.status,
      message: `${this.opts.provider}: error inside the stream${e.status ? ` (${e.status})` : ''}: ${what}`,
    });
  }
}

/** The shared SSE splitter's default. */
const DEFAULT_MAX_EVENT_BYTES = 8 * 1024 * 1024;

type ResponseMetadataPart = Extract<StreamPart, { type: 'response-metadata' }>;

/**
 * A `?alt=sse` body → parts. The `response-metadata` part (built from the headers) waits for
 * the first frame, which names the response (`responseId`) and the model version.
 */
export async function* geminiStreamParts(
  body: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  opts: GeminiStreamOptions & { metadata?: ResponseMetadataPart; maxEventBytes?: number },
): AsyncGenerator<StreamPart> {
  const stream = new GeminiStream(opts);
  const max = opts.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  let meta = opts.metadata;
  try {
    for await (const ev of sseEvents(body, { provider: opts.provider, maxLineBytes: max })) {
      // sseEvents checks the size between reads only, so an event that arrives whole in one
      // large read slips past it; check the event itself too.
      if (ev.data.length > max) throw new ProviderError({ code: 'too_large', provider: opts.provider, message: `a stream event exceeded ${max} bytes` });
      if (ev.data.trim() === '') continue;
      const frame = parseFrame<GeminiGenerateContentResponse>(opts.provider, ev.data);
      if (meta) {
        yield withFrameMetadata(meta, frame);
        meta = undefined;
      }
      yield* stream.frame(frame);
      if (stream.done) return;
    }
  } catch (err) {
    if (meta) yield meta;
    throw err;
  }
  if (meta) yield meta;
  yield* stream.end();
}

function withFrameMetadata(meta: ResponseMetadataPart, frame: GeminiGenerateContentResponse): ResponseMetadataPart {
  const requestId = meta.requestId ?? frame.responseId;
  const model = frame.modelVersion ?? meta.model;
  return { ...meta, ...(requestId ? { requestId } : {}), ...(model ? { model } : {}) };
}

/**
 * Gemini's counts → Usage: promptTokenCount already includes the cached tokens; tool-use
 * prompt tokens (search, code execution) are billed as input; thoughts are billed as output.
 */
export function toUsage(u: GeminiUsageMetadata): Usage {
  const thoughts = u.thoughtsTokenCount ?? 0;
  const usage: Usage = {
    inputTokens: (u.promptTokenCount ?? 0) + (u.toolUsePromptTokenCount ?? 0),
    outputTokens: (u.candidatesTokenCount ?? 0) + thoughts,
  };
  if (u.cachedContentTokenCount) usage.cachedInputTokens = u.cachedContentTokenCount;
  if (thoughts) usage.reasoningTokens = thoughts;
  return usage;
}
