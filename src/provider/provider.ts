// The contract every wire protocol implements (src/providers/<vendor>/). Types only, no I/O.
import type { ProviderKind } from '../config/index.js';
import type { ProbeResult } from '../protocol.js';
import type { StreamPart } from './stream-parts.js';

export type Role = 'system' | 'user' | 'assistant' | 'tool';

export interface ChatMessage {
  role: Role;
  content: string;
  /** Assistant turns that called tools. */
  toolCalls?: { id: string; name: string; arguments: string }[];
  /** Tool results: which call this answers. */
  toolCallId?: string;
}

export interface ToolSpec {
  name: string;
  description?: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

export interface CallOptions {
  signal: AbortSignal;
  /** Give up when no response headers arrive in this time (default 30 s). */
  firstByteTimeoutMs?: number;
  /** Give up when the body is silent this long mid-stream (default 60 s). */
  idleTimeoutMs?: number;
  /** Retries before the first byte of the body, per the SDKs' rules (default 2). */
  maxRetries?: number;
}

export interface ChatRequest extends CallOptions {
  model: string;
  messages: ChatMessage[];
  tools?: ToolSpec[];
  maxTokens?: number;
  temperature?: number;
  stop?: string[];
  /** Extra top-level body fields for OpenAI-compatible servers (OMEN's `tags` and `omen`). */
  extraBody?: Record<string, unknown>;
}

/** Fill-in-the-middle: complete between `prefix` and `suffix`. */
export interface FimRequest extends CallOptions {
  model: string;
  prefix: string;
  suffix: string;
  maxTokens?: number;
  temperature?: number;
  stop?: string[];
}

export interface EmbedRequest extends CallOptions {
  model: string;
  input: string[];
}

export interface ModelInfo {
  /** The id the provider wants in requests. */
  id: string;
  provider: string;
  /** Which Ollama endpoint has it (Ollama only). */
  endpoint?: string;
  contextWindow?: number;
  capabilities?: { fim?: boolean; tools?: boolean; vision?: boolean; embedding?: boolean };
}

export interface ProviderClient {
  readonly name: string;
  readonly kind: ProviderKind;
  chat(req: ChatRequest): AsyncIterable<StreamPart>;
  /** Absent when the protocol has no FIM surface. */
  fim?(req: FimRequest): AsyncIterable<StreamPart>;
  embed?(req: EmbedRequest): Promise<number[][]>;
  listModels(opts: CallOptions): Promise<ModelInfo[]>;
  /** Cheap and never billable: a model list or a version. One result per address. */
  health(opts: CallOptions): Promise<ProbeResult[]>;
}
