// The behaviour both stores share, run against SQLite and memory alike.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStore } from './memory-store.js';
import { openSqliteStore } from './sqlite-store.js';
import type { RequestRecord, Store } from './types.js';

const silent = { debug() {}, warn(msg: string) { throw new Error(`unexpected warning: ${msg}`); } };

const makers: [string, () => Store][] = [
  ['sqlite', () => openSqliteStore(join(mkdtempSync(join(tmpdir(), 'zeke-store-')), 'zeke', 'zeke.db'), silent)],
  ['memory', () => createMemoryStore('test')],
];

let n = 0;
function row(over: Partial<RequestRecord>): RequestRecord {
  n++;
  return {
    requestId: `r${n}`,
    project: '/p',
    model: 'openai:gpt-5.4',
    provider: 'openai',
    local: false,
    intent: 'code',
    totalDurationMs: 1000,
    success: true,
    escalated: false,
    createdAt: 0,
    ...over,
  };
}

/** Local time (the ledger's day and month are local). */
const at = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0) => new Date(y, mo - 1, d, h, mi, s, ms).getTime();

describe.each(makers)('%s store', (_kind, make) => {
  let store: Store;
  afterEach(() => store?.close());

  it('spend: today since local midnight, month since the 1st, local rows free, per provider', () => {
    store = make();
    const now = at(2026, 3, 15, 12);
    store.record(row({ costUsd: 0.5, createdAt: at(2026, 3, 15, 11) })); // today
    store.record(row({ costUsd: 0.125, createdAt: at(2026, 3, 15) })); // exactly midnight: today
    store.record(row({ costUsd: 2, createdAt: at(2026, 3, 14, 23, 59, 59, 999) })); // yesterday
    store.record(row({ costUsd: 0.25, createdAt: at(2026, 3, 1) })); // the 1st, 00:00: this month
    store.record(row({ costUsd: 100, createdAt: at(2026, 2, 28, 23, 59, 59, 999) })); // last month
    store.record(row({ costUsd: 100, createdAt: at(2026, 4, 1) })); // next month (after `now`)
    store.record(row({ provider: 'anthropic', model: 'anthropic:claude-sonnet-5', costUsd: 1, createdAt: at(2026, 3, 15, 9) }));
    store.record(row({ provider: 'anthropic', model: 'anthropic:claude-sonnet-5', createdAt: at(2026, 3, 15, 9) })); // no cost known
    store.record(row({ provider: 'ollama', model: 'ollama:qwen', local: true, costUsd: 7, createdAt: at(2026, 3, 15, 10) }));

    const s = store.spend(now);
    expect(s.todayUsd).toBe(1.625);
    expect(s.monthUsd).toBe(3.875);
    expect(s.byProvider).toEqual([
      { provider: 'anthropic', todayUsd: 1, monthUsd: 1, requests: 2 },
      { provider: 'ollama', todayUsd: 0, monthUsd: 0, requests: 1 },
      { provider: 'openai', todayUsd: 0.625, monthUsd: 2.875, requests: 4 },
    ]);
    // The next day: today resets, the month does not.
    const tomorrow = store.spend(at(2026, 3, 16, 0, 0, 0, 1));
    expect(tomorrow.todayUsd).toBe(0);
    expect(tomorrow.monthUsd).toBe(3.875);
    // April: only the April row.
    expect(store.spend(at(2026, 4, 1, 8)).monthUsd).toBe(100);
    expect(store.spend(at(2026, 4, 1, 8)).todayUsd).toBe(100);
  });

  it('spend of an empty store is zero', () => {
    store = make();
    expect(store.spend()).toEqual({ todayUsd: 0, monthUsd: 0, byProvider: [] });
  });

  it('sums float costs without drift', () => {
    store = make();
    const now = at(2026, 5, 10, 12);
    for (let i = 0; i < 10; i++) store.record(row({ costUsd: 0.1, createdAt: now - i }));
    expect(store.spend(now).monthUsd).toBe(1);
  });

  it('summary: requests, success rate, per-model figures, p50 TTFB, savedUsd at the reference price', () => {
    store = make();
    const now = at(2026, 6, 20, 12);
    const since = at(2026, 6, 20);
    const cloud = { model: 'openai:gpt-5.4', provider: 'openai' };
    const local = { model: 'ollama:qwen', provider: 'ollama', local: true };
    for (const [latencyMs, success] of [[100, true], [400, true], [300, false], [200, true]] as const) {
      store.record(row({ ...cloud, latencyMs, success, tokensIn: 1000, tokensOut: 100, costUsd: 0.01, createdAt: now - 1000 }));
    }
    store.record(row({ ...local, latencyMs: 50, tokensIn: 600, tokensOut: 1200, createdAt: now - 500 }));
    store.record(row({ ...local, latencyMs: 10, tokensIn: 400, tokensOut: 800, createdAt: now - 400 }));
    store.record(row({ ...local, latencyMs: 30, tokensIn: 9999, tokensOut: 9999, success: false, createdAt: now - 300 }));
    store.record(row({ ...local, tokensIn: 5, tokensOut: 5, createdAt: since - 1 })); // before `since`
    store.record(row({ ...local, tokensIn: 5, tokensOut: 5, createdAt: now + 1 })); // after `now`

    const s = store.summary({ since, now, referencePrice: { model: 'openai:gpt-5.4', input: 2.5, output: 15 } });
    expect(s.since).toBe(since);
    expect(s.requests).toBe(7);
    expect(s.successRate).toBeCloseTo(5 / 7, 12);
    expect(s.byModel).toEqual([
      { model: 'openai:gpt-5.4', provider: 'openai', local: false, requests: 4, successRate: 0.75, p50TtfbMs: 200, tokensIn: 4000, tokensOut: 400, costUsd: 0.04 },
      { model: 'ollama:qwen', provider: 'ollama', local: true, requests: 3, successRate: 2 / 3, p50TtfbMs: 30, tokensIn: 10999, tokensOut: 11999, costUsd: 0 },
    ]);
    // Successful local answers only: 1000 in × $2.5/M + 2000 out × $15/M.
    expect(s.savedUsd).toBe(0.0325);
    expect(s.savedReference).toBe('openai:gpt-5.4');
    expect(s.spend).toEqual(store.spend(now));

    const bare = store.summary({ since, now });
    expect(bare.savedUsd).toBe(0);
    expect(bare.savedReference).toBeUndefined();
    const empty = store.summary({ since: now + 10, now: now + 20 });
    expect(empty).toMatchObject({ requests: 0, successRate: 0, byModel: [], savedUsd: 0 });
  });

  it('p50 is left out for a model with no TTFB', () => {
    store = make();
    store.record(row({ createdAt: 5 }));
    const s = store.summary({ since: 0, now: 10 });
    expect(s.byModel[0]).not.toHaveProperty('p50TtfbMs');
  });

  it('recent: newest first, limited, every field round trips', () => {
    store = make();
    const full: RequestRecord = {
      requestId: 'full',
      project: '/home/me/grim',
      alias: 'code-fast',
      model: 'ollama:deepseek-coder:14b',
      provider: 'ollama',
      local: true,
      intent: 'code',
      sizeHint: 'small',
      latencyMs: 123,
      totalDurationMs: 4567,
      tokensIn: 10,
      tokensOut: 20,
      costUsd: 0,
      success: false,
      errorCode: 'timeout',
      escalated: true,
      trace: JSON.stringify({ reason: 'local first', candidates: [{ model: 'x', score: 1 }] }),
      createdAt: 3000,
    };
    store.record(row({ requestId: 'old', createdAt: 1000 }));
    store.record(full);
    store.record(row({ requestId: 'mid', createdAt: 2000 }));
    store.record(row({ requestId: 'same-time-later', createdAt: 2000 }));
    const recent = store.recent(3);
    expect(recent.map((r) => r.requestId)).toEqual(['full', 'same-time-later', 'mid']);
    expect(recent[0]).toEqual(full);
    expect(recent[1]).not.toHaveProperty('alias'); // absent stays absent
    expect(store.recent(0)).toEqual([]);
    expect(store.recent(100)).toHaveLength(4);
  });

  it('prefs round trip per project, update replaces, copies are handed out', () => {
    store = make();
    expect(store.getPrefs('/p')).toBeUndefined();
    const prefs = { project: '/p', preferLocal: false, maxCloudCostCents: 50, models: { chat: 'anthropic:claude-sonnet-5', completion: 'ollama:qwen' }, lastAlias: 'code-smart', lastModel: 'openai:gpt-5.4', updatedAt: 42 };
    store.setPrefs(prefs);
    store.setPrefs({ project: '/q', preferLocal: true, maxCloudCostCents: 200, models: {}, updatedAt: 1 });
    expect(store.getPrefs('/p')).toEqual(prefs);
    expect(store.getPrefs('/q')).toEqual({ project: '/q', preferLocal: true, maxCloudCostCents: 200, models: {}, updatedAt: 1 });

    const got = store.getPrefs('/p')!;
    got.models.edit = 'changed';
    expect(store.getPrefs('/p')!.models).not.toHaveProperty('edit');

    store.setPrefs({ project: '/p', preferLocal: true, maxCloudCostCents: 10, models: { edit: 'ollama:qwen' }, updatedAt: 43 });
    expect(store.getPrefs('/p')).toEqual({ project: '/p', preferLocal: true, maxCloudCostCents: 10, models: { edit: 'ollama:qwen' }, updatedAt: 43 });
  });
});
