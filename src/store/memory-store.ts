// The store in memory, used when the SQLite file cannot be opened (better-sqlite3 missing,
// permissions, a corrupt file). Same answers as sqlite-store.ts for the same rows, but the
// history lives and dies with this host process and other Neovims do not see it.
import {
  byModelOrder,
  cloneRecord,
  clonePrefs,
  p50,
  roundUsd,
  rowCost,
  savedUsd,
  windows,
  type ByModel,
  type ReferencePrice,
} from './calc.js';
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
    const groups = new Map<string, { m: ByModel; ok: number; ttfb: number[]; savedIn: number; savedOut: number; cost: number }>();
    let requests = 0;
    let ok = 0;
    for (const r of rows) {
      if (r.createdAt < opts.since || r.createdAt > now) continue;
      const key = `${r.model}\u0000${r.provider}`;
      let g = groups.get(key);
      if (!g) {
        g = {
          m: { model: r.model, provider: r.provider, local: r.local, requests: 0, successRate: 0, tokensIn: 0, tokensOut: 0, costUsd: 0 },
          ok: 0,
          ttfb: [],
          savedIn: 0,
          savedOut: 0,
          cost: 0,
        };
        groups.set(key, g);
      }
      requests++;
      g.m.requests++;
      g.m.local ||= r.local;
      g.m.tokensIn += r.tokensIn ?? 0;
      g.m.tokensOut += r.tokensOut ?? 0;
      g.cost += rowCost(r);
      if (r.latencyMs !== undefined) g.ttfb.push(r.latencyMs);
      if (r.success) {
        ok++;
        g.ok++;
        if (r.local) {
          g.savedIn += r.tokensIn ?? 0;
          g.savedOut += r.tokensOut ?? 0;
        }
      }
    }
    let savedIn = 0;
    let savedOut = 0;
    const byModel: ByModel[] = [];
    for (const g of groups.values()) {
      g.ttfb.sort((a, b) => a - b);
      const m: ByModel = { ...g.m, successRate: g.ok / g.m.requests, costUsd: roundUsd(g.cost) };
      const t = p50(g.ttfb);
      if (t !== undefined) m.p50TtfbMs = t;
      byModel.push(m);
      savedIn += g.savedIn;
      savedOut += g.savedOut;
    }
    byModel.sort(byModelOrder);
    const out: StatsSummary = {
      since: opts.since,
      requests,
      successRate: requests ? ok / requests : 0,
      spend: spend(now),
      byModel,
      savedUsd: savedUsd(savedIn, savedOut, opts.referencePrice),
    };
    if (opts.referencePrice) out.savedReference = opts.referencePrice.model;
    return out;
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
