// Request and response shapes of the Gemini Generative Language API (v1beta), as far as zeke
// reads or writes them (shared/reference/providers.md §5). Every field the server may omit is
// optional: Google drops empty and zero fields from its JSON.

// ---------------------------------------------------------------------------------------------
// Request

export type GeminiRole = 'user' | 'model';

export interface GeminiFunctionCall {
  name: string;
  args?: Record<string, unknown>;
  /** Gemini 3 sends call ids; 2.x models do not. */
  id?: string;
}

export interface GeminiFunctionResponse {
  name: string;
  /** A JSON object. `output` / `error` keys carry the result; otherwise the whole object is. */
  response: Record<string, unknown>;
  id?: string;
}

export interface GeminiPart {
  text?: string;
  /** A reasoning summary part (only sent when `thinkingConfig.includeThoughts` is on). */
  thought?: boolean;
  /** Opaque; Gemini 3 wants it echoed back on the function-call part of later turns. */
  thoughtSignature?: string;
  inlineData?: { mimeType: string; data: string };
  functionCall?: GeminiFunctionCall;
  functionResponse?: GeminiFunctionResponse;
}

export interface GeminiContent {
  role?: GeminiRole;
  parts: GeminiPart[];
}

export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  /** The OpenAPI-subset schema Gemini accepts. */
  parameters?: Record<string, unknown>;
}

export interface GeminiGenerationConfig {
  temperature?: number;
  topP?: number;
  topK?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  candidateCount?: number;
  thinkingConfig?: { thinkingBudget?: number; includeThoughts?: boolean };
}

export interface GeminiGenerateContentRequest {
  systemInstruction?: GeminiContent;
  contents: GeminiContent[];
  generationConfig?: GeminiGenerationConfig;
  tools?: { functionDeclarations: GeminiFunctionDeclaration[] }[];
}

export interface GeminiBatchEmbedRequest {
  requests: { model: string; content: GeminiContent; taskType?: string; outputDimensionality?: number }[];
}

// ---------------------------------------------------------------------------------------------
// Response

export type GeminiFinishReason =
  | 'FINISH_REASON_UNSPECIFIED'
  | 'STOP'
  | 'MAX_TOKENS'
  | 'SAFETY'
  | 'RECITATION'
  | 'LANGUAGE'
  | 'OTHER'
  | 'BLOCKLIST'
  | 'PROHIBITED_CONTENT'
  | 'SPII'
  | 'MALFORMED_FUNCTION_CALL'
  | 'IMAGE_SAFETY'
  | 'UNEXPECTED_TOOL_CALL'
  | 'TOO_MANY_TOOL_CALLS'
  | 'IMAGE_PROHIBITED_CONTENT'
  | 'NO_IMAGE'
  | 'IMAGE_RECITATION'
  | 'IMAGE_OTHER';

export interface GeminiModalityTokenCount {
  modality: string;
  tokenCount?: number;
}

export interface GeminiUsageMetadata {
  /** Includes cachedContentTokenCount. */
  promptTokenCount?: number;
  cachedContentTokenCount?: number;
  /** Absent on thought-only chunks. */
  candidatesTokenCount?: number;
  toolUsePromptTokenCount?: number;
  thoughtsTokenCount?: number;
  totalTokenCount?: number;
  promptTokensDetails?: GeminiModalityTokenCount[];
  cacheTokensDetails?: GeminiModalityTokenCount[];
  candidatesTokensDetails?: GeminiModalityTokenCount[];
  toolUsePromptTokensDetails?: GeminiModalityTokenCount[];
  trafficType?: string;
}

export interface GeminiSafetyRating {
  category: string;
  probability: string;
  blocked?: boolean;
}

export interface GeminiCandidate {
  content?: GeminiContent;
  /** Only on the last chunk of a stream (older models repeated STOP on every chunk). */
  finishReason?: GeminiFinishReason | string;
  finishMessage?: string;
  index?: number;
  safetyRatings?: GeminiSafetyRating[];
  citationMetadata?: unknown;
  groundingMetadata?: unknown;
}

export interface GeminiErrorBody {
  code?: number;
  message?: string;
  /** Canonical code: INVALID_ARGUMENT, PERMISSION_DENIED, RESOURCE_EXHAUSTED, UNAVAILABLE… */
  status?: string;
  details?: GeminiErrorDetail[];
}

export interface GeminiErrorDetail {
  '@type'?: string;
  /** google.rpc.ErrorInfo */
  reason?: string;
  domain?: string;
  metadata?: Record<string, string>;
  /** google.rpc.RetryInfo: a proto Duration such as "47s" or "0.5s". */
  retryDelay?: string;
  /** google.rpc.QuotaFailure */
  violations?: { quotaMetric?: string; quotaId?: string; quotaDimensions?: Record<string, string>; quotaValue?: string }[];
  [key: string]: unknown;
}

/** One SSE event of `:streamGenerateContent?alt=sse`, or the whole `:generateContent` answer. */
export interface GeminiGenerateContentResponse {
  candidates?: GeminiCandidate[];
  /** A blocked prompt: 200 with `promptFeedback.blockReason` and no candidates. */
  promptFeedback?: { blockReason?: string; safetyRatings?: GeminiSafetyRating[] };
  usageMetadata?: GeminiUsageMetadata;
  modelVersion?: string;
  responseId?: string;
  /** An error reported inside a stream that began with 200. */
  error?: GeminiErrorBody;
}

export interface GeminiModel {
  /** `models/gemini-2.5-flash` */
  name: string;
  baseModelId?: string;
  version?: string;
  displayName?: string;
  description?: string;
  inputTokenLimit?: number;
  outputTokenLimit?: number;
  supportedGenerationMethods?: string[];
  temperature?: number;
  maxTemperature?: number;
  topP?: number;
  topK?: number;
  thinking?: boolean;
}

export interface GeminiListModelsResponse {
  models?: GeminiModel[];
  nextPageToken?: string;
}

export interface GeminiBatchEmbedResponse {
  embeddings?: { values?: number[] }[];
}
