import { describe, expect, it } from 'vitest';
import { estimateTokens } from '../completion/tokens.js';
import { packContext, previewLines, SECRET_REASON, type PackInput, type PackedContext } from './index.js';

const SECRETS = ['.env', '.env.*', '*.pem', '*.key', 'id_rsa*', 'secrets/*'];

/** A TypeScript-ish file of `n` lines; `tag` appears in line `at` (1-based) only. */
function tsFile(n: number, tag = 'nothingSpecial', at = -1): string {
  const out: string[] = [];
  for (let i = 1; i <= n; i++) {
    if (i === at) out.push(`export function ${tag}(input: string): number { return input.length; }`);
    else out.push(i % 10 === 0 ? '' : `  const value${i % 7} = compute(items[${i}], { index: ${i}, label: 'row ${i}' });`);
  }
  return out.join('\n') + '\n';
}

const base = (over: Partial<PackInput> = {}): PackInput => ({
  path: 'src/app.ts',
  filetype: 'typescript',
  selection: { text: 'const total = sumPrices(cart.items);\nreturn total;\n', startLine: 40, endLine: 41 },
  budgetTokens: 4000,
  secretPatterns: SECRETS,
  ...over,
});

const summary = (p: PackedContext) => p.parts.map((x) => `${x.kind}:${x.path ?? ''}:${!x.included ? 'dropped' : x.trimmed ? 'trimmed' : 'kept'}`);

