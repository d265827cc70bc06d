// Anthropic Messages API (kind `anthropic`): see src/providers/README.md for the file set.
export { createAnthropicProvider, parseAnthropicError } from './anthropic-provider.js';
export { ANTHROPIC_VERSION, DEFAULT_ANTHROPIC_BASE_URL, DEFAULT_MAX_TOKENS } from './anthropic-api.js';
export { anthropicStream, toUsage as anthropicUsage } from './anthropic-stream.js';
export type { AnthropicStreamOptions } from './anthropic-stream.js';
export { convertToAnthropicMessages, convertToAnthropicTools } from './convert-to-anthropic-messages.js';
export type { AnthropicPrompt } from './convert-to-anthropic-messages.js';
export { mapAnthropicFinishReason } from './map-anthropic-finish-reason.js';
