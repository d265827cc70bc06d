// The routing decision: which model answers one request, what to try if it fails, when to
// give up on a slow local model, and why (the trace). Pure and deterministic: the same input
// gives the same Decision, nothing is read from the clock, the disk or the network.
//
// Order of the rules (the first that applies decides; its words go to trace.rule):
//   1. What was requested:
//      `provider:model`  that model ("you asked for X"); when it cannot take the request
//                        (circuit open, not listed, lacks a capability…) the next member of
//                        an alias chain it belongs to, else a refusal that says why.
//      alias             its chain: the first member that can take the request ("code-fast → X");
//                        a chat already on a later member stays there (stickiness).
//      `auto`            the rules below.
//   2. auto, sticky: a chat stays on its last model while it is eligible and no rule below
//      would move it off ("sticky: this chat stays on X").
//   3. auto, cloud: reason, a large context (> local_max_input_tokens), a long answer
//      (> escalate_output_tokens) or many tool calls (> escalate_tool_calls) → the best cloud
//      model ("large context goes to the cloud (12,000 > 8,000 tokens)").
//   4. auto, local: intents in prefer_local_for with a small context → the best local model
//      ("prefer local for code with small context (1,200 ≤ 8,000 tokens)"). Completion never
//      goes to a paid model in auto ("completion stays local").
//   5. auto, otherwise: the best score ("best score for explain").
//   6. Budgets gate whatever 1–5 picked: a paid model whose estimate breaks the per-request
//      cap, or the daily/monthly cap given today's/this month's spend, is replaced by the best
//      local model with on_budget = "local" ("daily cap $5.00 reached ($4.98 spent): routed
//      local"), or the request is refused with on_budget = "refuse" (or when nothing local can
//      take it). A cloud model with an unknown price counts as $0 (trace.budget.note says so).
//
// "Best" in auto: the candidates of aliases named for the intent first (reason-deep for
// reason, code-* for code, tests, refactor, regex and completion), then the other alias
// targets, then anything else the providers list; the score (score.ts) decides within each
// tier, ties go to alias order then catalog order.
//
// Fallbacks (tried by the executor when the chosen one fails): the rest of the alias chain,
// then the best eligible model on the other side (cloud 5xx/timeout → local, and local down →
// cloud); auto adds the next best, up to MAX_AUTO_FALLBACKS. Escalation: when the chosen
// model is local and a cloud model is eligible, it waits escalate_ttfb_ms for the first
// token. Neither ever includes a model over a budget cap, and completion escalates or falls
// back to a paid model only when the request named it (its ref or a member of its alias).
import { splitRef } from './catalog.js';
import { estimateCostUsd, inputTokensOf, isPaid, outputTokensOf, SIZE_CUTS, TOKENS_OF_SIZE } from './estimate.js';
import { fastestTtfb, scoreCandidate, statsByProvider } from './score.js';
import type { Candidate, DecideInput, Decision, Intent, ProviderStats, RouteTrace, RoutingSettings, ScoredCandidate, SizeHint } from './types.js';

export const MAX_AUTO_FALLBACKS = 3;

/** Alias name prefixes that suit an intent (tier 0 in auto). */
const AFFINITY: Partial<Record<Intent, readonly string[]>> = {
  completion: ['completion', 'code'],
  code: ['code'],
  tests: ['tests', 'code'],
  refactor: ['refactor', 'code'],
  regex: ['regex', 'code'],
};

/** The least a size hint means, for context-window checks when no token count is given. */
const MIN_TOKENS_OF_SIZE: Record<SizeHint, number> = { tiny: 0, small: SIZE_CUTS.tiny, medium: SIZE_CUTS.small, large: SIZE_CUTS.medium };

interface Entry {
  c: Candidate;
  sc: ScoredCandidate;
  paid: boolean;
  /** Tier in auto: 0 alias named for the intent, 1 other alias target, 2 listed only. */
  tier: number;
  /** Tie-break: alias order, then catalog order. */
  order: number;
  /** Cannot take this request at all (breaker, probe, not listed, capability, context). */
  blocked?: string;
  /** auto only: a rule keeps it out (completion stays off paid models). */
  ruled?: string;
  /** Estimated USD; undefined when a cloud price is unknown. */
  est?: number;
  /** The budget cap it would break (paid models only). */
  breach?: string;
}

interface Ctx {
  input: DecideInput;
  s: RoutingSettings;
  intent: Intent;
  entries: Entry[];
  byRef: Map<string, Entry>;
  byProvider: Map<string, ProviderStats>;
  fastest?: number;
  inTokens: number;
  outTokens: number;
  ctxTokens?: number;
  aliasTier: Map<string, { tier: number; order: number }>;
}

