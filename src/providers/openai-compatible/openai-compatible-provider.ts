// The OpenAI chat-completions protocol as a ProviderClient: chat (SSE), FIM (legacy
// completions, Codestral, llama.cpp infill), embeddings, the model list and a health probe
// that never generates. `createOpenAICompatibleClient` takes a target (URLs, auth header,
// error dialect) so Azure reuses all of it with its own addresses.
import type { ResolvedProvider } from '../../config/index.js';
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
import type { ProviderContext, ProviderFactory } from '../index.js';
import {
  defaultParseError,
  guardStream,
  priceFor,
  responseMetadata,
  send,
  sseEvents,
  toProviderError,
  type HttpRequest,
  type HttpResponse,
  type ParsedError,
} from '../shared/index.js';
import { convertToOpenAICompatibleMessages, convertToOpenAICompatibleTools } from './convert-to-openai-compatible-messages.js';
import type {
  LlamaCppInfillRequest,
  OpenAIChatRequest,
  OpenAICompletionRequest,
  OpenAIEmbeddingRequest,
  OpenAIErrorEnvelope,
  OpenAIEmbeddingResponse,
  OpenAIModelList,
} from './openai-compatible-api.js';
import { fimRoute, hasFim, normalizeOmenChatBody, quirksFor, type FimSurface, type OpenAICompatibleQuirks } from './openai-compatible-quirks.js';
import { openAICompatibleStream } from './openai-compatible-stream.js';

const SSE = /^text\/event-stream/i;
const JSON_TYPE = /json/i;

export type ErrorParser = (status: number, body: string, headers: Record<string, string | string[] | undefined>) => ParsedError;

/** Everything that differs between a plain OpenAI-compatible server and Azure. */
export interface OpenAICompatibleTarget {
  /** Address for chat / embeddings, and the `model` to put in the body. */
  route(op: 'chat/completions' | 'embeddings', model: string): { url: string; model: string };
  /** FIM address and flavour; absent when the server has no FIM surface. */
  fim?(model: string): { surface: FimSurface; url: string; model: string };
  modelsUrl: string;
  /** The address shown in health results (no key, no query). */
  display: string;
  /** The auth header: the one place the key is read. */
  authHeaders(): Record<string, string>;
  quirks: OpenAICompatibleQuirks;
  /** The server's error body → message and code, for a request about `model`. */
  parseError(model?: string): ErrorParser;
  /** The setting that holds the key, for messages: `XAI_API_KEY or providers.xai.api_key`. */
  keyHint: string;
  /** The ids listModels returns, given what the models endpoint listed (Azure: the configured deployments). */
  listedModels?(ids: string[]): string[];
}

export const createOpenAICompatibleProvider: ProviderFactory = (ctx) => createOpenAICompatibleClient(ctx, openAICompatibleTarget(ctx.provider));

/** The target for kinds `openai` and `openai-compatible`: `{base_url}/chat/completions`, Bearer key. */
export function openAICompatibleTarget(p: ResolvedProvider): OpenAICompatibleTarget {
  const base = p.baseUrl ?? '';
  const quirks = quirksFor(p);
  const keyHint = keyHintFor(p);
  const parse = openAICompatibleErrorParser(keyHint, p.apiKey.reveal.bind(p.apiKey));
  return {
    route: (op, model) => ({ url: `${base}/${op}`, model }),
    ...(hasFim(quirks) ? { fim: (model: string) => ({ ...fimRoute(quirks, base, model), model }) } : {}),
    modelsUrl: `${base}/models`,
    display: base,
    authHeaders: (): Record<string, string> => {
      const key = p.apiKey.reveal();
      return key ? { authorization: `Bearer ${key}` } : {};
    },
    quirks,
    parseError: () => parse,
    keyHint,
  };
}

