import { describe, expect, it } from 'vitest';
import { silentLog } from '../completion/test-support.js';
import { resolveConfig } from '../config/index.js';
import { ErrorCode, ZekeError } from '../core/errors.js';
import type { EditHunk } from '../protocol.js';
import type { StreamPart } from '../provider/index.js';
import type { GenerateParams, GenerateResult, RouterService } from '../router/service.js';
import { applyHunks, createEditService } from './index.js';

const BUFFER = ['function add(a, b) {', '  return a + b;', '}', '', 'function sub(a, b) {', '  return a - b;', '}', ''].join('\n');
const ANSWER = [
  '```',
  '<<<<<<< SEARCH',
  'function add(a, b) {',
  '=======',
  'function add(a: number, b: number) {',
  '>>>>>>> REPLACE',
  '',
  '<<<<<<< SEARCH',
  'function sub(a, b) {',
  '  return a - b;',
  '=======',
  'function sub(a: number, b: number) {',
  '  return a - b;',
  '>>>>>>> REPLACE',
  '```',
].join('\n');

/** Streams `answer` in `size`-character pieces; `hangAfter` pieces, then waits for the abort. */
function stubRouter(answer: string, size = 7, hangAfter?: number) {
  const calls: GenerateParams[] = [];
  const router = {
    async generate(p: GenerateParams, signal: AbortSignal, onPart: (part: StreamPart) => void): Promise<GenerateResult> {
      calls.push(p);
      for (let i = 0, n = 0; i < answer.length; i += size, n++) {
        if (hangAfter !== undefined && n === hangAfter) {
          await new Promise<void>((_, reject) => {
            const stop = () => reject(new ZekeError(ErrorCode.Cancelled, 'cancelled'));
            if (signal.aborted) stop();
            else signal.addEventListener('abort', stop, { once: true });
          });
        }
        onPart({ type: 'text-delta', text: answer.slice(i, i + size) });
        await Promise.resolve();
      }
      return {
        provider: 'stub',
        model: 'm',
        text: answer,
        tool_calls: [],
        finish_reason: 'stop',
        cost: { usd: 0.002 },
        duration_ms: 5,
        route: { requested: 'auto', ref: 'stub:m', provider: 'stub', model: 'm', local: false, rule: 'test', escalated: false, via_omen: false, fallbacks_tried: [] },
      };
    },
  };
  return { router: router as unknown as RouterService, calls };
}

const service = (router: RouterService) => createEditService({ cfg: resolveConfig({ config_file: false }, {}), router, log: silentLog });

describe('edit.propose', () => {
  it('streams growing hunks and ends with the anchored result', async () => {
    const { router, calls } = stubRouter(ANSWER);
    const progress: EditHunk[][] = [];
    const res = await service(router).propose(
      { text: BUFFER, filetype: 'typescript', path: 'm.ts', instruction: 'add types', range: { start_line: 1, end_line: 7 } },
      new AbortController().signal,
      (v) => progress.push(v.hunks),
    );
    expect(calls[0]?.feature).toBe('edit');
    expect(calls[0]?.intent).toBe('refactor');
    const sys = calls[0]?.messages[0]?.content ?? '';
    expect(sys).toContain('<<<<<<< SEARCH');
    expect(calls[0]?.messages[1]?.content).toContain('Instruction: add types');
    expect(calls[0]?.messages[1]?.content).toContain('Selected lines 1–7');
    expect(progress.map((h) => h.length)).toEqual([1, 2]);
    expect(progress[0]?.[0]?.id).toBe('h1');
    expect(res.format).toBe('search-replace');
    expect(res.unanchored).toEqual([]);
    expect(res.hunks.map((h) => [h.id, h.start_line, h.end_line])).toEqual([
      ['h1', 1, 1],
      ['h2', 5, 5],
    ]);
    expect(res.cost).toEqual({ usd: 0.002 });
    expect(applyHunks(BUFFER, res.hunks, new Set(['h1', 'h2']))).toBe(BUFFER.replace(/\(a, b\)/g, '(a: number, b: number)'));
  });

  it('a cancelled stream rejects as cancelled and reports nothing more', async () => {
    const { router } = stubRouter(ANSWER, 7, 12);
    const ac = new AbortController();
    const progress: EditHunk[][] = [];
    const p = service(router).propose({ text: BUFFER, filetype: '', instruction: 'x' }, ac.signal, (v) => progress.push(v.hunks));
    await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: ErrorCode.Cancelled });
    expect(progress.length).toBeLessThanOrEqual(1);
  });

  it('fromText turns a range into the replacement; reanchor follows moved text', async () => {
    const svc = service(stubRouter('').router);
    const { hunks } = await svc.fromText({ text: BUFFER, range: { start_line: 5, end_line: 7 }, replacement: '```ts\nfunction sub(a, b) {\n  return b - a;\n}\n```' });
    expect(hunks).toMatchObject([{ id: 'h1', start_line: 6, end_line: 6, old_lines: ['  return a - b;'], new_lines: ['  return b - a;'] }]);
    const moved = await svc.reanchor({ text: `// top\n${BUFFER}`, hunks });
    expect(moved.hunks[0]).toMatchObject({ start_line: 7, end_line: 7 });
    expect(moved.hunks[0]?.conflict).toBeUndefined();
    const changed = await svc.reanchor({ text: BUFFER.replace('a - b', 'a - b - 1'), hunks });
    expect(changed.hunks[0]?.conflict).toBeTruthy();
  });
});
