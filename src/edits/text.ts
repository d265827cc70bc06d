// Line helpers shared by the edit modules: a buffer is lines joined by '\n' (a final '\n' is
// remembered, never turned into an extra empty line).
import { diffArrays } from 'diff';

export interface Lines {
  lines: string[];
  eol: boolean;
}

export function splitText(text: string): Lines {
  if (text === '') return { lines: [], eol: false };
  const eol = text.endsWith('\n');
  const lines = (eol ? text.slice(0, -1) : text).split('\n');
  return { lines, eol };
}

export function joinText(l: Lines): string {
  if (l.lines.length === 0) return '';
  return l.lines.join('\n') + (l.eol ? '\n' : '');
}

/** Whitespace-insensitive form of a line: trimmed, inner runs collapsed. */
export function norm(s: string): string {
  return s.trim().replace(/\s+/g, ' ');
}

export function lead(s: string): string {
  return /^[ \t]*/.exec(s)?.[0] ?? '';
}

/** 1 - Levenshtein distance / longer length. */
export function similarity(a: string, b: string): number {
  if (a === b) return 1;
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return 0;
  let prev = new Array<number>(m + 1);
  let cur = new Array<number>(m + 1);
  for (let j = 0; j <= m; j++) prev[j] = j;
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    for (let j = 1; j <= m; j++) {
      const sub = (prev[j - 1] ?? 0) + (a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1);
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, sub);
    }
    [prev, cur] = [cur, prev];
  }
  return 1 - (prev[m] ?? 0) / Math.max(n, m);
}

/** Lines common to both (longest common subsequence, exact). */
export function commonLines(a: string[], b: string[]): number {
  let n = 0;
  for (const c of diffArrays(a, b)) if (!c.added && !c.removed) n += c.count;
  return n;
}

export function excerptOf(lines: string[], max = 3): string {
  const shown = lines.slice(0, max).join('\n');
  const more = lines.length > max ? `\n… (${lines.length - max} more lines)` : '';
  return (shown.length > 300 ? `${shown.slice(0, 300)}…` : shown) + more;
}
