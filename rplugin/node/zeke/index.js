// Loaded by Neovim's node provider (the `neovim` package's host) when the user opts into
// `host = { transport = 'rplugin' }` and has run :UpdateRemotePlugins. No logic here: the
// bridge is src/adapters/rplugin.ts, bundled to dist/rplugin.cjs by `npm run build`.
// This folder's package.json says "type": "commonjs" because the plugin root is ESM.
'use strict';

const path = require('node:path');

const root = path.resolve(__dirname, '..', '..', '..');
const entry = path.join(root, 'dist', 'rplugin.cjs');

let bridge;
try {
  bridge = require('../../../dist/rplugin.cjs');
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes('rplugin.cjs')) {
    throw new Error(
      `zeke.nvim: the host is not built (${entry} is missing): run \`npm ci && npm run build\` in ${root}, then :UpdateRemotePlugins and restart Neovim`,
      { cause: err },
    );
  }
  throw err;
}

// The neovim host calls the export with `new`, passing its NvimPlugin (registerFunction, nvim, …).
module.exports = function zeke(plugin) {
  bridge.registerRplugin(plugin);
};
