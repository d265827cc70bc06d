import { describe, expect, it } from 'vitest';
import { decide } from './decide.js';
import type { Candidate, DecideInput, Decision, ProviderStats, RouteHints, RoutingSettings } from './types.js';

const price = (input: number, output: number) => ({ input, output, verifiedAt: 'test' });

const SETTINGS: RoutingSettings = {
  preferLocalFor: ['completion', 'code', 'tests', 'refactor', 'regex'],
  localMaxInputTokens: 8000,
  escalateTtfbMs: 2000,
  escalateOutputTokens: 2000,
  escalateToolCalls: 1,
  sticky: true,
  weights: { health: 0.4, latency: 0.3, cost: 0.2, reliability: 0.1 },
  maxCloudCostCents: 200,
  onBudget: 'local',
};

const ALIASES: Record<string, string[]> = {
  'code-fast': ['ollama:deepseek-coder:14b'],
  'code-plus': ['ollama:deepseek-coder:33b'],
  'code-smart': ['openai:gpt-4o-mini', 'azure:gpt-4o-mini'],
  'reason-deep': ['anthropic:claude-sonnet-4-5'],
  local: ['ollama:llama3.1:8b'],
};

const CATALOG: Candidate[] = [
  { ref: 'ollama:deepseek-coder:14b', provider: 'ollama', model: 'deepseek-coder:14b', local: true, available: true, capabilities: { fim: true, tools: false, vision: false }, contextWindow: 16384, price: price(0, 0) },
  { ref: 'ollama:deepseek-coder:33b', provider: 'ollama', model: 'deepseek-coder:33b', local: true, available: true, capabilities: { fim: true, tools: false, vision: false }, contextWindow: 16384, price: price(0, 0) },
  { ref: 'ollama:llama3.1:8b', provider: 'ollama', model: 'llama3.1:8b', local: true, available: true, capabilities: { fim: false, tools: true, vision: false }, contextWindow: 131072, price: price(0, 0) },
  { ref: 'openai:gpt-4o-mini', provider: 'openai', model: 'gpt-4o-mini', local: false, available: true, capabilities: { tools: true, vision: true }, contextWindow: 128000, price: price(0.15, 0.6) },
  { ref: 'azure:gpt-4o-mini', provider: 'azure', model: 'gpt-4o-mini', local: false, price: price(0.15, 0.6) },
  { ref: 'anthropic:claude-sonnet-4-5', provider: 'anthropic', model: 'claude-sonnet-4-5', local: false, available: true, capabilities: { tools: true, fim: false }, contextWindow: 200000, price: price(3, 15) },
  { ref: 'openai:gpt-5', provider: 'openai', model: 'gpt-5', local: false, available: true, price: price(1.25, 10) },
  { ref: 'deepseek:mystery', provider: 'deepseek', model: 'mystery', local: false, available: true },
];

const healthy = (over: Partial<ProviderStats> = {}): ProviderStats => ({ successRate: 1, samples: 10, breaker: 'closed', healthy: true, ...over });

type Over = Partial<Omit<DecideInput, 'hints' | 'settings'>> & { hints?: Partial<RouteHints>; settings?: Partial<RoutingSettings> };

function input(over: Over = {}): DecideInput {
  return {
    requested: over.requested ?? 'auto',
    hints: { intent: 'code', ...over.hints },
    settings: { ...SETTINGS, ...over.settings },
    aliases: over.aliases ?? ALIASES,
    catalog: over.catalog ?? CATALOG,
    stats: over.stats ?? {},
    spend: over.spend ?? { todayUsd: 0, monthUsd: 0 },
    ...(over.stickyRef !== undefined ? { stickyRef: over.stickyRef } : {}),
  };
}

function ok(d: Decision) {
  if (!d.ok) throw new Error(`expected a choice, got a refusal: ${d.reason}`);
  return d;
}
function refused(d: Decision) {
  if (d.ok) throw new Error(`expected a refusal, got ${d.chosen.ref} (${d.trace.rule})`);
  return d;
}
const excludedOf = (d: Decision, ref: string) => d.trace.candidates.find((c) => c.ref === ref)?.excluded;

