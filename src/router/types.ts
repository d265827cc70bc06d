// The routing brain's vocabulary (types only). The decision itself is a pure function of
// these inputs (router/decide.ts), so it can be tested table by table and benched.
import type { intents } from '../config/schema.js';
import type { Price } from '../providers/shared/prices.js';

export type Intent = (typeof intents)[number];
export type SizeHint = 'tiny' | 'small' | 'medium' | 'large';

/** What a feature tells the router about one request (the seeds' tags). */
export interface RouteHints {
  intent: Intent;
  /** Prompt size estimate; sizeHint is derived from it when absent. */
  inputTokens?: number;
  sizeHint?: SizeHint;
  /** How much the answer is expected to write (e.g. max_tokens). */
  expectedOutputTokens?: number;
  /** Tool calls the job needs. */
  toolCalls?: number;
  latency?: 'low' | 'normal' | 'high';
  budget?: 'frugal' | 'normal' | 'generous';
  project?: string;
  /** A chat conversation id: stickiness keeps it on one provider. */
  session?: string;
  /** Capabilities the job needs. */
  needs?: { fim?: boolean; tools?: boolean; vision?: boolean };
}

/** One model the router may pick. */
export interface Candidate {
  /** `provider:model`. */
  ref: string;
  provider: string;
  model: string;
  /** Runs on the user's own hardware (Ollama): free, private. */
  local: boolean;
  /** Known to be available (listed by the provider) — false means "not listed", undefined "unknown". */
  available?: boolean;
  capabilities?: { fim?: boolean; tools?: boolean; vision?: boolean };
  contextWindow?: number;
  price?: Price;
}

/** What history says about one provider (and, for Ollama, one endpoint). */
export interface ProviderStats {
  /** Exponentially weighted moving average of time to first token, ms. */
  ttfbEwmaMs?: number;
  /** EWMA of output tokens per second. */
  tokensPerSecEwma?: number;
  /** Share of successful requests among the recent ones (0..1). */
  successRate: number;
  samples: number;
  /** Circuit breaker: open after repeated failures (skip), half-open to try again. */
  breaker: 'closed' | 'open' | 'half-open';
  /** Last health probe or request said it answers. */
  healthy?: boolean;
}

export interface Spend {
  todayUsd: number;
  monthUsd: number;
}

export interface RoutingSettings {
  preferLocalFor: Intent[];
  localMaxInputTokens: number;
  escalateTtfbMs: number;
  escalateOutputTokens: number;
  escalateToolCalls: number;
  sticky: boolean;
  weights: { health: number; latency: number; cost: number; reliability: number };
  maxCloudCostCents: number;
  budgetDailyUsd?: number;
  budgetMonthlyUsd?: number;
  onBudget: 'local' | 'refuse';
}

export interface DecideInput {
  /** What the user or feature asked for: an alias, a `provider:model` ref, or `auto`. */
  requested: string;
  hints: RouteHints;
  settings: RoutingSettings;
  aliases: Record<string, string[]>;
  /** Every model the router knows of (configured providers × listed models, alias targets). */
  catalog: Candidate[];
  /** Stats by provider name (and `ollama@<endpoint>` for endpoints). */
  stats: Record<string, ProviderStats>;
  spend: Spend;
  /** The ref this session used last (stickiness). */
  stickyRef?: string;
}

export interface ScoredCandidate {
  ref: string;
  score: number;
  parts: { health: number; latency: number; cost: number; reliability: number };
  /** Why it was not eligible, when it was not. */
  excluded?: string;
}

/** Why the router chose what it chose: shown by :ZekeWhy and stored with the stats. */
export interface RouteTrace {
  requested: string;
  hints: RouteHints;
  candidates: ScoredCandidate[];
  /** The rule that decided, in a user's words ("prefer local for code with small context"). */
  rule: string;
  chosen: string;
  /** Ordered refs to try if the chosen one fails. */
  fallbacks: string[];
  /** Set when the chosen ref is local and a cloud ref waits to take over on a slow first token. */
  escalation?: { to: string; afterMs: number };
  budget: { estimateUsd?: number; capCents: number; todayUsd: number; monthUsd: number; dailyCapUsd?: number; monthlyCapUsd?: number; note?: string };
  decideMs?: number;
}

export type Decision =
  | { ok: true; chosen: Candidate; fallbacks: Candidate[]; escalation?: { to: Candidate; afterMs: number }; trace: RouteTrace }
  | { ok: false; reason: string; trace: RouteTrace };
