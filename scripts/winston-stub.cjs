// Stands in for winston inside the bundle: the host always passes its own logger to the
// neovim client, so nothing here is ever called.
const fail = () => {
  throw new Error('winston is not bundled with zeke; pass a logger to attach()');
};
module.exports = { createLogger: fail, format: new Proxy({}, { get: () => fail }), transports: {} };
