// Router row of `npm run bench`: decide() over a 50-candidate catalog built the way the host
// builds it (resolved config + model lists → buildCatalog), cycling through requests that hit
// every rule (auto local/cloud/best score, alias, ref, sticky, budget), with history-based stats.
import { resolveConfig } from '../src/config/index.js';
import type { ModelInfo } from '../src/provider/index.js';
import { buildCatalog } from '../src/router/catalog.js';
import { decide } from '../src/router/decide.js';
import { createHealthTracker } from '../src/router/health-tracker.js';
import { routingSettings } from '../src/router/settings.js';
import type { DecideInput, RouteHints } from '../src/router/types.js';

export function measureRouter(opts: { decisions: number; warmup: number }): { samples: number[]; candidates: number; rules: string[] } {
  const cfg = resolveConfig(
    { config_file: false, providers: { ollama: { endpoints: ['http://a:11434', 'http://b:11434'] } } },
    { OPENAI_API_KEY: 'k', ANTHROPIC_API_KEY: 'k', GEMINI_API_KEY: 'k', DEEPSEEK_API_KEY: 'k' },
  );
  const list = (provider: string, ids: string[]): ModelInfo[] => ids.map((id) => ({ id, provider, contextWindow: 128_000, capabilities: { tools: true } }));
  const listed: Record<string, ModelInfo[]> = {
    ollama: list('ollama', ['deepseek-coder:14b', 'deepseek-coder:33b', 'llama3.1:8b', 'qwen2.5-coder:7b', 'qwen2.5-coder:14b', 'codellama:13b', 'mistral:7b', 'phi4:14b', 'gemma3:12b', 'starcoder2:15b']),
    openai: list('openai', ['gpt-4o-mini', 'gpt-4.1-mini', 'gpt-5', 'gpt-5-mini', 'gpt-5.4', 'gpt-5.4-mini', 'gpt-5.4-nano', 'gpt-5.6-terra', 'gpt-5.6-luna', 'o3', 'o4-mini', 'gpt-4o', 'gpt-4.1']),
    anthropic: list('anthropic', ['claude-sonnet-4-5-20250929', 'claude-opus-5', 'claude-sonnet-5', 'claude-haiku-4-5', 'claude-opus-4-1']),
    gemini: list('gemini', ['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-3.5-flash', 'gemini-3.1-pro-preview', 'gemini-2.0-flash']),
    deepseek: list('deepseek', ['deepseek-flash', 'deepseek-v4-pro', 'deepseek-chat', 'deepseek-reasoner']),
  };
  let catalog = buildCatalog(cfg, listed);
  for (let i = 0; catalog.length < 50; i++) catalog = [...catalog, { ref: `ollama:extra-${i}:7b`, provider: 'ollama', model: `extra-${i}:7b`, local: true, available: true }];
  catalog = catalog.slice(0, 50);

  const tracker = createHealthTracker({ now: () => 0 });
  for (let i = 0; i < 40; i++) {
    tracker.recordSuccess('ollama', { ttfbMs: 300 + (i % 7) * 40, tokensPerSec: 60 });
    tracker.recordSuccess('ollama@http://a:11434', { ttfbMs: 280 });
    tracker.recordSuccess('openai', { ttfbMs: 450 + (i % 5) * 30, tokensPerSec: 90 });
    if (i % 9 === 0) tracker.recordFailure('anthropic', 'overloaded');
    else tracker.recordSuccess('anthropic', { ttfbMs: 700, tokensPerSec: 70 });
  }
  for (let i = 0; i < 3; i++) tracker.recordFailure('gemini', 'server');
  const stats = tracker.snapshot();

  const settings = routingSettings(cfg.options);
  const base = { settings, aliases: cfg.aliases, catalog, stats, spend: { todayUsd: 1.2, monthUsd: 14 } };
  const cases: { requested: string; hints: RouteHints; stickyRef?: string; budget?: boolean }[] = [
    { requested: 'auto', hints: { intent: 'code', inputTokens: 1500 } },
    { requested: 'auto', hints: { intent: 'completion', inputTokens: 600, needs: { fim: true } } },
    { requested: 'auto', hints: { intent: 'reason', inputTokens: 3000 } },
    { requested: 'auto', hints: { intent: 'explain', inputTokens: 2500 } },
    { requested: 'auto', hints: { intent: 'refactor', inputTokens: 20_000, expectedOutputTokens: 4000 } },
    { requested: 'auto', hints: { intent: 'code', inputTokens: 900 }, stickyRef: 'anthropic:claude-sonnet-4-5' },
    { requested: 'code-smart', hints: { intent: 'code', inputTokens: 1200 } },
    { requested: 'code-fast', hints: { intent: 'completion', inputTokens: 400 } },
    { requested: 'ollama:qwen2.5-coder:7b', hints: { intent: 'tests', inputTokens: 1800 } },
    { requested: 'auto', hints: { intent: 'reason', inputTokens: 5000 }, budget: true },
  ];
  const inputs: DecideInput[] = cases.map((c) => ({
    ...base,
    requested: c.requested,
    hints: c.hints,
    ...(c.stickyRef ? { stickyRef: c.stickyRef } : {}),
    ...(c.budget ? { settings: { ...settings, budgetDailyUsd: 1 } } : {}),
  }));

  const rules = new Set<string>();
  for (let i = 0; i < opts.warmup; i++) {
    const d = decide(inputs[i % inputs.length]!);
    rules.add(d.ok ? d.trace.rule : `refused: ${d.reason}`);
  }
  const samples: number[] = [];
  for (let i = 0; i < opts.decisions; i++) {
    const input = inputs[i % inputs.length]!;
    const t0 = performance.now();
    decide(input);
    samples.push(performance.now() - t0);
  }
  return { samples, candidates: catalog.length, rules: [...rules] };
}