describe('decide: requested provider:model', () => {
  it('splits on the first colon and takes the model as asked', () => {
    const d = ok(decide(input({ requested: 'ollama:deepseek-coder:14b' })));
    expect(d.chosen).toMatchObject({ provider: 'ollama', model: 'deepseek-coder:14b' });
    expect(d.trace.rule).toBe('you asked for ollama:deepseek-coder:14b');
  });

  it('a ref in an alias chain falls back along that chain, then local', () => {
    const d = ok(decide(input({ requested: 'openai:gpt-4o-mini' })));
    expect(d.chosen.ref).toBe('openai:gpt-4o-mini');
    expect(d.trace.fallbacks).toEqual(['azure:gpt-4o-mini', 'ollama:deepseek-coder:14b']);
  });

  it("takes the chain's next member when the ref's provider circuit is open", () => {
    const d = ok(decide(input({ requested: 'openai:gpt-4o-mini', stats: { openai: healthy({ breaker: 'open' }) } })));
    expect(d.chosen.ref).toBe('azure:gpt-4o-mini');
    expect(d.trace.rule).toBe('openai:gpt-4o-mini cannot take it (openai is failing (circuit open after repeated errors)): next in code-smart, azure:gpt-4o-mini');
  });

  it('refuses a ref outside any chain whose circuit is open, saying why', () => {
    const d = refused(decide(input({ requested: 'openai:gpt-5', stats: { openai: healthy({ breaker: 'open' }) } })));
    expect(d.reason).toBe('openai:gpt-5 cannot take this request: openai is failing (circuit open after repeated errors)');
  });

  it('refuses a provider that is not configured', () => {
    const d = refused(decide(input({ requested: 'mistral:codestral-latest' })));
    expect(d.reason).toContain('provider "mistral" is not configured or is disabled');
    expect(excludedOf(d, 'mistral:codestral-latest')).toContain('not configured');
  });

  it('a model its provider did not list is refused (Ollama: says how to pull it)', () => {
    const d = refused(decide(input({ requested: 'ollama:qwen2.5-coder:7b' })));
    expect(d.reason).toBe('ollama:qwen2.5-coder:7b cannot take this request: not pulled on ollama (ollama pull qwen2.5-coder:7b)');
  });

  it('a model of a provider whose list is unknown is tried as asked', () => {
    const d = ok(decide(input({ requested: 'azure:gpt-4.1-mini' })));
    expect(d.chosen).toEqual({ ref: 'azure:gpt-4.1-mini', provider: 'azure', model: 'gpt-4.1-mini', local: false });
  });

  it('refuses a name that is neither an alias, auto nor a ref', () => {
    const d = refused(decide(input({ requested: 'fastest' })));
    expect(d.reason).toMatch(/^unknown model "fastest": not an alias \(code-fast, .*\), "auto", nor a provider:model ref$/);
  });
});

