// Bench row for the chat context packer (see context-entry.ts), bundled at run time.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundle } from './bundle.mjs';
import { summarize } from './stats.mjs';

export async function measure(ctx) {
  const out = await bundle(ctx.root, 'bench/context-entry.ts');
  // A fresh URL per run so a second measure() in one process sees a rebuilt bundle.
  const { measureContext } = await import(`${pathToFileURL(out).href}?t=${Date.now()}`);
  const extra = (r) => ({ input_lines: r.inputLines, tokens: r.tokens, budget: r.budget, parts_whole: r.included, parts_trimmed: r.trimmed, parts_dropped: r.dropped });
  // The target row: a 32k-token budget (the chat default for local models).
  const r = measureContext({ runs: 50, warmup: 10 });
  // Informational: a 128k-token window packs ~4× the text, and the cost follows what is sent.
  const big = measureContext({ runs: 50, warmup: 10, budget: 128_000 });
  return {
    rows: [
      {
        key: 'context_pack',
        label: 'context packing, 10k-line buffer + 20 files',
        unit: 'ms',
        stats: summarize(r.samples),
        target: { max: 10 },
        extra: extra(r),
      },
      {
        key: 'context_pack_128k',
        label: '  same, 128k-token budget',
        unit: 'ms',
        stats: summarize(big.samples),
        extra: extra(big),
      },
    ],
  };
}

// `node bench/context.mjs`: this row alone.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { fileURLToPath } = await import('node:url');
  const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
  const { rows } = await measure({ root });
  for (const row of rows) console.log(row.label, `p50 ${row.stats.p50.toFixed(3)} ms`, `p99 ${row.stats.p99.toFixed(3)} ms`, `n ${row.stats.n}`, JSON.stringify(row.extra));
}
