// The neovim client wants a winston-shaped logger; giving it ours keeps winston (and its
// start-up cost) out of the host entirely.
import type { Logger } from '../log/logger.js';

export function nvimClientLogger(log: Logger): any {
  return {
    level: 'info',
    debug: (msg: unknown, ...args: unknown[]) => log.debug(`nvim-client: ${String(msg)}`, ...args),
    info: (msg: unknown, ...args: unknown[]) => log.debug(`nvim-client: ${String(msg)}`, ...args),
    warn: (msg: unknown, ...args: unknown[]) => log.warn(`nvim-client: ${String(msg)}`, ...args),
    error: (msg: unknown, ...args: unknown[]) => log.error(`nvim-client: ${String(msg)}`, ...args),
  };
}
