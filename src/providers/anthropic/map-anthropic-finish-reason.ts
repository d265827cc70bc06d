// Anthropic `stop_reason` → our FinishReason.
// @see https://docs.claude.com/en/api/handling-stop-reasons
import type { FinishReason } from '../../provider/index.js';

export function mapAnthropicFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool-calls';
    case 'refusal':
      return 'content-filter';
    default:
      // pause_turn (a server tool paused a long turn), null, anything newer.
      return 'other';
  }
}
