// Bench row for the routing decision (see router-entry.ts), bundled at run time.
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundle } from './bundle.mjs';
import { summarize } from './stats.mjs';

export async function measure(ctx) {
  const out = await bundle(ctx.root, 'bench/router-entry.ts');
  // A fresh URL per run so a second measure() in one process sees a rebuilt bundle.
  const { measureRouter } = await import(`${pathToFileURL(out).href}?t=${Date.now()}`);
  const r = measureRouter({ decisions: 5000, warmup: 1000 });
  return {
    rows: [
      {
        key: 'router_decide',
        label: `routing decision (${r.candidates} candidates)`,
        unit: 'ms',
        stats: summarize(r.samples),
        target: { max: 1 },
      },
    ],
  };
}

// `node bench/router.mjs`: this row alone.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { fileURLToPath } = await import('node:url');
  const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
  const { rows } = await measure({ root });
  for (const row of rows) console.log(row.label, `p50 ${row.stats.p50.toFixed(4)} ms`, `p99 ${row.stats.p99.toFixed(4)} ms`, `n ${row.stats.n}`);
}
