// What every provider's stream yields, whatever its wire protocol. A stream is a sequence of
// parts that ends with exactly one `finish` or one `error` part, never by throwing.
import type { ProviderError } from './errors.js';

export interface Usage {
  /** Prompt tokens, cached ones included (Anthropic's input_tokens + cache reads + writes). */
  inputTokens: number;
  outputTokens: number;
  /** Prompt tokens served from the provider's cache (billed cheaper). */
  cachedInputTokens?: number;
  /** Prompt tokens written to the cache (Anthropic bills these higher). */
  cacheWriteTokens?: number;
  /** Output tokens spent on reasoning (already counted in outputTokens). */
  reasoningTokens?: number;
}

/** Why generation stopped, normalized across providers. */
export type FinishReason = 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'other';

export interface ToolCall {
  id: string;
  name: string;
  /** The arguments as the model wrote them: a JSON text. */
  arguments: string;
}

export interface Cost {
  usd: number;
  /** The price row used, per 1M tokens, and the day it was checked. */
  price: { input: number; cachedInput?: number; cacheWrite?: number; output: number; verifiedAt: string };
}

export type StreamPart =
  /** Headers arrived: status, time to first byte, request id, any X-OMEN-* trace headers. */
  | { type: 'response-metadata'; status: number; ttfbMs: number; requestId?: string; model?: string; trace?: Record<string, string> }
  | { type: 'text-delta'; text: string }
  | { type: 'reasoning-delta'; text: string }
  /** A piece of a tool call as it streams; `index` groups the pieces of one call. */
  | { type: 'tool-call-delta'; index: number; id?: string; name?: string; argumentsDelta: string }
  /** A complete tool call, once all its pieces have arrived. */
  | { type: 'tool-call'; index: number; call: ToolCall }
  /** Token counts so far (cumulative: the last one wins). */
  | { type: 'usage'; usage: Usage }
  | { type: 'finish'; reason: FinishReason; rawReason?: string; usage?: Usage; cost?: Cost }
  | { type: 'error'; error: ProviderError };

export type StreamPartType = StreamPart['type'];
