// Wires logger, core and the chosen adapter. stdout is reserved for RPC: console output is
// sent to the log, and uncaught errors are logged before the process dies.
import { createCore } from './core/core.js';
import { createLogger } from './log/logger.js';

export function run(argv: string[]): void {
  const startedAt = Date.now();
  const logFile = argValue(argv, '--log-file') ?? process.env.ZEKE_LOG_FILE;
  const log = createLogger({ file: logFile, level: (process.env.ZEKE_LOG_LEVEL as 'debug' | undefined) ?? 'info' });
  for (const k of ['log', 'info', 'debug', 'warn', 'error', 'trace'] as const) {
    (console as unknown as Record<string, (...a: unknown[]) => void>)[k] = (...a: unknown[]) => log.info('console: %s', a.map(String).join(' '));
  }
  process.on('uncaughtException', (err) => {
    log.error('uncaught exception: %s', err.stack ?? err.message);
    log.flushSync();
    process.exit(70);
  });
  // jobstop() from Neovim sends SIGTERM: finish writing the log, then go.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(signal, () => {
      log.info('%s received; exiting', signal);
      setTimeout(() => process.exit(0), 500).unref();
      log.close(() => process.exit(0));
    });
  }
  process.on('unhandledRejection', (reason) => log.error('unhandled rejection: %s', reason instanceof Error ? reason.stack : String(reason)));

  const makeCore = (emit: (event: string, payload: unknown) => void) => createCore({ log, emit, startedAt });
  if (argv.includes('--stdio')) {
    void import('./adapters/jsonrpc.js').then((m) => m.startJsonRpcAdapter(makeCore, log));
  } else {
    void import('./adapters/nvim.js').then((m) => m.startNvimAdapter(makeCore, log));
  }
}

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}
