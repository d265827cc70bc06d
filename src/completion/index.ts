// The inline completion engine: context trimming, routing (FIM when the model has it, a
// compact chat prompt otherwise), streamed post-processing, the suggestion cache with
// look-back, one request in flight per scope, and the slow-model notice.
import type { ResolvedConfig } from '../config/index.js';
import { ErrorCode, ZekeError } from '../core/errors.js';
import type { Logger } from '../log/logger.js';
import type { ProviderClient, StreamPart } from '../provider/index.js';
import type { CompleteResult, ParamsOf } from '../protocol.js';
import { fimTemplateFor } from '../providers/fim-templates.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { Req, RouterService } from '../router/service.js';
import type { Candidate } from '../router/types.js';
import { createCompletionCache } from './cache.js';
import { budgetFor, DEFAULT_BUDGET, isSecretPath, snippetBlock, trimPrefix, trimSuffix, type Budget } from './context.js';
import { createLatencyTracker } from './latency.js';
import { postprocess } from './postprocess.js';
import { chatMessages, fimRequest, temperatureFor, type PromptContext } from './prompt.js';

export { postprocess } from './postprocess.js';
export { estimateTokens } from './tokens.js';

export interface CompletionEngineOptions {
  cfg: ResolvedConfig;
  router: RouterService;
  registry: ProviderRegistry;
  log: Logger;
}

export interface CompletionEngine {
  /** `onProgress({ text })`: the post-processed suggestion so far (whole text each time). */
  complete(p: ParamsOf<'complete'>, signal: AbortSignal, onProgress: (value: { text: string }) => void): Promise<CompleteResult>;
}

type Params = ParamsOf<'complete'>;

/** One request on the wire; a real request for the context a prefetch is fetching joins it. */
interface Job {
  key: string;
  prefetch: boolean;
  ac: AbortController;
  last: string;
  listeners: Set<(value: { text: string }) => void>;
  done: Promise<CompleteResult>;
}

/** The prompt context for a budget: snippets (as comments) + trimmed prefix, trimmed suffix. */
export function promptContext(p: Params, budget: Budget, cfg: ResolvedConfig['options']['completion']): PromptContext {
  const snippets = cfg.other_buffers
    ? snippetBlock(p.context, { filetype: p.filetype, path: p.path, budget: budget.context, secretFiles: cfg.secret_files, allowSecrets: cfg.allow_secret_files })
    : '';
  const nl = p.suffix.indexOf('\n');
  const suffixLine = nl < 0 ? p.suffix : p.suffix.slice(0, nl);
  return {
    prefix: snippets + trimPrefix(p.prefix, budget.prefix),
    suffix: trimSuffix(p.suffix, budget.suffix),
    singleLine: suffixLine.trim() !== '',
    filetype: p.filetype,
    path: p.path,
  };
}

/**
 * FIM when the model has it. A model listed without FIM may still take a raw template on
 * Ollama (its Modelfile lacks `.Suffix` but zeke knows the family's tokens).
 */
function canFim(client: ProviderClient, c: Candidate): boolean {
  if (!client.fim) return false;
  if (c.capabilities?.fim !== false) return true;
  return client.kind === 'ollama' && fimTemplateFor(c.model) !== undefined;
}

const cancelled = (why: string) => new ZekeError(ErrorCode.Cancelled, why);

