import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/index.js';
import { routingSettings } from './settings.js';

describe('routingSettings', () => {
  it('maps the defaults', () => {
    expect(routingSettings(resolveConfig({ config_file: false }, {}).options)).toEqual({
      preferLocalFor: ['completion', 'code', 'tests', 'refactor', 'regex'],
      localMaxInputTokens: 8000,
      escalateTtfbMs: 2000,
      escalateOutputTokens: 2000,
      escalateToolCalls: 1,
      sticky: true,
      weights: { health: 0.4, latency: 0.3, cost: 0.2, reliability: 0.1 },
      maxCloudCostCents: 200,
      onBudget: 'local',
    });
  });

  it('maps every option the user sets', () => {
    const cfg = resolveConfig(
      {
        config_file: false,
        routing: {
          prefer_local_for: ['explain'],
          local_max_input_tokens: 4000,
          escalate_ttfb_ms: 1500,
          escalate_output_tokens: 500,
          escalate_tool_calls: 0,
          sticky: false,
          weights: { health: 1, latency: 0, cost: 2, reliability: 0 },
          max_cloud_cost_cents: 25,
          budget_daily_usd: 5,
          budget_monthly_usd: 50,
          on_budget: 'refuse',
        },
      },
      {},
    );
    expect(routingSettings(cfg.options)).toEqual({
      preferLocalFor: ['explain'],
      localMaxInputTokens: 4000,
      escalateTtfbMs: 1500,
      escalateOutputTokens: 500,
      escalateToolCalls: 0,
      sticky: false,
      weights: { health: 1, latency: 0, cost: 2, reliability: 0 },
      maxCloudCostCents: 25,
      budgetDailyUsd: 5,
      budgetMonthlyUsd: 50,
      onBudget: 'refuse',
    });
  });
});
