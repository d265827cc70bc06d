// Host entry. Checks Node first (before loading anything that may need a newer Node), then
// starts the adapter named on the command line: `--stdio` for JSON-RPC, else Neovim.
const MIN_NODE = [20, 18, 1] as const;
export const EXIT_NODE_TOO_OLD = 3;

function nodeIsTooOld(version: string): boolean {
  const parts = version.replace(/^v/, '').split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const have = parts[i] ?? 0;
    const need = MIN_NODE[i]!;
    if (have !== need) return have < need;
  }
  return false;
}

if (nodeIsTooOld(process.version)) {
  process.stderr.write(
    `zeke.nvim needs Node.js >= ${MIN_NODE.join('.')}, but ${process.execPath} is ${process.version}. ` +
      `Install a newer Node.js, or point setup({ host = { node = "/path/to/node" } }) at one.\n`,
  );
  process.exit(EXIT_NODE_TOO_OLD);
}

void import('./run.js').then((m) => m.run(process.argv.slice(2)));
