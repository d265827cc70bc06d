// The reference application of hunks (the Lua side applies them itself) and re-anchoring of
// pending hunks in a buffer that changed under them.
import type { EditHunk } from '../protocol.js';
import { compareHunks } from './anchor.js';
import { joinText, norm, splitText } from './text.js';

/** `text` with the accepted hunks applied; conflicting hunks are skipped. Throws if a hunk does not read its old_lines. */
export function applyHunks(text: string, hunks: EditHunk[], accepted: Set<string>): string {
  const doc = splitText(text);
  const out = doc.lines.slice();
  let delta = 0;
  for (const h of hunks.filter((x) => accepted.has(x.id) && !x.conflict).sort(compareHunks)) {
    const n = h.end_line - h.start_line + 1;
    const at = h.start_line - 1 + delta;
    if (n !== h.old_lines.length || at < 0 || at + n > out.length || h.old_lines.some((l, k) => out[at + k] !== l)) {
      throw new Error(`hunk ${h.id} does not match the text at lines ${h.start_line}–${h.end_line}`);
    }
    out.splice(at, n, ...h.new_lines);
    delta += h.new_lines.length - n;
  }
  return joinText({ lines: out, eol: doc.eol });
}

type Cands = { tier: 'exact' | 'loose'; positions: number[]; contentFound: boolean };

/**
 * Finds each pending hunk again in `text`: its old_lines with its before/after context right
 * around them (exact, then whitespace-tolerant). One place → moved there (or unchanged);
 * several → the one keeping the shift of the nearest resolved hunk, else the nearest to where
 * it was; still a tie, or nothing → `conflict`.
 */
export function reanchorHunks(text: string, hunks: EditHunk[]): EditHunk[] {
  const { lines } = splitText(text);
  const normed = lines.map(norm);
  const found = hunks.map((h) => candidates(lines, normed, h));
  const shift = new Map<number, number>();
  found.forEach((c, i) => {
    const h = hunks[i];
    if (h && c.positions.length === 1) shift.set(i, (c.positions[0] ?? 0) - (h.start_line - 1));
  });
  return hunks.map((h, i) => {
    const { conflict: _old, ...base } = h;
    const c = found[i] ?? { tier: 'exact', positions: [], contentFound: false };
    if (c.positions.length === 0) {
      return { ...base, conflict: c.contentFound ? 'the lines around it changed: its place is no longer certain' : 'the lines it replaces were changed' };
    }
    const orig = h.start_line - 1;
    let p = c.positions.length === 1 ? c.positions[0] : undefined;
    if (p === undefined) {
      const ref = nearestShift(hunks, shift, i);
      const target = orig + ref;
      const sorted = c.positions.slice().sort((a, b) => Math.abs(a - target) - Math.abs(b - target));
      const [a, b] = sorted;
      if (a !== undefined && (b === undefined || Math.abs(a - target) < Math.abs(b - target))) p = a;
    }
    if (p === undefined) return { ...base, conflict: `its lines and context now appear ${c.positions.length} times: ambiguous` };
    const n = h.old_lines.length;
    const moved = { ...base, start_line: p + 1, end_line: p + n };
    if (c.tier === 'exact') return moved;
    return { ...moved, old_lines: lines.slice(p, p + n), before: lines.slice(p - h.before.length, p), after: lines.slice(p + n, p + n + h.after.length) };
  });
}

function candidates(lines: string[], normed: string[], h: EditHunk): Cands {
  const n = h.old_lines.length;
  let contentFound = false;
  for (const tier of ['exact', 'loose'] as const) {
    const src = tier === 'exact' ? lines : normed;
    const f = tier === 'exact' ? (s: string) => s : norm;
    const old = h.old_lines.map(f);
    const before = h.before.map(f);
    const after = h.after.map(f);
    const at = (p: number, arr: string[]) => p >= 0 && p + arr.length <= src.length && arr.every((x, k) => src[p + k] === x);
    const positions: number[] = [];
    for (let p = 0; p + n <= src.length; p++) {
      if (!at(p, old)) continue;
      contentFound = true;
      if (at(p - before.length, before) && at(p + n, after)) positions.push(p);
    }
    if (positions.length) return { tier, positions, contentFound };
  }
  return { tier: 'exact', positions: [], contentFound };
}

function nearestShift(hunks: EditHunk[], shift: Map<number, number>, i: number): number {
  const start = hunks[i]?.start_line ?? 0;
  let best: { d: number; s: number } | undefined;
  for (const [j, s] of shift) {
    const d = Math.abs((hunks[j]?.start_line ?? 0) - start);
    if (!best || d < best.d) best = { d, s };
  }
  return best?.s ?? 0;
}
