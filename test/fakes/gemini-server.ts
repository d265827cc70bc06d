// Fake Gemini Generative Language API (reference: /work/shared/reference/providers.md §0, §5, §9.5).
// `POST /v1beta/models/{model}:streamGenerateContent?alt=sse`: data-only SSE with `\r\n` line
// endings and `\r\n\r\n` separators, no end sentinel, each event a whole GenerateContentResponse in
// Google's compact style (`"key": value` members joined by `,`), `finishReason` only on the last
// chunk, cumulative `usageMetadata` on every chunk (no candidatesTokenCount on thought-only chunks),
// whole `functionCall` parts, `modelVersion` and `responseId`. Without `alt=sse` the same endpoint
// streams one pretty-printed JSON array. Also `:generateContent`, `GET /v1beta/models` (paged),
// `:embedContent`, `:batchEmbedContents`; auth by `x-goog-api-key` or `?key=`; errors in Google's
// `{"error":{"code","message","status","details"}}` envelope (pretty-printed), RetryInfo on 429.

import { createHash } from 'node:crypto';
import {
  createFakeServer,
  randomId,
  reply,
  resolveTurn,
  streamReply,
  type FakeServer,
  type Faults,
  type RecordedRequest,
  type Reply,
  type ReplyScript,
  type ResolvedTurn,
  type RouteContext,
} from './fake-server.js';

export interface FakeGeminiModel {
  /** Without the `models/` prefix, e.g. `gemini-2.5-flash`. */
  id: string;
  displayName?: string;
  /** Default: `['embedContent']` for ids containing `embedding`, else generateContent, countTokens, createCachedContent, batchGenerateContent. */
  methods?: string[];
  inputTokenLimit?: number;
  outputTokenLimit?: number;
  /** Whether the model thinks (listed as `thinking: true`); default true for 2.5+ chat models. */
  thinking?: boolean;
  /** Embedding size; default 768 (3072 for gemini-embedding-*). */
  dimensions?: number;
}

export interface FakeGeminiOptions {
  /** When set, requests must carry it in `x-goog-api-key` or `?key=` (403 without, 400 API_KEY_INVALID when wrong). */
  apiKey?: string;
  /** Default: gemini-2.5-flash, gemini-2.5-pro, text-embedding-004. */
  models?: Array<string | FakeGeminiModel>;
  /** Unknown models get Google's 404 (default true); false accepts any model id. */
  strictModels?: boolean;
  /** Scripted answer; default `"Hello from fake Gemini."`. `thinking` pieces become `thought: true` parts. */
  reply?: ReplyScript;
  faults?: Faults;
  /** `RetryInfo.retryDelay` in 429 bodies (a proto Duration, e.g. `"47s"`, `"0.05s"`); null leaves RetryInfo out. Default `"47s"`. */
  retryDelay?: string | null;
  /** Gemini 3 style: function calls carry an `id` (the scripted id, else a generated one). Default false (2.5 style). */
  functionCallIds?: boolean;
  /** Gemini 3 style: the first function-call part carries a `thoughtSignature`. Default false. */
  thoughtSignatures?: boolean;
  /** Answer every generation with a blocked prompt: `promptFeedback.blockReason` and no candidates. */
  promptBlockReason?: string;
  /** Models per page when the request sets no pageSize; default 50 (Google's default). */
  defaultPageSize?: number;
}

export interface FakeGemini extends FakeServer {
  /** Known models (mutable). */
  readonly models: FakeGeminiModel[];
  setReply(script: ReplyScript): void;
  /** Change RetryInfo.retryDelay of later 429s. */
  setRetryDelay(delay: string | null): void;
}

export interface GoogleErrorBody {
  error: { code: number; message: string; status: string; details?: Array<Record<string, unknown>> };
}

const SSE_CT = 'text/event-stream';
const JSON_CT = 'application/json; charset=UTF-8';

export const DEFAULT_GEMINI_MODELS: FakeGeminiModel[] = [
  { id: 'gemini-2.5-flash', displayName: 'Gemini 2.5 Flash', inputTokenLimit: 1048576, outputTokenLimit: 65536, thinking: true },
  { id: 'gemini-2.5-pro', displayName: 'Gemini 2.5 Pro', inputTokenLimit: 1048576, outputTokenLimit: 65536, thinking: true },
  { id: 'text-embedding-004', displayName: 'Text Embedding 004', inputTokenLimit: 2048, outputTokenLimit: 1, methods: ['embedContent'], dimensions: 768 },
];

