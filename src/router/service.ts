// The routing brain as the host runs it: per-feature models (project prefs over config),
// the model catalog (aliases + what providers list, refreshed in the background), health
// history, the stats store and budget ledger, stickiness, OMEN and hybrid modes, and the
// traces :ZekeWhy shows. One instance per config.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ResolvedConfig } from '../config/index.js';
import { ErrorCode, ZekeError } from '../core/errors.js';
import { dispatcherFor } from '../http/dispatcher.js';
import type { Logger } from '../log/logger.js';
import type { ChatMessage, ModelInfo, ProviderClient, ProviderError, StreamPart } from '../provider/index.js';
import { createProviderClient } from '../providers/index.js';
import type { ProviderRegistry } from '../providers/registry.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { buildCatalog } from './catalog.js';
import { decide } from './decide.js';
import { sizeHintOf } from './estimate.js';
import { executeRoute, RouteError, type AttemptOutcome, type ExecutionReport } from './executor.js';
import { createHealthTracker } from './health-tracker.js';
import { fetchOmenScores, omenModelId, omenProvider, omenRequestExtras, readOmenTrace } from './omen.js';
import { routingSettings } from './settings.js';
import type { Candidate, Decision, Intent, RouteHints, RouteTrace } from './types.js';

export type Feature = 'chat' | 'completion' | 'edit';

/** Each feature's intent unless the caller says otherwise. */
const FEATURE_INTENT: Record<Feature, Intent> = { completion: 'completion', chat: 'general', edit: 'refactor' };
const CATALOG_TTL_MS = 60_000;

export interface GenerateParams {
  model?: string;
  feature: Feature;
  intent?: Intent;
  project?: string;
  session?: string;
  scope?: string;
  messages: ChatMessage[];
  latency?: 'low' | 'normal' | 'high';
  budget?: 'frugal' | 'normal' | 'generous';
  tool_calls?: number;
  max_tokens?: number;
  temperature?: number;
  stop?: string[];
}

export interface RouteSummary {
  requested: string;
  ref: string;
  provider: string;
  model: string;
  local: boolean;
  rule: string;
  escalated: boolean;
  via_omen: boolean;
  /** Refs that were tried before the one that answered. */
  fallbacks_tried: string[];
}

export interface GenerateResult {
  provider: string;
  model: string;
  alias?: string;
  text: string;
  tool_calls: { id: string; name: string; arguments: string }[];
  finish_reason: string;
  usage?: { inputTokens: number; outputTokens: number; cachedInputTokens?: number };
  cost?: { usd: number };
  ttfb_ms?: number;
  duration_ms: number;
  request_id?: string;
  route: RouteSummary;
}

/** What :ZekeWhy shows for one request. */
export interface TraceRecord {
  trace: RouteTrace;
  summary: RouteSummary;
  attempts: AttemptOutcome[];
  result?: { ttfbMs?: number; tokensIn?: number; tokensOut?: number; costUsd?: number; durationMs: number };
  omen?: { provider?: string; model?: string; reason?: string; costUsd?: number };
  error?: string;
  at: number;
}

export interface RouterServiceOptions {
  cfg: ResolvedConfig;
  registry: ProviderRegistry;
  log: Logger;
  dataDir?: string;
  emit?: (event: string, payload: unknown) => void;
}

export type Req = { messages: ChatMessage[]; maxTokens?: number; temperature?: number; stop?: string[]; signal: AbortSignal };

