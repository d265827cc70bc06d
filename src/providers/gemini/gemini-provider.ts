// Gemini (Generative Language API, v1beta) without the SDK: chat through
// `models/{model}:streamGenerateContent?alt=sse`, embeddings through `:batchEmbedContents`, the
// model list (also the health probe: never a generation) through `GET models`.
//
// The key travels only in the `x-goog-api-key` header, never in `?key=`, so no address we log or
// show can hold it. A 429 carries its wait in the body (`google.rpc.RetryInfo.retryDelay`, "47s"),
// not in a header: parseGeminiError returns it, and send()'s retries honour it like one.
import { ProviderError, type CallOptions, type ChatRequest, type EmbedRequest, type ModelInfo, type ProviderClient, type StreamPart } from '../../provider/index.js';
import type { ProbeResult } from '../../protocol.js';
import type { ProviderContext } from '../index.js';
import {
  guardStream,
  priceFor,
  responseMetadata,
  send,
  toProviderError,
  type HttpResponse,
  type ParsedError,
} from '../shared/index.js';
import { convertToGeminiMessages, convertToGeminiTools } from './convert-to-gemini-messages.js';
import type {
  GeminiBatchEmbedRequest,
  GeminiBatchEmbedResponse,
  GeminiErrorBody,
  GeminiGenerateContentRequest,
  GeminiGenerationConfig,
  GeminiListModelsResponse,
} from './gemini-api.js';
import { geminiStreamParts } from './gemini-stream.js';

export const DEFAULT_GEMINI_BASE_URL = 'https://generativelanguage.googleapis.com';
/** batchEmbedContents takes at most 100 requests per call. */
const EMBED_BATCH = 100;
const MAX_MODEL_PAGES = 20;
const MAX_SIGNATURES = 512;

export interface GeminiProviderOptions {
  /** Largest single SSE event accepted (default: the shared splitter's 8 MiB). */
  maxEventBytes?: number;
}

