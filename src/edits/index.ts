// The edit service: asks the model for SEARCH/REPLACE blocks, anchors them by content in the
// buffer (never by line numbers), streams the hunks placed so far, and re-anchors pending
// hunks when the buffer changes. It never modifies text: the editor applies accepted hunks.
import type { ResolvedConfig } from '../config/index.js';
import { ErrorCode, ZekeError } from '../core/errors.js';
import type { Logger } from '../log/logger.js';
import type { EditHunk, ParamsOf } from '../protocol.js';
import type { RouterService } from '../router/service.js';
import { anchorAnswer, hunksFromReplacement } from './anchor.js';
import { reanchorHunks } from './apply.js';
import { parseAnswer } from './parse.js';
import { buildEditMessages } from './prompt.js';

export { applyHunks, reanchorHunks } from './apply.js';
export { anchorAnswer, hunksFromReplacement } from './anchor.js';
export { parseAnswer } from './parse.js';

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

const cancelled = () => new ZekeError(ErrorCode.Cancelled, 'cancelled');

export function createEditService(opts: EditServiceOptions): EditService {
  const { router, log } = opts;
  return {
    async propose(p, signal, onProgress) {
      if (signal.aborted) throw cancelled();
      const started = performance.now();
      let answer = '';
      let lastSent = '';
      const progress = () => {
        const { hunks } = anchorAnswer(p.text, parseAnswer(answer, false), p.range);
        const key = JSON.stringify(hunks);
        if (key === lastSent || hunks.length === 0) return;
        lastSent = key;
        onProgress({ hunks });
      };
      const res = await router.generate(
        {
          feature: 'edit',
          intent: 'refactor',
          ...(p.model ? { model: p.model } : {}),
          ...(p.project ? { project: p.project } : {}),
          ...(p.scope ? { scope: p.scope } : {}),
          messages: buildEditMessages(p),
          temperature: 0,
        },
        signal,
        (part) => {
          if (part.type !== 'text-delta' || signal.aborted) return;
          answer += part.text;
          // Blocks end at a line end: re-parse only when one arrives.
          if (part.text.includes('\n')) progress();
        },
      );
      if (signal.aborted) throw cancelled();
      const parsed = parseAnswer(res.text, true);
      const { hunks, unanchored } = anchorAnswer(p.text, parsed, p.range);
      if (res.finish_reason === 'length' && !unanchored.some((u) => u.reason.includes('cut off'))) {
        unanchored.push({ reason: 'the answer was cut off (output limit): later changes may be missing', excerpt: '' });
      }
      if (unanchored.length) log.debug(`edit: ${unanchored.length} unanchored edit(s): ${unanchored.map((u) => u.reason).join('; ')}`);
      return {
        hunks,
        unanchored,
        format: parsed.format,
        route: res.route,
        ...(res.cost ? { cost: res.cost } : {}),
        duration_ms: Math.round(performance.now() - started),
      };
    },
    async fromText(p) {
      let body = p.replacement.replace(/\r\n/g, '\n');
      const fenced = /^\s*(`{3,}|~{3,})[^\n]*\n([\s\S]*?)\n?\s*\1\s*$/.exec(body);
      if (fenced) body = fenced[2] ?? '';
      if (body.endsWith('\n')) body = body.slice(0, -1);
      const content = body === '' ? [] : body.split('\n');
      return { hunks: hunksFromReplacement(p.text, content, p.range) };
    },
    async reanchor(p) {
      return { hunks: reanchorHunks(p.text, p.hunks) };
    },
  };
}