// ---------------------------------------------------------------------------------------------------
// Google's JSON styles

/** Google's compact style, as on the SSE wire: `{"a": 1,"b": [{"c": "d"}]}` (a space after each colon only). */
export function googleJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(googleJson).join(',')}]`;
  const members = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${JSON.stringify(k)}: ${googleJson(v)}`);
  return `{${members.join(',')}}`;
}

/** Google's pretty style for plain JSON answers and errors (2-space indent, trailing newline). */
export function googlePretty(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function googleError(code: number, status: string, message: string, details?: Array<Record<string, unknown>>): GoogleErrorBody {
  return { error: { code, message, status, ...(details ? { details } : {}) } };
}

function errorReply(body: GoogleErrorBody): Reply {
  return reply(body.error.code, JSON_CT, googlePretty(body));
}

const googleHeaders = (): Record<string, string> => ({
  vary: 'Origin, X-Origin, Referer',
  server: 'scaffolding on HTTPServer2',
  'x-xss-protection': '0',
  'x-frame-options': 'SAMEORIGIN',
  'x-content-type-options': 'nosniff',
  'server-timing': `gfet4t7; dur=${100 + Math.floor(Math.random() * 400)}`,
  'alt-svc': 'h3=":443"; ma=2592000,h3-29=":443"; ma=2592000',
});

const HTML_404 = (path: string) =>
  '<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <meta name=viewport content="initial-scale=1, minimum-scale=1, width=device-width">\n' +
  '  <title>Error 404 (Not Found)!!1</title>\n' +
  `  <a href=//www.google.com/><span id=logo aria-label=Google></span></a>\n  <p><b>404.</b> <ins>That’s an error.</ins>\n  <p>The requested URL <code>${path}</code> was not found on this server.  <ins>That’s all we know.</ins>\n`;

// ---------------------------------------------------------------------------------------------------
// Canned errors

const API_KEY_INVALID = (): GoogleErrorBody =>
  googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
    {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'API_KEY_INVALID',
      domain: 'googleapis.com',
      metadata: { service: 'generativelanguage.googleapis.com' },
    },
    { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: 'API key not valid. Please pass a valid API key.' },
  ]);

const UNREGISTERED_CALLER = (): GoogleErrorBody =>
  googleError(
    403,
    'PERMISSION_DENIED',
    "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
  );

const modelNotFound = (model: string, method: string, version: string): GoogleErrorBody =>
  googleError(
    404,
    'NOT_FOUND',
    `models/${model} is not found for API version ${version}, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`,
  );

function quotaExceeded(model: string, retryDelay: string | null, quotaId: string | undefined, message: string | undefined): GoogleErrorBody {
  const id = quotaId ?? 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier';
  const perDay = /PerDay/.test(id);
  const seconds = retryDelay ? Number.parseFloat(retryDelay) : 47;
  const details: Array<Record<string, unknown>> = [
    {
      '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
      violations: [
        {
          quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
          quotaId: id,
          quotaDimensions: { location: 'global', model },
          quotaValue: perDay ? '250' : '10',
        },
      ],
    },
    { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Learn more about Gemini API quotas', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }] },
  ];
  if (retryDelay !== null) details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay });
  return googleError(
    429,
    'RESOURCE_EXHAUSTED',
    message ??
      'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, head to: https://ai.dev/usage?tab=rate-limit. \n' +
        `* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: ${perDay ? 250 : 10}, model: ${model}\n` +
        `Please retry in ${(seconds + 0.431468211).toFixed(9)}s.`,
    details,
  );
}

const INTERNAL = 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting';

// ---------------------------------------------------------------------------------------------------
// Response building

interface Usage {
  promptTokenCount: number;
  candidatesTokenCount?: number;
  totalTokenCount: number;
  cachedContentTokenCount?: number;
  promptTokensDetails: Array<{ modality: string; tokenCount: number }>;
  cacheTokensDetails?: Array<{ modality: string; tokenCount: number }>;
  thoughtsTokenCount?: number;
}