export function createGeminiProvider(ctx: ProviderContext, options: GeminiProviderOptions = {}): ProviderClient {
  const p = ctx.provider;
  const name = p.name;
  const apiBase = geminiApiBase(p.baseUrl ?? DEFAULT_GEMINI_BASE_URL);
  ctx.log.redact(p.apiKey.reveal());

  // Gemini 3 wants a function call's thoughtSignature back in later turns; our ToolCall has no
  // slot for it, so this client remembers them by call id (bounded).
  const signatures = new Map<string, string>();
  const rememberSignature = (id: string, sig: string) => {
    signatures.set(id, sig);
    if (signatures.size > MAX_SIGNATURES) signatures.delete(signatures.keys().next().value as string);
  };

  /** The one place the key is read: into a header. */
  function headers(): Record<string, string> {
    const key = p.apiKey.reveal();
    return key ? { 'x-goog-api-key': key } : {};
  }

  function exchange(req: { url: string; body?: unknown; accept: RegExp; call: CallOptions; displayUrl?: string; maxRetries?: number }): Promise<HttpResponse> {
    return send({
        provider: name,
        url: req.url,
        ...(req.displayUrl ? { displayUrl: req.displayUrl } : {}),
        method: req.body === undefined ? 'GET' : 'POST',
        headers: headers(),
        body: req.body,
        dispatcher: ctx.dispatcher,
        signal: req.call.signal,
        firstByteTimeoutMs: req.call.firstByteTimeoutMs ?? p.timeoutMs,
        idleTimeoutMs: req.call.idleTimeoutMs,
        maxRetries: req.maxRetries ?? req.call.maxRetries,
        accept: req.accept,
        onRetry: (attempt, delayMs, err) => ctx.log.debug(`${name}: retry ${attempt} in ${Math.round(delayMs)} ms after ${err.code}: ${err.message}`),
        // The wait Gemini names in its body (RetryInfo) travels as parsed.retryAfterMs.
        parseError: (status, body) => parseGeminiError(status, body, { keyHint: keyHint(p), keySet: p.apiKey.isSet, key: p.apiKey.reveal() }),
      });
  }

  async function* chatParts(req: ChatRequest): AsyncGenerator<StreamPart> {
    const res = await exchange({
      url: `${apiBase}/${modelPath(req.model)}:streamGenerateContent?alt=sse`,
      body: buildGenerateRequest(req, (id) => signatures.get(id)),
      accept: /^text\/event-stream/i,
      call: req,
    });
    yield* geminiStreamParts(res.body, {
      provider: name,
      metadata: responseMetadata(res, req.model) as Extract<StreamPart, { type: 'response-metadata' }>,
      price: (modelVersion) => priceFor(p, req.model, p.prices) ?? (modelVersion ? priceFor(p, modelVersion, p.prices) : undefined),
      onThoughtSignature: rememberSignature,
      ...(options.maxEventBytes ? { maxEventBytes: options.maxEventBytes } : {}),
    });
  }

  async function listModels(opts: CallOptions): Promise<ModelInfo[]> {
    const out: ModelInfo[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_MODEL_PAGES; page++) {
      const url = `${apiBase}/models?pageSize=1000${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ''}`;
      const res = await exchange({ url, accept: /json/i, call: opts });
      const list = parseJson<GeminiListModelsResponse>(name, await res.text(), `${apiBase}/models`);
      for (const m of list.models ?? []) {
        const methods = m.supportedGenerationMethods ?? [];
        const embedding = methods.includes('embedContent') || methods.includes('batchEmbedContents');
        if (!embedding && !methods.includes('generateContent')) continue;
        out.push({
          id: m.name.replace(/^models\//, ''),
          provider: name,
          ...(m.inputTokenLimit ? { contextWindow: m.inputTokenLimit } : {}),
          capabilities: { fim: false, embedding },
        });
      }
      pageToken = list.nextPageToken || undefined;
      if (!pageToken) break;
    }
    return out;
  }

  return {
    name,
    kind: p.kind,

    chat(req: ChatRequest): AsyncIterable<StreamPart> {
      return guardStream(name, req.signal, chatParts(req));
    },

    async embed(req: EmbedRequest): Promise<number[][]> {
      const model = `models/${stripModelsPrefix(req.model)}`;
      const out: number[][] = [];
      for (let i = 0; i < req.input.length; i += EMBED_BATCH) {
        const batch = req.input.slice(i, i + EMBED_BATCH);
        const body: GeminiBatchEmbedRequest = { requests: batch.map((text) => ({ model, content: { parts: [{ text }] } })) };
        const url = `${apiBase}/${modelPath(req.model)}:batchEmbedContents`;
        const res = await exchange({ url, body, accept: /json/i, call: req });
        const json = parseJson<GeminiBatchEmbedResponse>(name, await res.text(), url);
        const vectors = (json.embeddings ?? []).map((e) => e.values ?? []);
        if (vectors.length !== batch.length) {
          throw new ProviderError({ code: 'bad_response', provider: name, url, message: `${name}: asked for ${batch.length} embeddings, got ${vectors.length}` });
        }
        out.push(...vectors);
      }
      return out;
    },

    listModels,

    async health(opts: CallOptions): Promise<ProbeResult[]> {
      const started = performance.now();
      const url = p.baseUrl ?? DEFAULT_GEMINI_BASE_URL;
      const latency = () => Math.round(performance.now() - started);
      try {
        const models = await listModels({ ...opts, maxRetries: opts.maxRetries ?? 0 });
        return [{ url, ok: true, status: 200, latency_ms: latency(), message: `reachable, ${models.length} models`, models: models.map((m) => m.id) }];
      } catch (err) {
        const e = toProviderError(err, name, opts.signal);
        // Google's own words, without our "answered HTTP n:" prefix and key hint (said once here).
        const own = e.message.replace(/^.*? answered HTTP \d+: /, '').replace(/ \((check|no API key was sent)[^)]*\)$/, '');
        const message =
          e.code === 'auth'
            ? p.apiKey.isSet
              ? `reachable, but the key was rejected (${own}); check ${keyHint(p)}`
              : `reachable; no key: set ${keyHint(p)}`
            : e.message;
        return [{ url, ok: false, ...(e.status !== undefined ? { status: e.status } : {}), latency_ms: latency(), message }];
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Request body

export function buildGenerateRequest(req: ChatRequest, signatureFor?: (callId: string) => string | undefined): GeminiGenerateContentRequest {
  const prompt = convertToGeminiMessages(req.messages, signatureFor ? { signatureFor } : {});
  const generationConfig: GeminiGenerationConfig = {};
  if (req.temperature !== undefined) generationConfig.temperature = req.temperature;
  if (req.maxTokens !== undefined) generationConfig.maxOutputTokens = req.maxTokens;
  if (req.stop?.length) generationConfig.stopSequences = req.stop;
  const tools = convertToGeminiTools(req.tools);
  return {
    ...(prompt.systemInstruction ? { systemInstruction: prompt.systemInstruction } : {}),
    contents: prompt.contents,
    ...(Object.keys(generationConfig).length ? { generationConfig } : {}),
    ...(tools ? { tools } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Addresses

/** `https://host` → `https://host/v1beta`; a base that already names a version is kept. */
export function geminiApiBase(baseUrl: string): string {
  const b = baseUrl.replace(/\/+$/, '');
  return /\/v1(alpha|beta)?\d*$/.test(b) ? b : `${b}/v1beta`;
}

function stripModelsPrefix(model: string): string {
  return model.replace(/^models\//, '');
}

/** `gemini-2.5-flash` / `models/gemini-2.5-flash` → `models/gemini-2.5-flash`; `tunedModels/x` stays. */
export function modelPath(model: string): string {
  if (model.startsWith('tunedModels/')) return model.split('/').map(encodeURIComponent).join('/');
  return `models/${encodeURIComponent(stripModelsPrefix(model))}`;
}

function parseJson<T>(provider: string, text: string, url: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new ProviderError({ code: 'bad_response', provider, url, message: `${provider}: malformed JSON from ${url}: ${text.slice(0, 80)}`, cause: err });
  }
}

// ---------------------------------------------------------------------------------------------
// Errors and retries

export interface GeminiParsedError extends ParsedError {
  /** From `google.rpc.RetryInfo.retryDelay`. */
  retryAfterMs?: number;
}

/** `"47s"`, `"0.5s"`, `"1.000340s"` (a proto Duration in JSON) → ms. */
export function parseRetryDelay(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)s\s*$/.exec(value);
  return m ? Math.round(Number.parseFloat(m[1]!) * 1000) : undefined;
}

/**
 * Google's envelope `{"error":{"code","message","status","details":[…]}}` → message, code and
 * the RetryInfo wait. A bad key is 400 INVALID_ARGUMENT with ErrorInfo.reason API_KEY_INVALID:
 * that is `auth`, not `bad_request`, and its message says where the key comes from.
 */
export function parseGeminiError(status: number, body: string, ctx: { keyHint: string; keySet: boolean; key?: string }): GeminiParsedError {
  let e: GeminiErrorBody | undefined;
  try {
    let j: unknown = JSON.parse(body);
    if (Array.isArray(j)) j = j[0]; // the JSON-array form of a stream
    const err = (j as { error?: unknown } | null)?.error;
    if (err && typeof err === 'object') e = err as GeminiErrorBody;
  } catch {
    /* not JSON: the default parser keeps the text */
  }
  if (!e) return status === 401 || status === 403 ? { code: 'auth', message: authMessage(undefined, ctx) } : {};
  const details = Array.isArray(e.details) ? e.details : [];
  const reason = details.find((d) => typeof d?.reason === 'string')?.reason;
  const retryAfterMs = parseRetryDelay(details.find((d) => typeof d?.retryDelay === 'string')?.retryDelay);
  const perDay = details.some((d) => Array.isArray(d?.violations) && d.violations.some((v) => /PerDay/i.test(v?.quotaId ?? '')));
  let message = typeof e.message === 'string' ? e.message.trim() : undefined;
  if (message && ctx.key && ctx.key.length >= 8) message = message.split(ctx.key).join('[redacted]');
  const out: GeminiParsedError = { providerCode: reason ?? e.status };
  if (retryAfterMs !== undefined) out.retryAfterMs = retryAfterMs;
  if ((reason !== undefined && reason.startsWith('API_KEY_')) || status === 401 || status === 403) {
    out.code = 'auth';
    out.retryable = false;
    out.message = authMessage(message, ctx);
  } else {
    if (message !== undefined) out.message = message;
    // A per-day quota does not come back within any wait worth making.
    if (status === 429 && perDay) {
      out.code = 'quota';
      out.retryable = false;
    }
  }
  return out;
}

function authMessage(message: string | undefined, ctx: { keyHint: string; keySet: boolean }): string {
  if (!ctx.keySet) return `${message ? `${message} ` : ''}(no API key was sent: set ${ctx.keyHint})`;
  return `${message ?? 'the API key was rejected'} (check ${ctx.keyHint})`;
}

/** `GEMINI_API_KEY or providers.gemini.api_key`, naming the variable the key came from. */
export function keyHint(p: { name: string; apiKey: { source: string } }): string {
  const env = p.apiKey.source.startsWith('env:') ? p.apiKey.source.slice(4) : undefined;
  return env ? `${env} or providers.${p.name}.api_key` : `providers.${p.name}.api_key`;
}

