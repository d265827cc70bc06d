// Placeholder until the edit service lands; replaced by its implementation.
import type { ResolvedConfig } from '../config/index.js';
import type { Logger } from '../log/logger.js';
import type { EditHunk, ParamsOf } from '../protocol.js';
import type { RouterService } from '../router/service.js';

export interface EditServiceOptions {
  cfg: ResolvedConfig;
  router: RouterService;
  log: Logger;
}

export interface ProposeResult {
  hunks: EditHunk[];
  /** Edits the model proposed that could not be placed in the text: reported, never guessed. */
  unanchored: { reason: string; excerpt: string }[];
  format: 'diff' | 'search-replace' | 'whole-file' | 'none';
  route?: unknown;
  cost?: { usd: number };
  duration_ms: number;
}

export interface EditService {
  propose(p: ParamsOf<'edit.propose'>, signal: AbortSignal, onProgress: (value: { hunks: EditHunk[] }) => void): Promise<ProposeResult>;
  fromText(p: ParamsOf<'edit.from_text'>): Promise<{ hunks: EditHunk[] }>;
  reanchor(p: ParamsOf<'edit.reanchor'>): Promise<{ hunks: EditHunk[] }>;
}

export function createEditService(_opts: EditServiceOptions): EditService {
  const notYet = () => Promise.reject(new Error('edits are not implemented yet'));
  return { propose: notYet, fromText: notYet, reanchor: notYet };
}
