// The store on SQLite (better-sqlite3, an optional native dependency loaded only when a
// store is opened, never at host start-up). One file shared by every Neovim of the user:
// WAL so readers never block the writer, a busy timeout so a writer from another process
// waits for the lock instead of failing, and each write in its own short BEGIN IMMEDIATE
// transaction. Tables are the seeds' routing_prefs / routing_stats, extended with the
// columns the Zeke CLI's schema and the budget ledger need.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import {
  cloneRecord,
  createSummaryAccumulator,
  DEFAULT_MAX_CLOUD_COST_CENTS,
  roundUsd,
  windows,
  type ReferencePrice,
  type StoreLog,
  type Windows,
} from './calc.js';
import type { ProjectPrefs, RequestRecord, SpendSummary, StatsSummary, Store } from './types.js';

// --- The slice of better-sqlite3's API used here (no @types dependency needed). ---
type BindValue = number | string | bigint | null;
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  /** Rows as arrays instead of objects. */
  raw(toggle?: boolean): this;
}
export interface SqliteDatabase {
  readonly open: boolean;
  prepare(sql: string): SqliteStatement;
  exec(sql: string): unknown;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): ((...args: A) => R) & { immediate(...args: A): R };
  close(): unknown;
}
export type SqliteDriver = new (file: string, options?: { timeout?: number }) => SqliteDatabase;

/**
 * Loads better-sqlite3 and its native addon (throws MODULE_NOT_FOUND, or the addon's error:
 * not built, built for another Node). The addon itself loads on the first `new Database`,
 * so an in-memory one is opened here to tell "cannot load" from "cannot open the file".
 */
export function loadSqliteDriver(): SqliteDriver {
  let req: NodeJS.Require;
  try {
    req = createRequire(import.meta.url);
  } catch {
    req = require; // a CommonJS bundle (rplugin.cjs): import.meta is empty there
  }
  const Driver = req('better-sqlite3') as SqliteDriver;
  new Driver(':memory:').close();
  return Driver;
}

export const SCHEMA_VERSION = 1;
export const BUSY_TIMEOUT_MS = 5000;

/** The seeds' tables, extended (version 1). Kept as data so the report and tests can read it. */
export const SCHEMA_V1 = [
  `CREATE TABLE IF NOT EXISTS routing_prefs (
  project TEXT PRIMARY KEY,
  prefer_local INTEGER NOT NULL DEFAULT 1,
  max_cloud_cost_cents INTEGER DEFAULT 200,
  last_alias TEXT, last_model TEXT, updated_at INTEGER,
  prefs_models TEXT NOT NULL DEFAULT '{}'
)`,
  `CREATE TABLE IF NOT EXISTS routing_stats (
  id INTEGER PRIMARY KEY,
  project TEXT, alias TEXT, model TEXT,
  intent TEXT, size_hint TEXT,
  provider TEXT, latency_ms INTEGER, tokens_in INTEGER, tokens_out INTEGER,
  success INTEGER, created_at INTEGER,
  request_id TEXT, total_duration_ms INTEGER, cost_usd REAL,
  local INTEGER NOT NULL DEFAULT 0, escalated INTEGER NOT NULL DEFAULT 0,
  error_code TEXT, trace TEXT
)`,
  `CREATE INDEX IF NOT EXISTS routing_stats_created_at ON routing_stats(created_at)`,
  `CREATE INDEX IF NOT EXISTS routing_stats_project_created_at ON routing_stats(project, created_at DESC)`,
  `CREATE INDEX IF NOT EXISTS routing_stats_request_id ON routing_stats(request_id)`,
];

/** Columns version 1 adds to the seeds' tables, for files created from the seeds' schema. */
const ADDED_V1: Record<string, [string, string][]> = {
  routing_prefs: [['prefs_models', "TEXT NOT NULL DEFAULT '{}'"]],
  routing_stats: [
    ['request_id', 'TEXT'],
    ['total_duration_ms', 'INTEGER'],
    ['cost_usd', 'REAL'],
    ['local', 'INTEGER NOT NULL DEFAULT 0'],
    ['escalated', 'INTEGER NOT NULL DEFAULT 0'],
    ['error_code', 'TEXT'],
    ['trace', 'TEXT'],
  ],
};