describe('decide: aliases', () => {
  it.each([
    ['code-fast', {}, 'ollama:deepseek-coder:14b', 'code-fast → ollama:deepseek-coder:14b'],
    ['code-smart', {}, 'openai:gpt-4o-mini', 'code-smart → openai:gpt-4o-mini'],
    [
      'code-smart',
      { openai: healthy({ breaker: 'open' }) },
      'azure:gpt-4o-mini',
      'code-smart → azure:gpt-4o-mini (openai:gpt-4o-mini skipped: openai is failing (circuit open after repeated errors))',
    ],
    ['code-smart', { openai: healthy({ breaker: 'half-open' }) }, 'openai:gpt-4o-mini', 'code-smart → openai:gpt-4o-mini'],
    ['code-smart', { openai: healthy({ healthy: false }) }, 'azure:gpt-4o-mini', 'code-smart → azure:gpt-4o-mini (openai:gpt-4o-mini skipped: openai did not answer its health check)'],
  ] as const)('%s with stats %j → %s', (requested, stats, chosen, rule) => {
    const d = ok(decide(input({ requested, stats: stats as Record<string, ProviderStats> })));
    expect(d.chosen.ref).toBe(chosen);
    expect(d.trace.rule).toBe(rule);
  });

  it('the rest of the chain are fallbacks, then the best local', () => {
    const d = ok(decide(input({ requested: 'code-smart' })));
    expect(d.trace.fallbacks).toEqual(['azure:gpt-4o-mini', 'ollama:deepseek-coder:14b']);
  });

  it('refuses when no member of the chain can take it, naming each', () => {
    const d = refused(decide(input({ requested: 'code-smart', stats: { openai: healthy({ breaker: 'open' }), azure: healthy({ breaker: 'open' }) } })));
    expect(d.reason).toBe(
      'code-smart: no model of its chain can take this request (openai:gpt-4o-mini: openai is failing (circuit open after repeated errors); azure:gpt-4o-mini: azure is failing (circuit open after repeated errors))',
    );
  });

  it('an alias naming an unconfigured provider says so', () => {
    const d = refused(decide(input({ requested: 'x', aliases: { ...ALIASES, x: ['gemini:gemini-2.5-flash'] } })));
    expect(d.reason).toContain('gemini:gemini-2.5-flash: provider "gemini" is not configured or is disabled');
  });

  it('a local alias escalates to the cloud for a chat job, but not for completion', () => {
    const chat = ok(decide(input({ requested: 'code-fast', hints: { intent: 'code' } })));
    expect(chat.escalation).toEqual({ to: expect.objectContaining({ ref: 'openai:gpt-4o-mini' }), afterMs: 2000 });
    expect(chat.trace.escalation).toEqual({ to: 'openai:gpt-4o-mini', afterMs: 2000 });
    const completion = ok(decide(input({ requested: 'code-fast', hints: { intent: 'completion' } })));
    expect(completion.escalation).toBeUndefined();
    expect(completion.fallbacks.every((c) => c.local)).toBe(true);
  });

  it('completion may escalate to a cloud member of the alias it asked for', () => {
    const aliases = { ...ALIASES, mixed: ['ollama:deepseek-coder:14b', 'openai:gpt-4o-mini'] };
    const d = ok(decide(input({ requested: 'mixed', aliases, hints: { intent: 'completion' } })));
    expect(d.chosen.ref).toBe('ollama:deepseek-coder:14b');
    expect(d.trace.escalation?.to).toBe('openai:gpt-4o-mini');
    expect(d.trace.fallbacks).toEqual(['openai:gpt-4o-mini']);
  });

  it('completion with a cloud ref asked for uses it, falling back to local', () => {
    const d = ok(decide(input({ requested: 'openai:gpt-4o-mini', hints: { intent: 'completion' } })));
    expect(d.chosen.ref).toBe('openai:gpt-4o-mini');
    expect(d.trace.fallbacks).toEqual(['azure:gpt-4o-mini', 'ollama:deepseek-coder:14b']);
  });
});

