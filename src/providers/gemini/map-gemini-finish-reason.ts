// Gemini `finishReason` → FinishReason. A function-call turn ends with STOP (Gemini has no
// tool reason), so the stream turns STOP into `tool-calls` when the turn called tools.
import type { FinishReason } from '../../provider/index.js';

const CONTENT_FILTER = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

export function mapGeminiFinishReason(reason: string | undefined, hasToolCalls = false): FinishReason {
  if (reason === 'STOP') return hasToolCalls ? 'tool-calls' : 'stop';
  if (reason === 'MAX_TOKENS') return 'length';
  if (reason !== undefined && CONTENT_FILTER.has(reason)) return 'content-filter';
  // LANGUAGE, OTHER, MALFORMED_FUNCTION_CALL, UNEXPECTED_TOOL_CALL, TOO_MANY_TOOL_CALLS,
  // NO_IMAGE, IMAGE_OTHER, FINISH_REASON_UNSPECIFIED and anything newer.
  return 'other';
}

/** `promptFeedback.blockReason` (SAFETY, OTHER, BLOCKLIST, PROHIBITED_CONTENT, IMAGE_SAFETY…): the prompt itself was refused. */
export function mapGeminiBlockReason(_reason: string): FinishReason {
  return 'content-filter';
}