export function createOpenAICompatibleClient(ctx: ProviderContext, target: OpenAICompatibleTarget): ProviderClient {
  const p = ctx.provider;
  const name = p.name;
  ctx.log.redact(p.apiKey.reveal());

  function request(opts: CallOptions, url: string, model: string | undefined, extra: Partial<HttpRequest>): HttpRequest {
    return {
      provider: name,
      url,
      headers: target.authHeaders(),
      dispatcher: ctx.dispatcher,
      signal: opts.signal,
      firstByteTimeoutMs: opts.firstByteTimeoutMs ?? p.timeoutMs,
      idleTimeoutMs: opts.idleTimeoutMs ?? p.timeoutMs,
      ...(opts.maxRetries !== undefined ? { maxRetries: opts.maxRetries } : {}),
      parseError: target.parseError(model),
      onRetry: (attempt, delayMs, err) => ctx.log.debug('%s: retry %d in %d ms after %s', name, attempt, Math.round(delayMs), err.message),
      ...extra,
    };
  }

  const price = (model: string) => (reported: string | undefined) =>
    priceFor(p, model, p.prices) ?? (reported && reported !== model ? priceFor(p, reported, p.prices) : undefined);

  async function* streamParts(res: HttpResponse, model: string): AsyncGenerator<StreamPart> {
    try {
      yield responseMetadata(res, model);
      yield* openAICompatibleStream(sseEvents(res.body, { provider: name }), {
        provider: name,
        eofIsFinish: target.quirks.eofIsFinish,
        anthropicFrames: target.quirks.family === 'omen',
        priceFor: price(model),
        onIgnored: (what) => ctx.log.debug('%s: skipped a foreign stream frame (%s)', name, what),
      });
    } finally {
      res.close();
    }
  }

  async function* chatParts(req: ChatRequest): AsyncGenerator<StreamPart> {
    const route = target.route('chat/completions', req.model);
    const typed: OpenAIChatRequest = {
      model: route.model,
      messages: convertToOpenAICompatibleMessages(name, req.messages),
      stream: true,
      ...(target.quirks.streamUsage ? { stream_options: { include_usage: true } } : {}),
      ...(req.tools?.length ? { tools: convertToOpenAICompatibleTools(req.tools) } : {}),
      ...(req.maxTokens !== undefined ? { [target.quirks.maxTokensField]: req.maxTokens } : {}),
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      ...(req.stop?.length ? { stop: req.stop } : {}),
    };
    const merged = withExtraBody(typed, req.extraBody, (key) => ctx.log.debug('%s: extraBody.%s ignored (zeke sets it)', name, key));
    const body = target.quirks.omenBody ? normalizeOmenChatBody(merged) : merged;
    const res = await send(request(req, route.url, req.model, { body, accept: SSE }));
    yield* streamParts(res, req.model);
  }

  async function* fimParts(req: FimRequest): AsyncGenerator<StreamPart> {
    const route = target.fim!(req.model);
    const res = await send(request(req, route.url, req.model, { body: fimBody(route.surface, route.model, req, target.quirks), accept: SSE }));
    yield* streamParts(res, req.model);
  }

  async function getJson<T>(opts: CallOptions, url: string, model: string | undefined, body?: unknown): Promise<T> {
    const res = await send(request(opts, url, model, { body, accept: JSON_TYPE }));
    const text = await res.text();
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new ProviderError({ code: 'bad_response', provider: name, status: res.status, message: `${name}: ${url.replace(/\?.*$/, '')} answered with broken JSON: ${text.slice(0, 80)}`, cause: err });
    }
  }

  async function modelList(opts: CallOptions): Promise<ModelInfo[]> {
    const json = await getJson<OpenAIModelList>(opts, target.modelsUrl, undefined);
    if (!Array.isArray(json.data)) throw new ProviderError({ code: 'bad_response', provider: name, message: `${name}: the model list from ${target.display} has no "data" array` });
    const infos = json.data.filter((m) => typeof m.id === 'string').map((m) => modelInfo(name, m));
    if (!target.listedModels) return infos;
    const byId = new Map(infos.map((m) => [m.id, m]));
    return target.listedModels(infos.map((m) => m.id)).map((id) => byId.get(id) ?? { id, provider: name });
  }

  const client: ProviderClient = {
    name,
    kind: p.kind,
    chat: (req) => guardStream(name, req.signal, chatParts(req)),
    listModels: modelList,
    async embed(req: EmbedRequest): Promise<number[][]> {
      const route = target.route('embeddings', req.model);
      const body: OpenAIEmbeddingRequest = { model: route.model, input: req.input, encoding_format: 'float' };
      const json = await getJson<OpenAIEmbeddingResponse>(req, route.url, req.model, body);
      const rows = Array.isArray(json.data) ? [...json.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0)) : [];
      if (rows.length !== req.input.length || rows.some((r) => !Array.isArray(r.embedding))) {
        throw new ProviderError({ code: 'bad_response', provider: name, message: `${name}: asked for ${req.input.length} embeddings, got ${rows.length}` });
      }
      return rows.map((r) => r.embedding!);
    },
    async health(opts: CallOptions): Promise<ProbeResult[]> {
      const started = performance.now();
      const latency = () => Math.round(performance.now() - started);
      try {
        const models = await modelList({ ...opts, maxRetries: opts.maxRetries ?? 0 });
        const ids = models.map((m) => m.id);
        return [{ url: target.display, ok: true, status: 200, latency_ms: latency(), message: `reachable, ${ids.length} models`, models: ids }];
      } catch (err) {
        // Aborted by the caller (or its deadline): the caller says why.
        if (opts.signal.aborted) throw err;
        const e = toProviderError(err, name, opts.signal);
        const message =
          e.code === 'auth'
            ? p.apiKey.isSet
              ? `reachable, but the key was rejected (${e.message})`
              : `reachable; no key: set ${target.keyHint}`
            : e.message;
        return [{ url: target.display, ok: false, ...(e.status !== undefined ? { status: e.status } : {}), latency_ms: latency(), message }];
      }
    },
  };
  // A server without a FIM surface (OMEN) has no `fim` at all.
  if (target.fim) client.fim = (req) => guardStream(name, req.signal, fimParts(req));
  return client;
}

/** Fields of the chat body that `extraBody` may never replace. */
const OWN_FIELDS = new Set(['model', 'messages', 'stream']);