/** Proto field order (what Google emits): prompt, candidates, total, cached, details…, thoughts. */
function usageMetadata(prompt: number, cached: number, candidates: number | undefined, thoughts: number): Usage {
  const u: Usage = { promptTokenCount: prompt, ...(candidates !== undefined ? { candidatesTokenCount: candidates } : {}), totalTokenCount: prompt + (candidates ?? 0) + thoughts, promptTokensDetails: [] };
  if (cached) u.cachedContentTokenCount = cached;
  u.promptTokensDetails = [{ modality: 'TEXT', tokenCount: prompt }];
  if (cached) u.cacheTokensDetails = [{ modality: 'TEXT', tokenCount: cached }];
  if (thoughts) u.thoughtsTokenCount = thoughts;
  return u;
}

const FILTER_REASONS = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY']);

const safetyRatings = (blocked: string | undefined) =>
  ['HARM_CATEGORY_SEXUALLY_EXPLICIT', 'HARM_CATEGORY_HATE_SPEECH', 'HARM_CATEGORY_HARASSMENT', 'HARM_CATEGORY_DANGEROUS_CONTENT'].map((category) =>
    blocked && category === 'HARM_CATEGORY_DANGEROUS_CONTENT' ? { category, probability: 'HIGH', blocked: true } : { category, probability: 'NEGLIGIBLE' },
  );

/** The GenerateContentResponse sequence of one streamed turn. */
function streamResponses(turn: ResolvedTurn, model: string, responseId: string, opts: FakeGeminiOptions): Record<string, unknown>[] {
  const prompt = turn.promptTokens;
  const cached = turn.cachedTokens;
  const tail = { modelVersion: model, responseId };
  if (opts.promptBlockReason) {
    return [{ promptFeedback: { blockReason: opts.promptBlockReason, safetyRatings: safetyRatings('x') }, usageMetadata: usageMetadata(prompt, cached, undefined, 0), ...tail }];
  }
  const thoughtsTotal = turn.thinking.length;
  const candidatesTotal = Math.max(0, turn.completionTokens - thoughtsTotal);
  const finishReason = turn.finishReason ?? 'STOP';
  const filtered = FILTER_REASONS.has(finishReason);
  type Candidate = { content?: { parts: unknown[]; role: 'model' }; finishReason?: string; finishMessage?: string; index: number; safetyRatings?: unknown };
  const out: Array<{ candidate: Candidate; candidates?: number; thoughts: number }> = [];

  turn.thinking.forEach((t, i) => out.push({ candidate: { content: { parts: [{ text: t, thought: true }], role: 'model' }, index: 0 }, thoughts: i + 1 }));
  const n = turn.tokens.length;
  turn.tokens.forEach((t, i) =>
    out.push({
      candidate: { content: { parts: [{ text: t }], role: 'model' }, index: 0 },
      candidates: i === n - 1 && turn.toolCalls.length === 0 ? candidatesTotal : Math.round((candidatesTotal * (i + 1)) / (n + (turn.toolCalls.length ? 1 : 0))),
      thoughts: thoughtsTotal,
    }),
  );
  if (turn.toolCalls.length) {
    const parts = turn.toolCalls.map((c, i) => ({
      functionCall: { name: c.name, args: c.arguments, ...(opts.functionCallIds ? { id: c.id } : {}) },
      ...(opts.thoughtSignatures && i === 0 ? { thoughtSignature: Buffer.from(`sig:${c.name}:${randomId(24)}`).toString('base64') } : {}),
    }));
    out.push({ candidate: { content: { parts, role: 'model' }, index: 0 }, candidates: candidatesTotal, thoughts: thoughtsTotal });
  }
  if (filtered || out.length === 0) {
    out.push({
      candidate: filtered ? { index: 0 } : { content: { parts: [{ text: '' }], role: 'model' }, index: 0 },
      candidates: candidatesTotal,
      thoughts: thoughtsTotal,
    });
  }
  // finishReason (and, for a tool turn, finishMessage) only on the last chunk.
  const last = out[out.length - 1]!;
  last.candidates = candidatesTotal;
  const { content, index } = last.candidate;
  last.candidate = {
    ...(content ? { content } : {}),
    finishReason,
    ...(turn.toolCalls.length && finishReason === 'STOP' ? { finishMessage: 'Model generated function call(s).' } : {}),
    index,
    ...(filtered ? { safetyRatings: safetyRatings(finishReason) } : {}),
  };
  return out.map((o) => ({ candidates: [o.candidate], usageMetadata: usageMetadata(prompt, cached, o.candidates, o.thoughts), ...tail }));
}

