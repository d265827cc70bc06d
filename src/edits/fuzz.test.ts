// Random buffers (a tiny vocabulary, so duplicate lines are common) and random non-overlapping
// edits, written as SEARCH/REPLACE blocks the way a model would: parse + anchor + apply must
// give exactly the intended text, and nothing accepted must give the original back.
import { describe, expect, it } from 'vitest';
import type { EditHunk } from '../protocol.js';
import { anchorAnswer } from './anchor.js';
import { applyHunks, reanchorHunks } from './apply.js';
import { parseAnswer } from './parse.js';
import { norm } from './text.js';

function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VOCAB = ['{', '}', '', 'return x;', '  return y;', 'foo();', '  bar();', 'if (a) {', '\tbaz(1);', 'let z = 0;'];
const ITERATIONS = 300;

interface Case {
  text: string;
  lines: string[];
  answer: string;
  intended: string;
  edits: number;
}

function occurrences(lines: string[], block: string[], f: (s: string) => string): number {
  let n = 0;
  const b = block.map(f);
  for (let i = 0; i + b.length <= lines.length; i++) if (b.every((x, k) => f(lines[i + k] ?? '') === x)) n++;
  return n;
}

function makeCase(rand: () => number, iter: number): Case {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const lines = Array.from({ length: 6 + Math.floor(rand() * 40) }, () => pick(VOCAB));
  const eol = rand() < 0.7 || lines[lines.length - 1] === ''; // 'a\n' without eol would be ambiguous
  const text = lines.join('\n') + (eol ? '\n' : '');
  // Regions [s, e) with gaps between them.
  const regions: { s: number; e: number; repl: string[] }[] = [];
  let pos = Math.floor(rand() * 3);
  while (pos < lines.length && regions.length < 5) {
    const len = Math.floor(rand() * 4); // 0 = pure insertion
    const e = Math.min(lines.length, pos + len);
    const repl = Array.from({ length: Math.floor(rand() * 4) }, (_, k) => (rand() < 0.3 ? `new_${iter}_${regions.length}_${k}();` : pick(VOCAB)));
    regions.push({ s: pos, e, repl });
    pos = e + 1 + Math.floor(rand() * 8);
  }
  const loose = rand() < 0.3; // the "model" adds trailing spaces to the lines it copies
  const f = loose ? norm : (s: string) => s;
  const blocks: string[] = [];
  const kept: typeof regions = [];
  regions.forEach((r, i) => {
    const lo = i > 0 ? (regions[i - 1]?.e ?? 0) : 0;
    const hi = i + 1 < regions.length ? (regions[i + 1]?.s ?? lines.length) : lines.length;
    // Grow context until the SEARCH is unique (never into a neighbour's region).
    let a = r.s;
    let b = r.e;
    for (;;) {
      const block = lines.slice(a, b);
      if (block.length > 0 && occurrences(lines, block, f) === 1) break;
      if (a <= lo && b >= hi) return; // cannot be made unique: this edit is dropped
      if ((rand() < 0.5 && a > lo) || b >= hi) a--;
      else b++;
    }
    const copy = (l: string) => (loose ? `${l}  ` : l);
    const search = lines.slice(a, b).map(copy);
    const replace = [...lines.slice(a, r.s).map(copy), ...r.repl, ...lines.slice(r.e, b).map(copy)];
    blocks.push(`<<<<<<< SEARCH\n${search.join('\n')}\n=======\n${replace.length ? `${replace.join('\n')}\n` : ''}>>>>>>> REPLACE\n`);
    kept.push(r);
  });
  const out = lines.slice();
  for (const r of kept.slice().reverse()) out.splice(r.s, r.e - r.s, ...r.repl);
  const intended = out.length ? out.join('\n') + (eol ? '\n' : '') : '';
  const answer = (rand() < 0.5 ? '```\n' : '') + blocks.join('\n') + (rand() < 0.5 ? '```\n' : '');
  return { text, lines, answer, intended, edits: kept.length };
}

describe('edit fuzz', () => {
  it(`${ITERATIONS} random buffers and edits round-trip through SEARCH/REPLACE text`, () => {
    const rand = prng(0x5eed);
    let edits = 0;
    let hunks = 0;
    let moved = 0;
    let conflicts = 0;
    let conflictChecks = 0;
    for (let iter = 0; iter < ITERATIONS; iter++) {
      const c = makeCase(rand, iter);
      const parsed = parseAnswer(c.answer, true);
      const res = anchorAnswer(c.text, parsed);
      const ctx = `iteration ${iter}\n${c.text}\n---\n${c.answer}`;
      expect(res.unanchored, ctx).toEqual([]);
      expect(applyHunks(c.text, res.hunks, new Set(res.hunks.map((h) => h.id))), ctx).toBe(c.intended);
      expect(applyHunks(c.text, res.hunks, new Set()), ctx).toBe(c.text);
      edits += c.edits;
      hunks += res.hunks.length;
      if (res.hunks.length === 0) continue;

      // Unrelated lines inserted above: every hunk moves down by that much.
      const m = 1 + Math.floor(rand() * 5);
      const top = Array.from({ length: m }, (_, k) => `// inserted ${iter} ${k}`);
      const shifted = top.join('\n') + '\n' + c.text;
      const re = reanchorHunks(shifted, res.hunks);
      re.forEach((h, i) => {
        expect(h.conflict, ctx).toBeUndefined();
        expect(h.start_line, ctx).toBe((res.hunks[i]?.start_line ?? 0) + m);
        moved++;
      });
      expect(applyHunks(shifted, re, new Set(re.map((h) => h.id))), ctx).toBe(top.join('\n') + '\n' + c.intended);

      // An edit inside a hunk's region: that hunk conflicts (when its lines + context were unique).
      const target = res.hunks.find((h) => h.old_lines.length > 0 && occurrences(c.lines, [...h.before, ...h.old_lines, ...h.after], (s) => s) === 1);
      if (target) {
        conflictChecks++;
        const edited = c.lines.slice();
        edited.splice(target.start_line - 1 + Math.floor(rand() * target.old_lines.length), 1, `EDITED ${iter}`);
        const after = reanchorHunks(edited.join('\n'), res.hunks);
        const t = after.find((h: EditHunk) => h.id === target.id);
        expect(t?.conflict, ctx).toBeTruthy();
        conflicts++;
      }
    }
    // The figures the report quotes.
    console.log(`fuzz: ${ITERATIONS} buffers, ${edits} edits, ${hunks} hunks, ${moved} re-anchored after a shift, ${conflicts}/${conflictChecks} conflicts flagged`);
    expect(edits).toBeGreaterThan(ITERATIONS);
  });
});