/**
 * `extraBody` (OMEN's `tags` and `omen`, a server's own options) merged into the chat body at
 * the top level. It may add fields and replace optional ones (e.g. `stop`), never `model`,
 * `messages` or `stream`; `undefined` values are skipped. Each ignored key is reported.
 */
export function withExtraBody(body: OpenAIChatRequest, extra: Record<string, unknown> | undefined, onIgnored?: (key: string) => void): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body };
  for (const [key, value] of Object.entries(extra ?? {})) {
    if (value === undefined) continue;
    if (OWN_FIELDS.has(key)) {
      onIgnored?.(key);
      continue;
    }
    out[key] = value;
  }
  return out;
}

function fimBody(surface: FimSurface, model: string, req: FimRequest, quirks: OpenAICompatibleQuirks): OpenAICompletionRequest | LlamaCppInfillRequest {
  const common = {
    ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
    ...(req.stop?.length ? { stop: req.stop } : {}),
  };
  switch (surface) {
    case 'llamacpp':
      return { model, input_prefix: req.prefix, input_suffix: req.suffix, prompt: '', stream: true, cache_prompt: true, ...(req.maxTokens !== undefined ? { n_predict: req.maxTokens } : {}), ...common };
    case 'codestral':
      // Mistral: usage arrives on the final chunk without stream_options.
      return { model, prompt: req.prefix, suffix: req.suffix, stream: true, ...(req.maxTokens !== undefined ? { max_tokens: req.maxTokens } : {}), ...common };
    case 'completions':
      return {
        model,
        prompt: req.prefix,
        suffix: req.suffix,
        stream: true,
        ...(quirks.streamUsage ? { stream_options: { include_usage: true } } : {}),
        ...(req.maxTokens !== undefined ? { max_tokens: req.maxTokens } : {}),
        ...common,
      };
  }
}

function modelInfo(provider: string, m: NonNullable<OpenAIModelList['data']>[number]): ModelInfo {
  const caps = m.capabilities ?? {};
  const flag = (...keys: string[]) => keys.map((k) => caps[k]).find((v) => typeof v === 'boolean');
  const capabilities = Object.fromEntries(
    Object.entries({
      fim: flag('completion_fim'),
      tools: flag('function_calling'),
      vision: flag('vision'),
      embedding: flag('embeddings'),
    }).filter(([, v]) => v !== undefined),
  ) as ModelInfo['capabilities'];
  const contextWindow = m.max_context_length ?? m.context_length ?? m.meta?.n_ctx_train;
  return {
    id: m.id!,
    provider,
    ...(typeof contextWindow === 'number' ? { contextWindow } : {}),
    ...(capabilities && Object.keys(capabilities).length ? { capabilities } : {}),
  };
}

/** `XAI_API_KEY or providers.xai.api_key` (the env variable when the key comes from one). */
export function keyHintFor(p: Pick<ResolvedProvider, 'name' | 'apiKey'>): string {
  const env = p.apiKey.source.startsWith('env:') ? p.apiKey.source.slice(4) : undefined;
  // OMEN mode's synthetic provider takes its key from [api] (api.api_key).
  const setting = p.name === 'omen' ? 'api.api_key' : `providers.${p.name}.api_key`;
  return env ? `${env} or ${setting}` : setting;
}

/**
 * Error bodies of the OpenAI dialects on top of the shared parser: FastAPI's `detail`
 * (Mistral, vLLM), xAI's bad key as HTTP 400 `{code, error: "Incorrect API key…"}` → auth,
 * and auth messages that name the key setting. A key a server echoes back is cut out.
 */
export function openAICompatibleErrorParser(keyHint: string, key: () => string | undefined): ErrorParser {
  return (status, body) => {
    const parsed = defaultParseError(status, body);
    let message = parsed.message;
    const out: ParsedError = {};
    try {
      const j = JSON.parse(body) as OpenAIErrorEnvelope;
      // FastAPI's `detail`, bare (vLLM) or inside Mistral's `{object:"error", message:{detail}}`.
      const detail = j.error === undefined ? (typeof j.message === 'object' && j.message !== null ? (j.message as { detail?: unknown }).detail : j.detail) : undefined;
      if (detail !== undefined) message = detailText(detail);
    } catch {
      /* not JSON: the shared parser already took the text */
    }
    if (status === 400 && message && /api[ _-]?key/i.test(message) && /incorrect|invalid|not valid|missing|no api key/i.test(message)) {
      out.code = 'auth';
      out.retryable = false;
    }
    if (out.code === 'auth' || status === 401 || status === 403) message = `${message ?? 'the key was rejected'} (check ${keyHint})`;
    const k = key();
    if (message && k) message = message.split(k).join('[redacted]');
    if (message !== undefined) out.message = message;
    return out;
  };
}

function detailText(detail: unknown): string {
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((d: unknown) => {
        const o = d as { msg?: unknown; loc?: unknown };
        const loc = Array.isArray(o.loc) ? o.loc.join('.') : '';
        return `${loc ? `${loc}: ` : ''}${typeof o.msg === 'string' ? o.msg : JSON.stringify(d)}`;
      })
      .join('; ');
  }
  return JSON.stringify(detail);
}
