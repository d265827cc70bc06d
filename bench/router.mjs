// Bench row for the routing decision (see router-entry.ts): the TypeScript entry is bundled
// with esbuild at run time, like providers.mjs does.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { summarize } from './stats.mjs';

export async function measure(ctx) {
  const dir = join(ctx.root, 'node_modules/.cache/zeke/bench');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'router-entry.mjs');
  await build({
    entryPoints: [join(ctx.root, 'bench/router-entry.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: out,
    logLevel: 'warning',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
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
