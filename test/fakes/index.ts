// Fake providers for tests: one HTTP server per wire protocol on 127.0.0.1:<random port>.
// See fake-server.ts for the shared recording/fault machinery.
export {
  createFakeServer,
  corruptChunk,
  estimateTokens,
  messagesText,
  randomId,
  reply,
  resolveTurn,
  splitTokens,
  streamReply,
} from './fake-server.js';
export type {
  FakeServer,
  FakeServerSpec,
  Faults,
  RecordedRequest,
  Reply,
  ReplyScript,
  ResolvedTurn,
  RouteContext,
  RouteHandler,
  ScriptReply,
  ToolCallScript,
  Turn,
} from './fake-server.js';
export { createFakeOllama, DEFAULT_OLLAMA_MODELS, fullModelName, goJson, goTime, normalizeModelName } from './ollama-server.js';
export type { FakeOllama, FakeOllamaModel, FakeOllamaOptions, OllamaModelDetails } from './ollama-server.js';
export { createFakeOpenAI, openAIError } from './openai-server.js';
export type { FakeOpenAI, FakeOpenAIModel, FakeOpenAIOptions, OpenAIErrorBody } from './openai-server.js';
export { BodyReader, ndjsonLines, settlesWithin, sseEvents } from './wire.js';
export type { SseEvent } from './wire.js';
export { anthropicError, createFakeAnthropic, DEFAULT_ANTHROPIC_MODELS, modelJson } from './anthropic-server.js';
export type { AnthropicErrorBody, AnthropicReplyScript, AnthropicScriptReply, AnthropicTurn, FakeAnthropic, FakeAnthropicModel, FakeAnthropicOptions } from './anthropic-server.js';
export { createFakeGemini, DEFAULT_GEMINI_MODELS, googleError, googleJson, googlePretty } from './gemini-server.js';
export type { FakeGemini, FakeGeminiModel, FakeGeminiOptions, GoogleErrorBody } from './gemini-server.js';
export { openAIChatChunks, openAIUsage, sseReplayChunks } from './openai-server.js';
export type { OpenAIChatChunkOptions, OpenAIDialect, OpenAIReplay } from './openai-server.js';
export { azureError, createFakeAzure, sortKeys } from './azure-server.js';
export type { AzureErrorBody, FakeAzure, FakeAzureOptions } from './azure-server.js';
export { createFakeOmen, DEFAULT_OMEN_MODELS, omenChatBodyError, omenChatRequests, omenError, omenRaceDeadlineMs } from './omen-server.js';
export type { FakeOmen, FakeOmenModel, FakeOmenOptions, FakeOmenProvider, FakeOmenQuirks, OmenErrorBody, OmenProviderId } from './omen-server.js';