type Outcome =
  | {
      kind: 'pick';
      entry: Entry;
      rule: string;
      /** The alias chain the request named (fallbacks come from it first). */
      chain?: Entry[];
      /** Refs the request named: completion may use these even when paid. */
      named: Set<string>;
      auto: boolean;
    }
  | { kind: 'refuse'; reason: string; auto: boolean };

export function decide(input: DecideInput): Decision {
  const ctx = prepare(input);
  const requested = input.requested.trim();
  let outcome: Outcome;
  if (requested === 'auto') outcome = decideAuto(ctx);
  else if (Object.hasOwn(input.aliases, requested)) outcome = decideAlias(ctx, requested, input.aliases[requested]!);
  else if (splitRef(requested)) outcome = decideRef(ctx, requested);
  else {
    const names = Object.keys(input.aliases).join(', ');
    outcome = { kind: 'refuse', auto: false, reason: `unknown model "${requested}": not an alias${names ? ` (${names})` : ''}, "auto", nor a provider:model ref` };
  }
  return finish(ctx, outcome);
}

// ── Preparation: one pass over the catalog ───────────────────────────────────────────────

function prepare(input: DecideInput): Ctx {
  const s = input.settings;
  const hints = input.hints;
  const byProvider = statsByProvider(input.stats);
  const aliasTier = new Map<string, { tier: number; order: number }>();
  const affinity = AFFINITY[hints.intent] ?? [hints.intent];
  let order = 0;
  for (const [name, chain] of Object.entries(input.aliases)) {
    const tier = affinity.some((p) => name === p || name.startsWith(p + '-') || name.startsWith(p + '_')) ? 0 : 1;
    for (const ref of chain) {
      const prev = aliasTier.get(ref);
      if (!prev) aliasTier.set(ref, { tier, order: order++ });
      else if (tier < prev.tier) prev.tier = tier;
    }
  }
  const ctxTokens = hints.inputTokens ?? (hints.sizeHint ? MIN_TOKENS_OF_SIZE[hints.sizeHint] : undefined);
  const ctx: Ctx = {
    input,
    s,
    intent: hints.intent,
    entries: [],
    byRef: new Map(),
    byProvider,
    fastest: fastestTtfb(input.catalog, byProvider),
    // Unknown size counts as small for estimates.
    inTokens: inputTokensOf(hints) ?? TOKENS_OF_SIZE.small,
    outTokens: outputTokensOf(hints),
    ctxTokens,
    aliasTier,
  };
  for (const c of input.catalog) if (!ctx.byRef.has(c.ref)) addEntry(ctx, c);
  return ctx;
}

function addEntry(ctx: Ctx, c: Candidate, blocked?: string): Entry {
  const stats = ctx.byProvider.get(c.provider);
  const alias = ctx.aliasTier.get(c.ref);
  const e: Entry = {
    c,
    sc: scoreCandidate(c, stats, ctx.input.settings.weights, ctx.fastest),
    paid: isPaid(c),
    tier: alias ? alias.tier : 2,
    order: alias ? alias.order : 1e6 + ctx.entries.length,
  };
  e.blocked = blocked ?? blockedBy(ctx, c, stats);
  if (e.paid) {
    e.est = estimateCostUsd(c, ctx.inTokens, ctx.outTokens);
    e.breach = breachOf(ctx, c.ref, e.est ?? 0);
    if (ctx.intent === 'completion') e.ruled = 'completion stays local (a paid model only when you ask for one)';
  } else e.est = 0;
  ctx.entries.push(e);
  ctx.byRef.set(c.ref, e);
  return e;
}

function blockedBy(ctx: Ctx, c: Candidate, stats: ProviderStats | undefined): string | undefined {
  if (stats?.breaker === 'open') return `${c.provider} is failing (circuit open after repeated errors)`;
  if (stats?.healthy === false) return `${c.provider} did not answer its health check`;
  if (c.available === false) return c.local ? `not pulled on ${c.provider} (ollama pull ${c.model})` : `not listed by ${c.provider}`;
  const needs = ctx.input.hints.needs;
  const caps = c.capabilities;
  if (needs?.fim && caps?.fim === false) return 'no fill-in-the-middle support';
  if ((needs?.tools || (ctx.input.hints.toolCalls ?? 0) > 0) && caps?.tools === false) return 'no tool calling';
  if ((needs?.vision || ctx.intent === 'vision') && caps?.vision === false) return 'no image input';
  if (c.contextWindow !== undefined && ctx.ctxTokens !== undefined && ctx.ctxTokens > c.contextWindow) {
    return `context window ${int(c.contextWindow)} < ${int(ctx.ctxTokens)} input tokens`;
  }
  return undefined;
}