describe('decide: auto rules', () => {
  it.each<[string, Partial<RouteHints>, string, string]>([
    ['small code → local', { intent: 'code', inputTokens: 1200 }, 'ollama:deepseek-coder:14b', 'prefer local for code with small context (1,200 ≤ 8,000 tokens)'],
    ['tests with a size hint → local', { intent: 'tests', sizeHint: 'small' }, 'ollama:deepseek-coder:14b', 'prefer local for tests with small context (size hint small)'],
    ['regex, size unknown → local', { intent: 'regex' }, 'ollama:deepseek-coder:14b', 'prefer local for regex with small context'],
    ['reason → cloud (reason-deep)', { intent: 'reason', inputTokens: 500 }, 'anthropic:claude-sonnet-4-5', 'reason goes to the cloud'],
    ['large code → cloud', { intent: 'code', inputTokens: 12000 }, 'openai:gpt-4o-mini', 'large context goes to the cloud (12,000 > 8,000 tokens)'],
    ['size hint large → cloud', { intent: 'refactor', sizeHint: 'large' }, 'openai:gpt-4o-mini', 'large context goes to the cloud (size hint large)'],
    [
      'long answer → cloud',
      { intent: 'code', inputTokens: 100, expectedOutputTokens: 4000 },
      'openai:gpt-4o-mini',
      'long answer goes to the cloud (4,000 > 2,000 output tokens expected)',
    ],
    ['tool-heavy → cloud', { intent: 'code', toolCalls: 2 }, 'openai:gpt-4o-mini', 'tool-heavy job goes to the cloud (2 > 1 tool calls)'],
    ['one tool call stays local', { intent: 'code', toolCalls: 1 }, 'ollama:llama3.1:8b', 'prefer local for code with small context'],
    ['explain, no history → best score (local is free)', { intent: 'explain' }, 'ollama:deepseek-coder:14b', 'best score for explain'],
    ['completion → local', { intent: 'completion', inputTokens: 300, needs: { fim: true } }, 'ollama:deepseek-coder:14b', 'prefer local for completion with small context (300 ≤ 8,000 tokens)'],
    ['completion stays local even when large', { intent: 'completion', inputTokens: 9000 }, 'ollama:deepseek-coder:14b', 'prefer local for completion with small context (9,000 ≤ 8,000 tokens)'],
  ])('%s', (_name, hints, chosen, rule) => {
    const d = ok(decide(input({ hints })));
    expect(d.chosen.ref).toBe(chosen);
    expect(d.trace.rule).toBe(rule);
  });

  it('completion stays off paid models when it is not in prefer_local_for either', () => {
    const d = ok(decide(input({ hints: { intent: 'completion' }, settings: { preferLocalFor: [] } })));
    expect(d.chosen.local).toBe(true);
    expect(d.trace.rule).toBe('completion stays local');
    expect(excludedOf(d, 'openai:gpt-4o-mini')).toBe('completion stays local (a paid model only when you ask for one)');
  });

  it('completion with no local model is refused rather than sent to a paid one', () => {
    const d = refused(decide(input({ hints: { intent: 'completion' }, stats: { ollama: healthy({ breaker: 'open' }) } })));
    expect(d.reason).toMatch(/^completion uses local models unless you name a cloud model \(models\.completion\), and no local model can take it/);
  });

  it('a faster cloud wins on score when local is slow', () => {
    const stats = { ollama: healthy({ ttfbEwmaMs: 5000 }), openai: healthy({ ttfbEwmaMs: 300 }), azure: healthy({ ttfbEwmaMs: 300 }), anthropic: healthy({ ttfbEwmaMs: 300 }) };
    const d = ok(decide(input({ hints: { intent: 'explain' }, stats })));
    expect(d.chosen.ref).toBe('openai:gpt-4o-mini');
    expect(d.trace.rule).toBe('best score for explain');
  });

  it('prefer local without a local model takes the best cloud and says so', () => {
    const d = ok(decide(input({ hints: { intent: 'code' }, stats: { ollama: healthy({ breaker: 'open' }) } })));
    expect(d.chosen.ref).toBe('openai:gpt-4o-mini');
    expect(d.trace.rule).toBe('prefer local for code with small context, but no local model is available: best score');
  });

  it('cloud without a cloud model takes the best local and says so', () => {
    const stats = { openai: healthy({ breaker: 'open' }), azure: healthy({ breaker: 'open' }), anthropic: healthy({ breaker: 'open' }), deepseek: healthy({ breaker: 'open' }) };
    const d = ok(decide(input({ hints: { intent: 'reason' }, stats })));
    expect(d.chosen.local).toBe(true);
    expect(d.trace.rule).toBe('reason goes to the cloud, but no cloud model is available: best local model');
  });

  it('local choice: escalation to the best cloud after escalate_ttfb_ms, cloud first among fallbacks', () => {
    const d = ok(decide(input({ hints: { intent: 'code' }, settings: { escalateTtfbMs: 1500 } })));
    expect(d.chosen.ref).toBe('ollama:deepseek-coder:14b');
    expect(d.escalation).toEqual({ to: expect.objectContaining({ ref: 'openai:gpt-4o-mini' }), afterMs: 1500 });
    expect(d.trace.fallbacks).toEqual(['openai:gpt-4o-mini', 'ollama:deepseek-coder:33b', 'azure:gpt-4o-mini']);
  });

  it('cloud choice: a local fallback first (cloud 5xx/timeout → local), no escalation', () => {
    const d = ok(decide(input({ hints: { intent: 'reason' } })));
    expect(d.escalation).toBeUndefined();
    expect(d.trace.fallbacks[0]).toBe('ollama:deepseek-coder:14b');
    expect(d.trace.fallbacks).toHaveLength(3);
  });

  it('refuses when nothing is known', () => {
    expect(refused(decide(input({ catalog: [] }))).reason).toBe('no model is known: configure a provider (providers.*) or an alias');
  });
});

