// Ollama's native API (/api/chat, /api/generate, /api/embed, /api/tags, /api/show, /api/ps,
// /api/version) over several endpoints: each request goes to the first endpoint that is up
// and has the model; a dead one fails over within the same request and then rests a while.
import type { ProbeResult } from '../../protocol.js';
import {
  ProviderError,
  type CallOptions,
  type ChatRequest,
  type EmbedRequest,
  type FimRequest,
  type ModelInfo,
  type ProviderClient,
  type StreamPart,
} from '../../provider/index.js';
import { VERSION } from '../../version.js';
import { fimTemplateFor, type FimTemplate } from '../fim-templates.js';
import type { ProviderContext } from '../index.js';
import {
  guardStream,
  ndjsonLines,
  parseFrame,
  priceFor,
  responseMetadata,
  send,
  toProviderError,
  type HttpResponse,
  type ParsedError,
} from '../shared/index.js';
import type {
  OllamaChatRequest,
  OllamaEmbedRequest,
  OllamaEmbedResponse,
  OllamaGenerateRequest,
  OllamaKeepAlive,
  OllamaOptions,
  OllamaPsModel,
  OllamaPsResponse,
  OllamaShowResponse,
  OllamaTagModel,
  OllamaTagsResponse,
  OllamaThink,
  OllamaVersionResponse,
} from './ollama-api.js';
import { endpointOrder, findModel, newEndpointState, normalizeModel, recordTtfb, type EndpointState } from './ollama-endpoints.js';
import { convertToOllamaMessages, convertToOllamaTools } from './convert-to-ollama-messages.js';
import { ollamaStream } from './ollama-stream.js';

/** Ollama-only fields a caller may add to a chat, FIM or embed request. */
export interface OllamaRequestExtras {
  /** Send to this one of the provider's endpoints only (no failover). Any other address is refused: the key goes nowhere else. */
  endpoint?: string;
  /** `options.num_ctx`. A load-time option: a different value can reload the model. */
  numCtx?: number;
  /** Chat only: `think` for thinking models. */
  think?: OllamaThink;
}

export interface OllamaProviderOptions {
  /** How long an endpoint's /api/tags answer is trusted (default 30 s). */
  tagsTtlMs?: number;
  /** How long an unreachable endpoint is tried last (default 15 s). */
  cooldownMs?: number;
  /** Longest NDJSON line accepted (default 8 MiB). */
  maxLineBytes?: number;
  /** Largest non-streamed body accepted (default 16 MiB). */
  maxBodyBytes?: number;
  /** Clock for the caches (tests). */
  now?: () => number;
}

export interface LoadedModels {
  endpoint: string;
  models: OllamaPsModel[];
}

export interface OllamaProviderClient extends ProviderClient {
  fim(req: FimRequest): AsyncIterable<StreamPart>;
  embed(req: EmbedRequest): Promise<number[][]>;
  /** Models in memory on every endpoint (/api/ps); an endpoint that fails is left out. */
  loadedModels(opts: CallOptions): Promise<LoadedModels[]>;
}

const NDJSON = /^application\/(x-ndjson|json)\b/i;
const JSON_TYPE = /^application\/json\b/i;
const DEFAULT_TAGS_TTL_MS = 30_000;
const DEFAULT_COOLDOWN_MS = 15_000;
const DEFAULT_MAX_BODY = 16 * 1024 * 1024;
/** Errors after which the next endpoint may do better. */
const FAILOVER = new Set(['unreachable', 'timeout', 'overloaded']);
/** Errors that mean "this address is not answering": rest it a while. */
const COOLDOWN = new Set(['unreachable', 'timeout']);
const PULL_HINT_MODEL = 'qwen2.5-coder:7b';

// ---------------------------------------------------------------------------------------------------
// HTTP, the same for every call

interface JsonInit {
  method?: 'GET' | 'POST';
  body?: unknown;
  maxRetries?: number;
}

interface OllamaHttp {
  call(endpoint: string, path: string, opts: CallOptions, init: JsonInit & { accept: RegExp }): Promise<HttpResponse>;
  json<T>(endpoint: string, path: string, opts: CallOptions, init?: JsonInit): Promise<T>;
}