/** The first cap a paid request would break: daily, monthly, then per request. */
function breachOf(ctx: Ctx, ref: string, est: number): string | undefined {
  const { s } = ctx;
  const spend = ctx.input.spend;
  const over = (spent: number, cap: number) => spent >= cap || spent + est > cap + 1e-9;
  const text = (what: string, cap: number, spent: number) =>
    `${what} cap ${usd(cap)} reached (${usd(spent)} spent${spent >= cap ? '' : `, this request est. ${usd(est)}`})`;
  if (s.budgetDailyUsd !== undefined && over(spend.todayUsd, s.budgetDailyUsd)) return text('daily', s.budgetDailyUsd, spend.todayUsd);
  if (s.budgetMonthlyUsd !== undefined && over(spend.monthUsd, s.budgetMonthlyUsd)) return text('monthly', s.budgetMonthlyUsd, spend.monthUsd);
  if (est * 100 > s.maxCloudCostCents + 1e-9) return `per-request cap ${usd(s.maxCloudCostCents / 100)} exceeded (est. ${usd(est)} for ${ref})`;
  return undefined;
}

/** A ref the catalog does not hold: known provider → a candidate to try; unknown → blocked. */
function ensureEntry(ctx: Ctx, ref: string): Entry {
  const known = ctx.byRef.get(ref);
  if (known) return known;
  const parts = splitRef(ref)!;
  const sibling = ctx.entries.find((e) => e.c.provider === parts.provider);
  const c: Candidate = { ref, provider: parts.provider, model: parts.model, local: sibling?.c.local ?? false };
  if (!sibling) return addEntry(ctx, c, `provider "${parts.provider}" is not configured or is disabled`);
  // The provider listed its models and this is not one of them.
  if (ctx.entries.some((e) => e.c.provider === parts.provider && e.c.available === true)) c.available = false;
  return addEntry(ctx, c);
}

// ── The rules ────────────────────────────────────────────────────────────────────────────

function decideRef(ctx: Ctx, ref: string): Outcome {
  const e = ensureEntry(ctx, ref);
  const alias = aliasOf(ctx, ref);
  const chain = alias ? alias.chain.map((r) => ensureEntry(ctx, r)) : undefined;
  const named = new Set([ref, ...(alias?.chain ?? [])]);
  if (!e.blocked) return { kind: 'pick', entry: e, rule: `you asked for ${ref}`, chain, named, auto: false };
  if (chain) {
    const i = chain.indexOf(e);
    const next = [...chain.slice(i + 1), ...chain.slice(0, i)].find((x) => !x.blocked);
    if (next) return { kind: 'pick', entry: next, rule: `${ref} cannot take it (${e.blocked}): next in ${alias!.name}, ${next.c.ref}`, chain, named, auto: false };
  }
  return { kind: 'refuse', auto: false, reason: `${ref} cannot take this request: ${e.blocked}` };
}

function decideAlias(ctx: Ctx, name: string, refs: readonly string[]): Outcome {
  const chain = refs.map((r) => ensureEntry(ctx, r));
  const named = new Set(refs);
  const sticky = ctx.s.sticky ? ctx.input.stickyRef : undefined;
  if (sticky) {
    const e = chain.find((x) => x.c.ref === sticky);
    if (e && !e.blocked && !e.breach) return { kind: 'pick', entry: e, rule: `sticky: this chat stays on ${e.c.ref}`, chain, named, auto: false };
  }
  const i = chain.findIndex((x) => !x.blocked);
  if (i < 0) {
    return { kind: 'refuse', auto: false, reason: `${name}: no model of its chain can take this request (${chain.map((x) => `${x.c.ref}: ${x.blocked}`).join('; ')})` };
  }
  const skipped = chain.slice(0, i).map((x) => `${x.c.ref} skipped: ${x.blocked}`);
  const rule = `${name} → ${chain[i]!.c.ref}${skipped.length ? ` (${skipped.join('; ')})` : ''}`;
  return { kind: 'pick', entry: chain[i]!, rule, chain, named, auto: false };
}

