// The finish reasons of the OpenAI dialects → ours.
import type { FinishReason } from '../../provider/index.js';

/**
 * @see https://platform.openai.com/docs/api-reference/chat/object (stop, length, tool_calls, content_filter, function_call)
 * Mistral adds `model_length` (context full) and `error`; llama.cpp's native stream says
 * `eos` / `word` / `limit`; Ollama /v1 sends `stop` or `length`.
 */
export function mapOpenAICompatibleFinishReason(raw: string | null | undefined): FinishReason {
  switch (raw) {
    case 'stop':
    case 'eos':
    case 'word':
      return 'stop';
    case 'length':
    case 'model_length':
    case 'limit':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool-calls';
    case 'content_filter':
      return 'content-filter';
    default:
      return 'other';
  }
}