describe('packContext: priorities and budgets', () => {
  const input = (budget: number): PackInput =>
    base({
      budgetTokens: budget,
      instructions: [{ path: '.zeke.md', text: 'Use tabs. Prefer small functions.\nNever use any.\n' }],
      diagnostics: [
        { line: 41, severity: 'error', message: "Cannot find name 'sumPrices'.", source: 'ts' },
        { line: 300, severity: 'warn', message: 'out of range', source: 'ts' },
      ],
      files: [
        { path: 'src/a.ts', text: tsFile(60), explicit: true },
        { path: 'src/prices.ts', text: tsFile(400, 'sumPrices', 200), explicit: true },
      ],
      buffers: [{ path: 'src/b.ts', text: tsFile(60) }],
    });

  // Sizes (estimator): selection ≈ 30, instructions ≈ 20, diagnostics ≈ 25, a.ts ≈ 1.5k,
  // prices.ts ≈ 10k, b.ts ≈ 1.5k tokens.
  const table: [number, string[]][] = [
    [
      100_000,
      ['instructions:.zeke.md:kept', 'selection:src/app.ts:kept', 'diagnostics:src/app.ts:kept', 'file:src/a.ts:kept', 'file:src/prices.ts:kept', 'buffer:src/b.ts:kept'],
    ],
    [
      6000,
      ['instructions:.zeke.md:kept', 'selection:src/app.ts:kept', 'diagnostics:src/app.ts:kept', 'file:src/a.ts:kept', 'file:src/prices.ts:trimmed', 'buffer:src/b.ts:dropped'],
    ],
    [
      1200,
      ['instructions:.zeke.md:kept', 'selection:src/app.ts:kept', 'diagnostics:src/app.ts:kept', 'file:src/a.ts:trimmed', 'file:src/prices.ts:dropped', 'buffer:src/b.ts:dropped'],
    ],
    [
      90,
      ['instructions:.zeke.md:dropped', 'selection:src/app.ts:kept', 'diagnostics:src/app.ts:kept', 'file:src/a.ts:dropped', 'file:src/prices.ts:dropped', 'buffer:src/b.ts:dropped'],
    ],
    [
      20,
      ['instructions:.zeke.md:dropped', 'selection:src/app.ts:trimmed', 'diagnostics:src/app.ts:dropped', 'file:src/a.ts:dropped', 'file:src/prices.ts:dropped', 'buffer:src/b.ts:dropped'],
    ],
  ];

  it.each(table)('budget %i', (budget, expected) => {
    const packed = packContext(input(budget));
    expect(summary(packed)).toEqual(expected);
    // The total never exceeds the budget, except for a selection that alone cannot fit.
    if (budget >= 90) expect(packed.tokens).toBeLessThanOrEqual(budget);
    // The total is the sum of the parts (+1 per separator), an upper bound of the text's estimate.
    const inc = packed.parts.filter((p) => p.included);
    expect(packed.tokens).toBe(inc.reduce((a, p) => a + p.tokens, 0) + Math.max(0, inc.length - 1));
    expect(estimateTokens(packed.text)).toBeLessThanOrEqual(packed.tokens);
    expect(estimateTokens(packed.text)).toBeGreaterThanOrEqual(packed.tokens * 0.95);
    for (const p of packed.parts) {
      if (!p.included) expect(p.reason).toBeTruthy();
      if (p.trimmed) expect(p.reason).toBeTruthy();
    }
  });

  it('renders blocks in a fixed order with clear headers', () => {
    const text = packContext(input(100_000)).text;
    const at = (s: string) => text.indexOf(s);
    expect(at('### Project instructions: .zeke.md')).toBe(0);
    expect(at('### Selection: src/app.ts (typescript), lines 40-41')).toBeGreaterThan(0);
    expect(at('### Diagnostics: src/app.ts (typescript), lines 40-41')).toBeGreaterThan(at('### Selection'));
    expect(at('### File: src/a.ts (60 lines)')).toBeGreaterThan(at('### Diagnostics'));
    expect(at('### File: src/prices.ts (400 lines)')).toBeGreaterThan(at('### File: src/a.ts'));
    expect(at('### Open buffer: src/b.ts (60 lines)')).toBeGreaterThan(at('### File: src/prices.ts'));
    expect(text).toContain('```typescript\nconst total = sumPrices(cart.items);\nreturn total;\n```');
  });

  it('trims a file to the window around its most relevant line', () => {
    const packed = packContext(input(6000));
    const part = packed.parts.find((p) => p.path === 'src/prices.ts')!;
    expect(part.reason).toMatch(/^trimmed to lines \d+-\d+ of 400 \(around line 200, the most relevant\)/);
    expect(packed.text).toContain('export function sumPrices(input: string)');
    const m = /### File: src\/prices\.ts, lines (\d+)-(\d+) of 400 \(trimmed\)/.exec(packed.text)!;
    expect(Number(m[1])).toBeLessThan(200);
    expect(Number(m[2])).toBeGreaterThan(200);
  });

  it('without relevant words, keeps the head of the file', () => {
    const packed = packContext(base({ selection: { text: 'x\n', startLine: 1, endLine: 1 }, budgetTokens: 600, files: [{ path: 'a.ts', text: tsFile(400), explicit: true }] }));
    expect(packed.text).toMatch(/### File: a\.ts, lines 1-\d+ of 400 \(trimmed\)/);
  });

  it('an added file that is the current buffer is trimmed around the selection', () => {
    const big = tsFile(2000);
    const packed = packContext(base({ selection: { text: 'x\n', startLine: 1500, endLine: 1500 }, budgetTokens: 1000, files: [{ path: 'src/app.ts', text: big, explicit: true }] }));
    const m = /### File: src\/app\.ts, lines (\d+)-(\d+) of 2000/.exec(packed.text)!;
    expect(Number(m[1])).toBeLessThan(1500);
    expect(Number(m[2])).toBeGreaterThan(1500);
  });

  it('instructions are capped at a fifth of the budget and truncated from the end', () => {
    const long = Array.from({ length: 400 }, (_, i) => `Rule ${i}: always write the tests first for module ${i}.`).join('\n');
    const packed = packContext(base({ budgetTokens: 2000, instructions: [{ path: '.zeke.md', text: long }] }));
    const p = packed.parts[0]!;
    expect(p).toMatchObject({ kind: 'instructions', included: true, trimmed: true });
    expect(p.tokens).toBeLessThanOrEqual(400);
    expect(p.reason).toMatch(/^truncated to the instructions cap \(\d+ of 400 lines\)$/);
    expect(packed.text).toContain('Rule 0: always');
    expect(packed.text).not.toContain('Rule 399');
  });

  it('added files keep the order given, explicit ones first, then buffers', () => {
    const packed = packContext(
      base({
        files: [
          { path: 'z.ts', text: 'z\n', explicit: false },
          { path: 'b.ts', text: 'b\n', explicit: true },
          { path: 'a.ts', text: 'a\n', explicit: true },
        ],
        buffers: [{ path: 'c.ts', text: 'c\n' }, { path: 'a.ts', text: 'dup\n' }, { path: 'src/app.ts', text: 'current\n' }, { path: '.env', text: 'S=1\n' }, { path: '.env', text: 'S=1\n' }],
      }),
    );
    expect(packed.parts.filter((p) => p.kind === 'file' || p.kind === 'buffer').map((p) => `${p.path}:${p.included ? 'in' : p.reason}`)).toEqual([
      'b.ts:in',
      'a.ts:in',
      'z.ts:in',
      'c.ts:in',
      'a.ts:already included',
      'src/app.ts:the current buffer (its selection or cursor region is included)',
      `.env:${SECRET_REASON}`,
      '.env:listed twice (see above)',
    ]);
  });
});

describe('packContext: the selection', () => {
  it('is always kept, even when nothing else fits', () => {
    const sel = tsFile(30);
    const packed = packContext(base({ selection: { text: sel, startLine: 1, endLine: 30 }, budgetTokens: estimateTokens(sel) + 40, files: [{ path: 'a.ts', text: tsFile(50), explicit: true }] }));
    expect(packed.parts[0]).toMatchObject({ kind: 'selection', included: true, trimmed: false });
    expect(packed.text).toContain(sel);
    expect(packed.parts[1]).toMatchObject({ kind: 'file', included: false });
    expect(packed.parts[1]!.reason).toMatch(/^no room left in the budget \(\d+ tokens left\)$/);
  });

  it('is trimmed from the middle only when alone it exceeds the budget, and says so', () => {
    const lines = Array.from({ length: 200 }, (_, i) => `line_${i} = compute(${i})`);
    const packed = packContext(base({ selection: { text: lines.join('\n'), startLine: 1, endLine: 200 }, budgetTokens: 300 }));
    const p = packed.parts[0]!;
    expect(p).toMatchObject({ kind: 'selection', included: true, trimmed: true });
    expect(p.reason).toMatch(/^trimmed from the middle \(\d+ of 200 lines left out\): alone it exceeds the budget$/);
    expect(packed.text).toContain('line_0 = ');
    expect(packed.text).toContain('line_199 = ');
    expect(packed.text).not.toContain('line_100 = ');
    expect(packed.text).toMatch(/… \d+ lines omitted …/);
    expect(packed.text).toContain('(middle trimmed)');
    expect(packed.tokens).toBeLessThanOrEqual(300);
  });

  it('of a secret file is kept (selecting is explicit)', () => {
    const packed = packContext(base({ path: '.env', filetype: 'sh', selection: { text: 'A=1\n', startLine: 1, endLine: 1 } }));
    expect(packed.parts[0]).toMatchObject({ kind: 'selection', included: true });
    expect(packed.text).toContain('A=1');
  });
});

describe('packContext: the cursor region', () => {
  const before = Array.from({ length: 50 }, (_, i) => `  before_${i}(arg)`).join('\n') + '\n  const x = ';
  const after = 'compute();\n' + Array.from({ length: 50 }, (_, i) => `  after_${i}(arg)`).join('\n') + '\n';
  const cursor = { line: 100, before, after };

  it('is used without a selection, with the cursor line in the header', () => {
    const packed = packContext(base({ selection: undefined, cursor }));
    expect(packed.parts).toEqual([expect.objectContaining({ kind: 'cursor', included: true, trimmed: false })]);
    expect(packed.text).toContain('### Cursor region: src/app.ts (typescript), lines 50-150 (cursor on line 100)');
    expect(packed.text).toContain('  const x = compute();\n');
  });

  it('is ignored when there is a selection', () => {
    expect(packContext(base({ cursor })).parts.map((p) => p.kind)).toEqual(['selection']);
  });

  it('is trimmed to the lines nearest the cursor', () => {
    const packed = packContext(base({ selection: undefined, cursor, budgetTokens: 150 }));
    const p = packed.parts[0]!;
    expect(p).toMatchObject({ kind: 'cursor', included: true, trimmed: true });
    expect(packed.text).toContain('const x = compute();');
    expect(packed.text).toContain('before_49');
    expect(packed.text).toContain('after_0');
    expect(packed.text).not.toContain('before_0(');
    expect(packed.text).not.toContain('after_49');
    expect(packed.tokens).toBeLessThanOrEqual(150);
  });

  it('and the diagnostics of a secret file are dropped', () => {
    const packed = packContext(base({ path: 'config/.env', selection: undefined, cursor, diagnostics: [{ line: 100, severity: 'error', message: 'bad' }] }));
    expect(packed.parts).toEqual([
      { kind: 'cursor', path: 'config/.env', tokens: 0, included: false, trimmed: false, reason: SECRET_REASON },
      { kind: 'diagnostics', path: 'config/.env', tokens: 0, included: false, trimmed: false, reason: SECRET_REASON },
    ]);
    expect(packed.text).toBe('');
  });
});

describe('packContext: secrets', () => {
  it('drops secret files unless added explicitly', () => {
    const packed = packContext(
      base({
        files: [
          { path: 'deploy/.env.production', text: 'TOKEN=abc\n', explicit: false },
          { path: 'certs/server.pem', text: '-----BEGIN KEY-----\n', explicit: true },
          { path: 'src/ok.ts', text: 'ok\n', explicit: false },
        ],
        buffers: [{ path: '/home/u/.ssh/id_rsa', text: 'PRIVATE\n' }, { path: '.env', text: 'B=2\n' }],
      }),
    );
    const byPath = Object.fromEntries(packed.parts.filter((p) => p.path !== 'src/app.ts').map((p) => [p.path, p]));
    expect(byPath['deploy/.env.production']).toMatchObject({ included: false, reason: SECRET_REASON });
    expect(byPath['certs/server.pem']).toMatchObject({ included: true });
    expect(byPath['src/ok.ts']).toMatchObject({ included: true });
    expect(byPath['/home/u/.ssh/id_rsa']).toMatchObject({ included: false, reason: SECRET_REASON });
    expect(byPath['.env']).toMatchObject({ included: false, reason: SECRET_REASON });
    expect(packed.text).not.toContain('TOKEN=abc');
    expect(packed.text).not.toContain('PRIVATE');
    expect(packed.text).not.toContain('B=2');
    expect(packed.text).toContain('-----BEGIN KEY-----');
  });
});

describe('packContext: diagnostics', () => {
  const diagnostics = [
    { line: 41, severity: 'warn' as const, message: 'unused\nvariable', source: 'eslint' },
    { line: 40, severity: 'error' as const, message: "Cannot find name 'sumPrices'.", source: 'ts' },
    { line: 41, severity: 'hint' as const, message: 'could be const' },
    { line: 12, severity: 'error' as const, message: 'elsewhere' },
  ];

  it('renders those in range as a list sorted by line, messages on one line', () => {
    const packed = packContext(base({ diagnostics }));
    expect(packed.text).toContain(
      [
        '### Diagnostics: src/app.ts (typescript), lines 40-41',
        "- line 40 error [ts]: Cannot find name 'sumPrices'.",
        '- line 41 warn [eslint]: unused variable',
        '- line 41 hint: could be const',
      ].join('\n'),
    );
    expect(packed.text).not.toContain('elsewhere');
  });

  it('keeps all of them without a selection or cursor', () => {
    const packed = packContext(base({ selection: undefined, diagnostics }));
    expect(packed.text).toContain('- line 12 error: elsewhere');
  });

  it('keeps the most severe when they do not all fit', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ line: 40 + (i % 2), severity: (i === 7 ? 'error' : 'hint') as 'error' | 'hint', message: `message number ${i} about something` }));
    const packed = packContext(base({ diagnostics: many, budgetTokens: 120 }));
    const p = packed.parts.find((x) => x.kind === 'diagnostics')!;
    expect(p).toMatchObject({ included: true, trimmed: true });
    expect(p.reason).toMatch(/^\d+ of 40 kept \(the most severe and nearest\)$/);
    expect(packed.text).toContain('error: message number 7 about');
    expect(packed.tokens).toBeLessThanOrEqual(120);
  });
});