function ollamaHttp(ctx: ProviderContext, maxBodyBytes = DEFAULT_MAX_BODY): OllamaHttp {
  const name = ctx.provider.name;
  const headers = (): Record<string, string> => {
    // Ollama's cloud (ollama.com) wants a key; a local server needs none.
    const key = ctx.provider.apiKey.reveal();
    return { 'user-agent': `zeke.nvim/${VERSION}`, ...(key ? { authorization: `Bearer ${key}` } : {}) };
  };
  const call: OllamaHttp['call'] = (endpoint, path, opts, init) =>
    send({
      provider: name,
      url: `${endpoint}${path}`,
      method: init.method,
      headers: headers(),
      body: init.body,
      dispatcher: ctx.dispatcher,
      signal: opts.signal,
      firstByteTimeoutMs: opts.firstByteTimeoutMs ?? ctx.provider.timeoutMs,
      idleTimeoutMs: opts.idleTimeoutMs,
      maxRetries: init.maxRetries ?? opts.maxRetries,
      accept: init.accept,
      parseError: parseOllamaError,
      onRetry: (attempt, delayMs, err) => ctx.log.debug(`${name}: retry ${attempt} of ${endpoint}${path} in ${Math.round(delayMs)} ms after: ${err.message}`),
    });
  return {
    call,
    async json<T>(endpoint: string, path: string, opts: CallOptions, init: JsonInit = {}): Promise<T> {
      const res = await call(endpoint, path, opts, { ...init, accept: JSON_TYPE });
      const text = await res.text(maxBodyBytes);
      const value = parseFrame<unknown>(name, text);
      if (value === null || typeof value !== 'object') {
        throw new ProviderError({ code: 'bad_response', provider: name, url: `${endpoint}${path}`, message: `${name}: ${endpoint}${path} did not answer with a JSON object` });
      }
      return value as T;
    },
  };
}

/** Ollama's `{"error":"…"}` bodies; a 404 is a missing model only when Ollama itself says so. */
export function parseOllamaError(status: number, body: string): ParsedError {
  let message: string | undefined;
  try {
    const j = JSON.parse(body) as { error?: unknown };
    if (typeof j.error === 'string') message = j.error;
  } catch {
    /* not JSON */
  }
  if (status === 404) {
    if (message !== undefined && /not found/i.test(message)) return { code: 'model_not_found', retryable: false };
    // gin's text/plain "404 page not found": a route this server does not have.
    return { code: 'bad_request', retryable: false, message: `no such API route (${body.trim().slice(0, 60) || 'empty body'}); is this an Ollama server, and a recent one?` };
  }
  return {};
}

/** Models in memory on one endpoint (`GET /api/ps`). */
export async function listLoadedModels(ctx: ProviderContext, endpoint: string, opts: CallOptions): Promise<OllamaPsModel[]> {
  const res = await ollamaHttp(ctx).json<OllamaPsResponse>(endpoint.replace(/\/+$/, ''), '/api/ps', opts, { maxRetries: 0 });
  return Array.isArray(res.models) ? res.models : [];
}

// ---------------------------------------------------------------------------------------------------

