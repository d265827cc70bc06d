// Placeholder until the chat service lands; replaced by its implementation.
import type { ResolvedConfig } from '../config/index.js';
import type { Logger } from '../log/logger.js';
import type { ParamsOf } from '../protocol.js';
import type { RouterService } from '../router/service.js';
import type { StreamPart } from '../provider/index.js';

export interface ChatServiceOptions {
  cfg: ResolvedConfig;
  router: RouterService;
  log: Logger;
  dataDir?: string;
}

export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
  /** For answers: model, route, tokens, cost, time, stopped/error. For questions: action, context preview. */
  meta?: Record<string, unknown>;
}

export interface ChatService {
  send(p: ParamsOf<'chat.send'>, signal: AbortSignal, onPart: (part: StreamPart) => void): Promise<unknown>;
  history(project: string, session?: string): Promise<{ session: string; turns: ChatTurn[] }>;
  newSession(project: string): Promise<{ session: string }>;
  preview(project: string, context: ParamsOf<'chat.send'>['context'], model?: string): Promise<{ lines: string[]; tokens: number; budget: number }>;
}

export function createChatService(_opts: ChatServiceOptions): ChatService {
  const notYet = () => Promise.reject(new Error('chat is not implemented yet'));
  return { send: notYet, history: notYet, newSession: notYet, preview: notYet };
}
