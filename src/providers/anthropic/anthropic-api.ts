// Request and response shapes of the Anthropic Messages API, as sent with
// `anthropic-version: 2023-06-01` (the fields we use; unknown ones are ignored on the way in).
// @see https://docs.claude.com/en/api/messages
// @see https://docs.claude.com/en/docs/build-with-claude/streaming

/** The API version we speak. 2026-10-21 exists (SDK 1.x) but nothing here needs it. */
export const ANTHROPIC_VERSION = '2023-06-01';
export const DEFAULT_ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
/** `max_tokens` is required by the API; used when the request gives none. */
export const DEFAULT_MAX_TOKENS = 4096;

// ---------------------------------------------------------------------------------------------
// Request

export interface AnthropicTextBlockParam {
  type: 'text';
  text: string;
}

export interface AnthropicToolUseBlockParam {
  type: 'tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
}

export interface AnthropicToolResultBlockParam {
  type: 'tool_result';
  tool_use_id: string;
  content: string;
}

export type AnthropicContentBlockParam = AnthropicTextBlockParam | AnthropicToolUseBlockParam | AnthropicToolResultBlockParam;

export interface AnthropicMessageParam {
  role: 'user' | 'assistant';
  content: string | AnthropicContentBlockParam[];
}

export interface AnthropicToolParam {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
}

export interface AnthropicMessagesRequest {
  model: string;
  max_tokens: number;
  system?: string;
  messages: AnthropicMessageParam[];
  stream: true;
  temperature?: number;
  stop_sequences?: string[];
  tools?: AnthropicToolParam[];
}

// ---------------------------------------------------------------------------------------------
// Stream events (§4.2). Every field is optional on the way in: we trust no frame's shape.

/** `Usage` in message_start; `MessageDeltaUsage` (cumulative, nullable fields) in message_delta. */
export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  output_tokens_details?: { thinking_tokens?: number | null } | null;
}

export type AnthropicStopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal' | 'model_context_window_exceeded';

export interface AnthropicMessageStart {
  type: 'message_start';
  message?: { id?: string; model?: string; usage?: AnthropicUsage };
}

export interface AnthropicContentBlockStart {
  type: 'content_block_start';
  index?: number;
  /** text, thinking, redacted_thinking, tool_use, server_tool_use, web_search_tool_result, … */
  content_block?: { type?: string; text?: string; thinking?: string; id?: string; name?: string; input?: unknown };
}

export interface AnthropicContentBlockDelta {
  type: 'content_block_delta';
  index?: number;
  /** text_delta, thinking_delta, input_json_delta, signature_delta, citations_delta, … */
  delta?: { type?: string; text?: string; thinking?: string; partial_json?: string };
}

export interface AnthropicContentBlockStop {
  type: 'content_block_stop';
  index?: number;
}

export interface AnthropicMessageDelta {
  type: 'message_delta';
  delta?: { stop_reason?: AnthropicStopReason | string | null; stop_sequence?: string | null };
  usage?: AnthropicUsage;
}

export interface AnthropicErrorEvent {
  type: 'error';
  error?: { type?: string; message?: string };
}

export type AnthropicStreamEvent =
  | AnthropicMessageStart
  | AnthropicContentBlockStart
  | AnthropicContentBlockDelta
  | AnthropicContentBlockStop
  | AnthropicMessageDelta
  | { type: 'message_stop' }
  | { type: 'ping' }
  | AnthropicErrorEvent;

// ---------------------------------------------------------------------------------------------
// Errors (§4.4) and GET /v1/models (§4.5)

export interface AnthropicErrorBody {
  type?: 'error';
  error?: { type?: string; message?: string };
  request_id?: string;
}

export interface AnthropicModelInfo {
  type?: 'model';
  id: string;
  display_name?: string;
  created_at?: string;
  max_input_tokens?: number | null;
  max_tokens?: number | null;
  capabilities?: { image_input?: { supported?: boolean } | null } | null;
}

export interface AnthropicModelList {
  data?: AnthropicModelInfo[];
  has_more?: boolean;
  first_id?: string | null;
  last_id?: string | null;
}