function decideAuto(ctx: Ctx): Outcome {
  const { s, intent } = ctx;
  const named = new Set<string>();
  const eligible = (e: Entry) => !e.blocked && !e.ruled;
  const toCloud = intent === 'completion' ? undefined : cloudReason(ctx);

  let stickyNote = '';
  const stickyRef = s.sticky ? ctx.input.stickyRef : undefined;
  if (stickyRef) {
    const e = ctx.byRef.get(stickyRef);
    const why = !e ? 'no longer configured or listed' : (e.blocked ?? e.ruled ?? e.breach ?? (e.c.local && toCloud ? '' : undefined));
    if (why === undefined) return { kind: 'pick', entry: e!, rule: `sticky: this chat stays on ${stickyRef}`, named, auto: true };
    stickyNote = ` — sticky broken: left ${stickyRef}${why ? ` (${why})` : ''}`;
  }
  const pick = (entry: Entry, rule: string): Outcome => ({ kind: 'pick', entry, rule: rule + stickyNote, named, auto: true });

  if (toCloud) {
    const cloud = best(ctx, (e) => eligible(e) && !e.c.local);
    if (cloud) return pick(cloud, toCloud);
    const local = best(ctx, (e) => eligible(e) && e.c.local);
    if (local) return pick(local, `${toCloud}, but no cloud model is available: best local model`);
    return refuseAll(ctx);
  }
  const preferLocal = s.preferLocalFor.includes(intent);
  if (preferLocal || intent === 'completion') {
    const local = best(ctx, (e) => eligible(e) && e.c.local);
    const why = preferLocal ? `prefer local for ${intent} with small context${sizeNote(ctx)}` : 'completion stays local';
    if (local) return pick(local, why);
    const other = best(ctx, eligible);
    if (other) return pick(other, `${why}, but no local model is available: best score`);
    return refuseAll(ctx);
  }
  const top = best(ctx, eligible);
  return top ? pick(top, `best score for ${intent}`) : refuseAll(ctx);
}

/** Why auto sends this request to the cloud, in the user's words; undefined when it does not. */
function cloudReason(ctx: Ctx): string | undefined {
  const { s } = ctx;
  const h = ctx.input.hints;
  if (h.intent === 'reason') return 'reason goes to the cloud';
  if (h.inputTokens !== undefined ? h.inputTokens > s.localMaxInputTokens : h.sizeHint === 'large') {
    const size = h.inputTokens !== undefined ? `${int(h.inputTokens)} > ${int(s.localMaxInputTokens)} tokens` : 'size hint large';
    return `large context goes to the cloud (${size})`;
  }
  if ((h.expectedOutputTokens ?? 0) > s.escalateOutputTokens) {
    return `long answer goes to the cloud (${int(h.expectedOutputTokens!)} > ${int(s.escalateOutputTokens)} output tokens expected)`;
  }
  if ((h.toolCalls ?? 0) > s.escalateToolCalls) return `tool-heavy job goes to the cloud (${h.toolCalls} > ${s.escalateToolCalls} tool calls)`;
  return undefined;
}

function sizeNote(ctx: Ctx): string {
  const n = ctx.input.hints.inputTokens;
  if (n !== undefined) return ` (${int(n)} ≤ ${int(ctx.s.localMaxInputTokens)} tokens)`;
  return ctx.input.hints.sizeHint ? ` (size hint ${ctx.input.hints.sizeHint})` : '';
}

function refuseAll(ctx: Ctx): Outcome {
  const why = ctx.entries
    .filter((e) => e.blocked || e.ruled)
    .slice(0, 6)
    .map((e) => `${e.c.ref}: ${e.blocked ?? e.ruled}`);
  const reason = ctx.entries.length === 0
    ? 'no model is known: configure a provider (providers.*) or an alias'
    : ctx.intent === 'completion' && !ctx.entries.some((e) => e.c.local && !e.blocked)
      ? `completion uses local models unless you name a cloud model (models.completion), and no local model can take it (${why.join('; ')})`
      : `no model can take this request (${why.join('; ')})`;
  return { kind: 'refuse', auto: true, reason };
}

// ── Budget gate, fallbacks, escalation, trace ────────────────────────────────────────────

