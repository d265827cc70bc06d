// The store in memory, used when the SQLite file cannot be opened (better-sqlite3 missing,
// permissions, a corrupt file). Same answers as sqlite-store.ts for the same rows, but the
// history lives and dies with this host process and other Neovims do not see it.
import { cloneRecord, clonePrefs, createSummaryAccumulator, roundUsd, rowCost, windows, type ReferencePrice } from './calc.js';
import type { ProjectPrefs, RequestRecord, SpendSummary, StatsSummary, Store } from './types.js';

/** Rows kept at most; the oldest go first (a host never gets near it in a normal session). */
const MAX_ROWS = 50_000;

export function createMemoryStore(reason: string): Store {
  let rows: RequestRecord[] = [];
  const prefs = new Map<string, ProjectPrefs>();

  function spend(now: number = Date.now()): SpendSummary {
    const w = windows(now);
    const by = new Map<string, { provider: string; todayUsd: number; monthUsd: number; requests: number }>();
    let todayUsd = 0;
    let monthUsd = 0;
    for (const r of rows) {
      if (r.createdAt < w.monthStart || r.createdAt >= w.monthEnd) continue;
      let p = by.get(r.provider);
      if (!p) by.set(r.provider, (p = { provider: r.provider, todayUsd: 0, monthUsd: 0, requests: 0 }));
      const cost = rowCost(r);
      p.requests++;
      p.monthUsd += cost;
      monthUsd += cost;
      if (r.createdAt >= w.dayStart && r.createdAt < w.dayEnd) {
        p.todayUsd += cost;
        todayUsd += cost;
      }
    }
    const byProvider = [...by.values()]
      .sort((a, b) => (a.provider < b.provider ? -1 : a.provider > b.provider ? 1 : 0))
      .map((p) => ({ ...p, todayUsd: roundUsd(p.todayUsd), monthUsd: roundUsd(p.monthUsd) }));
    return { todayUsd: roundUsd(todayUsd), monthUsd: roundUsd(monthUsd), byProvider };
  }

  function summary(opts: { since: number; referencePrice?: ReferencePrice; now?: number }): StatsSummary {
    const now = opts.now ?? Date.now();
    const acc = createSummaryAccumulator();
    for (const r of rows) {
      if (r.createdAt < opts.since || r.createdAt > now) continue;
      acc.add(r.model, r.provider, r.local, r.success, r.tokensIn ?? 0, r.tokensOut ?? 0, r.costUsd ?? 0, r.latencyMs);
    }
    return acc.finish(opts.since, spend(now), opts.referencePrice);
  }

  return {
    location: { kind: 'memory', reason },
    record(row) {
      rows.push(cloneRecord(row));
      if (rows.length > MAX_ROWS) rows = rows.slice(rows.length - Math.floor(MAX_ROWS * 0.9));
    },
    spend,
    recent(limit) {
      if (limit <= 0) return [];
      // Stable sort of the newest-first view: among equal times the later insert comes first.
      return rows
        .slice()
        .reverse()
        .sort((a, b) => b.createdAt - a.createdAt)
        .slice(0, limit)
        .map(cloneRecord);
    },
    summary,
    getPrefs(project) {
      const p = prefs.get(project);
      return p && clonePrefs(p);
    },
    setPrefs(p) {
      prefs.set(p.project, clonePrefs(p));
    },
    close() {},
  };
}
