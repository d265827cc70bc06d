// Anthropic's named SSE events → StreamParts: one small handler per event type, the state in
// one small object. The stream is complete only at `message_stop`; a body that ends before it
// is an error, never a silent success. Usage in message_start / message_delta is cumulative
// (the last value of each field wins), and `input_tokens` there EXCLUDES the cache.
// @see https://docs.claude.com/en/docs/build-with-claude/streaming
import { ProviderError, type ProviderErrorCode, type StreamPart, type Usage } from '../../provider/index.js';
import { costOf, parseFrame, ToolCallAssembler, type Price, type SseEvent } from '../shared/index.js';
import type {
  AnthropicContentBlockDelta,
  AnthropicContentBlockStart,
  AnthropicContentBlockStop,
  AnthropicErrorEvent,
  AnthropicMessageDelta,
  AnthropicMessageStart,
  AnthropicStreamEvent,
  AnthropicUsage,
} from './anthropic-api.js';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason.js';

export interface AnthropicStreamOptions {
  provider: string;
  /** The model asked for; replaced by the dated id message_start names. */
  model: string;
  /** The first part, sent once the first event tells the served model (or the stream fails first). */
  metadata: Extract<StreamPart, { type: 'response-metadata' }>;
  /** Price of a model id (the served one), undefined when unknown. */
  priceFor(model: string): Price | undefined;
}

interface StreamState {
  provider: string;
  model: string;
  usage: AnthropicUsage;
  stopReason: string | null;
  /** Content block index → tool-call index (0, 1, … in the order the tool_use blocks start). */
  toolOf: Map<number, number>;
  tools: ToolCallAssembler;
  /** message_stop arrived: the message is whole. */
  stopped: boolean;
}

type Handler<E> = (state: StreamState, event: E) => StreamPart[];
type EventOf<T extends AnthropicStreamEvent['type']> = Extract<AnthropicStreamEvent, { type: T }>;

const handlers: { [T in AnthropicStreamEvent['type']]: Handler<EventOf<T>> } = {
  message_start: onMessageStart,
  content_block_start: onBlockStart,
  content_block_delta: onBlockDelta,
  content_block_stop: onBlockStop,
  message_delta: onMessageDelta,
  message_stop: (state) => {
    state.stopped = true;
    return [];
  },
  ping: () => [],
  error: onError,
};

export async function* anthropicStream(events: AsyncIterable<SseEvent>, opts: AnthropicStreamOptions): AsyncGenerator<StreamPart> {
  const state: StreamState = {
    provider: opts.provider,
    model: opts.model,
    usage: {},
    stopReason: null,
    toolOf: new Map(),
    tools: new ToolCallAssembler(),
    stopped: false,
  };
  let metadata: StreamPart | undefined = opts.metadata;
  try {
    for await (const ev of events) {
      // Whatever follows message_stop is read (so the connection can be reused) and ignored.
      if (state.stopped) continue;
      const frame = parseFrame<AnthropicStreamEvent>(opts.provider, ev.data);
      const type = ev.event ?? frame.type;
      if (metadata) {
        const served = type === 'message_start' ? (frame as AnthropicMessageStart).message?.model : undefined;
        yield served ? { ...opts.metadata, model: served } : metadata;
        metadata = undefined;
      }
      // Unknown event types are ignored, as Anthropic's versioning policy asks.
      const handler = handlers[type as AnthropicStreamEvent['type']] as Handler<AnthropicStreamEvent> | undefined;
      if (handler) yield* handler(state, frame);
    }
  } catch (err) {
    if (metadata) {
      yield metadata;
      metadata = undefined;
    }
    // A socket error after message_stop loses nothing.
    if (!state.stopped) throw err;
  }
  if (metadata) yield metadata;
  if (!state.stopped) {
    throw new ProviderError({ code: 'stream', provider: opts.provider, message: `${opts.provider}: the stream ended before message_stop (the answer is incomplete)` });
  }
  const usage = toUsage(state.usage);
  const price = opts.priceFor(state.model);
  yield {
    type: 'finish',
    reason: mapAnthropicFinishReason(state.stopReason),
    ...(state.stopReason ? { rawReason: state.stopReason } : {}),
    usage,
    ...(price ? { cost: costOf(usage, price) } : {}),
  };
}

function onMessageStart(state: StreamState, ev: AnthropicMessageStart): StreamPart[] {
  if (ev.message?.model) state.model = ev.message.model;
  return mergeUsage(state, ev.message?.usage);
}

