import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { postprocess } from './postprocess.js';

interface Golden {
  name: string;
  rule: string;
  filetype: string;
  prefix: string;
  suffix: string;
  raw: string;
  expected: string;
}

const dir = join(import.meta.dirname, '__golden__');
const cases: Golden[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Golden);

describe('postprocess (golden)', () => {
  it('has at least 20 cases', () => expect(cases.length).toBeGreaterThanOrEqual(20));

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(postprocess({ prefix: c.prefix, suffix: c.suffix, raw: c.raw, filetype: c.filetype })).toBe(c.expected);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s: stable while streaming', (_name, c) => {
    // Fed a character at a time: no fence or marker ever shows, and the end result agrees.
    let last = '';
    for (let i = 1; i <= c.raw.length; i++) {
      const t = postprocess({ prefix: c.prefix, suffix: c.suffix, raw: c.raw.slice(0, i), filetype: c.filetype }, { partial: true });
      if (c.filetype !== 'markdown') expect(t).not.toMatch(/```|<think|<\||<\/?COMPLETION|<EOT/);
      last = t;
    }
    const final = postprocess({ prefix: c.prefix, suffix: c.suffix, raw: c.raw, filetype: c.filetype });
    // The last partial view is the final one, or the final one still missing its last line.
    expect(final.startsWith(last.trimEnd()) || last === '' || final === '').toBe(true);
  });
});
