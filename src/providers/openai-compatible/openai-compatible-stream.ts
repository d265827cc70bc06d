// SSE frames of the OpenAI dialects → StreamParts. Used as is by Azure. One handler per frame
// kind (chat / legacy-completions chunk, llama.cpp native frame, usage, in-band error), the
// stream's state in one small object. Tolerates what compatible servers and OMEN do:
// `: keep-alive` comments (dropped by the SSE parser), foreign `event:` frames (skipped),
// `content: null`, empty `choices` (Azure's prompt-filter frame), usage on any chunk, and a
// body that ends without `[DONE]` once a finish_reason has arrived.
import { ProviderError, type FinishReason, type StreamPart, type Usage } from '../../provider/index.js';
import { costOf, parseFrame, ToolCallAssembler, type Price, type SseEvent } from '../shared/index.js';
import type { LlamaCppFrame, OpenAIChunk, OpenAIChunkChoice, OpenAIUsage } from './openai-compatible-api.js';
import { mapOpenAICompatibleFinishReason } from './map-openai-compatible-finish-reason.js';

export interface OpenAICompatibleStreamOptions {
  /** Provider name, for error messages. */
  provider: string;
  /** A body that ends with neither finish_reason nor `[DONE]` still counts as finished (OMEN cuts streams so). */
  eofIsFinish?: boolean;
  /** Price for the answer, given the model the server reported (if any); undefined when unknown. */
  priceFor?: (reportedModel: string | undefined) => Price | undefined;
  /** Told about each frame skipped as foreign (for the debug log). */
  onIgnored?: (what: string) => void;
  /**
   * OMEN forwards an Anthropic-backed model's stream as raw Anthropic SSE. When no OpenAI
   * chunk has arrived, read those frames' text, stop reason and usage instead of skipping them.
   */
  anthropicFrames?: boolean;
}

interface StreamState {
  /** The raw finish reason, once one arrived. */
  rawFinish?: string;
  usage?: Usage;
  /** The model the server reports (Azure: the real version behind the deployment). */
  model?: string;
  tools: ToolCallAssembler;
  /** An OpenAI-style chunk has arrived: Anthropic frames are strays from then on. */
  sawOpenAI?: boolean;
  /** Indexes whose name has been seen: a later repeat of the name is not appended. */
  named: Set<number>;
  toolsEmitted: boolean;
}

export async function* openAICompatibleStream(events: AsyncIterable<SseEvent>, opts: OpenAICompatibleStreamOptions): AsyncGenerator<StreamPart> {
  const state: StreamState = { tools: new ToolCallAssembler(), named: new Set(), toolsEmitted: false };
  let finished = false;
  try {
    for await (const ev of events) {
      // After [DONE] the body is read to its end so the keep-alive connection can be reused.
      if (finished) continue;
      if (ev.event !== undefined && ev.event !== 'message' && ev.event !== 'error') {
        if (opts.anthropicFrames && !state.sawOpenAI) {
          const done = yield* handleAnthropicFrame(state, ev.event, ev.data, opts);
          if (done) {
            yield* finish(state, opts);
            finished = true;
          }
          continue;
        }
        opts.onIgnored?.(`event: ${ev.event}`);
        continue;
      }
      const data = ev.data.trim();
      if (data === '') continue;
      if (data === '[DONE]') {
        yield* finish(state, opts);
        finished = true;
        continue;
      }
      yield* handleFrame(state, parseFrame<OpenAIChunk & LlamaCppFrame>(opts.provider, data), opts);
    }
  } catch (err) {
    // A broken connection after [DONE] loses nothing.
    if (!finished) throw err;
    return;
  }
  if (finished) return;
  if (state.rawFinish === undefined && !opts.eofIsFinish) {
    throw new ProviderError({
      code: 'stream',
      provider: opts.provider,
      message: `${opts.provider}: the stream ended before the answer was complete (no finish_reason, no [DONE])`,
    });
  }
  yield* finish(state, opts);
}

