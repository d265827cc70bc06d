// Host entry. Checks Node first (before loading anything that may need a newer Node), then
// starts the adapter named on the command line: `--stdio` for JSON-RPC, else Neovim.
import { MIN_NODE, nodeIsTooOld } from './node-version.js';

/** Exit code Lua recognises as "Node too old" (lua/zeke/protocol.lua). */
const EXIT_NODE_TOO_OLD = 3;

if (nodeIsTooOld(process.version)) {
  process.stderr.write(
    `zeke.nvim needs Node.js >= ${MIN_NODE.join('.')}, but ${process.execPath} is ${process.version}. ` +
      `Install a newer Node.js, or point setup({ host = { node = "/path/to/node" } }) at one.\n`,
  );
  process.exit(EXIT_NODE_TOO_OLD);
}

void import('./run.js').then((m) => m.run(process.argv.slice(2)));