describe('decide: capabilities and availability', () => {
  it.each<[string, Partial<RouteHints>, string, string | undefined]>([
    ['fim excludes models without it', { intent: 'explain', needs: { fim: true } }, 'ollama:llama3.1:8b', 'no fill-in-the-middle support'],
    ['tools exclude models without them', { intent: 'code', needs: { tools: true } }, 'ollama:deepseek-coder:14b', 'no tool calling'],
    ['vision excludes models without it', { intent: 'vision' }, 'ollama:llama3.1:8b', 'no image input'],
    ['context window too small', { intent: 'code', inputTokens: 20000 }, 'ollama:deepseek-coder:14b', 'context window 16,384 < 20,000 input tokens'],
    ['a size hint alone checks its lower cut', { intent: 'code', sizeHint: 'large' }, 'ollama:deepseek-coder:14b', undefined],
  ])('%s', (_name, hints, ref, why) => {
    expect(excludedOf(decide(input({ hints })), ref)).toBe(why);
  });

  it('tools needed: a local model that has them is chosen', () => {
    expect(ok(decide(input({ hints: { intent: 'code', needs: { tools: true } } }))).chosen.ref).toBe('ollama:llama3.1:8b');
  });

  it('vision: unknown capability is allowed, known-missing is not', () => {
    const d = ok(decide(input({ hints: { intent: 'vision' } })));
    expect(excludedOf(d, 'openai:gpt-4o-mini')).toBeUndefined();
    expect(excludedOf(d, 'azure:gpt-4o-mini')).toBeUndefined();
    expect(d.chosen.local).toBe(false);
  });

  it('a model its provider does not list is excluded (undefined = unknown is fine)', () => {
    const catalog = CATALOG.map((c) => (c.ref === 'ollama:deepseek-coder:14b' ? { ...c, available: false } : c));
    const d = ok(decide(input({ catalog })));
    expect(excludedOf(d, 'ollama:deepseek-coder:14b')).toBe('not pulled on ollama (ollama pull deepseek-coder:14b)');
    expect(d.chosen.ref).toBe('ollama:deepseek-coder:33b');
    expect(excludedOf(d, 'azure:gpt-4o-mini')).toBeUndefined();
  });

  it('trace lists every candidate with score parts', () => {
    const d = decide(input({ stats: { openai: healthy({ breaker: 'open' }) } }));
    expect(d.trace.candidates.map((c) => c.ref)).toEqual(CATALOG.map((c) => c.ref));
    for (const c of d.trace.candidates) {
      for (const v of [c.score, ...Object.values(c.parts)]) expect(v).toBeGreaterThanOrEqual(0), expect(v).toBeLessThanOrEqual(1);
    }
    expect(excludedOf(d, 'openai:gpt-5')).toBe('openai is failing (circuit open after repeated errors)');
  });
});

describe('decide: breaker states', () => {
  it.each([
    ['closed', 'ollama:deepseek-coder:14b', undefined],
    ['half-open', 'ollama:deepseek-coder:14b', undefined],
    ['open', 'openai:gpt-4o-mini', 'ollama is failing (circuit open after repeated errors)'],
  ] as const)('ollama %s', (breaker, chosen, why) => {
    const d = ok(decide(input({ stats: { ollama: healthy({ breaker }) } })));
    expect(d.chosen.ref).toBe(chosen);
    expect(excludedOf(d, 'ollama:deepseek-coder:14b')).toBe(why);
    if (breaker === 'half-open') expect(d.trace.candidates[0]!.parts.health).toBe(0.5);
  });

  it('an Ollama endpoint key stands in for the provider when the provider key is absent', () => {
    const stats = { 'ollama@http://a:11434': healthy({ breaker: 'open' }), 'ollama@http://b:11434': healthy({ breaker: 'closed', ttfbEwmaMs: 200 }) };
    const d = ok(decide(input({ stats })));
    expect(d.chosen.ref).toBe('ollama:deepseek-coder:14b');
    const all = { 'ollama@http://a:11434': healthy({ breaker: 'open' }) };
    expect(ok(decide(input({ stats: all }))).chosen.local).toBe(false);
  });
});