/** Anthropic's named events as OMEN passes them through. Returns true at message_stop. */
function* handleAnthropicFrame(state: StreamState, event: string, data: string, opts: OpenAICompatibleStreamOptions): Generator<StreamPart, boolean> {
  const frame = parseFrame<{
    message?: { model?: string; usage?: { input_tokens?: number; output_tokens?: number } };
    delta?: { type?: string; text?: string; thinking?: string; stop_reason?: string };
    usage?: { output_tokens?: number };
    error?: { type?: string; message?: string };
  }>(opts.provider, data);
  switch (event) {
    case 'message_start':
      if (frame.message?.model) state.model = frame.message.model;
      if (frame.message?.usage?.input_tokens !== undefined) state.usage = { inputTokens: frame.message.usage.input_tokens, outputTokens: frame.message.usage.output_tokens ?? 0 };
      return false;
    case 'content_block_delta':
      if (frame.delta?.type === 'text_delta' && frame.delta.text) yield { type: 'text-delta', text: frame.delta.text };
      if (frame.delta?.type === 'thinking_delta' && frame.delta.thinking) yield { type: 'reasoning-delta', text: frame.delta.thinking };
      return false;
    case 'message_delta': {
      const stop = frame.delta?.stop_reason;
      if (stop) state.rawFinish = stop === 'end_turn' || stop === 'stop_sequence' ? 'stop' : stop === 'max_tokens' ? 'length' : stop === 'tool_use' ? 'tool_calls' : stop;
      if (frame.usage?.output_tokens !== undefined) yield* handleUsage(state, { inputTokens: state.usage?.inputTokens ?? 0, outputTokens: frame.usage.output_tokens });
      return false;
    }
    case 'message_stop':
      state.rawFinish ??= 'stop';
      return true;
    case 'error':
      throw inBandError(opts.provider, frame.error ?? { message: data });
    default:
      return false; // ping, content_block_start/stop
  }
}

function* handleFrame(state: StreamState, frame: OpenAIChunk & LlamaCppFrame, opts: OpenAICompatibleStreamOptions): Generator<StreamPart> {
  state.sawOpenAI = true;
  if (frame.error !== undefined && frame.error !== null) throw inBandError(opts.provider, frame.error);
  if (typeof frame.model === 'string' && frame.model !== '') state.model = frame.model;
  if (Array.isArray(frame.choices)) {
    // We always ask for one choice; Azure's filter-only frames have none.
    const choice = frame.choices.find((c) => (c.index ?? 0) === 0);
    if (choice) yield* handleChoice(state, choice);
  } else if (typeof frame.content === 'string' || typeof frame.stop === 'boolean') {
    yield* handleLlamaCppFrame(state, frame);
  }
  if (frame.usage) yield* handleUsage(state, mapOpenAICompatibleUsage(frame.usage));
}

function* handleChoice(state: StreamState, choice: OpenAIChunkChoice): Generator<StreamPart> {
  const delta = choice.delta ?? undefined;
  const reasoning = delta?.reasoning_content ?? delta?.reasoning;
  if (typeof reasoning === 'string' && reasoning !== '') yield { type: 'reasoning-delta', text: reasoning };
  const text = delta?.content ?? choice.text;
  if (typeof text === 'string' && text !== '') yield { type: 'text-delta', text };
  if (typeof delta?.refusal === 'string' && delta.refusal !== '') yield { type: 'text-delta', text: delta.refusal };
  for (const tc of delta?.tool_calls ?? []) {
    // `index` is required by the spec; without it a piece with an id starts a new call.
    const index = typeof tc.index === 'number' ? tc.index : tc.id ? state.tools.size : Math.max(0, state.tools.size - 1);
    const id = tc.id || undefined;
    const name = tc.function?.name && !state.named.has(index) ? tc.function.name : undefined;
    if (name) state.named.add(index);
    const argumentsDelta = tc.function?.arguments ?? '';
    state.tools.add(index, { id, name, argumentsDelta });
    yield { type: 'tool-call-delta', index, ...(id ? { id } : {}), ...(name ? { name } : {}), argumentsDelta };
  }
  if (choice.finish_reason) {
    state.rawFinish = choice.finish_reason;
    yield* emitToolCalls(state);
  }
}

