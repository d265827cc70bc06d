// What the chat sends: the system prompt, the quick actions' instructions and intents, and
// how earlier turns and the packed context become the message list.
import { estimateTokens } from '../completion/tokens.js';
import type { ChatMessage } from '../provider/index.js';
import type { Intent } from '../router/types.js';

export type ChatAction = 'explain' | 'fix' | 'test' | 'doc';

export const SYSTEM_PROMPT = [
  "You are Zeke, an expert coding assistant working inside the user's editor (Neovim).",
  'Answer in markdown, concisely and precisely; put code in fenced code blocks tagged with the language.',
  'Code from the editor comes with its path and 1-based line numbers, as the editor shows them; refer to lines that way.',
  "Follow the project's instructions when they are given. If something is ambiguous, say what you assume.",
].join('\n');

/** The instruction each quick action sends (the user's message, if any, follows it). */
export const ACTION_PROMPTS: Record<ChatAction, string> = {
  explain: 'Explain what this code does: its purpose, how it works step by step, and anything surprising or risky in it.',
  fix: 'Fix the problems in this code (the diagnostics above, and any bug you find). Answer with the corrected code in one fenced block, then briefly list what you changed and why.',
  test: "Write tests for this code in the project's test framework; detect it from the file type and files (vitest/jest/pytest/go test/busted/…). Cover the main behaviour and the edge cases; answer with the complete test code in a fenced block and say where the file goes.",
  doc: "Write documentation comments for this code in the language's convention (JSDoc, docstrings, LuaLS annotations, godoc…). Answer with the documented code in a fenced block, without changing its behaviour.",
};

export const ACTION_INTENTS: Record<ChatAction, Intent> = { explain: 'explain', fix: 'code', test: 'tests', doc: 'code' };

export function intentFor(action: ChatAction | undefined, hasSelection: boolean): Intent {
  if (action) return ACTION_INTENTS[action];
  return hasSelection ? 'code' : 'general';
}

/** The request as the user asked it (stored in history and re-sent with later turns). */
export function requestText(action: ChatAction | undefined, message: string): string {
  const msg = message.trim();
  if (!action) return msg;
  return msg ? `${ACTION_PROMPTS[action]}\n\n${msg}` : ACTION_PROMPTS[action];
}

/** The new user turn: the packed context block first, then the request. */
export function userContent(contextText: string, request: string): string {
  return contextText ? `${contextText}\n\n${request}` : request;
}

export interface EarlierTurn {
  role: 'user' | 'assistant';
  content: string;
  meta?: Record<string, unknown>;
}

const messageTokens = (m: ChatMessage) => estimateTokens(m.content) + 4;

/**
 * Earlier turns as messages: complete exchanges (a question and its answer; failed ones and
 * empty answers left out), at most `maxTurns` messages, then the oldest exchanges dropped
 * until they fit `budgetTokens`.
 */
export function earlierMessages(turns: readonly EarlierTurn[], maxTurns: number, budgetTokens: number): ChatMessage[] {
  const pairs: [ChatMessage, ChatMessage][] = [];
  for (let i = 0; i + 1 < turns.length; i++) {
    const q = turns[i]!;
    const a = turns[i + 1]!;
    if (q.role !== 'user' || a.role !== 'assistant') continue;
    i++;
    if (a.meta?.error || !a.content.trim()) continue;
    pairs.push([
      { role: 'user', content: q.content },
      { role: 'assistant', content: a.content },
    ]);
  }
  let kept = pairs.slice(Math.max(0, pairs.length - Math.floor(Math.max(0, maxTurns) / 2)));
  let tokens = kept.reduce((n, [q, a]) => n + messageTokens(q) + messageTokens(a), 0);
  while (kept.length > 0 && tokens > budgetTokens) {
    const [q, a] = kept[0]!;
    tokens -= messageTokens(q) + messageTokens(a);
    kept = kept.slice(1);
  }
  return kept.flat();
}

export function buildMessages(o: { earlier: ChatMessage[]; contextText: string; request: string }): ChatMessage[] {
  return [{ role: 'system', content: SYSTEM_PROMPT }, ...o.earlier, { role: 'user', content: userContent(o.contextText, o.request) }];
}