describe('decide: stickiness', () => {
  it.each<[string, Over, string, string]>([
    ['kept: a cloud chat stays on its model for a small follow-up', { stickyRef: 'anthropic:claude-sonnet-4-5', hints: { intent: 'code', inputTokens: 500 } }, 'anthropic:claude-sonnet-4-5', 'sticky: this chat stays on anthropic:claude-sonnet-4-5'],
    ['kept: a local chat stays local', { stickyRef: 'ollama:deepseek-coder:33b', hints: { intent: 'explain' } }, 'ollama:deepseek-coder:33b', 'sticky: this chat stays on ollama:deepseek-coder:33b'],
    [
      'broken: the chat outgrew local',
      { stickyRef: 'ollama:deepseek-coder:33b', hints: { intent: 'code', inputTokens: 9000 } },
      'openai:gpt-4o-mini',
      'large context goes to the cloud (9,000 > 8,000 tokens) — sticky broken: left ollama:deepseek-coder:33b',
    ],
    [
      'broken: the provider is failing',
      { stickyRef: 'anthropic:claude-sonnet-4-5', stats: { anthropic: healthy({ breaker: 'open' }) }, hints: { intent: 'reason' } },
      'openai:gpt-4o-mini',
      'reason goes to the cloud — sticky broken: left anthropic:claude-sonnet-4-5 (anthropic is failing (circuit open after repeated errors))',
    ],
    [
      'broken: the budget',
      { stickyRef: 'anthropic:claude-sonnet-4-5', spend: { todayUsd: 5, monthUsd: 5 }, settings: { budgetDailyUsd: 5 }, hints: { intent: 'explain' } },
      'ollama:deepseek-coder:14b',
      'best score for explain — sticky broken: left anthropic:claude-sonnet-4-5 (daily cap $5.00 reached ($5.00 spent))',
    ],
    [
      'broken: the model is gone',
      { stickyRef: 'openai:gpt-3.5-turbo', hints: { intent: 'explain' } },
      'ollama:deepseek-coder:14b',
      'best score for explain — sticky broken: left openai:gpt-3.5-turbo (no longer configured or listed)',
    ],
    ['off: sticky = false', { stickyRef: 'anthropic:claude-sonnet-4-5', settings: { sticky: false }, hints: { intent: 'code' } }, 'ollama:deepseek-coder:14b', 'prefer local for code with small context'],
    ['alias: a chat on a later chain member stays there', { requested: 'code-smart', stickyRef: 'azure:gpt-4o-mini' }, 'azure:gpt-4o-mini', 'sticky: this chat stays on azure:gpt-4o-mini'],
  ])('%s', (_name, over, chosen, rule) => {
    const d = ok(decide(input(over)));
    expect(d.chosen.ref).toBe(chosen);
    expect(d.trace.rule).toBe(rule);
  });
});