/** llama.cpp's native `/infill` stream: `{"content":"…","stop":false}` … `{"stop":true,"stop_type":"eos",…}`, no [DONE]. */
function* handleLlamaCppFrame(state: StreamState, frame: LlamaCppFrame): Generator<StreamPart> {
  if (frame.content) yield { type: 'text-delta', text: frame.content };
  if (frame.stop === true) {
    state.rawFinish = frame.stop_type && frame.stop_type !== 'none' ? frame.stop_type : 'stop';
    if (frame.tokens_evaluated !== undefined || frame.tokens_predicted !== undefined) {
      yield* handleUsage(state, { inputTokens: frame.tokens_evaluated ?? 0, outputTokens: frame.tokens_predicted ?? 0 });
    }
  }
}

function* handleUsage(state: StreamState, usage: Usage): Generator<StreamPart> {
  // Ollama /v1 sends a zeroed usage on every completions chunk; only real counts are news.
  if (usage.inputTokens === 0 && usage.outputTokens === 0) return;
  if (state.usage && JSON.stringify(state.usage) === JSON.stringify(usage)) return;
  state.usage = usage;
  yield { type: 'usage', usage };
}

function* emitToolCalls(state: StreamState): Generator<StreamPart> {
  if (state.toolsEmitted) return;
  state.toolsEmitted = true;
  for (const { index, call } of state.tools.finish()) yield { type: 'tool-call', index, call };
}

function* finish(state: StreamState, opts: OpenAICompatibleStreamOptions): Generator<StreamPart> {
  yield* emitToolCalls(state);
  let reason: FinishReason = state.rawFinish !== undefined ? mapOpenAICompatibleFinishReason(state.rawFinish) : 'other';
  // Some servers (older vLLM, llama.cpp) say `stop` after streaming tool calls.
  if (reason === 'stop' && state.tools.size > 0) reason = 'tool-calls';
  const price = state.usage ? opts.priceFor?.(state.model) : undefined;
  yield {
    type: 'finish',
    reason,
    ...(state.rawFinish !== undefined ? { rawReason: state.rawFinish } : {}),
    ...(state.usage ? { usage: state.usage } : {}),
    ...(state.usage && price ? { cost: costOf(state.usage, price) } : {}),
  };
}

/**
 * OpenAI usage → ours. `prompt_tokens` already includes cached tokens (DeepSeek's
 * `prompt_cache_hit_tokens` too). OpenAI counts reasoning inside `completion_tokens`; xAI
 * reports it beside them (`total = prompt + completion + reasoning`), which the totals show,
 * so such reasoning is added to the output tokens it is billed as.
 */
export function mapOpenAICompatibleUsage(u: OpenAIUsage): Usage {
  const cached = u.prompt_tokens_details?.cached_tokens || u.prompt_cache_hit_tokens || 0;
  const reasoning = u.completion_tokens_details?.reasoning_tokens || 0;
  const input = u.prompt_tokens ?? (u.prompt_cache_hit_tokens ?? 0) + (u.prompt_cache_miss_tokens ?? 0);
  const completion = u.completion_tokens ?? 0;
  const reasoningOutside = reasoning > 0 && u.total_tokens === input + completion + reasoning;
  return {
    inputTokens: input,
    outputTokens: reasoningOutside ? completion + reasoning : completion,
    ...(cached > 0 ? { cachedInputTokens: cached } : {}),
    ...(reasoning > 0 ? { reasoningTokens: reasoning } : {}),
  };
}

/** `data: {"error": …}` after a 200: OpenAI's object, xAI's / OMEN's string, Anthropic's `{type, error}` via OMEN. */
function inBandError(provider: string, error: unknown): ProviderError {
  const e = typeof error === 'object' && error !== null ? (error as { message?: unknown; type?: unknown; code?: unknown }) : undefined;
  const message = typeof error === 'string' ? error : typeof e?.message === 'string' ? e.message : JSON.stringify(error).slice(0, 200);
  const providerCode = [e?.code, e?.type].find((v): v is string => typeof v === 'string' && v !== '');
  return new ProviderError({
    code: 'stream',
    provider,
    message: `${provider} reported an error mid-stream: ${message}`,
    ...(providerCode ? { providerCode } : {}),
  });
}