export function createCompletionEngine(opts: CompletionEngineOptions): CompletionEngine {
  const { cfg, router, registry, log } = opts;
  const copts = cfg.options.completion;
  const cache = createCompletionCache();
  const latency = createLatencyTracker(copts.slow_warning_ms);
  const inflight = new Map<string, Job>();

  async function run(p: Params, requested: string, cacheModel: string, job: Job, started: number): Promise<CompleteResult> {
    const maxTokens = p.max_tokens ?? copts.max_tokens;
    const temperature = temperatureFor(p.variant);
    const ctx = promptContext(p, DEFAULT_BUDGET, copts);
    let raw = '';
    let firstUsableMs: number | undefined;
    const onPart = (part: StreamPart) => {
      if (part.type !== 'text-delta') return;
      raw += part.text;
      const text = postprocess({ prefix: p.prefix, suffix: p.suffix, raw, filetype: p.filetype }, { partial: true });
      if (text === job.last) return;
      job.last = text;
      if (text !== '' && firstUsableMs === undefined) firstUsableMs = performance.now() - started;
      for (const l of job.listeners) l({ text });
    };
    const stream = (c: Candidate, r: Req): AsyncIterable<StreamPart> =>
      (async function* () {
        const client = await registry.client(c.provider);
        const budget = budgetFor(c.contextWindow, maxTokens);
        const pc = budget === DEFAULT_BUDGET ? ctx : promptContext(p, budget, copts);
        raw = ''; // a fallback attempt starts over
        if (canFim(client, c)) yield* client.fim!(fimRequest(c.model, pc, { maxTokens, temperature, signal: r.signal }));
        else yield* client.chat({ model: c.model, messages: chatMessages(pc), maxTokens, temperature, signal: r.signal, maxRetries: 0 });
      })();
    const params = {
      feature: 'completion' as const,
      model: p.model,
      project: p.project,
      scope: p.scope,
      // Only measured (for the size hint): the stream above builds the real prompt.
      messages: [{ role: 'user' as const, content: ctx.prefix + ctx.suffix }],
      max_tokens: maxTokens,
    };
    let res;
    try {
      res = await router.generate(params, job.ac.signal, onPart, { direct: true, stream, prefetch: p.prefetch, hints: { intent: 'completion', needs: { fim: true } } });
    } catch (err) {
      // needs.fim excludes chat-only models; when that leaves nothing (the user chose a
      // chat model for completion, or only cloud chat models are set up), ask again without
      // it: the stream above then uses the chat prompt. Budget refusals stand.
      if (!(err instanceof ZekeError) || err.code !== ErrorCode.Config || err.data?.route !== 'refused' || job.ac.signal.aborted) throw err;
      log.debug('completion: no FIM model for %s (%s); using the chat prompt', requested, err.message);
      res = await router.generate(params, job.ac.signal, onPart, { direct: true, stream, prefetch: p.prefetch, hints: { intent: 'completion' } });
    }
    const text = postprocess({ prefix: p.prefix, suffix: p.suffix, raw: res.text, filetype: p.filetype });
    const duration = performance.now() - started;
    const modelRef = `${res.provider}:${res.model}`;
    latency.record(modelRef, firstUsableMs ?? duration);
    cache.set(cacheModel, p.filetype, p.prefix, p.suffix, { text, provider: res.provider, model: res.model });
    const slow = p.prefetch ? undefined : latency.slowNotice(modelRef);
    return {
      text,
      cached: false,
      provider: res.provider,
      model: res.model,
      ...(res.ttfb_ms !== undefined ? { ttfb_ms: res.ttfb_ms } : {}),
      duration_ms: Math.round(duration),
      ...(slow ? { slow } : {}),
    };
  }

  async function complete(p: Params, signal: AbortSignal, onProgress: (value: { text: string }) => void): Promise<CompleteResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    if (signal.aborted) throw cancelled('cancelled');
    const scope = p.scope ?? '';
    const prev = inflight.get(scope);
    // Never send the contents of a secret file (the Lua side should not ask either).
    if (p.path && !copts.allow_secret_files && isSecretPath(p.path, copts.secret_files)) return { text: '', cached: false, duration_ms: elapsed() };
    const requested = p.model ?? router.featureModel('completion', p.project);
    // Alternatives are sampled warmer: each variant has its own entries.
    const cacheModel = p.variant > 0 ? `${requested}#${p.variant}` : requested;

    // A real request makes the scope's previous real request stale, cache hit or not.
    if (!p.prefetch && prev && !prev.prefetch) prev.ac.abort(cancelled('superseded by a newer completion request'));
    const hit = cache.get(cacheModel, p.filetype, p.prefix, p.suffix);
    if (hit) {
      if (!p.prefetch && hit.text !== '') onProgress({ text: hit.text });
      return { text: hit.text, cached: true, provider: hit.provider, model: hit.model, duration_ms: elapsed() };
    }

    const key = cache.keyOf(cacheModel, p.filetype, p.prefix, p.suffix);
    if (prev && !prev.ac.signal.aborted) {
      // A prefetch never slows down a real request: it is not started while one runs.
      if (p.prefetch && !prev.prefetch) return { text: '', cached: false, duration_ms: elapsed() };
      // The user reached the context the prefetch is fetching: take its answer.
      if (!p.prefetch && prev.prefetch && prev.key === key) return join(prev, signal, onProgress, started);
      prev.ac.abort(cancelled('superseded by a newer completion request'));
    }

    const job: Job = { key, prefetch: p.prefetch, ac: new AbortController(), last: '', listeners: new Set(), done: undefined as unknown as Promise<CompleteResult> };
    if (!p.prefetch) job.listeners.add(onProgress);
    const onAbort = () => job.ac.abort(cancelled('cancelled'));
    signal.addEventListener('abort', onAbort, { once: true });
    inflight.set(scope, job);
    job.done = run(p, requested, cacheModel, job, started).finally(() => {
      signal.removeEventListener('abort', onAbort);
      if (inflight.get(scope) === job) inflight.delete(scope);
    });
    return job.done;
  }

  /** A real request adopts the prefetch in flight for its exact context. */
  async function join(job: Job, signal: AbortSignal, onProgress: (value: { text: string }) => void, started: number): Promise<CompleteResult> {
    job.prefetch = false;
    job.listeners.add(onProgress);
    if (job.last !== '') onProgress({ text: job.last });
    const onAbort = () => job.ac.abort(cancelled('cancelled'));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const res = await job.done;
      return { ...res, duration_ms: Math.round(performance.now() - started) };
    } finally {
      signal.removeEventListener('abort', onAbort);
      job.listeners.delete(onProgress);
    }
  }

  return { complete };
}
