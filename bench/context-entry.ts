// Context-packer row of `npm run bench`: packContext() for a chat request from a 10k-line
// buffer (selection of 40 lines, diagnostics) plus 20 added files (explicit and not, one of
// them a secret, a few large enough to be trimmed), 5 other buffers and a .zeke.md, at a 32k
// token budget (and 128k for a second row) — so every path runs: whole files, trimming around the most relevant line,
// drops. Each run includes slicing the selection out of the buffer, as the host will.
import { packContext, type PackInput } from '../src/context/index.js';

function tsFile(n: number, seed: number): string {
  const out: string[] = [];
  for (let i = 1; i <= n; i++) {
    if (i % 50 === 0) out.push(`export function handler${seed}_${i}(request: Request, options: HandlerOptions = {}): Promise<Response> {`);
    else if (i % 13 === 0) out.push('');
    else out.push(`    const value${i % 9} = await this.service${seed}.compute(items[${i}], { index: ${i}, label: 'row ${i}', retry: options.retry ?? 3 });`);
  }
  return out.join('\n') + '\n';
}

export function measureContext(opts: { runs: number; warmup: number; budget?: number }): { samples: number[]; inputLines: number; tokens: number; budget: number; included: number; trimmed: number; dropped: number } {
  const buffer = tsFile(10_000, 0);
  const files = Array.from({ length: 20 }, (_, i) => ({
    path: i === 7 ? 'config/.env.local' : `src/module${i}/index.ts`,
    text: tsFile(i % 5 === 0 ? 1500 : 150 + i * 20, i + 1),
    explicit: i < 12,
  }));
  const buffers = Array.from({ length: 5 }, (_, i) => ({ path: `src/open${i}.ts`, text: tsFile(300, 100 + i) }));
  const instructions = [{ path: '.zeke.md', text: 'Prefer small pure functions.\nNo default exports.\nTests next to the code (vitest).\n'.repeat(10) }];
  const lineStarts: number[] = [0];
  for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const inputLines = lineStarts.length - 1 + files.reduce((a, f) => a + f.text.split('\n').length - 1, 0);

  const run = (k: number) => {
    const start = 5000 + (k % 100) * 10; // a different selection each run
    const selection = { text: buffer.slice(lineStarts[start - 1], lineStarts[start + 39]), startLine: start, endLine: start + 39 };
    const input: PackInput = {
      path: 'src/big.ts',
      filetype: 'typescript',
      selection,
      diagnostics: Array.from({ length: 30 }, (_, i) => ({ line: start - 20 + i * 3, severity: i % 4 === 0 ? 'error' : 'warn', message: `Type 'string' is not assignable to type 'number' (${i}).`, source: 'ts' })),
      files,
      buffers,
      instructions,
      budgetTokens: opts.budget ?? 32_000,
      secretPatterns: ['.env', '.env.*', '*.pem', '*.key', 'id_rsa*'],
    };
    return packContext(input);
  };

  for (let i = 0; i < opts.warmup; i++) run(i);
  const samples: number[] = [];
  let last = run(0);
  for (let i = 0; i < opts.runs; i++) {
    const t0 = performance.now();
    last = run(i);
    samples.push(performance.now() - t0);
  }
  return {
    samples,
    inputLines,
    tokens: last.tokens,
    budget: last.budget,
    included: last.parts.filter((p) => p.included && !p.trimmed).length,
    trimmed: last.parts.filter((p) => p.trimmed).length,
    dropped: last.parts.filter((p) => !p.included).length,
  };
}