/** The streamed chunks merged into one `:generateContent` answer. */
function mergeResponses(chunks: Record<string, unknown>[]): Record<string, unknown> {
  const last = chunks[chunks.length - 1]!;
  if (!last.candidates) return last;
  const thought: string[] = [];
  const text: string[] = [];
  const calls: unknown[] = [];
  for (const c of chunks) {
    const cand = (c.candidates as Array<{ content?: { parts: Array<Record<string, unknown>> } }>)[0];
    for (const p of cand?.content?.parts ?? []) {
      if (p.functionCall) calls.push(p);
      else if (p.thought) thought.push(String(p.text));
      else if (typeof p.text === 'string') text.push(p.text);
    }
  }
  const lastCand = (last.candidates as Array<Record<string, unknown>>)[0]!;
  const parts = [...(thought.length ? [{ text: thought.join(''), thought: true }] : []), ...(text.join('') !== '' || !calls.length ? [{ text: text.join('') }] : []), ...calls];
  const { content: _c, ...rest } = lastCand;
  const hasContent = Boolean(lastCand.content) || text.join('') !== '' || calls.length > 0;
  return { ...last, candidates: [{ ...(hasContent ? { content: { parts, role: 'model' } } : {}), ...rest }] };
}

/** Everything the model was shown, for the prompt-token estimate. */
function promptText(body: Record<string, unknown>): string {
  const texts: string[] = [];
  const walk = (content: unknown) => {
    for (const p of ((content as { parts?: unknown[] } | null)?.parts ?? []) as Array<Record<string, unknown>>) {
      if (typeof p.text === 'string') texts.push(p.text);
      if (p.functionCall) texts.push(JSON.stringify(p.functionCall));
      if (p.functionResponse) texts.push(JSON.stringify(p.functionResponse));
    }
  };
  walk(body.systemInstruction);
  if (Array.isArray(body.contents)) body.contents.forEach(walk);
  return texts.join('\n');
}

/** A unit vector that depends only on the text. */
function embedding(text: string, dims: number): number[] {
  const out: number[] = [];
  let seed = createHash('sha256').update(text).digest();
  while (out.length < dims) {
    for (let i = 0; i + 4 <= seed.length && out.length < dims; i += 4) out.push(seed.readInt32BE(i) / 2 ** 31);
    seed = createHash('sha256').update(seed).digest();
  }
  const norm = Math.sqrt(out.reduce((s, v) => s + v * v, 0)) || 1;
  return out.map((v) => Math.round((v / norm) * 1e9) / 1e9);
}

// ---------------------------------------------------------------------------------------------------
// Server

