// Writes lua/zeke/schema.lua and the options section of doc/zeke.txt from the TS schema.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export async function generate(root) {
  const out = join(root, 'node_modules/.cache/zeke/generate.mjs');
  mkdirSync(join(root, 'node_modules/.cache/zeke'), { recursive: true });
  await build({
    stdin: {
      contents: "export { configJsonSchema } from './src/config/schema.ts'; export * from './src/config/generate.ts';",
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: out,
    logLevel: 'warning',
  });
  const gen = await import(pathToFileURL(out).href + `?t=${Date.now()}`);
  const schema = gen.configJsonSchema();
  writeIfChanged(join(root, 'lua/zeke/schema.lua'), gen.luaSchemaSource(schema));
  const docPath = join(root, 'doc/zeke.txt');
  if (existsSync(docPath)) writeIfChanged(docPath, gen.spliceDoc(readFileSync(docPath, 'utf8'), gen.docOptionsSection(schema)));
}

function writeIfChanged(path, text) {
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
  writeFileSync(path, text);
  process.stderr.write(`zeke: wrote ${path}\n`);
}
