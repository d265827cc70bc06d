// The host's log: a file (path chosen by the Lua layer under stdpath('log')) and, for
// warnings and errors, stderr, which Neovim shows when the host dies. Never stdout: stdout
// carries RPC. Registered secrets are replaced before anything is written.
import { appendFileSync, mkdirSync, createWriteStream, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { format } from 'node:util';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, ...args: unknown[]): void;
  info(msg: string, ...args: unknown[]): void;
  warn(msg: string, ...args: unknown[]): void;
  error(msg: string, ...args: unknown[]): void;
  /** Never write this string again, in any message. */
  redact(secret: string | undefined): void;
  configure(opts: { file?: string; level?: LogLevel }): void;
  readonly file: string | undefined;
  /** Writes synchronously what is buffered; used just before exit. */
  flushSync(): void;
  /** Ends the file stream, calling `done` once everything written so far is on disk. */
  close(done: () => void): void;
}

export function createLogger(opts: { file?: string; level?: LogLevel; stderr?: boolean } = {}): Logger {
  let level: LogLevel = opts.level ?? 'info';
  let file: string | undefined;
  let stream: WriteStream | undefined;
  const pending: string[] = [];
  const secrets = new Set<string>();
  const toStderr = opts.stderr ?? true;

  function open(path: string | undefined) {
    stream?.end();
    stream = undefined;
    file = path;
    if (!path) return;
    try {
      mkdirSync(dirname(path), { recursive: true });
      stream = createWriteStream(path, { flags: 'a' });
      stream.on('error', () => {
        stream = undefined;
      });
    } catch {
      stream = undefined;
    }
  }

  function clean(text: string): string {
    for (const s of secrets) if (s.length >= 4) text = text.split(s).join('[redacted]');
    return text;
  }

  function write(lvl: LogLevel, msg: string, args: unknown[]) {
    if (RANK[lvl] < RANK[level]) return;
    const line = clean(`${new Date().toISOString()} ${lvl.toUpperCase().padEnd(5)} [${process.pid}] ${format(msg, ...args)}`) + '\n';
    if (stream) stream.write(line);
    else pending.push(line);
    if (pending.length > 200) pending.shift();
    if (toStderr && RANK[lvl] >= RANK.warn) process.stderr.write(line);
  }

  open(opts.file);
  return {
    debug: (m, ...a) => write('debug', m, a),
    info: (m, ...a) => write('info', m, a),
    warn: (m, ...a) => write('warn', m, a),
    error: (m, ...a) => write('error', m, a),
    redact(secret) {
      if (secret) secrets.add(secret);
    },
    configure(next) {
      if (next.level) level = next.level;
      if (next.file !== undefined && next.file !== file) {
        open(next.file);
        if (stream) for (const line of pending.splice(0)) stream.write(line);
      }
    },
    get file() {
      return file;
    },
    close(done) {
      const s = stream;
      stream = undefined;
      if (!s) return done();
      s.end(done);
    },
    flushSync() {
      if (!file) return;
      try {
        if (pending.length) appendFileSync(file, pending.splice(0).join(''));
      } catch {
        /* nothing left to tell */
      }
    },
  };
}
