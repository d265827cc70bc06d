// The `routing` options (snake_case, as the user writes them) → the router's RoutingSettings.
// Defaults live in the schema (config/schema.ts); this only renames and copies.
import type { ResolvedConfig } from '../config/index.js';
import type { RoutingSettings } from './types.js';

export function routingSettings(config: ResolvedConfig['options']): RoutingSettings {
  const r = config.routing;
  const settings: RoutingSettings = {
    preferLocalFor: [...r.prefer_local_for],
    localMaxInputTokens: r.local_max_input_tokens,
    escalateTtfbMs: r.escalate_ttfb_ms,
    escalateOutputTokens: r.escalate_output_tokens,
    escalateToolCalls: r.escalate_tool_calls,
    sticky: r.sticky,
    weights: { health: r.weights.health, latency: r.weights.latency, cost: r.weights.cost, reliability: r.weights.reliability },
    maxCloudCostCents: r.max_cloud_cost_cents,
    onBudget: r.on_budget,
  };
  if (r.budget_daily_usd !== undefined) settings.budgetDailyUsd = r.budget_daily_usd;
  if (r.budget_monthly_usd !== undefined) settings.budgetMonthlyUsd = r.budget_monthly_usd;
  return settings;
}