export async function createFakeGemini(opts: FakeGeminiOptions = {}): Promise<FakeGemini> {
  const models: FakeGeminiModel[] = (opts.models ?? DEFAULT_GEMINI_MODELS).map((m) => (typeof m === 'string' ? { id: m } : { ...m }));
  let script: ReplyScript = opts.reply ?? 'Hello from fake Gemini.';
  let retryDelay: string | null = opts.retryDelay === undefined ? '47s' : opts.retryDelay;
  const strict = opts.strictModels ?? true;

  const isEmbed = (m: FakeGeminiModel) => methodsOf(m).includes('embedContent');
  const methodsOf = (m: FakeGeminiModel) =>
    m.methods ?? (m.id.includes('embedding') ? ['embedContent'] : ['generateContent', 'countTokens', 'createCachedContent', 'batchGenerateContent']);
  const findModel = (id: string): FakeGeminiModel | undefined => models.find((m) => m.id === id) ?? (strict ? undefined : { id });

  const modelObject = (m: FakeGeminiModel) => {
    const embed = isEmbed(m);
    const o: Record<string, unknown> = {
      name: `models/${m.id}`,
      version: embed ? '004' : '001',
      displayName: m.displayName ?? m.id,
      description: embed ? 'Obtain a distributed representation of a text.' : `Fake ${m.displayName ?? m.id}`,
      inputTokenLimit: m.inputTokenLimit ?? (embed ? 2048 : 1048576),
      outputTokenLimit: m.outputTokenLimit ?? (embed ? 1 : 65536),
      supportedGenerationMethods: methodsOf(m),
    };
    if (!embed) Object.assign(o, { temperature: 1, topP: 0.95, topK: 64, maxTemperature: 2 });
    if (!embed && (m.thinking ?? true)) o.thinking = true;
    return o;
  };

  function parseBody(req: RecordedRequest): { ok: Record<string, unknown> } | { error: Reply } {
    if (req.body === undefined || typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
      const at = req.rawBody.trim() === '' ? 'empty body' : `Invalid JSON payload received. Unexpected token.\n${req.rawBody.slice(0, 20)}\n^`;
      return { error: errorReply(googleError(400, 'INVALID_ARGUMENT', at)) };
    }
    return { ok: req.body as Record<string, unknown> };
  }

  function generate(ctx: RouteContext, model: string, method: 'streamGenerateContent' | 'generateContent', version: string): Reply {
    const m = findModel(model);
    if (!m || isEmbed(m)) return errorReply(modelNotFound(model, 'generateContent', version));
    const parsed = parseBody(ctx.request);
    if ('error' in parsed) return parsed.error;
    const body = parsed.ok;
    if (!Array.isArray(body.contents) || body.contents.length === 0) {
      return errorReply(googleError(400, 'INVALID_ARGUMENT', '* GenerateContentRequest.contents: contents is not specified\n'));
    }
    const turn = resolveTurn(script, ctx.request, promptText(body), ctx.faults);
    const responses = streamResponses(turn, model, randomId(23, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), opts);
    if (method === 'generateContent') return reply(200, JSON_CT, googlePretty(mergeResponses(responses)), googleHeaders());
    if (ctx.request.query.alt === 'sse') {
      return streamReply(SSE_CT, responses.map((r) => `data: ${googleJson(r)}\r\n\r\n`), { 'content-disposition': 'attachment', ...googleHeaders() });
    }
    // No alt=sse: one JSON array, element by element.
    const pieces = responses.map((r, i) => `${i === 0 ? '[' : '\n,\r\n'}${JSON.stringify(r, null, 2)}`);
    pieces.push('\n]');
    return streamReply(JSON_CT, pieces, { 'content-disposition': 'attachment', ...googleHeaders() });
  }

  function embedOne(m: FakeGeminiModel, content: unknown, dims: unknown): number[] {
    const text = (((content as { parts?: Array<{ text?: unknown }> } | null)?.parts ?? []).map((p) => (typeof p.text === 'string' ? p.text : '')) ?? []).join('');
    const size = typeof dims === 'number' && dims > 0 ? dims : (m.dimensions ?? (m.id.startsWith('gemini-embedding') ? 3072 : 768));
    return embedding(text, size);
  }

  function embed(ctx: RouteContext, model: string, method: 'embedContent' | 'batchEmbedContents', version: string): Reply {
    const m = findModel(model);
    if (!m || !isEmbed(m)) return errorReply(modelNotFound(model, method, version));
    const parsed = parseBody(ctx.request);
    if ('error' in parsed) return parsed.error;
    const body = parsed.ok;
    if (method === 'embedContent') {
      if (!body.content) return errorReply(googleError(400, 'INVALID_ARGUMENT', '* EmbedContentRequest.content: contents is not specified\n'));
      return reply(200, JSON_CT, googlePretty({ embedding: { values: embedOne(m, body.content, body.outputDimensionality) } }), googleHeaders());
    }
    const requests = Array.isArray(body.requests) ? (body.requests as Array<Record<string, unknown>>) : [];
    if (requests.length === 0) return errorReply(googleError(400, 'INVALID_ARGUMENT', '* BatchEmbedContentsRequest.requests: requests is not specified\n'));
    if (requests.length > 100) return errorReply(googleError(400, 'INVALID_ARGUMENT', '* BatchEmbedContentsRequest.requests: at most 100 requests can be in one batch\n'));
    const bad = requests.findIndex((r) => r.model !== `models/${model}`);
    if (bad >= 0) {
      return errorReply(googleError(400, 'INVALID_ARGUMENT', `* BatchEmbedContentsRequest.requests[${bad}].model: model name must match the parent model\n`));
    }
    const embeddings = requests.map((r) => ({ values: embedOne(m, r.content, r.outputDimensionality) }));
    return reply(200, JSON_CT, googlePretty({ embeddings }), googleHeaders());
  }

  const listModels = (ctx: RouteContext): Reply => {
    const q = ctx.request.query;
    const size = Math.min(1000, Math.max(1, Number.parseInt(q.pageSize ?? '', 10) || opts.defaultPageSize || 50));
    let start = 0;
    if (q.pageToken) {
      const decoded = Number.parseInt(Buffer.from(q.pageToken, 'base64url').toString().replace(/^offset:/, ''), 10);
      if (!Number.isFinite(decoded) || decoded < 0) return errorReply(googleError(400, 'INVALID_ARGUMENT', 'Invalid page token.'));
      start = decoded;
    }
    const page = models.slice(start, start + size).map(modelObject);
    const next = start + size < models.length ? Buffer.from(`offset:${start + size}`).toString('base64url') : undefined;
    return reply(200, JSON_CT, googlePretty({ models: page, ...(next ? { nextPageToken: next } : {}) }), googleHeaders());
  };

  const getModel = (ctx: RouteContext, version: string): Reply => {
    const id = (ctx.params.action ?? '').replace(/^models\//, '');
    const m = models.find((x) => x.id === id);
    return m ? reply(200, JSON_CT, googlePretty(modelObject(m)), googleHeaders()) : errorReply(modelNotFound(id, 'get', version));
  };

  const modelAction = (version: string) => (ctx: RouteContext): Reply => {
    const action = ctx.params.action ?? '';
    const colon = action.lastIndexOf(':');
    const model = colon >= 0 ? action.slice(0, colon) : action;
    const method = colon >= 0 ? action.slice(colon + 1) : '';
    switch (method) {
      case 'streamGenerateContent':
      case 'generateContent':
        return generate(ctx, model, method, version);
      case 'embedContent':
      case 'batchEmbedContents':
        return embed(ctx, model, method, version);
      default:
        return reply(404, 'text/html; charset=UTF-8', HTML_404(ctx.request.path));
    }
  };

  const routes: Record<string, (ctx: RouteContext) => Reply> = {};
  for (const version of ['v1beta', 'v1']) {
    routes[`GET /${version}/models`] = listModels;
    routes[`GET /${version}/models/:action`] = (ctx) => getModel(ctx, version);
    routes[`POST /${version}/models/:action`] = modelAction(version);
  }

  const server = await createFakeServer({
    faults: opts.faults,
    routes,
    notFound: (ctx) => reply(404, 'text/html; charset=UTF-8', HTML_404(ctx.request.path)),
    preHandle: (ctx) => {
      if (opts.apiKey === undefined) return undefined;
      const given = (ctx.request.headers['x-goog-api-key'] as string | undefined) ?? ctx.request.query.key;
      if (given === undefined || given === '') return errorReply(UNREGISTERED_CALLER());
      return given === opts.apiKey ? undefined : errorReply(API_KEY_INVALID());
    },
    errorReply: (status, ctx) => {
      const f = ctx.faults;
      const action = ctx.params.action ?? '';
      const model = action.includes(':') ? action.slice(0, action.lastIndexOf(':')) : 'gemini-2.5-flash';
      const msg = f.errorMessage;
      switch (status) {
        case 400:
          return errorReply(f.errorCode === 'API_KEY_INVALID' ? API_KEY_INVALID() : googleError(400, 'INVALID_ARGUMENT', msg ?? 'Request contains an invalid argument.'));
        case 401:
          return errorReply(
            googleError(
              401,
              'UNAUTHENTICATED',
              msg ?? 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
            ),
          );
        case 403:
          return errorReply(msg ? googleError(403, 'PERMISSION_DENIED', msg) : UNREGISTERED_CALLER());
        case 404:
          return errorReply(msg ? googleError(404, 'NOT_FOUND', msg) : modelNotFound(model, 'generateContent', 'v1beta'));
        case 429:
          return errorReply(quotaExceeded(model, retryDelay, f.errorCode, msg));
        case 500:
          return errorReply(googleError(500, 'INTERNAL', msg ?? INTERNAL));
        case 503:
          return errorReply(googleError(503, 'UNAVAILABLE', msg ?? 'The model is overloaded. Please try again later.'));
        case 504:
          return errorReply(googleError(504, 'DEADLINE_EXCEEDED', msg ?? 'Deadline expired before operation could complete.'));
        default:
          return errorReply(googleError(status, status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION', msg ?? `Request failed with status ${status}.`));
      }
    },
    streamErrorChunk: (ctx) => {
      const body = googleError(500, 'INTERNAL', ctx.faults.errorMessage ?? INTERNAL);
      if (ctx.request.query.alt === 'sse') return `data: ${googleJson(body)}\r\n\r\n`;
      return `${ctx.faults.midStreamErrorAt === 0 ? '[' : '\n,\r\n'}${JSON.stringify(body, null, 2)}\n]`;
    },
  });

  return Object.assign(server, {
    models,
    setReply(s: ReplyScript) {
      script = s;
    },
    setRetryDelay(d: string | null) {
      retryDelay = d;
    },
  }) as FakeGemini;
}