export function createOllamaProvider(ctx: ProviderContext, options: OllamaProviderOptions = {}): OllamaProviderClient {
  const name = ctx.provider.name;
  const now = options.now ?? Date.now;
  const tagsTtlMs = options.tagsTtlMs ?? DEFAULT_TAGS_TTL_MS;
  const cooldownMs = options.cooldownMs ?? DEFAULT_COOLDOWN_MS;
  const http = ollamaHttp(ctx, options.maxBodyBytes);
  const endpoints = ctx.provider.endpoints.map(newEndpointState);
  const keepAlive = keepAliveValue(ctx.provider.keepAlive);
  const priceOf = (model: string) => priceFor({ name, kind: ctx.provider.kind }, model, ctx.provider.prices);

  // ---- endpoint state -------------------------------------------------------------------------

  function markUp(ep: EndpointState): void {
    if (ep.downUntil !== 0) ctx.log.info(`${name}: ${ep.url} answers again`);
    ep.downUntil = 0;
    ep.lastError = undefined;
  }

  function markDown(ep: EndpointState, err: ProviderError): void {
    if (ep.downUntil === 0) ctx.log.warn(`${name}: ${ep.url} is not answering (${err.message}); trying other endpoints first for ${cooldownMs / 1000} s`);
    ep.downUntil = now() + cooldownMs;
    ep.lastError = err;
  }

  /** Runs a call on an endpoint, keeping its up/down state. */
  async function tracked<T>(ep: EndpointState, run: () => Promise<T>, signal: AbortSignal): Promise<T> {
    try {
      const value = await run();
      markUp(ep);
      return value;
    } catch (err) {
      const e = toProviderError(err, name, signal);
      if (COOLDOWN.has(e.code)) markDown(ep, e);
      throw e;
    }
  }

  async function refreshTags(ep: EndpointState, opts: CallOptions): Promise<OllamaTagModel[]> {
    return tracked(
      ep,
      async () => {
        const res = await http.json<OllamaTagsResponse>(ep.url, '/api/tags', opts, { maxRetries: 0 });
        if (!Array.isArray(res.models)) {
          throw new ProviderError({ code: 'bad_response', provider: name, url: `${ep.url}/api/tags`, message: `${name}: ${ep.url}/api/tags has no "models" list (is this an Ollama server?)` });
        }
        ep.tags = { at: now(), models: res.models };
        return res.models;
      },
      opts.signal,
    );
  }

  /** The model's /api/tags entry on `ep`: from the cache when fresh and listed, else asked again. */
  async function modelOn(ep: EndpointState, model: string, opts: CallOptions): Promise<OllamaTagModel | undefined> {
    if (ep.tags && now() - ep.tags.at < tagsTtlMs) {
      const hit = findModel(ep.tags.models, model);
      if (hit) return hit;
    }
    return findModel(await refreshTags(ep, opts), model);
  }

  async function showOn(ep: EndpointState, tag: OllamaTagModel, opts: CallOptions): Promise<OllamaShowResponse> {
    const key = normalizeModel(tag.name);
    const cached = ep.shows.get(key);
    if (cached && cached.digest === tag.digest) return cached.show;
    const show = await tracked(ep, () => http.json<OllamaShowResponse>(ep.url, '/api/show', opts, { body: { model: tag.name }, maxRetries: 0 }), opts.signal);
    ep.shows.set(key, { digest: tag.digest, show });
    return show;
  }

  function pinnedEndpoint(url: string): EndpointState {
    const clean = url.replace(/\/+$/, '');
    const known = endpoints.find((e) => e.url === clean);
    if (known) return known;
    throw new ProviderError({ code: 'bad_request', provider: name, message: `${name}: ${clean} is not one of providers.${name}.endpoints (${endpoints.map((e) => e.url).join(', ')})` });
  }

  /**
   * Runs `run` on the first endpoint that is up and has `model`, failing over on an
   * unreachable, silent or overloaded endpoint and on one that turns out not to have it.
   */
  async function routed<T>(model: string, opts: CallOptions & OllamaRequestExtras, run: (ep: EndpointState, tag: OllamaTagModel) => Promise<T>): Promise<T> {
    const candidates = opts.endpoint !== undefined ? [pinnedEndpoint(opts.endpoint)] : endpointOrder(endpoints, model, now());
    const notPulled: string[] = [];
    const failures: ProviderError[] = [];
    for (const ep of candidates) {
      try {
        const tag = await modelOn(ep, model, opts);
        if (!tag) {
          notPulled.push(ep.url);
          continue;
        }
        return await tracked(ep, () => run(ep, tag), opts.signal);
      } catch (err) {
        const e = toProviderError(err, name, opts.signal);
        if (e.code === 'cancelled' || opts.signal.aborted) throw e.code === 'cancelled' ? e : cancelled();
        if (e.code === 'model_not_found') {
          ep.tags = undefined; // removed since we looked
          notPulled.push(ep.url);
          continue;
        }
        if (!FAILOVER.has(e.code)) throw e;
        ctx.log.debug(`${name}: ${ep.url} failed for ${model} (${e.message}); trying the next endpoint`);
        failures.push(e);
      }
    }
    throw routeError(model, candidates, notPulled, failures);
  }

  function routeError(model: string, tried: EndpointState[], notPulled: string[], failures: ProviderError[]): ProviderError {
    if (notPulled.length) {
      const where = notPulled.length === 1 ? `endpoint ${notPulled[0]}` : `endpoints ${notPulled.join(', ')}`;
      const others = failures.length ? `; ${failures.map((f) => f.message).join('; ')}` : '';
      return new ProviderError({ code: 'model_not_found', provider: name, status: 404, message: `model ${model} is not pulled on ${where} (run: ollama pull ${model})${others}` });
    }
    if (failures.length === 1) return failures[0]!;
    if (failures.length > 1) {
      const first = failures[0]!;
      return new ProviderError({
        code: first.code,
        provider: name,
        retryable: failures.some((f) => f.retryable),
        message: `${name}: no endpoint could serve ${model}: ${failures.map((f) => f.message).join('; ')}`,
        cause: first,
      });
    }
    return new ProviderError({ code: 'bad_request', provider: name, message: tried.length ? `${name}: no endpoint to try` : `${name}: no endpoints configured (providers.${name}.endpoints)` });
  }

  function cancelled(): ProviderError {
    return new ProviderError({ code: 'cancelled', provider: name, message: 'cancelled' });
  }

  function ollamaOptions(o: { maxTokens?: number; temperature?: number; stop?: string[]; numCtx?: number }): OllamaOptions | undefined {
    const out: OllamaOptions = {};
    // Only a value the user chose: another value than the server's makes it reload the model.
    const numCtx = o.numCtx ?? ctx.provider.numCtx;
    if (numCtx !== undefined) out.num_ctx = numCtx;
    if (o.maxTokens !== undefined) out.num_predict = o.maxTokens;
    if (o.temperature !== undefined) out.temperature = o.temperature;
    if (o.stop?.length) out.stop = o.stop;
    return Object.keys(out).length ? out : undefined;
  }

  /** POSTs a streaming body on the chosen endpoint and turns the NDJSON into parts. */
  async function* streamed(model: string, path: '/api/chat' | '/api/generate', req: CallOptions & OllamaRequestExtras, body: (ep: EndpointState, tag: OllamaTagModel) => Promise<object>): AsyncGenerator<StreamPart> {
    const { res, ep } = await routed(model, req, async (ep, tag) => ({ ep, res: await http.call(ep.url, path, req, { body: await body(ep, tag), accept: NDJSON }) }));
    recordTtfb(ep, res.ttfbMs);
    ctx.log.debug(`${name}: ${path} ${model} on ${ep.url}`);
    yield responseMetadata(res, model);
    yield* ollamaStream(ndjsonLines(res.body, { provider: name, maxLineBytes: options.maxLineBytes }), { provider: name, price: priceOf(model) });
  }

  // ---- FIM ------------------------------------------------------------------------------------

  type FimMode = { kind: 'suffix' } | { kind: 'raw'; template: FimTemplate };

  async function fimMode(ep: EndpointState, tag: OllamaTagModel, req: FimRequest): Promise<FimMode> {
    const show = await showOn(ep, tag, req);
    const insert = show.capabilities ? show.capabilities.includes('insert') : (show.template ?? '').includes('.Suffix');
    const template = fimTemplateFor(req.model);
    // With an empty suffix Ollama renders the model's non-FIM template; our own is better then.
    if (insert && (req.suffix !== '' || !template)) return { kind: 'suffix' };
    if (template) return { kind: 'raw', template };
    throw new ProviderError({
      code: 'bad_request',
      provider: name,
      message: `model ${req.model} has no FIM support: Ollama does not list the "insert" capability for it on ${ep.url}, and zeke has no FIM template for its family (use a code model such as qwen2.5-coder, deepseek-coder, codellama, starcoder2, codegemma or codestral)`,
    });
  }

  async function fimBody(ep: EndpointState, tag: OllamaTagModel, req: FimRequest & OllamaRequestExtras): Promise<OllamaGenerateRequest> {
    const mode = await fimMode(ep, tag, req);
    if (mode.kind === 'suffix') {
      return {
        model: req.model,
        prompt: req.prefix,
        ...(req.suffix !== '' ? { suffix: req.suffix } : {}),
        stream: true,
        ...withOptions(ollamaOptions(req)),
        ...withKeepAlive(keepAlive),
      };
    }
    // raw: no template at all, so no suffix either (a suffix would ask for `insert` again).
    const stop = [...mode.template.stop, ...(req.stop ?? []).filter((s) => !mode.template.stop.includes(s))];
    return {
      model: req.model,
      prompt: mode.template.render(req.prefix, req.suffix),
      raw: true,
      stream: true,
      ...withOptions(ollamaOptions({ ...req, stop })),
      ...withKeepAlive(keepAlive),
    };
  }

  // ---- the client -----------------------------------------------------------------------------

  return {
    name,
    kind: ctx.provider.kind,

    chat(req: ChatRequest & OllamaRequestExtras): AsyncIterable<StreamPart> {
      const body = (): OllamaChatRequest => ({
        model: req.model,
        messages: convertToOllamaMessages(req.messages),
        ...(req.tools?.length ? { tools: convertToOllamaTools(req.tools) } : {}),
        ...(req.think !== undefined ? { think: req.think } : {}),
        stream: true,
        ...withOptions(ollamaOptions(req)),
        ...withKeepAlive(keepAlive),
      });
      return guardStream(name, req.signal, streamed(req.model, '/api/chat', req, async () => body()));
    },

    fim(req: FimRequest & OllamaRequestExtras): AsyncIterable<StreamPart> {
      return guardStream(name, req.signal, streamed(req.model, '/api/generate', req, (ep, tag) => fimBody(ep, tag, req)));
    },

    async embed(req: EmbedRequest & OllamaRequestExtras): Promise<number[][]> {
      try {
        return await routed(req.model, req, async (ep) => {
          const body: OllamaEmbedRequest = {
            model: req.model,
            input: req.input,
            ...withOptions(ollamaOptions({ numCtx: req.numCtx })),
            ...withKeepAlive(keepAlive),
          };
          const res = await http.json<OllamaEmbedResponse>(ep.url, '/api/embed', req, { body });
          if (!Array.isArray(res.embeddings) || res.embeddings.length !== req.input.length) {
            throw new ProviderError({ code: 'bad_response', provider: name, url: `${ep.url}/api/embed`, message: `${name}: ${ep.url}/api/embed answered ${Array.isArray(res.embeddings) ? res.embeddings.length : 'no'} embeddings for ${req.input.length} inputs` });
          }
          return res.embeddings;
        });
      } catch (err) {
        throw toProviderError(err, name, req.signal);
      }
    },

    async listModels(opts: CallOptions): Promise<ModelInfo[]> {
      const lists = await Promise.allSettled(endpoints.map((ep) => refreshTags(ep, opts)));
      const failed = lists.flatMap((l) => (l.status === 'rejected' ? [toProviderError(l.reason, name, opts.signal)] : []));
      if (opts.signal.aborted) throw cancelled();
      if (failed.length === lists.length && failed[0]) throw failed[0];
      return endpoints.flatMap((ep, i) => {
        const l = lists[i]!;
        return l.status === 'fulfilled' ? l.value.map((m) => modelInfo(ep, m)) : [];
      });
    },

    async health(opts: CallOptions): Promise<ProbeResult[]> {
      return Promise.all(endpoints.map((ep) => probeEndpoint(ep, opts)));
    },

    async loadedModels(opts: CallOptions): Promise<LoadedModels[]> {
      const all = await Promise.allSettled(endpoints.map((ep) => tracked(ep, () => http.json<OllamaPsResponse>(ep.url, '/api/ps', opts, { maxRetries: 0 }), opts.signal)));
      if (opts.signal.aborted) throw cancelled();
      return endpoints.flatMap((ep, i) => {
        const r = all[i]!;
        return r.status === 'fulfilled' ? [{ endpoint: ep.url, models: Array.isArray(r.value.models) ? r.value.models : [] }] : [];
      });
    },
  };

  function modelInfo(ep: EndpointState, m: OllamaTagModel): ModelInfo {
    const show = ep.shows.get(normalizeModel(m.name));
    const caps = m.capabilities ?? (show && show.digest === m.digest ? show.show.capabilities : undefined);
    const info: ModelInfo = { id: m.name, provider: name, endpoint: ep.url };
    const ctxLen = show ? contextLength(show.show) : undefined;
    if (ctxLen !== undefined) info.contextWindow = ctxLen;
    if (caps) {
      info.capabilities = {
        fim: caps.includes('insert'),
        tools: caps.includes('tools'),
        vision: caps.includes('vision'),
        embedding: caps.includes('embedding'),
      };
    }
    return info;
  }

  /** Version and model list, never a generation: what src/health printed for Ollama. */
  async function probeEndpoint(ep: EndpointState, opts: CallOptions): Promise<ProbeResult> {
    const started = performance.now();
    const [version, tags] = await Promise.allSettled([
      http.json<OllamaVersionResponse>(ep.url, '/api/version', opts, { maxRetries: 0 }),
      refreshTags(ep, opts),
    ]);
    const latency_ms = Math.round(performance.now() - started);
    const v = version.status === 'fulfilled' && typeof version.value.version === 'string' ? version.value.version : undefined;
    const base = { url: ep.url, latency_ms, ...(v ? { version: v } : {}) };
    if (tags.status === 'rejected') {
      const e = toProviderError(tags.reason, name, opts.signal);
      if (e.code === 'cancelled') throw e;
      return { ...base, ok: false, ...(e.status !== undefined ? { status: e.status } : {}), message: probeMessage(e, opts.firstByteTimeoutMs ?? ctx.provider.timeoutMs) };
    }
    const models = tags.value.map((m) => m.name);
    const server = `reachable${v ? ` (Ollama ${v})` : ''}`;
    return {
      ...base,
      ok: true,
      status: 200,
      models,
      message: models.length ? `${server}, ${models.length} model${models.length === 1 ? '' : 's'}` : `${server}, but no models are pulled (run: ollama pull ${PULL_HINT_MODEL})`,
    };
  }
}