function onBlockStart(state: StreamState, ev: AnthropicContentBlockStart): StreamPart[] {
  const block = ev.content_block;
  switch (block?.type) {
    case 'text':
      return block.text ? [{ type: 'text-delta', text: block.text }] : [];
    case 'thinking':
      return block.thinking ? [{ type: 'reasoning-delta', text: block.thinking }] : [];
    case 'tool_use': {
      const index = state.toolOf.size;
      state.toolOf.set(ev.index ?? index, index);
      // The input streams as input_json_delta; a start that already carries it (non-empty) counts too.
      const given = block.input && typeof block.input === 'object' && Object.keys(block.input).length ? JSON.stringify(block.input) : '';
      state.tools.add(index, { id: block.id, name: block.name, argumentsDelta: given });
      return [{ type: 'tool-call-delta', index, ...(block.id ? { id: block.id } : {}), ...(block.name ? { name: block.name } : {}), argumentsDelta: given }];
    }
    default:
      // redacted_thinking, server_tool_use, web_search_tool_result…: nothing for us to show.
      return [];
  }
}

function onBlockDelta(state: StreamState, ev: AnthropicContentBlockDelta): StreamPart[] {
  const delta = ev.delta;
  switch (delta?.type) {
    case 'text_delta':
      return delta.text ? [{ type: 'text-delta', text: delta.text }] : [];
    case 'thinking_delta':
      return delta.thinking ? [{ type: 'reasoning-delta', text: delta.thinking }] : [];
    case 'input_json_delta': {
      // Only for our tool_use blocks: server tools stream their input the same way.
      const index = state.toolOf.get(ev.index ?? -1);
      if (index === undefined || !delta.partial_json) return [];
      state.tools.add(index, { argumentsDelta: delta.partial_json });
      return [{ type: 'tool-call-delta', index, argumentsDelta: delta.partial_json }];
    }
    default:
      // signature_delta, citations_delta, …
      return [];
  }
}

function onBlockStop(state: StreamState, ev: AnthropicContentBlockStop): StreamPart[] {
  const index = state.toolOf.get(ev.index ?? -1);
  if (index === undefined) return [];
  const done = state.tools.finish().find((c) => c.index === index);
  return done ? [{ type: 'tool-call', index, call: done.call }] : [];
}

function onMessageDelta(state: StreamState, ev: AnthropicMessageDelta): StreamPart[] {
  if (ev.delta?.stop_reason) state.stopReason = ev.delta.stop_reason;
  return mergeUsage(state, ev.usage);
}

/** `event: error` after a 200 (e.g. overloaded_error, which would have been a 529 before the stream). */
function onError(state: StreamState, ev: AnthropicErrorEvent): never {
  const type = ev.error?.type;
  const code: ProviderErrorCode =
    type === 'overloaded_error' ? 'overloaded' : type === 'rate_limit_error' ? 'rate_limit' : type === 'api_error' ? 'server' : 'stream';
  throw new ProviderError({
    code,
    provider: state.provider,
    message: `${state.provider}: ${ev.error?.message ?? 'error'}${type ? ` (${type})` : ''} in the middle of the stream`,
    retryable: code !== 'stream',
    ...(type ? { providerCode: type } : {}),
  });
}

/** Cumulative counters: a field present (non-null) replaces the one before. */
function mergeUsage(state: StreamState, usage: AnthropicUsage | undefined): StreamPart[] {
  if (!usage) return [];
  for (const [k, v] of Object.entries(usage) as Array<[keyof AnthropicUsage, AnthropicUsage[keyof AnthropicUsage]]>) {
    if (v !== null && v !== undefined) (state.usage as Record<string, unknown>)[k] = v;
  }
  return [{ type: 'usage', usage: toUsage(state.usage) }];
}

/** Our Usage counts the whole prompt: Anthropic's input_tokens + cache reads + cache writes. */
export function toUsage(u: AnthropicUsage): Usage {
  const cacheRead = u.cache_read_input_tokens ?? 0;
  const cacheWrite = u.cache_creation_input_tokens ?? 0;
  const thinking = u.output_tokens_details?.thinking_tokens ?? 0;
  return {
    inputTokens: (u.input_tokens ?? 0) + cacheRead + cacheWrite,
    outputTokens: u.output_tokens ?? 0,
    ...(cacheRead ? { cachedInputTokens: cacheRead } : {}),
    ...(cacheWrite ? { cacheWriteTokens: cacheWrite } : {}),
    ...(thinking ? { reasoningTokens: thinking } : {}),
  };
}
