// Bench rows for the provider layer (see providers-entry.ts). The TypeScript entry and the
// worker are bundled with esbuild at run time, like the host is.
import { pathToFileURL } from 'node:url';
import { bundle } from './bundle.mjs';
import { summarize } from './stats.mjs';

export async function measure(ctx) {
  const [entry, worker] = await Promise.all([bundle(ctx.root, 'bench/providers-entry.ts'), bundle(ctx.root, 'bench/providers-worker.ts')]);
  const { measureProviders } = await import(pathToFileURL(entry).href);
  const results = await measureProviders(worker, { longTokens: 4000, runs: 5, firstRuns: 30 });
  const rows = [];
  for (const r of results) {
    if (r.skipped) {
      rows.push({ key: `prov_${r.name}_skipped`, label: `${r.name}: not measured (${r.skipped})`, unit: '', value: NaN });
      continue;
    }
    // Wire bytes received and parsed per second of body time, and text parts (tokens) per second.
    const mbps = r.long.map((x) => x.wireBytes / 1e6 / (x.body / 1000));
    const tps = r.long.map((x) => x.parts / (x.body / 1000));
    const kb = Math.round(r.long[0].wireBytes / 1024);
    rows.push({ key: `prov_${r.name}_mbps`, label: `${r.name}: stream parse, wire MB/s (${kb} KB, ${r.long[0].parts} tokens)`, unit: 'MB/s', stats: summarize(mbps) });
    rows.push({ key: `prov_${r.name}_tps`, label: `${r.name}: stream parse, tokens/s`, unit: '/s', stats: summarize(tps) });
    rows.push({ key: `prov_${r.name}_first`, label: `${r.name}: headers → first text part`, unit: 'ms', stats: summarize(r.first) });
    rows.push({ key: `prov_${r.name}_conns`, label: `${r.name}: connections for ${r.requests} sequential requests`, unit: '', value: r.connections, target: { max: 1 } });
  }
  return { rows };
}
