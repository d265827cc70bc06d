export type { StreamPart, StreamPartType, Usage, FinishReason, ToolCall, Cost } from './stream-parts.js';
export { ProviderError } from './errors.js';
export type { ProviderErrorCode, ProviderErrorInit } from './errors.js';
export type { ChatMessage, ChatRequest, FimRequest, EmbedRequest, CallOptions, ModelInfo, ProviderClient, Role, ToolSpec } from './provider.js';
