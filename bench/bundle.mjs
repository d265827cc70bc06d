// Bundles a TypeScript bench entry with esbuild at run time (like the host is bundled), into
// node_modules/.cache/zeke/bench/, and returns the output path.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';

export async function bundle(root, entry) {
  const dir = join(root, 'node_modules/.cache/zeke/bench');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, basename(entry).replace(/\.ts$/, '.mjs'));
  await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: out,
    logLevel: 'warning',
    external: ['better-sqlite3'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return out;
}
