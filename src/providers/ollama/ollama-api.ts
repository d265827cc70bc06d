// Ollama's native API, the shapes we send and read (shared/reference/providers.md §1).
// Field order follows the Go structs; metric fields are `omitempty`, so any of them may be
// missing when zero. Durations are nanoseconds.

/** `options` of /api/chat, /api/generate, /api/embed (only the keys we set). */
export interface OllamaOptions {
  /** Context window; a load-time option: changing it can reload the model. */
  num_ctx?: number;
  /** Max tokens to generate. */
  num_predict?: number;
  temperature?: number;
  stop?: string[];
}

/** A duration string (`"5m"`, `"-1"` is not one) or seconds; 0 unloads after the call, negative keeps forever. */
export type OllamaKeepAlive = string | number;

export interface OllamaToolCall {
  /** Newer servers only. */
  id?: string;
  function: {
    /** Newer servers only: the call's position in the response. */
    index?: number;
    name: string;
    /** A JSON object, never a string, and never fragmented. */
    arguments: Record<string, unknown>;
  };
}

export interface OllamaMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  thinking?: string;
  images?: string[];
  tool_calls?: OllamaToolCall[];
  /** Tool results: the name of the tool that produced this content. */
  tool_name?: string;
  /** Tool results: the id of the call answered (newer servers). */
  tool_call_id?: string;
}

export interface OllamaTool {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

export type OllamaThink = boolean | 'low' | 'medium' | 'high';

export interface OllamaChatRequest {
  model: string;
  messages: OllamaMessage[];
  tools?: OllamaTool[];
  think?: OllamaThink;
  stream: boolean;
  options?: OllamaOptions;
  keep_alive?: OllamaKeepAlive;
}

export interface OllamaGenerateRequest {
  model: string;
  prompt: string;
  /** Server-side FIM: needs the model's `insert` capability. Never with `raw`. */
  suffix?: string;
  /** No template at all: the prompt is sent as the model's input, special tokens included. */
  raw?: boolean;
  stream: boolean;
  options?: OllamaOptions;
  keep_alive?: OllamaKeepAlive;
}

export interface OllamaMetrics {
  total_duration?: number;
  load_duration?: number;
  prompt_eval_count?: number;
  prompt_eval_duration?: number;
  eval_count?: number;
  eval_duration?: number;
}

/** One NDJSON line of /api/chat (`message`) or /api/generate (`response`), or an in-band error. */
export interface OllamaStreamLine extends OllamaMetrics {
  model?: string;
  created_at?: string;
  message?: { role?: string; content?: string; thinking?: string; tool_calls?: OllamaToolCall[] };
  response?: string;
  thinking?: string;
  done?: boolean;
  /** `stop`, `length`, `load`, `unload`; absent when empty. */
  done_reason?: string;
  /** /api/generate without raw: the token context (deprecated). */
  context?: number[];
  /** A failure after the 200 status: the last line of the stream. */
  error?: string;
}

export interface OllamaModelDetails {
  parent_model?: string;
  format?: string;
  family?: string;
  families?: string[] | null;
  parameter_size?: string;
  quantization_level?: string;
}

export interface OllamaTagModel {
  name: string;
  model?: string;
  modified_at?: string;
  size?: number;
  digest?: string;
  details?: OllamaModelDetails;
  /** Newer servers only. */
  capabilities?: string[];
}

export interface OllamaTagsResponse {
  models: OllamaTagModel[];
}

export interface OllamaVersionResponse {
  version: string;
}

export interface OllamaShowResponse {
  modelfile?: string;
  parameters?: string;
  /** Go template text; contains `.Suffix` when the model supports FIM. */
  template?: string;
  details?: OllamaModelDetails;
  /** `general.architecture`, `<arch>.context_length`, … */
  model_info?: Record<string, unknown>;
  /** `completion`, `insert`, `tools`, `vision`, `embedding`, `thinking`, … (absent on old servers). */
  capabilities?: string[];
  modified_at?: string;
}

export interface OllamaPsModel {
  name: string;
  model?: string;
  size?: number;
  digest?: string;
  details?: OllamaModelDetails;
  expires_at?: string;
  size_vram?: number;
  /** Current servers only. */
  context_length?: number;
}

export interface OllamaPsResponse {
  models: OllamaPsModel[];
}

export interface OllamaEmbedRequest {
  model: string;
  input: string[];
  options?: OllamaOptions;
  keep_alive?: OllamaKeepAlive;
}

export interface OllamaEmbedResponse extends Pick<OllamaMetrics, 'total_duration' | 'load_duration' | 'prompt_eval_count'> {
  model?: string;
  embeddings: number[][];
}

/** Error bodies: `{"error":"model 'x' not found"}`. */
export interface OllamaErrorBody {
  error: string;
}
