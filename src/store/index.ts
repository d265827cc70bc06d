// Opens the stats store: SQLite when it can, else memory with a reason the user can act on
// (shown by :ZekeStats / health). Never throws. Call it after start-up (first request or a
// deferred task): loading the native better-sqlite3 costs a few milliseconds.
import { existsSync, accessSync, constants, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StoreLog } from './calc.js';
import { createMemoryStore } from './memory-store.js';
import { loadSqliteDriver, openSqliteStore, type SqliteDriver } from './sqlite-store.js';
import type { Store } from './types.js';

export type { StoreLog, ReferencePrice } from './calc.js';
export { createMemoryStore } from './memory-store.js';
export { openSqliteStore } from './sqlite-store.js';
export type * from './types.js';

export function openStore(file: string | undefined, log: StoreLog, opts: { loadDriver?: () => SqliteDriver } = {}): Store {
  if (!file) return fallback(log, 'no stats file configured (stats.file)');
  let driver: SqliteDriver;
  try {
    driver = (opts.loadDriver ?? loadSqliteDriver)();
  } catch (err) {
    return fallback(log, driverReason(err));
  }
  try {
    return openSqliteStore(file, log, { driver });
  } catch (err) {
    return fallback(log, openReason(resolve(file), err));
  }
}

function fallback(log: StoreLog, reason: string): Store {
  try {
    log.warn(`zeke: stats kept in memory only: ${reason}`);
  } catch {
    // a logger failing must not make openStore throw
  }
  return createMemoryStore(reason);
}

const ERRNO_TEXT: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  ENOENT: 'no such file or directory',
  EEXIST: 'file exists',
};

function driverReason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const dir = pluginDir();
  if (e.code === 'MODULE_NOT_FOUND' && String(e.message).includes('better-sqlite3')) {
    return `better-sqlite3 is not installed: run npm ci in ${dir}`;
  }
  // Typically a native module built for another Node (NODE_MODULE_VERSION mismatch).
  const first = String(e.message ?? err)
    .split('\n')[0]!
    .replace(/\s*Tried:$/, '');
  return `better-sqlite3 does not load in Node ${process.versions.node} (${first}): run npm rebuild better-sqlite3 in ${dir}`;
}

export function openReason(file: string, err: unknown): string {
  const e = err as { code?: string; message?: string };
  const message = String(e.message ?? err);
  if (e.code && ERRNO_TEXT[e.code]) return `cannot open ${file}: ${e.code} ${ERRNO_TEXT[e.code]}`;
  if (e.code === 'SQLITE_NOTADB' || e.code?.startsWith('SQLITE_CORRUPT')) {
    return `${message}: ${file} (move it away to start fresh)`;
  }
  if (e.code?.startsWith('SQLITE_CANTOPEN') || e.code?.startsWith('SQLITE_READONLY') || e.code?.startsWith('SQLITE_IOERR')) {
    // SQLite only says "unable to open database file": ask the file system why.
    const why = accessProblem(file);
    if (why) return `cannot open ${file}: ${why.code} ${ERRNO_TEXT[why.code] ?? why.message}`;
  }
  return `cannot open ${file}: ${message}`;
}

function accessProblem(file: string): { code: string; message: string } | undefined {
  try {
    if (existsSync(file)) {
      if (statSync(file).isDirectory()) return { code: 'EISDIR', message: 'is a directory' };
      accessSync(file, constants.R_OK | constants.W_OK);
    }
    accessSync(dirname(file), constants.W_OK | constants.X_OK);
    return undefined;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { code: e.code ?? 'EIO', message: String(e.message ?? err) };
  }
}

/** The plugin's folder (holds package.json and node_modules), from src/store or dist/. */
function pluginDir(): string {
  let dir: string;
  try {
    dir = dirname(fileURLToPath(import.meta.url));
  } catch {
    dir = typeof __dirname === 'string' ? __dirname : process.cwd();
  }
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json'))) return d;
    if (dirname(d) === d) return dir;
  }
}