describe('previewLines', () => {
  it('one line per part, then the total', () => {
    const packed = packContext(
      base({
        budgetTokens: 700,
        instructions: [{ path: '.zeke.md', text: 'Be brief.\n' }],
        files: [
          { path: 'src/big.ts', text: tsFile(300), explicit: true },
          { path: '.env', text: 'X=1\n', explicit: false },
        ],
      }),
    );
    const lines = previewLines(packed);
    expect(lines).toHaveLength(packed.parts.length + 1);
    expect(lines[0]).toMatch(/^instructions +\.zeke\.md +\d+ tokens {2}included$/);
    expect(lines[1]).toMatch(/^selection +src\/app\.ts +\d+ tokens {2}included$/);
    expect(lines[2]).toMatch(/^file +src\/big\.ts +\d+ tokens {2}trimmed: trimmed to lines 1-\d+ of 300/);
    expect(lines[3]).toBe(`file         .env                                 —  dropped: ${SECRET_REASON}`);
    expect(lines[4]).toBe(`total ${packed.tokens} of 700 tokens (${Math.round((packed.tokens / 700) * 100)}%), 1 dropped`);
  });
});

describe('packContext: determinism', () => {
  it('the same input gives the same output', () => {
    const mk = (): PackInput =>
      base({
        budgetTokens: 3000,
        diagnostics: [{ line: 40, severity: 'error', message: 'x' }],
        files: Array.from({ length: 6 }, (_, i) => ({ path: `src/f${i}.ts`, text: tsFile(100 + i * 30, 'sumPrices', 50 + i), explicit: i % 2 === 0 })),
        buffers: [{ path: 'src/b.ts', text: tsFile(80) }],
      });
    const a = packContext(mk());
    const b = packContext(mk());
    expect(b).toEqual(a);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it('an empty input packs to an empty text', () => {
    expect(packContext({ budgetTokens: 100, secretPatterns: [] })).toEqual({ text: '', tokens: 0, budget: 100, parts: [] });
  });

  it('never exceeds the budget over a sweep of budgets', () => {
    for (let budget = 60; budget <= 20_000; budget = Math.ceil(budget * 1.3)) {
      const packed = packContext(
        base({
          budgetTokens: budget,
          instructions: [{ path: '.zeke.md', text: Array.from({ length: 100 }, (_, i) => `rule ${i}`).join('\n') }],
          diagnostics: [{ line: 40, severity: 'error', message: 'x' }],
          files: Array.from({ length: 5 }, (_, i) => ({ path: `src/f${i}.ts`, text: tsFile(200, 'sumPrices', 100), explicit: true })),
          buffers: [{ path: 'src/b.ts', text: tsFile(200) }],
        }),
      );
      expect(packed.tokens, `budget ${budget}`).toBeLessThanOrEqual(budget);
      expect(estimateTokens(packed.text), `budget ${budget}`).toBeLessThanOrEqual(packed.tokens);
    }
  });
});

describe('packContext: long files', () => {
  // Long bodies are estimated in chunks, and only as far as it takes to tell they do not fit.
  const long = tsFile(3000); // ≈ 250 KB, many chunks
  const whole = estimateTokens('### File: big.ts (3000 lines)\n```typescript\n' + long + '```');

  it('a long file that fits is kept whole, its count an upper bound close to the exact one', () => {
    const packed = packContext(base({ budgetTokens: whole + 500, files: [{ path: 'big.ts', text: long, explicit: true }] }));
    const p = packed.parts.find((x) => x.path === 'big.ts')!;
    expect(p).toMatchObject({ included: true, trimmed: false });
    expect(p.tokens).toBeGreaterThanOrEqual(whole);
    expect(p.tokens).toBeLessThanOrEqual(whole + 40);
    expect(packed.tokens).toBeLessThanOrEqual(whole + 500);
  });

  it('one just over is trimmed, never sent whole', () => {
    const sel = estimateTokens(packContext(base({ budgetTokens: 100_000 })).text);
    const packed = packContext(base({ budgetTokens: whole + sel, files: [{ path: 'big.ts', text: long, explicit: true }] }));
    const p = packed.parts.find((x) => x.path === 'big.ts')!;
    expect(p.included).toBe(true);
    expect(packed.tokens).toBeLessThanOrEqual(whole + sel);
  });
});
