// Pure helpers shared by the SQLite and the memory store, so both count the same way:
// local-time day and month windows, USD rounding, the nearest-rank p50 and "saved" dollars.
import type { ProjectPrefs, RequestRecord, SpendSummary, StatsSummary } from './types.js';

/** Logger subset the store needs (src/log/logger.ts's Logger fits). */
export interface StoreLog {
  debug(msg: string, ...args: unknown[]): void;
  warn(msg: string, ...args: unknown[]): void;
}

/** Reference price for savedUsd: USD per 1M tokens, like providers/shared/prices.ts. */
export interface ReferencePrice {
  model: string;
  input: number;
  output: number;
}

/** The seeds' default soft cap per operation (routing_prefs.max_cloud_cost_cents). */
export const DEFAULT_MAX_CLOUD_COST_CENTS = 200;

export interface Windows {
  dayStart: number;
  dayEnd: number;
  monthStart: number;
  monthEnd: number;
}

/** Local midnight today / tomorrow and the 1st of this / next month (local time, DST-safe). */
export function windows(now: number): Windows {
  const d = new Date(now);
  const y = d.getFullYear();
  const m = d.getMonth();
  const day = d.getDate();
  return {
    dayStart: new Date(y, m, day).getTime(),
    dayEnd: new Date(y, m, day + 1).getTime(),
    monthStart: new Date(y, m, 1).getTime(),
    monthEnd: new Date(y, m + 1, 1).getTime(),
  };
}

/** Sums of many float costs drift in the last bits; a nano-dollar is far below any price. */
export function roundUsd(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

/** Nearest-rank median of an ascending list (the lower middle for an even count). */
export function p50(sorted: readonly number[]): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.ceil(sorted.length / 2) - 1];
}

export function savedUsd(tokensIn: number, tokensOut: number, ref: ReferencePrice | undefined): number {
  if (!ref) return 0;
  return roundUsd((tokensIn * ref.input + tokensOut * ref.output) / 1e6);
}

/** What a row costs in the ledger: local rows are free whatever they carry. */
export function rowCost(row: Pick<RequestRecord, 'local' | 'costUsd'>): number {
  return row.local ? 0 : (row.costUsd ?? 0);
}


/** A copy with no undefined-valued keys and a fresh models object. */
export function clonePrefs(p: ProjectPrefs): ProjectPrefs {
  const out: ProjectPrefs = {
    project: p.project,
    preferLocal: p.preferLocal,
    maxCloudCostCents: p.maxCloudCostCents,
    models: { ...p.models },
    updatedAt: p.updatedAt,
  };
  if (p.lastAlias !== undefined) out.lastAlias = p.lastAlias;
  if (p.lastModel !== undefined) out.lastModel = p.lastModel;
  return out;
}

/** A copy with no undefined-valued keys (what both stores hand back). */
export function cloneRecord(r: RequestRecord): RequestRecord {
  const out = {} as Record<string, unknown>;
  for (const [k, v] of Object.entries(r)) if (v !== undefined && v !== null) out[k] = v;
  return out as unknown as RequestRecord;
}

export type ByModel = StatsSummary['byModel'][number];

/** Orders byModel rows: most requests first, then by model name. */
export function byModelOrder(a: ByModel, b: ByModel): number {
  return b.requests - a.requests || a.model.localeCompare(b.model) || a.provider.localeCompare(b.provider);
}

/** Builds StatsSummary figures from rows, one pass; both stores feed it. */
export function createSummaryAccumulator() {
  const groups = new Map<string, { m: ByModel; ok: number; cost: number; ttfb: number[] }>();
  let requests = 0;
  let ok = 0;
  let savedIn = 0;
  let savedOut = 0;
  return {
    add(model: string, provider: string, local: boolean, success: boolean, tokensIn: number, tokensOut: number, costUsd: number, latencyMs: number | undefined) {
      const key = `${model}\u0000${provider}`;
      let g = groups.get(key);
      if (!g) {
        g = { m: { model, provider, local, requests: 0, successRate: 0, tokensIn: 0, tokensOut: 0, costUsd: 0 }, ok: 0, cost: 0, ttfb: [] };
        groups.set(key, g);
      }
      requests++;
      g.m.requests++;
      g.m.local ||= local;
      g.m.tokensIn += tokensIn;
      g.m.tokensOut += tokensOut;
      if (!local) g.cost += costUsd;
      if (latencyMs !== undefined) g.ttfb.push(latencyMs);
      if (success) {
        ok++;
        g.ok++;
        // "Saved": what the successful local answers would have cost in the cloud.
        if (local) {
          savedIn += tokensIn;
          savedOut += tokensOut;
        }
      }
    },
    finish(since: number, spend: SpendSummary, ref: ReferencePrice | undefined): StatsSummary {
      const byModel: ByModel[] = [];
      for (const g of groups.values()) {
        const m: ByModel = { ...g.m, successRate: g.ok / g.m.requests, costUsd: roundUsd(g.cost) };
        const t = p50(g.ttfb.sort((a, b) => a - b));
        if (t !== undefined) m.p50TtfbMs = t;
        byModel.push(m);
      }
      byModel.sort(byModelOrder);
      const out: StatsSummary = { since, requests, successRate: requests ? ok / requests : 0, spend, byModel, savedUsd: savedUsd(savedIn, savedOut, ref) };
      if (ref) out.savedReference = ref.model;
      return out;
    },
  };
}