function finish(ctx: Ctx, outcome: Outcome): Decision {
  if (outcome.kind === 'refuse') return { ok: false, reason: outcome.reason, trace: trace(ctx, outcome.auto, outcome.reason) };
  let { entry: chosen, rule } = outcome;
  const { chain, named, auto } = outcome;
  let budgetRouted = false;

  if (chosen.paid && chosen.breach) {
    const breach = chosen.breach;
    const local =
      ctx.s.onBudget === 'local'
        ? (chain?.find((e) => e.c.local && !e.blocked) ?? best(ctx, (e) => e.c.local && !e.blocked))
        : undefined;
    if (!local) {
      const reason =
        ctx.s.onBudget === 'refuse' ? `${breach}: refused (on_budget = "refuse")` : `${breach}, and no local model can take this request`;
      return { ok: false, reason, trace: trace(ctx, auto, reason) };
    }
    chosen = local;
    rule = `${breach}: routed local`;
    budgetRouted = true;
  }

  // Who may follow the chosen model: eligible, within budget, and for completion a paid
  // model only when the request named it.
  const mayFollow = (e: Entry) =>
    e !== chosen && !e.blocked && (!e.paid || (!budgetRouted && !e.breach && (ctx.intent !== 'completion' || named.has(e.c.ref))));

  const fallbacks: Entry[] = [];
  const add = (e: Entry | undefined) => {
    if (e && !fallbacks.includes(e)) fallbacks.push(e);
  };
  for (const e of chain ?? []) if (mayFollow(e)) add(e);
  add(best(ctx, (e) => mayFollow(e) && e.c.local !== chosen.c.local));
  if (auto) {
    while (fallbacks.length < MAX_AUTO_FALLBACKS) {
      const next = best(ctx, (e) => mayFollow(e) && !e.ruled && !fallbacks.includes(e));
      if (!next) break;
      add(next);
    }
  }

  let escalation: { to: Entry; afterMs: number } | undefined;
  if (chosen.c.local) {
    const to =
      chain?.find((e) => !e.c.local && mayFollow(e)) ??
      (ctx.intent === 'completion' ? undefined : best(ctx, (e) => !e.c.local && mayFollow(e)));
    if (to) escalation = { to, afterMs: ctx.s.escalateTtfbMs };
  }

  const t = trace(ctx, auto, rule, chosen, fallbacks, escalation);
  const decision: Decision = { ok: true, chosen: chosen.c, fallbacks: fallbacks.map((e) => e.c), trace: t };
  if (escalation) decision.escalation = { to: escalation.to.c, afterMs: escalation.afterMs };
  return decision;
}

function trace(ctx: Ctx, auto: boolean, rule: string, chosen?: Entry, fallbacks: Entry[] = [], escalation?: { to: Entry; afterMs: number }): RouteTrace {
  const { s } = ctx;
  const spend = ctx.input.spend;
  const candidates = ctx.entries.map((e) => {
    const why = e.blocked ?? (auto ? e.ruled : undefined) ?? (e.paid ? e.breach : undefined);
    return why ? { ...e.sc, excluded: why } : e.sc;
  });
  const budget: RouteTrace['budget'] = { capCents: s.maxCloudCostCents, todayUsd: spend.todayUsd, monthUsd: spend.monthUsd };
  if (s.budgetDailyUsd !== undefined) budget.dailyCapUsd = s.budgetDailyUsd;
  if (s.budgetMonthlyUsd !== undefined) budget.monthlyCapUsd = s.budgetMonthlyUsd;
  if (chosen?.est !== undefined) budget.estimateUsd = chosen.est;
  const unknown = [chosen, escalation?.to].filter((e): e is Entry => !!e && e.paid && e.est === undefined).map((e) => e.c.ref);
  if (unknown.length) budget.note = `price unknown for ${unknown.join(', ')}: counted as $0 against the caps`;
  const t: RouteTrace = {
    requested: ctx.input.requested,
    hints: ctx.input.hints,
    candidates,
    rule,
    chosen: chosen?.c.ref ?? '',
    fallbacks: fallbacks.map((e) => e.c.ref),
    budget,
  };
  if (escalation) t.escalation = { to: escalation.to.c.ref, afterMs: escalation.afterMs };
  return t;
}

// ── Helpers ──────────────────────────────────────────────────────────────────────────────

/** The best entry passing `ok`: lower tier, then higher score, then alias/catalog order. */
function best(ctx: Ctx, ok: (e: Entry) => boolean): Entry | undefined {
  let top: Entry | undefined;
  for (const e of ctx.entries) {
    if (!ok(e)) continue;
    if (!top || e.tier < top.tier || (e.tier === top.tier && (e.sc.score > top.sc.score || (e.sc.score === top.sc.score && e.order < top.order)))) top = e;
  }
  return top;
}

/** The first alias (in alias order) whose chain holds this ref. */
function aliasOf(ctx: Ctx, ref: string): { name: string; chain: readonly string[] } | undefined {
  for (const [name, chain] of Object.entries(ctx.input.aliases)) if (chain.includes(ref)) return { name, chain };
  return undefined;
}

function int(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Dollars: cents from $0.10 up, two significant digits below ($0.018), a floor for dust. */
function usd(v: number): string {
  if (v === 0 || v >= 0.1) return `$${v.toFixed(2)}`;
  if (v < 0.0001) return '<$0.0001';
  return `$${Number(v.toPrecision(2))}`;
}
