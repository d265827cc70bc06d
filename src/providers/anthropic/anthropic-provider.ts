// The Anthropic Messages API as a ProviderClient: chat (named-event SSE), the model list, and a
// health probe that lists models and never generates. No FIM or embeddings surface exists.
// The key goes only into the `x-api-key` header to the provider's own base URL.
// @see https://docs.claude.com/en/api/messages
import type { ResolvedProvider } from '../../config/index.js';
import type { ProbeResult } from '../../protocol.js';
import { ProviderError, type CallOptions, type ChatRequest, type ModelInfo, type ProviderClient, type StreamPart } from '../../provider/index.js';
import type { ProviderFactory } from '../index.js';
import { defaultParseError, guardStream, parseFrame, priceFor, responseMetadata, send, sseEvents, toProviderError, type HttpRequest, type ParsedError } from '../shared/index.js';
import {
  ANTHROPIC_VERSION,
  DEFAULT_ANTHROPIC_BASE_URL,
  DEFAULT_MAX_TOKENS,
  type AnthropicErrorBody,
  type AnthropicMessagesRequest,
  type AnthropicModelInfo,
  type AnthropicModelList,
} from './anthropic-api.js';
import { anthropicStream } from './anthropic-stream.js';
import { convertToAnthropicMessages, convertToAnthropicTools } from './convert-to-anthropic-messages.js';

const SSE = /^text\/event-stream/i;
const JSON_TYPE = /json/i;
/** The API's largest page; the loop guard keeps a server that always says has_more from spinning. */
const MODELS_PAGE = 1000;
const MAX_MODEL_PAGES = 20;

export const createAnthropicProvider: ProviderFactory = (ctx) => {
  const p = ctx.provider;
  const name = p.name;
  const base = p.baseUrl ?? DEFAULT_ANTHROPIC_BASE_URL;
  const hint = keyHint(p);
  ctx.log.redact(p.apiKey.reveal());

  function request(opts: CallOptions, path: string, extra: Partial<HttpRequest>): HttpRequest {
    const key = p.apiKey.reveal();
    return {
      provider: name,
      url: `${base}${path}`,
      headers: { 'anthropic-version': ANTHROPIC_VERSION, ...(key ? { 'x-api-key': key } : {}) },
      dispatcher: ctx.dispatcher,
      signal: opts.signal,
      firstByteTimeoutMs: opts.firstByteTimeoutMs ?? p.timeoutMs,
      idleTimeoutMs: opts.idleTimeoutMs ?? p.timeoutMs,
      ...(opts.maxRetries !== undefined ? { maxRetries: opts.maxRetries } : {}),
      parseError: (status, body) => parseAnthropicError(status, body, hint),
      onRetry: (attempt, delayMs, err) => ctx.log.debug('%s: retry %d in %d ms after %s', name, attempt, Math.round(delayMs), err.message),
      ...extra,
    };
  }

  async function* chatParts(req: ChatRequest): AsyncGenerator<StreamPart> {
    const prompt = convertToAnthropicMessages(name, req.messages);
    // The API refuses whitespace-only stop sequences (400), so they cannot be asked for.
    const stop = (req.stop ?? []).filter((s) => s.trim() !== '');
    if (stop.length !== (req.stop?.length ?? 0)) ctx.log.debug('%s: dropped whitespace-only stop sequences, which Anthropic refuses', name);
    const body: AnthropicMessagesRequest = {
      model: req.model,
      max_tokens: req.maxTokens ?? DEFAULT_MAX_TOKENS,
      ...(prompt.system !== undefined ? { system: prompt.system } : {}),
      messages: prompt.messages,
      stream: true,
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      ...(stop.length ? { stop_sequences: stop } : {}),
      ...(req.tools?.length ? { tools: convertToAnthropicTools(req.tools) } : {}),
    };
    const res = await send(request(req, '/v1/messages', { body, accept: SSE }));
    try {
      yield* anthropicStream(sseEvents(res.body, { provider: name }), {
        provider: name,
        model: req.model,
        metadata: responseMetadata(res, req.model) as Extract<StreamPart, { type: 'response-metadata' }>,
        priceFor: (served) => priceFor(p, served, p.prices) ?? priceFor(p, req.model, p.prices),
      });
    } finally {
      res.close();
    }
  }

  async function listModels(opts: CallOptions): Promise<ModelInfo[]> {
    const models: ModelInfo[] = [];
    let after: string | undefined;
    for (let page = 0; page < MAX_MODEL_PAGES; page++) {
      const query = `limit=${MODELS_PAGE}${after ? `&after_id=${encodeURIComponent(after)}` : ''}`;
      const res = await send(request(opts, `/v1/models?${query}`, { accept: JSON_TYPE }));
      const text = await res.text();
      const list = parseFrame<AnthropicModelList>(name, text);
      if (!Array.isArray(list.data)) throw new ProviderError({ code: 'bad_response', provider: name, message: `${name}: the model list from ${base} has no "data" array` });
      models.push(...list.data.filter((m) => typeof m?.id === 'string').map((m) => modelInfo(name, m)));
      if (!list.has_more || !list.last_id) break;
      after = list.last_id;
    }
    return models;
  }

  async function health(opts: CallOptions): Promise<ProbeResult[]> {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    try {
      const ids = (await listModels({ ...opts, maxRetries: opts.maxRetries ?? 0 })).map((m) => m.id);
      return [{ url: base, ok: true, status: 200, latency_ms: latency(), message: `reachable, ${ids.length} models`, models: ids }];
    } catch (err) {
      const e = toProviderError(err, name, opts.signal);
      if (e.code === 'cancelled') throw e;
      const message = e.code !== 'auth' ? e.message : p.apiKey.isSet ? `reachable, but the key was rejected (${e.message})` : `reachable; no key: set ${hint}`;
      return [{ url: base, ok: false, ...(e.status !== undefined ? { status: e.status } : {}), latency_ms: latency(), message }];
    }
  }

  const client: ProviderClient = {
    name,
    kind: p.kind,
    chat: (req) => guardStream(name, req.signal, chatParts(req)),
    listModels,
    health,
  };
  return client;
};

