// Bundles the host with esbuild so it starts fast (one file to parse, no node_modules walk):
//   dist/host.mjs    the job / --stdio entry (ESM, split so heavy modules load on first use)
//   dist/rplugin.cjs the entry that rplugin/node/zeke loads through Neovim's node provider
// Then regenerates lua/zeke/schema.lua and the option list in doc/zeke.txt from the schema.
import { build } from 'esbuild';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const started = Date.now();

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  define: { __ZEKE_VERSION__: JSON.stringify(pkg.version) },
  // The neovim client requires winston at load; we always hand it our own logger.
  alias: { winston: join(root, 'scripts/winston-stub.cjs') },
  // Native (optional dependency): loaded at run time from the plugin's node_modules, see src/store.
  external: ['better-sqlite3'],
};

const results = await Promise.all([
  build({
    ...common,
    entryPoints: { host: join(root, 'src/main.ts') },
    outdir: join(root, 'dist'),
    format: 'esm',
    splitting: true,
    metafile: true,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    // CommonJS dependencies bundled into ESM still call require() for node builtins.
    banner: { js: "import { createRequire as __zekeCreateRequire } from 'node:module'; const require = __zekeCreateRequire(import.meta.url);" },
  }),
  build({
    ...common,
    entryPoints: { rplugin: join(root, 'src/adapters/rplugin.ts') },
    outdir: join(root, 'dist'),
    format: 'cjs',
    outExtension: { '.js': '.cjs' },
  }),
]);

// Chunk names carry a content hash: drop the ones this build did not write. (A host still
// running from an older build may need its chunks; :ZekeRestart picks up the new build.)
const written = new Set(Object.keys(results[0].metafile.outputs).map((p) => p.split('/').pop()));
for (const name of readdirSync(join(root, 'dist/chunks'))) {
  if (!written.has(name)) rmSync(join(root, 'dist/chunks', name));
}

const { generate } = await import('./generate.mjs');
await generate(root);
process.stderr.write(`zeke: built dist/ in ${Date.now() - started} ms\n`);