describe('decide: budgets', () => {
  // reason → claude-sonnet-4-5 ($3 / $15 per 1M): 1,000 in + 1,024 out (the default) ≈ $0.01836.
  const reason = { intent: 'reason' as const, inputTokens: 1000 };

  it.each<[string, Partial<RoutingSettings>, { todayUsd: number; monthUsd: number }, string]>([
    ['per request', { maxCloudCostCents: 1 }, { todayUsd: 0, monthUsd: 0 }, 'per-request cap $0.01 exceeded (est. $0.018 for anthropic:claude-sonnet-4-5)'],
    ['daily, reached', { budgetDailyUsd: 5 }, { todayUsd: 5.01, monthUsd: 6 }, 'daily cap $5.00 reached ($5.01 spent)'],
    ['daily, this request would break it', { budgetDailyUsd: 5 }, { todayUsd: 4.99, monthUsd: 6 }, 'daily cap $5.00 reached ($4.99 spent, this request est. $0.018)'],
    ['monthly', { budgetMonthlyUsd: 20 }, { todayUsd: 1, monthUsd: 20 }, 'monthly cap $20.00 reached ($20.00 spent)'],
  ])('%s: on_budget = local routes local, refuse refuses', (_name, settings, spend, breach) => {
    const local = ok(decide(input({ hints: reason, settings, spend })));
    expect(local.chosen.local).toBe(true);
    expect(local.trace.rule).toBe(`${breach}: routed local`);
    expect(local.escalation).toBeUndefined();
    expect(local.fallbacks.every((c) => c.local)).toBe(true);
    const refuse = refused(decide(input({ hints: reason, settings: { ...settings, onBudget: 'refuse' }, spend })));
    expect(refuse.reason).toBe(`${breach}: refused (on_budget = "refuse")`);
  });

  it('within every cap: the cloud model, with its estimate in the trace', () => {
    const d = ok(decide(input({ hints: reason, settings: { budgetDailyUsd: 5, budgetMonthlyUsd: 20 }, spend: { todayUsd: 4.9, monthUsd: 19 } })));
    expect(d.chosen.ref).toBe('anthropic:claude-sonnet-4-5');
    expect(d.trace.budget).toEqual({ estimateUsd: (1000 * 3 + 1024 * 15) / 1e6, capCents: 200, todayUsd: 4.9, monthUsd: 19, dailyCapUsd: 5, monthlyCapUsd: 20 });
  });

  it('no local model: refused even with on_budget = local', () => {
    const d = refused(decide(input({ hints: reason, settings: { budgetDailyUsd: 1 }, spend: { todayUsd: 1, monthUsd: 1 }, stats: { ollama: healthy({ breaker: 'open' }) } })));
    expect(d.reason).toBe('daily cap $1.00 reached ($1.00 spent), and no local model can take this request');
  });

  it('an explicit cloud ref over a cap is routed local too', () => {
    const d = ok(decide(input({ requested: 'reason-deep', hints: reason, settings: { budgetDailyUsd: 1 }, spend: { todayUsd: 2, monthUsd: 2 } })));
    expect(d.chosen.ref).toBe('ollama:deepseek-coder:14b');
    expect(d.trace.rule).toBe('daily cap $1.00 reached ($2.00 spent): routed local');
  });

  it('a local choice does not escalate to (or fall back on) a model over a cap', () => {
    const d = ok(decide(input({ hints: { intent: 'code' }, settings: { budgetDailyUsd: 1 }, spend: { todayUsd: 1, monthUsd: 1 } })));
    expect(d.chosen.local).toBe(true);
    expect(d.escalation).toBeUndefined();
    expect(d.fallbacks.every((c) => c.local)).toBe(true);
    expect(excludedOf(d, 'openai:gpt-4o-mini')).toBe('daily cap $1.00 reached ($1.00 spent)');
  });

  it('unknown price: counted as $0 and said so; still blocked once a cap is reached', () => {
    const under = ok(decide(input({ requested: 'deepseek:mystery', settings: { budgetDailyUsd: 5, maxCloudCostCents: 0 }, spend: { todayUsd: 4.99, monthUsd: 4.99 } })));
    expect(under.chosen.ref).toBe('deepseek:mystery');
    expect(under.trace.budget.estimateUsd).toBeUndefined();
    expect(under.trace.budget.note).toBe('price unknown for deepseek:mystery: counted as $0 against the caps');
    expect(under.trace.candidates.find((c) => c.ref === 'deepseek:mystery')?.parts.cost).toBe(0.5);
    const reached = ok(decide(input({ requested: 'deepseek:mystery', settings: { budgetDailyUsd: 5 }, spend: { todayUsd: 5, monthUsd: 5 } })));
    expect(reached.chosen.local).toBe(true);
    expect(reached.trace.rule).toBe('daily cap $5.00 reached ($5.00 spent): routed local');
  });

  it('a zero per-request cap keeps every priced cloud model out', () => {
    const d = ok(decide(input({ hints: reason, settings: { maxCloudCostCents: 0 } })));
    expect(d.chosen.local).toBe(true);
  });
});

describe('decide: determinism and speed', () => {
  it('the same input gives the same decision', () => {
    const a = input({ hints: { intent: 'explain' }, stats: { ollama: healthy({ ttfbEwmaMs: 900 }), openai: healthy({ ttfbEwmaMs: 400, successRate: 0.9 }) } });
    expect(decide(a)).toEqual(decide(structuredClone(a)));
  });

  it('catalog order does not change the choice among alias targets', () => {
    const shuffled = [...CATALOG].reverse();
    for (const intent of ['code', 'reason', 'explain', 'completion'] as const) {
      expect(ok(decide(input({ catalog: shuffled, hints: { intent } }))).chosen.ref).toBe(ok(decide(input({ hints: { intent } }))).chosen.ref);
    }
  });

  it('does not mutate its input', () => {
    const a = input({ requested: 'code-smart', stats: { openai: healthy({ breaker: 'open' }) } });
    const copy = structuredClone(a);
    decide(a);
    expect(a).toEqual(copy);
  });

  it('decides 50 candidates well under a millisecond on average', () => {
    const catalog: Candidate[] = [...CATALOG];
    for (let i = 0; catalog.length < 50; i++) {
      catalog.push({ ref: `openai:m${i}`, provider: 'openai', model: `m${i}`, local: false, available: true, price: price(i / 10, i / 2) });
    }
    const a = input({ catalog, hints: { intent: 'explain', inputTokens: 3000 }, stats: { ollama: healthy({ ttfbEwmaMs: 800 }), openai: healthy({ ttfbEwmaMs: 500 }) } });
    for (let i = 0; i < 200; i++) decide(a);
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) decide(a);
    expect((performance.now() - t0) / 1000).toBeLessThan(1);
  });
});
