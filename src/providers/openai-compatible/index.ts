// OpenAI chat-completions protocol: OpenAI, xAI, DeepSeek, Mistral/Codestral, LiteLLM,
// llama.cpp server, vLLM, OMEN, Ollama /v1 — and the parts Azure reuses.
export { createOpenAICompatibleProvider, createOpenAICompatibleClient, openAICompatibleTarget, openAICompatibleErrorParser, keyHintFor, withExtraBody } from './openai-compatible-provider.js';
export type { OpenAICompatibleTarget, ErrorParser } from './openai-compatible-provider.js';
export { openAICompatibleStream, mapOpenAICompatibleUsage } from './openai-compatible-stream.js';
export type { OpenAICompatibleStreamOptions } from './openai-compatible-stream.js';
export { quirksFor, fimRoute, hasFim, normalizeOmenChatBody } from './openai-compatible-quirks.js';
export type { OpenAICompatibleQuirks, ServerFamily, FimSurface } from './openai-compatible-quirks.js';
export { convertToOpenAICompatibleMessages, convertToOpenAICompatibleTools } from './convert-to-openai-compatible-messages.js';
export { mapOpenAICompatibleFinishReason } from './map-openai-compatible-finish-reason.js';
