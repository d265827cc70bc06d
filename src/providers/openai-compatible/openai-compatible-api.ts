// Request and response shapes of the OpenAI chat-completions wire protocol and the dialects
// we speak through it (xAI, DeepSeek, Mistral/Codestral, llama.cpp, vLLM, LiteLLM, Ollama /v1,
// OMEN, Azure). Only the fields we send or read; every response field is optional because
// compatible servers leave out whatever they like.
// @see https://platform.openai.com/docs/api-reference/chat/streaming

export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type OpenAIChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  /** `content` is always a string: OMEN rejects `null` (ghost-stack §2.3), OpenAI accepts `""`. */
  | { role: 'assistant'; content: string; tool_calls?: OpenAIToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface OpenAIFunctionTool {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

export interface OpenAIChatRequest {
  model: string;
  messages: OpenAIChatMessage[];
  stream: true;
  stream_options?: { include_usage: true };
  tools?: OpenAIFunctionTool[];
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  /** Always an array: OMEN rejects a bare string. */
  stop?: string[];
}

/** `/completions` (OpenAI legacy, vLLM, Ollama /v1, DeepSeek `/beta/completions`) and Codestral `/fim/completions`. */
export interface OpenAICompletionRequest {
  model: string;
  prompt: string;
  suffix: string;
  stream: true;
  stream_options?: { include_usage: true };
  max_tokens?: number;
  temperature?: number;
  stop?: string[];
}

/** llama.cpp server `POST /infill` (its native completion options, not OpenAI's). */
export interface LlamaCppInfillRequest {
  model: string;
  input_prefix: string;
  input_suffix: string;
  prompt: string;
  stream: true;
  n_predict?: number;
  temperature?: number;
  stop?: string[];
  /** Reuse the KV cache of the previous request: the prefix mostly repeats between keystrokes. */
  cache_prompt: true;
}

export interface OpenAIEmbeddingRequest {
  model: string;
  input: string[];
  encoding_format: 'float';
}

// ---------------------------------------------------------------------------------------------
// Responses

export interface OpenAIUsage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  total_tokens?: number | null;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
  /** DeepSeek: prompt_tokens = hit + miss. */
  prompt_cache_hit_tokens?: number | null;
  prompt_cache_miss_tokens?: number | null;
}

export interface OpenAIToolCallDelta {
  index?: number;
  id?: string | null;
  type?: 'function' | null;
  function?: { name?: string | null; arguments?: string | null } | null;
}

export interface OpenAIChunkChoice {
  index?: number;
  delta?: {
    role?: string | null;
    content?: string | null;
    /** DeepSeek, xAI. */
    reasoning_content?: string | null;
    /** vLLM, OpenRouter, Ollama /v1. */
    reasoning?: string | null;
    refusal?: string | null;
    tool_calls?: OpenAIToolCallDelta[] | null;
  } | null;
  /** Legacy `/completions` chunks carry text here instead of a delta. */
  text?: string | null;
  finish_reason?: string | null;
}

/** One `data:` event of a chat (or legacy completions) stream. */
export interface OpenAIChunk {
  id?: string;
  object?: string;
  model?: string;
  choices?: OpenAIChunkChoice[] | null;
  usage?: OpenAIUsage | null;
  /** Mid-stream failure after a 200 (OpenAI SDK semantics); xAI/OMEN may send a bare string. */
  error?: unknown;
}

/** A frame of llama.cpp's native `/completion` / `/infill` stream. */
export interface LlamaCppFrame {
  content?: string;
  stop?: boolean;
  /** `eos`, `word` (a stop string), `limit` (n_predict), `none`. */
  stop_type?: string;
  tokens_evaluated?: number;
  tokens_predicted?: number;
}

export interface OpenAIModelList {
  data?: Array<{
    id?: string;
    /** OpenRouter, Together. */
    context_length?: number;
    /** Mistral. */
    max_context_length?: number;
    /** Mistral `{completion_chat, completion_fim, function_calling, vision}`; Azure `{chat_completion, completion, embeddings}`. */
    capabilities?: Record<string, unknown>;
    /** llama.cpp. */
    meta?: { n_ctx_train?: number } | null;
  }>;
}

export interface OpenAIEmbeddingResponse {
  data?: Array<{ index?: number; embedding?: number[] }>;
}

/** OpenAI's four-key envelope; Azure drops `type`/`param` and sends `code` as a string. */
export interface OpenAIErrorEnvelope {
  error?: { message?: string; type?: string; code?: string | number | null; param?: string | null } | string;
  /** xAI puts a sentence here next to a string `error`. */
  code?: string;
  /** Mistral: a string on 401, `{detail}` on 422. */
  message?: string | { detail?: unknown };
  /** FastAPI servers (Mistral, vLLM): a string or `[{loc, msg, type}]`. */
  detail?: unknown;
}
