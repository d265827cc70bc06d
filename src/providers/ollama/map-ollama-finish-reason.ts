// Ollama's `done_reason` → FinishReason. Ollama says `stop` after a tool call too (its own
// OpenAI-compatible layer maps that to `tool_calls`, and so do we).
import type { FinishReason } from '../../provider/index.js';

export function mapOllamaFinishReason(doneReason: string | undefined, sawToolCalls: boolean): FinishReason {
  switch (doneReason) {
    case undefined:
    case '':
    case 'stop':
      return sawToolCalls ? 'tool-calls' : 'stop';
    case 'length':
      return 'length';
    // `load` / `unload`: the call only (un)loaded the model, nothing was generated.
    default:
      return 'other';
  }
}
