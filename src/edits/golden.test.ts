import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchorAnswer } from './anchor.js';
import { applyHunks } from './apply.js';
import { parseAnswer } from './parse.js';

interface Golden {
  buffer: string;
  answer: string;
  range?: { start_line: number; end_line: number };
  expect: {
    format: string;
    hunks?: Record<string, unknown>[];
    ids?: string[];
    result?: string;
    /** Substrings of each unanchored reason, in order. */
    unanchored: string[];
  };
}

const dir = join(import.meta.dirname, '__golden__');
const cases = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

describe('edit golden cases', () => {
  it('has at least 12 cases', () => expect(cases.length).toBeGreaterThanOrEqual(12));
  for (const file of cases) {
    it(file, () => {
      const g = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Golden;
      const parsed = parseAnswer(g.answer, true);
      expect(parsed.format).toBe(g.expect.format);
      const { hunks, unanchored } = anchorAnswer(g.buffer, parsed, g.range);
      if (g.expect.hunks) {
        expect(hunks).toHaveLength(g.expect.hunks.length);
        g.expect.hunks.forEach((h, i) => expect(hunks[i]).toMatchObject(h));
      }
      if (g.expect.ids) expect(hunks.map((h) => h.id)).toEqual(g.expect.ids);
      if (g.expect.result !== undefined) expect(applyHunks(g.buffer, hunks, new Set(hunks.map((h) => h.id)))).toBe(g.expect.result);
      expect(applyHunks(g.buffer, hunks, new Set())).toBe(g.buffer);
      expect(unanchored.map((u) => u.reason)).toHaveLength(g.expect.unanchored.length);
      g.expect.unanchored.forEach((s, i) => expect(unanchored[i]?.reason).toContain(s));
      // Sorted, non-overlapping.
      for (let i = 1; i < hunks.length; i++) {
        const a = hunks[i - 1]!;
        const b = hunks[i]!;
        expect(b.start_line).toBeGreaterThan(a.end_line);
      }
    });
  }
});