// ---------------------------------------------------------------------------------------------------

function withOptions(options: OllamaOptions | undefined): { options?: OllamaOptions } {
  return options ? { options } : {};
}

function withKeepAlive(keepAlive: OllamaKeepAlive | undefined): { keep_alive?: OllamaKeepAlive } {
  return keepAlive !== undefined ? { keep_alive: keepAlive } : {};
}

/** `"5m"` stays a duration string; a bare number (`"0"`, `"-1"`, `"300"`) is seconds, sent as a number. */
export function keepAliveValue(v: string | undefined): OllamaKeepAlive | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const t = v.trim();
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

function contextLength(show: OllamaShowResponse): number | undefined {
  for (const [k, v] of Object.entries(show.model_info ?? {})) if (k.endsWith('.context_length') && typeof v === 'number') return v;
  return undefined;
}

/** One line for :checkhealth, in the words src/health uses. */
function probeMessage(e: ProviderError, timeoutMs: number): string {
  switch (e.code) {
    case 'unreachable':
      return `unreachable: ${networkReason(e.cause) ?? e.message}`;
    case 'timeout':
      return `no answer within ${timeoutMs} ms`;
    default: {
      if (e.status !== undefined && e.status >= 300) return `HTTP ${e.status}${e.message.replace(/^.*? answered HTTP \d+/, '')}`;
      return e.message;
    }
  }
}

function networkReason(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown }; errors?: { code?: unknown }[] } | undefined;
  const code = e?.cause?.code ?? e?.code ?? e?.errors?.[0]?.code;
  return typeof code === 'string' ? code : undefined;
}
