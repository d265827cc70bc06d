// What one completion request sends: a FimRequest for models with fill-in-the-middle (the
// provider applies the family's template: Ollama `suffix` or a raw template, Codestral /fim,
// llama.cpp /infill, /completions), or a compact chat prompt for chat-only models.
import type { ChatMessage, FimRequest } from '../provider/index.js';
import { fimTemplateFor } from '../providers/fim-templates.js';

export interface PromptContext {
  /** Snippet block (comments) + the trimmed text before the cursor. */
  prefix: string;
  /** The trimmed text after the cursor. */
  suffix: string;
  /** The cursor's line has text after the cursor: one line is enough. */
  singleLine: boolean;
  filetype: string;
  path?: string;
}

/** Primary suggestion 0; alternatives warmer: 0.2 + 0.2·k. */
export function temperatureFor(variant: number): number {
  return variant > 0 ? Math.round((0.2 + 0.2 * variant) * 100) / 100 : 0;
}

/**
 * The FIM request. Mid-line it stops at the line end (a single line is all we show), and
 * then also passes the family's own stop tokens: on Ollama a request's `stop` replaces the
 * Modelfile's.
 */
export function fimRequest(model: string, ctx: PromptContext, o: { maxTokens: number; temperature: number; signal: AbortSignal }): FimRequest {
  const stop = ctx.singleLine ? [...(fimTemplateFor(model)?.stop ?? []), '\n'] : undefined;
  return {
    model,
    prefix: ctx.prefix,
    suffix: ctx.suffix,
    maxTokens: o.maxTokens,
    temperature: o.temperature,
    ...(stop ? { stop } : {}),
    signal: o.signal,
    // A completion is worthless late: fail fast instead of waiting on a retry.
    maxRetries: 0,
  };
}

export const FILL = '{{FILL_HERE}}';

export const CHAT_SYSTEM =
  `You are a code completion engine. You are shown one file with the cursor marked ${FILL}. ` +
  'Reply with exactly the text to insert at the cursor and nothing else: no explanation, no markdown fences, ' +
  'no repetition of the code before or after the cursor. Keep it short: finish the current statement or block. ' +
  'If nothing should be inserted, reply with an empty message.';

/**
 * The chat-only prompt (models without FIM): the file with a hole marker, Continue's
 * "hole filler" idea without the few-shot examples (short prompt, short latency).
 * Post-processing strips the fences and <think> blocks chat models add anyway.
 */
export function chatMessages(ctx: PromptContext): ChatMessage[] {
  const head = ctx.path ? `<file path="${ctx.path}"${ctx.filetype ? ` language="${ctx.filetype}"` : ''}>` : `<file${ctx.filetype ? ` language="${ctx.filetype}"` : ''}>`;
  const tail = ctx.singleLine ? 'Complete only the rest of the cursor\'s line.' : 'Complete the code at the cursor.';
  return [
    { role: 'system', content: CHAT_SYSTEM },
    { role: 'user', content: `${head}\n${ctx.prefix}${FILL}${ctx.suffix}\n</file>\n${tail}` },
  ];
}
