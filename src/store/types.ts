// The stats store: routing_prefs and routing_stats (the seeds' schema, extended) plus the
// budget ledger, shared by every Neovim of the user. Types only; sqlite-store.ts implements
// it on SQLite (WAL), memory-store.ts in memory when the file cannot be opened.
export interface RequestRecord {
  requestId: string;
  project: string;
  alias?: string;
  /** `provider:model`. */
  model: string;
  provider: string;
  local: boolean;
  intent: string;
  sizeHint?: string;
  /** Time to first token, ms. */
  latencyMs?: number;
  totalDurationMs: number;
  tokensIn?: number;
  tokensOut?: number;
  costUsd?: number;
  success: boolean;
  errorCode?: string;
  escalated: boolean;
  /** The route trace as JSON. */
  trace?: string;
  /** ms since epoch. */
  createdAt: number;
}

export interface ProjectPrefs {
  project: string;
  preferLocal: boolean;
  maxCloudCostCents: number;
  /** Feature → model chosen with :ZekeModel (completion, chat, edit). */
  models: Record<string, string>;
  lastAlias?: string;
  lastModel?: string;
  updatedAt: number;
}

export interface SpendSummary {
  todayUsd: number;
  monthUsd: number;
  byProvider: { provider: string; todayUsd: number; monthUsd: number; requests: number }[];
}

export interface StatsSummary {
  since: number;
  requests: number;
  successRate: number;
  spend: SpendSummary;
  byModel: { model: string; provider: string; local: boolean; requests: number; successRate: number; p50TtfbMs?: number; tokensIn: number; tokensOut: number; costUsd: number }[];
  /** What the local answers would have cost on the reference cloud model. */
  savedUsd: number;
  savedReference?: string;
}

export interface Store {
  /** Where the data lives, or why it is in memory only. */
  readonly location: { kind: 'sqlite'; file: string } | { kind: 'memory'; reason: string };
  record(row: RequestRecord): void;
  spend(now?: number): SpendSummary;
  /** The newest requests across all models, newest first (for warm EWMA stats at start-up). */
  recent(limit: number): RequestRecord[];
  /** `referencePrice` in USD per 1M tokens: what the local answers would have cost there. */
  summary(opts: { since: number; referencePrice?: { model: string; input: number; output: number }; now?: number }): StatsSummary;
  getPrefs(project: string): ProjectPrefs | undefined;
  setPrefs(prefs: ProjectPrefs): void;
  close(): void;
}
