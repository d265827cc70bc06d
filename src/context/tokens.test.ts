// Calibration of the fast token estimator (src/completion/tokens.ts, shared with inline
// completion) against a real tokenizer, js-tiktoken's o200k_base (GPT-4o/4.1/5, o-series),
// over the corpus in corpus.ts. Ratio = estimate / real tokens; > 1 is the safe side for a
// budget (we send a little less than fits).
//
// Measured (js-tiktoken 1.0.21, o200k_base, 24 texts):
//   code        typescript 1.257, python 1.219, lua 1.160, rust 1.248, go 1.386, c 1.078,
//               java 1.473, shell 1.176, html+css 1.012, sql 1.118, symbol-heavy 1.184, diff 1.144
//   prose       english 1.159, markdown 1.097, french 1.126, code comments 1.068
//   data        json (indented) 0.987, json (minified) 1.323, yaml 0.971
//   whitespace  whitespace-heavy 0.918, deeply-indented 0.811
//   outliers    identifiers-long 1.750 (over: common words inside long camelCase names are one
//               token each, the estimator charges ~n/4), log-lines 0.774 and hex-and-numbers
//               0.513 (under: o200k splits digit runs into ≤ 3-digit pieces, hex even finer)
//   overall     1.136 (4178 estimated / 3677 real)
// So: code, prose, data and whitespace within 0.8–1.5× (worst underestimate 19 %, on deep
// indentation with numbered names), overall within 0.9–1.3×. Digit-heavy text is underestimated
// by up to ~49 %; a proposed tweak of tokens.ts (word runs holding digits cost ceil(n/3) when all
// digits, ceil(n/2.5) when mixed) brings those to 0.744 / 0.890 and deeply-indented to 1.019,
// overall 1.166 — not applied here (tokens.ts belongs to completion).
import { getEncoding } from 'js-tiktoken';
import { describe, expect, it } from 'vitest';
import { estimateTokens } from '../completion/tokens.js';
import { CORPUS } from './corpus.js';
import { packContext } from './pack.js';

const enc = getEncoding('o200k_base');
const real = (text: string) => enc.encode(text).length;
const ratios = CORPUS.map((c) => ({ ...c, est: estimateTokens(c.text), real: real(c.text) })).map((c) => ({ ...c, ratio: c.est / c.real }));

describe('token estimator vs o200k_base', () => {
  it('has a varied corpus', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(20);
    expect(new Set(CORPUS.map((c) => c.kind)).size).toBeGreaterThanOrEqual(5);
    for (const c of CORPUS) expect(real(c.text), c.name).toBeGreaterThan(40);
  });

  it.each(ratios.filter((c) => ['code', 'prose', 'data', 'whitespace'].includes(c.kind)).map((c) => [c.name, c] as const))('%s: within 0.8–1.5×', (_, c) => {
    expect(c.ratio, `${c.est} estimated / ${c.real} real`).toBeGreaterThanOrEqual(0.8);
    expect(c.ratio, `${c.est} estimated / ${c.real} real`).toBeLessThanOrEqual(1.5);
  });

  it('known outliers stay within their documented bounds', () => {
    const by = Object.fromEntries(ratios.map((c) => [c.name, c.ratio]));
    expect(by['identifiers-long']).toBeLessThanOrEqual(1.8); // over: the safe side
    expect(by['log-lines']).toBeGreaterThanOrEqual(0.7);
    expect(by['hex-and-numbers']).toBeGreaterThanOrEqual(0.5);
  });

  it('overall within 0.9–1.3×', () => {
    const est = ratios.reduce((a, c) => a + c.est, 0);
    const tot = ratios.reduce((a, c) => a + c.real, 0);
    expect(est / tot).toBeGreaterThanOrEqual(0.9);
    expect(est / tot).toBeLessThanOrEqual(1.3);
  });

  it('a packed context (headers, fences, diagnostics) is estimated within 0.9–1.5×', () => {
    const files = CORPUS.filter((c) => c.kind !== 'digits').map((c, i) => ({ path: `src/f${i}.${c.name.slice(0, 2)}`, text: c.text, explicit: i % 2 === 0 }));
    const packed = packContext({
      path: 'src/app.ts',
      filetype: 'typescript',
      selection: { text: CORPUS[0]!.text, startLine: 10, endLine: 36 },
      diagnostics: [{ line: 12, severity: 'error', message: "Property 'capacity' is declared but its value is never read.", source: 'ts' }],
      instructions: [{ path: '.zeke.md', text: CORPUS.find((c) => c.name === 'prose-english')!.text }],
      files,
      budgetTokens: 100_000,
      secretPatterns: [],
    });
    const r = packed.tokens / real(packed.text);
    expect(r).toBeGreaterThanOrEqual(0.9);
    expect(r).toBeLessThanOrEqual(1.5);
  });
});