/** §4.4's envelope `{"type":"error","error":{type,message},"request_id"}`, with the fix for key errors. */
export function parseAnthropicError(status: number, body: string, hint: string): ParsedError {
  let parsed: AnthropicErrorBody | undefined;
  try {
    parsed = JSON.parse(body) as AnthropicErrorBody;
  } catch {
    parsed = undefined;
  }
  const type = parsed?.error?.type;
  const own = parsed?.error?.message;
  const out: ParsedError = { ...(type ? { providerCode: type } : {}), ...(own ? { message: own } : {}) };
  if (status === 401 || status === 403 || type === 'authentication_error' || type === 'permission_error') {
    // A body that is not Anthropic's (e.g. a proxy's page) still gives its text; the fix is added either way.
    out.message = `${own ?? defaultParseError(status, body).message ?? 'the key was refused'}; check ${hint}`;
    out.code = 'auth';
  } else if (type === 'request_too_large' || status === 413) {
    out.code = 'too_large';
  } else if (type === 'billing_error' || (own !== undefined && /credit balance is too low/i.test(own))) {
    out.code = 'quota';
    out.retryable = false;
  }
  return out;
}

function modelInfo(provider: string, m: AnthropicModelInfo): ModelInfo {
  const vision = m.capabilities?.image_input?.supported;
  return {
    id: m.id,
    provider,
    ...(typeof m.max_input_tokens === 'number' ? { contextWindow: m.max_input_tokens } : {}),
    // Every Claude model on the Messages API takes tools; none has a FIM surface.
    capabilities: { tools: true, fim: false, ...(vision !== undefined ? { vision } : {}) },
  };
}

/** `ANTHROPIC_API_KEY or providers.anthropic.api_key`: where the user fixes a key. */
function keyHint(p: ResolvedProvider): string {
  const env = p.apiKey.source.startsWith('env:') ? p.apiKey.source.slice(4) : undefined;
  return env ? `${env} or providers.${p.name}.api_key` : `providers.${p.name}.api_key`;
}