/** Brings the file to SCHEMA_VERSION (PRAGMA user_version); safe with several processes. */
export function migrate(db: SqliteDatabase): void {
  if ((db.pragma('user_version', { simple: true }) as number) >= SCHEMA_VERSION) return;
  db.transaction(() => {
    // Re-read under the write lock: another host may have migrated meanwhile.
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version >= SCHEMA_VERSION) return;
    if (version < 1) {
      // CREATE ... IF NOT EXISTS keeps tables made from the seeds' schema: add what they lack.
      for (const sql of SCHEMA_V1.filter((s) => s.startsWith('CREATE TABLE'))) db.exec(sql);
      for (const [table, cols] of Object.entries(ADDED_V1)) {
        const have = new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name));
        for (const [name, decl] of cols) if (!have.has(name)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${decl}`);
      }
      for (const sql of SCHEMA_V1.filter((s) => s.startsWith('CREATE INDEX'))) db.exec(sql);
    }
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

function entry(m: Map<string, { today: number; month: number; requests: number }>, provider: string) {
  let e = m.get(provider);
  if (!e) m.set(provider, (e = { today: 0, month: 0, requests: 0 }));
  return e;
}

function ledgerSummary(m: Map<string, { today: number; month: number; requests: number }>): SpendSummary {
  let todayUsd = 0;
  let monthUsd = 0;
  const byProvider = [...m.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([provider, e]) => {
      todayUsd += e.today;
      monthUsd += e.month;
      return { provider, todayUsd: roundUsd(e.today), monthUsd: roundUsd(e.month), requests: e.requests };
    });
  return { todayUsd: roundUsd(todayUsd), monthUsd: roundUsd(monthUsd), byProvider };
}

function copySpend(s: SpendSummary): SpendSummary {
  return { ...s, byProvider: s.byProvider.map((p) => ({ ...p })) };
}

function copySummary(s: StatsSummary): StatsSummary {
  return { ...s, spend: copySpend(s.spend), byModel: s.byModel.map((m) => ({ ...m })) };
}

/** Runs `fn` again while it fails with SQLITE_BUSY*, backing off up to BUSY_TIMEOUT_MS. */
export function retryBusy<T>(fn: () => T, timeoutMs = BUSY_TIMEOUT_MS): T {
  const deadline = Date.now() + timeoutMs;
  let pause = 1;
  for (;;) {
    try {
      return fn();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code !== 'string' || !code.startsWith('SQLITE_BUSY') || Date.now() + pause > deadline) throw err;
      sleepSync(pause);
      pause = Math.min(pause * 2, 50);
    }
  }
}

/** A blocking pause (open is synchronous; this only runs in the rare start-up race). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

interface StatsRow {
  request_id: string | null;
  project: string | null;
  alias: string | null;
  model: string | null;
  provider: string | null;
  local: number | null;
  intent: string | null;
  size_hint: string | null;
  latency_ms: number | null;
  total_duration_ms: number | null;
  tokens_in: number | null;
  tokens_out: number | null;
  cost_usd: number | null;
  success: number | null;
  error_code: string | null;
  escalated: number | null;
  trace: string | null;
  created_at: number | null;
}

interface PrefsRow {
  project: string;
  prefer_local: number | null;
  max_cloud_cost_cents: number | null;
  last_alias: string | null;
  last_model: string | null;
  updated_at: number | null;
  prefs_models: string | null;
}

const STATS_COLUMNS =
  'request_id, project, alias, model, provider, local, intent, size_hint, latency_ms, total_duration_ms, tokens_in, tokens_out, cost_usd, success, error_code, escalated, trace, created_at';

function toRecord(r: StatsRow): RequestRecord {
  return cloneRecord({
    requestId: r.request_id ?? '',
    project: r.project ?? '',
    alias: r.alias ?? undefined,
    model: r.model ?? '',
    provider: r.provider ?? '',
    local: r.local === 1,
    intent: r.intent ?? '',
    sizeHint: r.size_hint ?? undefined,
    latencyMs: r.latency_ms ?? undefined,
    totalDurationMs: r.total_duration_ms ?? 0,
    tokensIn: r.tokens_in ?? undefined,
    tokensOut: r.tokens_out ?? undefined,
    costUsd: r.cost_usd ?? undefined,
    success: r.success === 1,
    errorCode: r.error_code ?? undefined,
    escalated: r.escalated === 1,
    trace: r.trace ?? undefined,
    createdAt: r.created_at ?? 0,
  });
}

function toParams(r: RequestRecord): Record<string, BindValue> {
  const n = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? null : x);
  return {
    request_id: r.requestId,
    project: r.project,
    alias: r.alias ?? null,
    model: r.model,
    provider: r.provider,
    local: r.local ? 1 : 0,
    intent: r.intent,
    size_hint: r.sizeHint ?? null,
    latency_ms: n(r.latencyMs),
    total_duration_ms: n(r.totalDurationMs),
    tokens_in: n(r.tokensIn),
    tokens_out: n(r.tokensOut),
    cost_usd: n(r.costUsd),
    success: r.success ? 1 : 0,
    error_code: r.errorCode ?? null,
    escalated: r.escalated ? 1 : 0,
    trace: r.trace ?? null,
    created_at: Math.round(r.createdAt),
  };
}

function parseModels(json: string | null): Record<string, string> {
  if (!json) return {};
  try {
    const v = JSON.parse(json) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
    const out: Record<string, string> = {};
    for (const [k, m] of Object.entries(v)) if (typeof m === 'string') out[k] = m;
    return out;
  } catch {
    return {};
  }
}

/**
 * Opens (creating the folder, the file and the tables as needed) the stats store at `file`.
 * Throws when better-sqlite3 cannot be loaded or the file cannot be opened; openStore()
 * (index.ts) turns that into a memory store with a reason. Once open, no method throws:
 * a failing statement is logged (a warning per distinct error) and answers empty.
 */
export function openSqliteStore(file: string, log: StoreLog, opts: { driver?: SqliteDriver } = {}): Store {
  const Driver = opts.driver ?? loadSqliteDriver();
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  const db = new Driver(path, { timeout: BUSY_TIMEOUT_MS });
  try {
    return createSqliteStore(db, path, log);
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Sets the connection up, migrates, prepares the statements (throws: the caller closes). */
function createSqliteStore(db: SqliteDatabase, path: string, log: StoreLog): Store {
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // Switching a new file to WAL while another process is creating it answers SQLITE_BUSY
  // at once (the busy handler is not called for it): retry, as the migration may be too.
  const mode = retryBusy(() => db.pragma('journal_mode = WAL', { simple: true }));
  if (mode !== 'wal') log.debug(`zeke: stats store ${path}: journal_mode is ${String(mode)}, not wal`);
  db.pragma('synchronous = NORMAL');
  retryBusy(() => migrate(db));

  const insert = db.prepare(
    `INSERT INTO routing_stats (${STATS_COLUMNS}) VALUES (${STATS_COLUMNS.split(', ')
      .map((c) => '@' + c)
      .join(', ')})`,
  );
  const insertTx = db.transaction((p: Record<string, BindValue>) => insert.run(p));
  const spendStmt = db.prepare(`SELECT provider,
      SUM(CASE WHEN local = 0 AND created_at >= @dayStart AND created_at < @dayEnd THEN cost_usd END) AS today,
      SUM(CASE WHEN local = 0 THEN cost_usd END) AS month,
      COUNT(*) AS requests
    FROM routing_stats WHERE created_at >= @monthStart AND created_at < @monthEnd
    GROUP BY provider ORDER BY provider`);
  const recentStmt = db.prepare(`SELECT ${STATS_COLUMNS} FROM routing_stats ORDER BY created_at DESC, id DESC LIMIT ?`);
  // One pass over the window's rows; figures and the p50 are computed in JS (calc.ts).
  const summaryStmt = db
    .prepare(`SELECT model, provider, local, success, tokens_in, tokens_out, cost_usd, latency_ms FROM routing_stats
    WHERE created_at >= @since AND created_at <= @now`)
    .raw();
  // Changes when another connection (another Neovim's host) commits; our own commits are
  // counted in `ownWrites`. Together they say whether a cached answer is still exact.
  const dataVersionStmt = db.prepare('PRAGMA data_version');
  let ownWrites = 0;
  const version = () => `${(dataVersionStmt.get() as { data_version: number }).data_version}:${ownWrites}`;
  const maxIdStmt = db.prepare('SELECT MAX(id) AS id FROM routing_stats');
  const newRowsStmt = db.prepare('SELECT id, provider, local, cost_usd, created_at FROM routing_stats WHERE id > ? ORDER BY id').raw();
  // One read transaction: the sums and the last id come from the same snapshot.
  const countMonthTx = db.transaction((w: Windows) => countMonth(w));
  /** The month's ledger, kept up to date by reading only the rows added since (ids grow). */
  let ledger: { dayStart: number; version: string; lastId: number; providers: Map<string, { today: number; month: number; requests: number }> } | undefined;
  let summaryCache: { key: string; value: StatsSummary } | undefined;
  const getPrefsStmt = db.prepare(
    'SELECT project, prefer_local, max_cloud_cost_cents, last_alias, last_model, updated_at, prefs_models FROM routing_prefs WHERE project = ?',
  );
  const setPrefsStmt = db.prepare(`INSERT INTO routing_prefs
      (project, prefer_local, max_cloud_cost_cents, last_alias, last_model, updated_at, prefs_models)
      VALUES (@project, @prefer_local, @max_cloud_cost_cents, @last_alias, @last_model, @updated_at, @prefs_models)
    ON CONFLICT(project) DO UPDATE SET prefer_local = excluded.prefer_local,
      max_cloud_cost_cents = excluded.max_cloud_cost_cents, last_alias = excluded.last_alias,
      last_model = excluded.last_model, updated_at = excluded.updated_at, prefs_models = excluded.prefs_models`);
  const setPrefsTx = db.transaction((p: Record<string, BindValue>) => setPrefsStmt.run(p));

  const reported = new Set<string>();
  function guard<T>(what: string, fallback: T, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      const e = err as { code?: string; message?: string };
      const key = `${what}:${e.code ?? ''}:${e.message ?? String(err)}`;
      const corrupt = e.code === 'SQLITE_NOTADB' || e.code?.startsWith('SQLITE_CORRUPT');
      const msg = `zeke: stats store ${what} failed (${path}): ${e.message ?? String(err)}${corrupt ? ' (move the file away to start fresh)' : ''}`;
      if (reported.has(key)) log.debug(msg);
      else {
        reported.add(key);
        log.warn(msg);
      }
      return fallback;
    }
  }

  function spend(now: number = Date.now()): SpendSummary {
    return guard('spend', { todayUsd: 0, monthUsd: 0, byProvider: [] }, () => {
      // The router asks before every request. Unchanged data (same version): the kept
      // ledger; new rows (ours or another host's): add just those; a new day: recount.
      const w = windows(now);
      const v = version();
      if (!ledger || ledger.dayStart !== w.dayStart) {
        ledger = { dayStart: w.dayStart, version: v, ...countMonthTx(w) };
      } else if (ledger.version !== v) {
        const l = ledger;
        for (const [id, provider, local, cost, createdAt] of newRowsStmt.all(l.lastId) as [number, string | null, number | null, number | null, number | null][]) {
          l.lastId = id;
          if (createdAt === null || createdAt < w.monthStart || createdAt >= w.monthEnd) continue;
          const c = local === 1 ? 0 : (cost ?? 0);
          const p = entry(l.providers, provider ?? '');
          p.requests++;
          p.month += c;
          if (createdAt >= w.dayStart && createdAt < w.dayEnd) p.today += c;
        }
        l.version = v;
      }
      return ledgerSummary(ledger.providers);
    });
  }

  function countMonth(w: Windows) {
    const lastId = ((maxIdStmt.get() as { id: number | null }).id ?? 0) as number;
    const providers = new Map<string, { today: number; month: number; requests: number }>();
    for (const r of spendStmt.all(w) as { provider: string | null; today: number | null; month: number | null; requests: number }[]) {
      providers.set(r.provider ?? '', { today: r.today ?? 0, month: r.month ?? 0, requests: r.requests });
    }
    return { lastId, providers };
  }

  function summary(opts: { since: number; referencePrice?: ReferencePrice; now?: number }): StatsSummary {
    // Without an explicit `now` every row is already in the past, so unchanged data (same
    // version) gives the same answer: cache it (:ZekeStats asks synchronously).
    if (opts.now !== undefined) return computeSummary(opts);
    const ref = opts.referencePrice;
    const key = guard('summary', undefined, () => `${version()}:${windows(Date.now()).dayStart}:${opts.since}:${ref ? `${ref.model}:${ref.input}:${ref.output}` : ''}`);
    if (key === undefined) return computeSummary(opts);
    if (summaryCache?.key !== key) summaryCache = { key, value: computeSummary(opts) };
    return copySummary(summaryCache.value);
  }

  function computeSummary(opts: { since: number; referencePrice?: ReferencePrice; now?: number }): StatsSummary {
    const now = opts.now ?? Date.now();
    const spent = spend(now);
    return guard('summary', createSummaryAccumulator().finish(opts.since, spent, opts.referencePrice), () => {
      const acc = createSummaryAccumulator();
      type Row = [string | null, string | null, number | null, number | null, number | null, number | null, number | null, number | null];
      for (const [model, provider, local, success, tin, tout, cost, ttfb] of summaryStmt.all({ since: Math.round(opts.since), now: Math.round(now) }) as Row[]) {
        acc.add(model ?? '', provider ?? '', local === 1, success === 1, tin ?? 0, tout ?? 0, cost ?? 0, ttfb ?? undefined);
      }
      return acc.finish(opts.since, spent, opts.referencePrice);
    });
  }

  return {
    location: { kind: 'sqlite', file: path },
    record(row) {
      guard('record', undefined, () => {
        insertTx.immediate(toParams(row));
        ownWrites++;
      });
    },
    spend,
    recent(limit) {
      if (!(limit > 0)) return [];
      return guard('recent', [], () => (recentStmt.all(Math.floor(limit)) as StatsRow[]).map(toRecord));
    },
    summary,
    getPrefs(project) {
      return guard('getPrefs', undefined, () => {
        const r = getPrefsStmt.get(project) as PrefsRow | undefined;
        if (!r) return undefined;
        const p: ProjectPrefs = {
          project: r.project,
          preferLocal: r.prefer_local !== 0,
          maxCloudCostCents: r.max_cloud_cost_cents ?? DEFAULT_MAX_CLOUD_COST_CENTS,
          models: parseModels(r.prefs_models),
          updatedAt: r.updated_at ?? 0,
        };
        if (r.last_alias !== null) p.lastAlias = r.last_alias;
        if (r.last_model !== null) p.lastModel = r.last_model;
        return p;
      });
    },
    setPrefs(p) {
      guard('setPrefs', undefined, () => {
        setPrefsTx.immediate({
          project: p.project,
          prefer_local: p.preferLocal ? 1 : 0,
          max_cloud_cost_cents: Number.isFinite(p.maxCloudCostCents) ? p.maxCloudCostCents : null,
          last_alias: p.lastAlias ?? null,
          last_model: p.lastModel ?? null,
          updated_at: Math.round(p.updatedAt),
          prefs_models: JSON.stringify(p.models ?? {}),
        });
        ownWrites++;
      });
    },
    close() {
      if (db.open) db.close();
    },
  };
}