export function createRouterService(opts: RouterServiceOptions) {
  const { cfg, registry, log } = opts;
  const settings = routingSettings(cfg.options);
  const store: Store = openStore(cfg.options.stats.file ?? defaultStatsFile(opts.dataDir), log);
  const tracker = createHealthTracker();
  tracker.warmFrom(store.recent(500));
  const sessions = new Map<string, string>();
  const traces = new Map<string, TraceRecord>();
  let lastTrace: TraceRecord | undefined;
  let listed: Record<string, ModelInfo[] | undefined> = {};
  let listedAt = 0;
  let refreshing: Promise<void> | undefined;
  let omenScores: { at: number; scores: { provider: string; score: number; healthy?: boolean }[] } | undefined;
  let omenClient: Promise<ProviderClient> | undefined;
  let omenIds: { at: number; ids: string[] } | undefined;

  /** Asks every configured provider for its models, in the background. */
  function refreshCatalog(): Promise<void> {
    refreshing ??= (async () => {
      const next: Record<string, ModelInfo[] | undefined> = {};
      await Promise.all(
        cfg.providers
          .filter((p) => p.configured && p.enabled)
          .map(async (p) => {
            try {
              const client = await registry.client(p.name);
              next[p.name] = await client.listModels({ signal: AbortSignal.timeout(5000), firstByteTimeoutMs: 3000, maxRetries: 0 });
              tracker.markHealth(p.name, true);
            } catch (err) {
              next[p.name] = undefined;
              // A gateway without /models (or an Azure key without list rights) still chats:
              // only a provider that does not answer at all counts as down.
              const code = (err as { code?: string }).code;
              if (code === 'unreachable' || code === 'timeout') tracker.markHealth(p.name, false);
              log.debug('model list of %s failed: %s', p.name, (err as Error).message);
            }
          }),
      );
      listed = next;
      listedAt = Date.now();
    })().finally(() => (refreshing = undefined));
    return refreshing;
  }

  function catalog(extraRefs: string[] = []): Candidate[] {
    if (Date.now() - listedAt > CATALOG_TTL_MS) void refreshCatalog();
    return buildCatalog(cfg, listed, extraRefs);
  }

  function featureModel(feature: Feature, project: string | undefined): string {
    const prefs = project ? store.getPrefs(project) : undefined;
    return prefs?.models[feature] ?? cfg.options.models[feature] ?? 'auto';
  }

  async function statsForDecision() {
    const stats = tracker.snapshot();
    if (cfg.api.mode !== 'hybrid' || !cfg.api.baseUrl) return stats;
    // Each scores call makes OMEN probe every provider live (Anthropic's probe is billed):
    // ask rarely.
    if (!omenScores || Date.now() - omenScores.at > 5 * 60_000) {
      try {
        omenScores = { at: Date.now(), scores: await fetchOmenScores(cfg, AbortSignal.timeout(8000), dispatcherFor()) };
      } catch (err) {
        log.warn('OMEN scores unavailable, ranking from local history: %s', (err as Error).message);
        omenScores = { at: Date.now(), scores: [] };
      }
    }
    // Hybrid: OMEN's view of each provider stands in for our reliability figure.
    const max = Math.max(1e-9, ...omenScores.scores.map((s) => s.score));
    for (const s of omenScores.scores) {
      const prev = stats[s.provider] ?? { successRate: 1, samples: 0, breaker: 'closed' as const };
      stats[s.provider] = { ...prev, successRate: Math.min(1, s.score / max), healthy: s.healthy ?? prev.healthy, samples: Math.max(prev.samples, 10) };
    }
    return stats;
  }

  function directStream(c: Candidate, r: Req): AsyncIterable<StreamPart> {
    return (async function* () {
      const client = await registry.client(c.provider);
      yield* client.chat({ ...r, model: c.model });
    })();
  }

  /**
   * Routes and runs one request. `how.stream` replaces the chat stream (completion streams
   * fill-in-the-middle through it); `how.direct` skips OMEN (it has no FIM); `how.hints` adds
   * to the hints (e.g. needs.fim).
   */
  async function generate(
    p: GenerateParams,
    signal: AbortSignal,
    onPart: (part: StreamPart) => void,
    how: { stream?: (c: Candidate, r: Req) => AsyncIterable<StreamPart>; direct?: boolean; hints?: Partial<RouteHints>; prefetch?: boolean } = {},
  ): Promise<GenerateResult> {
    const started = performance.now();
    const requested = p.model ?? featureModel(p.feature, p.project);
    // ~4 characters per token for code and English: enough for size hints and caps.
    const inputTokens = Math.ceil(p.messages.reduce((n, m) => n + m.content.length, 0) / 4);
    const hints: RouteHints = {
      intent: p.intent ?? FEATURE_INTENT[p.feature],
      inputTokens,
      sizeHint: sizeHintOf(inputTokens),
      expectedOutputTokens: p.max_tokens,
      toolCalls: p.tool_calls,
      latency: p.latency,
      budget: p.budget,
      project: p.project,
      session: p.session,
      ...how.hints,
    };
    const req: Req = { messages: p.messages, maxTokens: p.max_tokens, temperature: p.temperature, stop: p.stop, signal };
    const acc = newAccumulator(onPart);
    // A speculative request must not replace what :ZekeWhy shows for the visible one.
    const scope = how.prefetch ? false : p.scope;

    let decision: Decision | undefined;
    let viaOmen = false;
    let omenTrace: TraceRecord['omen'];
    let report: ExecutionReport | undefined;
    let omenFailure: string | undefined;

    if (cfg.api.mode === 'omen' && cfg.api.baseUrl && !how.direct) {
      // OMEN decides; we fall back to routing directly when it fails before any text.
      const od = await omenDecision(requested, hints);
      try {
        report = await executeRoute(od, { ...req, extraBody: omenRequestExtras(hints, cfg.api.strategy) } as Req, {
          stream: async function* (c, r) {
            const client = await (omenClient ??= createProviderClient(omenProvider(cfg), log));
            for await (const part of client.chat({ ...r, model: c.model })) {
              if (part.type === 'response-metadata') omenTrace = readOmenTrace(part.trace);
              yield part;
            }
          },
          recordSuccess: () => tracker.markHealth('omen', true),
          recordFailure: () => tracker.markHealth('omen', false),
        }, acc.push);
        decision = od;
        viaOmen = true;
      } catch (err) {
        if (!(err instanceof RouteError) || err.code === 'cancelled' || acc.committed()) throw err instanceof RouteError ? toZekeError(err, err.providerError) : err;
        omenFailure = err.message;
        log.warn('OMEN failed (%s); routing directly', err.message);
      }
    }

    if (!report) {
      const cat = catalog(requested.includes(':') ? [requested] : []);
      const decided = decide({
        requested,
        hints,
        settings: weighFor(hints),
        aliases: cfg.aliases,
        catalog: cat,
        stats: await statsForDecision(),
        spend: spendNow(),
        stickyRef: p.session && settings.sticky ? sessions.get(p.session) : undefined,
      });
      const d = decided.ok ? decided : insistOnRequested(decided, requested, cat) ?? decided;
      decision = d;
      if (!d.ok) {
        const summary = emptySummary(requested, d.reason);
        remember(scope, { trace: d.trace, summary, attempts: [], error: d.reason, at: Date.now() });
        // A cap refused it, or nothing can take it (unknown model, provider not configured…).
        const byBudget = /\bcap\b/.test(d.reason);
        throw new ZekeError(byBudget ? ErrorCode.Budget : ErrorCode.Config, d.reason, { route: 'refused' });
      }
      if (omenFailure) d.trace.rule = `OMEN failed (${omenFailure}); ${d.trace.rule}`;
      try {
        report = await executeRoute(d, req, {
          stream: how.stream ?? directStream,
          recordSuccess: (c, ttfbMs, tps) => tracker.recordSuccess(c.provider, { ttfbMs, tokensPerSec: tps }),
          recordFailure: (c, e) => tracker.recordFailure(c.provider, e.code),
        }, acc.push);
      } catch (err) {
        if (err instanceof RouteError) {
          const record: TraceRecord = { trace: d.trace, summary: emptySummary(requested, d.trace.rule), attempts: err.report?.attempts ?? [], error: err.message, at: Date.now() };
          remember(scope, record);
          if (err.code !== 'cancelled') recordRequest(p, hints, d.chosen, record, false, err.code);
          throw toZekeError(err, err.providerError);
        }
        throw err;
      }
    }

    const okDecision = decision as Extract<Decision, { ok: true }>;
    const chosen = report.chosen;
    const result = acc.result();
    result.provider = omenTrace?.provider ?? chosen.provider;
    result.model = omenTrace?.model ?? chosen.model;
    if (cfg.aliases[requested]) result.alias = requested;
    result.duration_ms = Math.round(performance.now() - started);
    result.route = {
      requested,
      ref: chosen.ref,
      provider: chosen.provider,
      model: chosen.model,
      local: chosen.local,
      rule: report.escalated ? `${okDecision.trace.rule}; escalated: no first token within ${okDecision.escalation?.afterMs} ms locally` : okDecision.trace.rule,
      escalated: report.escalated,
      via_omen: viaOmen,
      fallbacks_tried: report.attempts.filter((a) => !a.ok).map((a) => a.ref),
    };
    if (p.session) sessions.set(p.session, chosen.ref);
    const record: TraceRecord = {
      trace: okDecision.trace,
      summary: result.route,
      attempts: report.attempts,
      omen: omenTrace,
      result: { ttfbMs: result.ttfb_ms, tokensIn: result.usage?.inputTokens, tokensOut: result.usage?.outputTokens, costUsd: result.cost?.usd, durationMs: result.duration_ms },
      at: Date.now(),
    };
    remember(scope, record);
    recordRequest(p, hints, chosen, record, true);
    const spend = spendNow();
    // Completion runs on nearly every pause in typing: its routes are not news for the
    // statusline (which shows the chat route), and each event costs Neovim a message and a redraw.
    if (p.feature !== 'completion') opts.emit?.('route', { scope: p.scope, feature: p.feature, requested, ref: chosen.ref, local: chosen.local, escalated: report.escalated, via_omen: viaOmen, cost_usd: result.cost?.usd ?? 0, spend_today_usd: spend.todayUsd });
    return result;
  }

  /** The latency and budget hints shift the scoring weights for one request. */
  function weighFor(hints: RouteHints) {
    const w = { ...settings.weights };
    if (hints.latency === 'low') w.latency *= 2;
    if (hints.latency === 'high') w.latency /= 2;
    if (hints.budget === 'frugal') w.cost *= 2;
    if (hints.budget === 'generous') w.cost /= 2;
    return { ...settings, weights: w };
  }

  /**
   * When the model the user named is left out only because its provider looked down, try it
   * anyway: nothing else may answer this request, a try costs milliseconds, and the user gets
   * the provider's own error (with its address) instead of a refusal.
   */
  function insistOnRequested(d: Extract<Decision, { ok: false }>, requested: string, cat: Candidate[]): Extract<Decision, { ok: true }> | undefined {
    if (/\bcap\b/.test(d.reason)) return undefined;
    const chain = cfg.aliases[requested] ?? (requested.includes(':') ? [requested] : undefined);
    if (!chain) return undefined;
    const candidates = chain.map((ref) => cat.find((c) => c.ref === ref)).filter((c): c is Candidate => c !== undefined);
    const why = new Map(d.trace.candidates.map((c) => [c.ref, c.excluded]));
    const healthOnly = (c: Candidate) => /is failing|did not answer its health check/.test(why.get(c.ref) ?? '');
    if (candidates.length === 0 || !candidates.every(healthOnly)) return undefined;
    const trace = { ...d.trace, rule: `${d.reason}; trying it anyway (nothing else can take it)`, chosen: candidates[0]!.ref, fallbacks: candidates.slice(1).map((c) => c.ref) };
    return { ok: true, chosen: candidates[0]!, fallbacks: candidates.slice(1), trace };
  }

  let omenRefreshing: Promise<void> | undefined;
  function refreshOmenIds(): Promise<void> {
    omenRefreshing ??= (async () => {
      try {
        const client = await (omenClient ??= createProviderClient(omenProvider(cfg), log));
        omenIds = { at: Date.now(), ids: (await client.listModels({ signal: AbortSignal.timeout(3000), firstByteTimeoutMs: 2000, maxRetries: 0 })).map((m) => m.id) };
      } catch {
        omenIds = { at: Date.now(), ids: omenIds?.ids ?? [] };
      }
    })().finally(() => (omenRefreshing = undefined));
    return omenRefreshing;
  }

  /** OMEN mode's route: one candidate, OMEN's address, a concrete model id when we know one. */
  async function omenDecision(requested: string, hints: RouteHints): Promise<Extract<Decision, { ok: true }>> {
    // The request needs a concrete id (OMEN cannot resolve "auto"): wait for the list once.
    if (!omenIds || Date.now() - omenIds.at > CATALOG_TTL_MS) await refreshOmenIds();
    omenIds ??= { at: Date.now(), ids: [] };
    const id = omenModelId(requested, omenIds.ids, cfg.aliases);
    const chosen: Candidate = { ref: `omen:${id}`, provider: 'omen', model: id, local: false };
    const trace: RouteTrace = {
      requested,
      hints,
      candidates: [],
      rule: `OMEN mode: sent to ${cfg.api.baseUrl} as "${id}" with tags (${hints.intent}${hints.sizeHint ? ', ' + hints.sizeHint : ''})`,
      chosen: chosen.ref,
      fallbacks: ['direct routing'],
      budget: { capCents: settings.maxCloudCostCents, ...spendNow(), dailyCapUsd: settings.budgetDailyUsd, monthlyCapUsd: settings.budgetMonthlyUsd, note: 'OMEN enforces its own budgets' },
    };
    return { ok: true, chosen, fallbacks: [], trace };
  }

  function spendNow() {
    const s = store.spend();
    return { todayUsd: s.todayUsd, monthUsd: s.monthUsd };
  }

  function remember(scope: string | undefined | false, record: TraceRecord) {
    if (scope === false) return; // a prefetch: not what the user is looking at
    lastTrace = record;
    if (scope) traces.set(scope, record);
  }

  function recordRequest(p: GenerateParams, hints: RouteHints, c: Candidate, record: TraceRecord, success: boolean, errorCode?: string) {
    try {
      store.record({
        requestId: `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
        project: p.project ?? '',
        alias: cfg.aliases[record.summary.requested] ? record.summary.requested : undefined,
        model: record.summary.ref || c.ref,
        provider: record.summary.provider || c.provider,
        local: record.summary.ref ? record.summary.local : c.local,
        intent: hints.intent,
        sizeHint: hints.sizeHint,
        latencyMs: record.result?.ttfbMs,
        totalDurationMs: record.result?.durationMs ?? 0,
        tokensIn: record.result?.tokensIn,
        tokensOut: record.result?.tokensOut,
        costUsd: record.result?.costUsd,
        success,
        errorCode,
        escalated: record.summary.escalated,
        trace: JSON.stringify({ rule: record.summary.rule, attempts: record.attempts, candidates: record.trace.candidates.slice(0, 12), ...(record.omen ? { omen: record.omen } : {}) }),
        createdAt: Date.now(),
      });
    } catch (err) {
      log.warn('could not record stats: %s', (err as Error).message);
    }
  }

  return {
    generate,
    refreshCatalog,
    catalog,
    featureModel,
    store,
    settings,
    /**
     * OMEN's model ids (omen and hybrid modes) from the cache; a stale cache is refreshed in
     * the background, so callers (the instant `models` method) never wait on the network.
     */
    async omenModels(): Promise<string[]> {
      if (cfg.api.mode === 'direct' || !cfg.api.baseUrl) return [];
      if (!omenIds || Date.now() - omenIds.at > CATALOG_TTL_MS) void refreshOmenIds();
      return omenIds?.ids ?? [];
    },
    why(scope?: string): TraceRecord | undefined {
      return (scope ? traces.get(scope) : undefined) ?? lastTrace;
    },
    spend: spendNow,
    close: () => store.close(),
  };
}

function newAccumulator(onPart: (part: StreamPart) => void) {
  const result: GenerateResult = {
    provider: '',
    model: '',
    text: '',
    tool_calls: [],
    finish_reason: 'other',
    duration_ms: 0,
    route: emptySummary('', ''),
  };
  let committed = false;
  return {
    committed: () => committed,
    result: () => result,
    push: (part: StreamPart) => {
      committed = true;
      switch (part.type) {
        case 'response-metadata':
          result.ttfb_ms = part.ttfbMs;
          if (part.requestId) result.request_id = part.requestId;
          break;
        case 'text-delta':
          result.text += part.text;
          break;
        case 'tool-call':
          result.tool_calls.push(part.call);
          break;
        case 'usage':
          result.usage = part.usage;
          break;
        case 'finish':
          result.finish_reason = part.reason;
          if (part.usage) result.usage = part.usage;
          if (part.cost) result.cost = { usd: part.cost.usd };
          break;
      }
      onPart(part);
    },
  };
}

function emptySummary(requested: string, rule: string): RouteSummary {
  return { requested, ref: '', provider: '', model: '', local: false, rule, escalated: false, via_omen: false, fallbacks_tried: [] };
}

function toZekeError(err: RouteError, provider?: ProviderError): ZekeError {
  const code =
    err.code === 'cancelled' ? ErrorCode.Cancelled : err.code === 'auth' ? ErrorCode.Auth : err.code === 'timeout' ? ErrorCode.Timeout : err.code === 'unreachable' ? ErrorCode.Unreachable : ErrorCode.Provider;
  return new ZekeError(code, err.message, provider ? { provider: provider.provider, status: provider.status, provider_code: provider.code, retryable: provider.retryable } : undefined);
}

/** `<stdpath('data')>/zeke/zeke.db`; without Neovim, `$XDG_DATA_HOME/zeke/zeke.db`. */
export function defaultStatsFile(dataDir?: string): string {
  if (dataDir) return join(dataDir, 'zeke', 'zeke.db');
  return join(process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'zeke', 'zeke.db');
}

export type RouterService = ReturnType<typeof createRouterService>;
