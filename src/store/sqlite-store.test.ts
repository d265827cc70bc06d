// SQLite specifics: the schema, WAL, migration of a seeds-schema file, the fallbacks of
// openStore(), and two host processes writing the same file at once.
import { spawn } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from './index.js';
import { loadSqliteDriver, openSqliteStore, SCHEMA_VERSION, type SqliteDatabase } from './sqlite-store.js';
import type { Store } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const Driver = loadSqliteDriver();

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'zeke-sqlite-'));
}

function quietLog() {
  const warnings: string[] = [];
  return { warnings, debug() {}, warn: (m: string) => void warnings.push(m) };
}

const opened: { close(): unknown }[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});
function track<T extends { close(): unknown }>(x: T): T {
  opened.push(x);
  return x;
}
function raw(file: string): SqliteDatabase {
  return track(new Driver(file));
}

describe('sqlite store', () => {
  it('creates the folder, the tables, the indexes and the schema version; WAL on', () => {
    const file = join(tmp(), 'a', 'b', 'zeke.db');
    const store = track(openSqliteStore(file, quietLog()));
    expect(store.location).toEqual({ kind: 'sqlite', file });
    const db = raw(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const cols = (t: string) => (db.prepare(`PRAGMA table_info(${t})`).all() as { name: string }[]).map((c) => c.name);
    expect(cols('routing_prefs')).toEqual(['project', 'prefer_local', 'max_cloud_cost_cents', 'last_alias', 'last_model', 'updated_at', 'prefs_models']);
    expect(cols('routing_stats')).toEqual(
      expect.arrayContaining(['id', 'project', 'alias', 'model', 'intent', 'size_hint', 'provider', 'latency_ms', 'tokens_in', 'tokens_out', 'success', 'created_at', 'request_id', 'total_duration_ms', 'cost_usd', 'local', 'escalated', 'error_code', 'trace']),
    );
    const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'routing_stats'").all() as { name: string }[]).map((r) => r.name);
    expect(indexes).toEqual(expect.arrayContaining(['routing_stats_created_at', 'routing_stats_project_created_at', 'routing_stats_request_id']));
  });

  it('keeps rows and prefs across reopen', () => {
    const file = join(tmp(), 'zeke.db');
    const a = openSqliteStore(file, quietLog());
    a.record({ requestId: 'x', project: '/p', model: 'openai:m', provider: 'openai', local: false, intent: 'chat', totalDurationMs: 1, costUsd: 0.5, success: true, escalated: false, createdAt: Date.now() });
    a.setPrefs({ project: '/p', preferLocal: false, maxCloudCostCents: 5, models: { chat: 'openai:m' }, updatedAt: 7 });
    a.close();
    a.close(); // idempotent
    const b = track(openSqliteStore(file, quietLog()));
    expect(b.recent(5).map((r) => r.requestId)).toEqual(['x']);
    expect(b.spend().todayUsd).toBe(0.5);
    expect(b.getPrefs('/p')?.models).toEqual({ chat: 'openai:m' });
  });

  it("migrates a file made from the seeds' schema, keeping its rows", () => {
    const file = join(tmp(), 'seed.db');
    const db = new Driver(file);
    db.exec(`CREATE TABLE routing_prefs (
      project TEXT PRIMARY KEY, prefer_local INTEGER NOT NULL DEFAULT 1, max_cloud_cost_cents INTEGER DEFAULT 200,
      last_alias TEXT, last_model TEXT, updated_at INTEGER);
    CREATE TABLE routing_stats (id INTEGER PRIMARY KEY, project TEXT, alias TEXT, model TEXT, intent TEXT, size_hint TEXT,
      provider TEXT, latency_ms INTEGER, tokens_in INTEGER, tokens_out INTEGER, success INTEGER, created_at INTEGER);
    INSERT INTO routing_prefs (project, prefer_local, max_cloud_cost_cents, last_alias, last_model, updated_at) VALUES ('/old', 0, NULL, 'code-fast', 'ollama:q', 9);
    INSERT INTO routing_stats (project, model, provider, intent, latency_ms, success, created_at) VALUES ('/old', 'ollama:q', 'ollama', 'code', 70, 1, 5);`);
    db.close();
    const store = track(openSqliteStore(file, quietLog()));
    expect(store.getPrefs('/old')).toEqual({ project: '/old', preferLocal: false, maxCloudCostCents: 200, models: {}, lastAlias: 'code-fast', lastModel: 'ollama:q', updatedAt: 9 });
    expect(store.recent(1)[0]).toMatchObject({ requestId: '', model: 'ollama:q', local: false, escalated: false, latencyMs: 70, success: true, createdAt: 5 });
    expect(store.summary({ since: 0, now: 10 }).byModel[0]).toMatchObject({ requests: 1, p50TtfbMs: 70, costUsd: 0 });
    expect(raw(file).pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
  });

  it('cached spend and summary follow rows written by another connection (another host)', () => {
    const file = join(tmp(), 'zeke.db');
    const a = track(openSqliteStore(file, quietLog()));
    const b = track(openSqliteStore(file, quietLog()));
    const now = Date.now();
    const rec = (s: Store, id: string, costUsd: number, createdAt = now, local = false) =>
      s.record({ requestId: id, project: '/p', model: 'openai:m', provider: 'openai', local, intent: 'chat', totalDurationMs: 1, costUsd, success: true, escalated: false, createdAt });
    rec(a, '1', 0.5);
    expect(a.spend(now).todayUsd).toBe(0.5);
    expect(a.summary({ since: 0 }).requests).toBe(1);
    const first = a.spend(now);
    first.byProvider[0]!.todayUsd = 99; // callers get copies
    expect(a.spend(now).byProvider[0]!.todayUsd).toBe(0.5);
    rec(b, '2', 0.25); // the other "host"
    expect(a.spend(now).todayUsd).toBe(0.75);
    expect(a.summary({ since: 0 }).requests).toBe(2);
    rec(a, '3', 1); // our own write
    expect(a.spend(now).todayUsd).toBe(1.75);
    expect(b.spend(now).todayUsd).toBe(1.75);
    expect(a.summary({ since: 0 }).requests).toBe(3);
    // Rows added later but dated last month, or local, change nothing in the ledger.
    rec(b, '4', 8, now - 40 * 86_400_000);
    rec(b, '5', 8, now, true);
    expect(a.spend(now)).toEqual({ todayUsd: 1.75, monthUsd: 1.75, byProvider: [{ provider: 'openai', todayUsd: 1.75, monthUsd: 1.75, requests: 4 }] });
    // A fresh count (another day's view) agrees with the ledger built row by row.
    const fresh = track(openSqliteStore(file, quietLog()));
    expect(fresh.spend(now)).toEqual(a.spend(now));
  });

  it('a failing statement after open is logged once and answers empty, never throws', () => {
    const log = quietLog();
    const store = openSqliteStore(join(tmp(), 'zeke.db'), log);
    store.close();
    expect(store.spend()).toEqual({ todayUsd: 0, monthUsd: 0, byProvider: [] });
    expect(store.recent(3)).toEqual([]);
    expect(store.getPrefs('/p')).toBeUndefined();
    store.record({ requestId: 'x', project: '/p', model: 'm', provider: 'p', local: false, intent: 'chat', totalDurationMs: 1, success: true, escalated: false, createdAt: 1 });
    store.record({ requestId: 'y', project: '/p', model: 'm', provider: 'p', local: false, intent: 'chat', totalDurationMs: 1, success: true, escalated: false, createdAt: 1 });
    expect(store.summary({ since: 0 }).requests).toBe(0);
    expect(log.warnings.filter((w) => w.includes('record'))).toHaveLength(1);
  });
});

describe('openStore', () => {
  it('opens SQLite when it can', () => {
    const log = quietLog();
    const file = join(tmp(), 'zeke.db');
    const store = track(openStore(file, log));
    expect(store.location).toEqual({ kind: 'sqlite', file });
    expect(log.warnings).toEqual([]);
  });

  it('a corrupt file: memory store, reason says to move it away', () => {
    const file = join(tmp(), 'zeke.db');
    writeFileSync(file, Buffer.alloc(8192, 0x5a));
    const log = quietLog();
    const store = track(openStore(file, log));
    expect(store.location.kind).toBe('memory');
    const reason = (store.location as { reason: string }).reason;
    expect(reason).toMatch(/^(file is not a database|database disk image is malformed)/);
    expect(reason).toContain(`${file} (move it away to start fresh)`);
    expect(log.warnings.join('\n')).toContain(reason);
    // Still a working store.
    store.record({ requestId: 'x', project: '/p', model: 'm', provider: 'p', local: false, intent: 'chat', totalDurationMs: 1, costUsd: 2, success: true, escalated: false, createdAt: Date.now() });
    expect(store.spend().todayUsd).toBe(2);
  });

  it('a damaged schema page: memory store, "database disk image is malformed"', () => {
    const file = join(tmp(), 'zeke.db');
    openSqliteStore(file, quietLog()).close();
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(3996, 0x5a), 0, 3996, 100); // page 1 after the 100-byte header
    closeSync(fd);
    const store = track(openStore(file, quietLog()));
    expect(store.location).toEqual({ kind: 'memory', reason: `database disk image is malformed: ${file} (move it away to start fresh)` });
  });

  it('a folder that cannot be created (a path under a regular file): ENOTDIR', () => {
    const parent = join(tmp(), 'a-file');
    writeFileSync(parent, 'x');
    const file = join(parent, 'zeke', 'zeke.db');
    const store = track(openStore(file, quietLog()));
    expect(store.location).toEqual({ kind: 'memory', reason: `cannot open ${file}: ENOTDIR not a directory` });
  });

  const isRoot = process.getuid?.() === 0;
  it.skipIf(isRoot || process.platform === 'win32')('an unwritable folder (chmod 0500): EACCES', () => {
    const dir = join(tmp(), 'locked');
    mkdirSync(dir);
    chmodSync(dir, 0o500);
    try {
      const file = join(dir, 'zeke.db');
      const store = track(openStore(file, quietLog()));
      expect(store.location).toEqual({ kind: 'memory', reason: `cannot open ${file}: EACCES permission denied` });
      const nested = join(dir, 'sub', 'zeke.db');
      expect(track(openStore(nested, quietLog())).location).toEqual({ kind: 'memory', reason: `cannot open ${nested}: EACCES permission denied` });
    } finally {
      chmodSync(dir, 0o700);
    }
  });

  it('better-sqlite3 missing or not loading: memory store saying what to run', () => {
    const missing = Object.assign(new Error("Cannot find module 'better-sqlite3'\nRequire stack:\n- x"), { code: 'MODULE_NOT_FOUND' });
    const a = openStore(join(tmp(), 'zeke.db'), quietLog(), {
      loadDriver: () => {
        throw missing;
      },
    });
    expect(a.location).toEqual({ kind: 'memory', reason: `better-sqlite3 is not installed: run npm ci in ${root}` });

    const abi = new Error("The module '/x/better_sqlite3.node' was compiled against a different Node.js version using NODE_MODULE_VERSION 108.\nmore");
    const b = openStore(join(tmp(), 'zeke.db'), quietLog(), {
      loadDriver: () => {
        throw abi;
      },
    });
    expect((b.location as { reason: string }).reason).toBe(
      `better-sqlite3 does not load in Node ${process.versions.node} (The module '/x/better_sqlite3.node' was compiled against a different Node.js version using NODE_MODULE_VERSION 108.): run npm rebuild better-sqlite3 in ${root}`,
    );
  });

  it('no file configured: memory store', () => {
    expect(openStore(undefined, quietLog()).location).toEqual({ kind: 'memory', reason: 'no stats file configured (stats.file)' });
  });
});

describe('two host processes writing at once', () => {
  it('lose nothing: 2 × 500 rows, spend sums exactly', { timeout: 60_000 }, async () => {
    const dir = tmp();
    const bundle = join(dir, 'writer.mjs');
    await build({
      entryPoints: [join(here, '__fixtures__', 'writer.ts')],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: ['better-sqlite3'],
      logLevel: 'error',
    });
    const file = join(dir, 'shared', 'zeke.db');
    // The bundle lives in a temp folder: let its createRequire find the plugin's node_modules.
    const env = { ...process.env, NODE_PATH: join(root, 'node_modules') };

    // A fixed time (noon today) so the day's total does not depend on when the test runs.
    const noon = new Date();
    noon.setHours(12, 0, 0, 0);
    const children = ['a', 'b'].map((who) => {
      const child = spawn(process.execPath, [bundle, file, who, '500', String(noon.getTime())], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8');
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (d: string) => (err += d));
      const ready = new Promise<void>((resolveReady, reject) => {
        child.stdout.on('data', (d: string) => {
          out += d;
          if (out.includes('ready\n')) resolveReady();
        });
        child.once('exit', (code) => reject(new Error(`writer ${who} exited (${code}) before ready: ${err}`)));
      });
      const exit = new Promise<{ code: number | null; out: string; err: string }>((resolveExit) =>
        child.once('exit', (code) => resolveExit({ code, out, err })),
      );
      return { child, ready, exit };
    });
    // Both have opened the file (and raced on creating the schema); now write together.
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.child.stdin.write('go\n');
    const results = await Promise.all(children.map((c) => c.exit));
    for (const r of results) {
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toContain('done 0');
    }

    const db = raw(file);
    expect(db.prepare('SELECT COUNT(*) AS n FROM routing_stats').get()).toEqual({ n: 1000 });
    expect(db.prepare('SELECT COUNT(DISTINCT request_id) AS n FROM routing_stats').get()).toEqual({ n: 1000 });
    const store: Store = track(openSqliteStore(file, quietLog()));
    const spend = store.spend(noon.getTime());
    // a: 500 × $0.25; b: 250 cloud × $0.125 + 250 local (free whatever they carry).
    expect(spend.todayUsd).toBe(156.25);
    expect(spend.monthUsd).toBe(156.25);
    expect(spend.byProvider).toEqual([
      { provider: 'a', todayUsd: 125, monthUsd: 125, requests: 500 },
      { provider: 'b', todayUsd: 31.25, monthUsd: 31.25, requests: 250 },
      { provider: 'ollama', todayUsd: 0, monthUsd: 0, requests: 250 },
    ]);
  });
});
