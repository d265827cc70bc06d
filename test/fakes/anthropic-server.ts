// Fake Anthropic Messages API (reference: /work/shared/reference/providers.md §0, §4, §9.4).
// SSE with named events (`event: <type>\ndata: <json>\n\n`, `text/event-stream; charset=utf-8`):
// message_start → per block content_block_start / _delta… / _stop (a `ping` after the first
// content_block_start) → message_delta with cumulative usage → message_stop, then close (no
// [DONE]). Errors in the `{"type":"error","error":{type,message},"request_id"}` envelope; a
// mid-stream failure is `event: error` with `overloaded_error`; 529 is overloaded. Auth by
// `x-api-key` (or the 1.x SDK's `Authorization: Bearer`); `anthropic-version` is required; every
// reply carries `request-id`.
//
// Script tokens map to the wire like this: `promptTokens` is `input_tokens` (which EXCLUDES
// the cache), `cachedTokens` is `cache_read_input_tokens`, `cacheWriteTokens` (an Anthropic
// extension of Turn) is `cache_creation_input_tokens`, `thinking` pieces become a `thinking`
// block with `thinking_delta`s and a `signature_delta`. One script piece counts as one token for
// `max_tokens`, which cuts the reply with `stop_reason: "max_tokens"`.

import {
  createFakeServer,
  messagesText,
  randomId,
  reply,
  resolveTurn,
  streamReply,
  type FakeServer,
  type Faults,
  type RecordedRequest,
  type Reply,
  type ResolvedTurn,
  type RouteContext,
  type Turn,
} from './fake-server.js';

export interface FakeAnthropicModel {
  /** Dated id, e.g. `claude-sonnet-4-5-20250929`; requests may also use the undated alias. */
  id: string;
  display_name?: string;
  /** RFC 3339; default derived from the id's date. */
  created_at?: string;
  max_input_tokens?: number | null;
  max_tokens?: number | null;
  /** The 2026 `capabilities` object; default null (allowed by the API). */
  capabilities?: Record<string, unknown> | null;
}

/** A Turn plus the Anthropic-only cache write count. */
export interface AnthropicTurn extends Turn {
  /** `cache_creation_input_tokens` (all reported as 5-minute writes); default 0. */
  cacheWriteTokens?: number;
}
export type AnthropicScriptReply = string | string[] | AnthropicTurn;
export type AnthropicReplyScript = AnthropicScriptReply | ((req: RecordedRequest) => AnthropicScriptReply);

export interface FakeAnthropicOptions {
  /** When set, every request must carry `x-api-key: <apiKey>` or `Authorization: Bearer <apiKey>` (401 otherwise). */
  apiKey?: string;
  /** `/v1/models`, newest first; default Haiku 4.5, Sonnet 4.5, Opus 4.1. */
  models?: Array<string | FakeAnthropicModel>;
  /** Unknown models get 404 `not_found_error` (default true); false accepts any model id. */
  strictModels?: boolean;
  /** Scripted answer for /v1/messages; default `"Hello from fake Claude."`. */
  reply?: AnthropicReplyScript;
  faults?: Faults;
  /** The largest `limit` /v1/models honours (the API's is 1000); lower it to test paging. */
  maxPageSize?: number;
}

export interface FakeAnthropic extends FakeServer {
  /** Known models (mutable). */
  readonly models: FakeAnthropicModel[];
  setReply(script: AnthropicReplyScript): void;
  /** The `request-id` sent with the reply to this request (also in error bodies). */
  requestIdOf(req: RecordedRequest): string;
}

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
  request_id?: string;
}

export const DEFAULT_ANTHROPIC_MODELS: FakeAnthropicModel[] = [
  { id: 'claude-haiku-4-5-20251001', display_name: 'Claude Haiku 4.5', max_input_tokens: 200000, max_tokens: 64000 },
  { id: 'claude-sonnet-4-5-20250929', display_name: 'Claude Sonnet 4.5', max_input_tokens: 200000, max_tokens: 64000 },
  { id: 'claude-opus-4-1-20250805', display_name: 'Claude Opus 4.1', max_input_tokens: 200000, max_tokens: 32000 },
];

const SSE_CT = 'text/event-stream; charset=utf-8';
const JSON_CT = 'application/json';
const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const BASE64 = `${BASE62}+/`;

/** §4.4: the error type each status carries. */
const ERROR_TYPES: Record<number, { type: string; message: string }> = {
  400: { type: 'invalid_request_error', message: 'messages: roles must alternate between "user" and "assistant", but found multiple "user" roles in a row' },
  401: { type: 'authentication_error', message: 'invalid x-api-key' },
  402: { type: 'billing_error', message: 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.' },
  403: { type: 'permission_error', message: 'Your API key does not have permission to use the specified resource.' },
  404: { type: 'not_found_error', message: 'Not Found' },
  413: { type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.' },
  429: { type: 'rate_limit_error', message: 'This request would exceed the rate limit for your organization of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits.' },
  500: { type: 'api_error', message: 'Internal server error' },
  529: { type: 'overloaded_error', message: 'Overloaded' },
};

export function anthropicError(type: string, message: string, requestId?: string): AnthropicErrorBody {
  return { type: 'error', error: { type, message }, ...(requestId ? { request_id: requestId } : {}) };
}

/** `event: <type>\ndata: <compact json>\n\n`, as the live API frames it. */
function event(data: { type: string; [key: string]: unknown }): string {
  return `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** JSON the way Claude writes tool input (Python-style `", "` and `": "` separators). */
export function modelJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(modelJson).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${JSON.stringify(k)}: ${modelJson(x)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(v);
}

/** Irregular fragments (as live `input_json_delta`s are), the first one empty. */
function jsonFragments(s: string): string[] {
  const sizes = [11, 5, 17, 3, 9];
  const out = [''];
  for (let i = 0, k = 0; i < s.length; k++) {
    const n = sizes[k % sizes.length]!;
    out.push(s.slice(i, i + n));
    i += n;
  }
  return out;
}

const undated = (id: string) => id.replace(/-\d{8}$/, '');

function createdAt(m: FakeAnthropicModel): string {
  if (m.created_at) return m.created_at;
  const d = /-(\d{4})(\d{2})(\d{2})$/.exec(m.id);
  return d ? `${d[1]}-${d[2]}-${d[3]}T00:00:00Z` : '2025-01-01T00:00:00Z';
}

interface Resolved extends ResolvedTurn {
  cacheWriteTokens: number;
}

export async function createFakeAnthropic(opts: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const models: FakeAnthropicModel[] = (opts.models ?? DEFAULT_ANTHROPIC_MODELS).map((m) => (typeof m === 'string' ? { id: m } : { ...m }));
  let script: AnthropicReplyScript = opts.reply ?? 'Hello from fake Claude.';
  const strict = opts.strictModels ?? true;
  const requestIds = new WeakMap<RecordedRequest, string>();
  const requestIdOf = (req: RecordedRequest): string => {
    let id = requestIds.get(req);
    if (!id) requestIds.set(req, (id = `req_011C${randomId(20, BASE62)}`));
    return id;
  };

  const errorReply = (status: number, type: string, message: string, ctx: RouteContext): Reply =>
    reply(status, JSON_CT, JSON.stringify(anthropicError(type, message, requestIdOf(ctx.request))));
  const invalid = (message: string, ctx: RouteContext) => errorReply(400, 'invalid_request_error', message, ctx);

  const modelObject = (m: FakeAnthropicModel) => ({
    type: 'model',
    id: m.id,
    display_name: m.display_name ?? m.id,
    created_at: createdAt(m),
    max_input_tokens: m.max_input_tokens ?? null,
    max_tokens: m.max_tokens ?? null,
    capabilities: m.capabilities ?? null,
  });
  const findModel = (id: string) => models.find((m) => m.id === id || undated(m.id) === id);

  function resolve(req: RecordedRequest, faults: Faults): Resolved {
    const raw = typeof script === 'function' ? script(req) : script;
    const body = req.body as { system?: unknown; messages?: unknown };
    const system = typeof body.system === 'string' ? body.system : messagesText([{ content: body.system }]);
    const turn = resolveTurn(raw, req, `${system}\n${messagesText(body.messages)}`, faults);
    const given = typeof raw === 'object' && !Array.isArray(raw) ? raw : undefined;
    // Anthropic tool ids look like `toolu_01…`, not OpenAI's `call_…`.
    turn.toolCalls.forEach((c, i) => {
      if (given?.toolCalls?.[i]?.id === undefined) c.id = `toolu_01${randomId(22, BASE62)}`;
    });
    return { ...turn, cacheWriteTokens: given?.cacheWriteTokens ?? 0 };
  }

  /** Checks the API does before generating; a reply means the request is refused. */
  function validate(ctx: RouteContext): Reply | undefined {
    const body = ctx.request.body as Record<string, unknown> | undefined;
    if (body === undefined || typeof body !== 'object' || body === null || Array.isArray(body)) {
      return invalid('There was an error parsing the body of your request. Please check that the body is valid JSON.', ctx);
    }
    if (typeof body.model !== 'string' || body.model === '') return invalid('model: Field required', ctx);
    if (body.max_tokens === undefined) return invalid('max_tokens: Field required', ctx);
    if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1) {
      return invalid('max_tokens: Input should be a valid integer greater than or equal to 1', ctx);
    }
    if (!Array.isArray(body.messages)) return invalid('messages: Field required', ctx);
    // A `system` message role exists only from API version 2026-10-21 (the 1.x SDK's SystemMessageParam).
    const systemRole = String(ctx.request.headers['anthropic-version']) >= '2026-10-21';
    const roles = (body.messages as Array<{ role?: unknown }>).map((m) => m?.role);
    const bad = roles.findIndex((r) => r !== 'user' && r !== 'assistant' && !(systemRole && r === 'system'));
    if (bad >= 0) {
      return roles[bad] === 'system'
        ? invalid(
            'messages: Unexpected role "system". The Messages API accepts a top-level `system` parameter, not "system" as an input message role.',
            ctx,
          )
        : invalid(`messages.${bad}.role: Input should be 'user' or 'assistant'`, ctx);
    }
    const stops = body.stop_sequences;
    if (Array.isArray(stops) && stops.some((s) => typeof s !== 'string' || s.trim() === '')) {
      return invalid('stop_sequences: each stop sequence must contain non-whitespace', ctx);
    }
    if (strict && !findModel(body.model)) return errorReply(404, 'not_found_error', `model: ${body.model}`, ctx);
    return undefined;
  }

  const messagesRoute = (ctx: RouteContext): Reply => {
    const refused = validate(ctx);
    if (refused) return refused;
    const body = ctx.request.body as { model: string; max_tokens: number; stream?: unknown; stop_sequences?: string[] };
    const model = findModel(body.model)?.id ?? body.model;
    const turn = resolve(ctx.request, ctx.faults);
    let tokens = turn.tokens;
    let stopReason = turn.finishReason ?? (turn.toolCalls.length ? 'tool_use' : 'end_turn');
    if (tokens.length > body.max_tokens) {
      tokens = tokens.slice(0, body.max_tokens);
      stopReason = 'max_tokens';
    }
    const stopSequence = stopReason === 'stop_sequence' ? (body.stop_sequences?.[0] ?? null) : null;
    const id = `msg_01${randomId(22, BASE62)}`;
    const signature = randomId(120, BASE64);
    const usageIn = {
      input_tokens: turn.promptTokens,
      cache_creation_input_tokens: turn.cacheWriteTokens,
      cache_read_input_tokens: turn.cachedTokens,
    };
    const finalUsage = {
      ...usageIn,
      cache_creation: { ephemeral_5m_input_tokens: turn.cacheWriteTokens, ephemeral_1h_input_tokens: 0 },
      output_tokens: turn.completionTokens,
      service_tier: 'standard',
    };

    if (body.stream !== true) {
      const content: unknown[] = [];
      if (turn.thinking.length) content.push({ type: 'thinking', thinking: turn.thinking.join(''), signature });
      if (tokens.length || !turn.toolCalls.length) content.push({ type: 'text', text: tokens.join('') });
      for (const c of turn.toolCalls) content.push({ type: 'tool_use', id: c.id, name: c.name, input: c.arguments });
      const message = { model, id, type: 'message', role: 'assistant', content, stop_reason: stopReason, stop_sequence: stopSequence, usage: finalUsage };
      return reply(200, JSON_CT, JSON.stringify(message));
    }

    const chunks: string[] = [
      event({
        type: 'message_start',
        message: {
          model,
          id,
          type: 'message',
          role: 'assistant',
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { ...finalUsage, output_tokens: Math.min(1, turn.completionTokens) },
        },
      }),
    ];
    let index = 0;
    const block = (start: object, deltas: object[]) => {
      chunks.push(event({ type: 'content_block_start', index, content_block: start }));
      if (index === 0) chunks.push(event({ type: 'ping' }));
      for (const delta of deltas) chunks.push(event({ type: 'content_block_delta', index, delta }));
      chunks.push(event({ type: 'content_block_stop', index }));
      index++;
    };
    if (turn.thinking.length) {
      block(
        { type: 'thinking', thinking: '', signature: '' },
        [...turn.thinking.map((t) => ({ type: 'thinking_delta', thinking: t })), { type: 'signature_delta', signature }],
      );
    }
    if (tokens.length || !turn.toolCalls.length) {
      block(
        { type: 'text', text: '' },
        tokens.map((t) => ({ type: 'text_delta', text: t })),
      );
    }
    for (const c of turn.toolCalls) {
      block(
        { type: 'tool_use', id: c.id, name: c.name, input: {} },
        jsonFragments(modelJson(c.arguments)).map((p) => ({ type: 'input_json_delta', partial_json: p })),
      );
    }
    if (index === 0) chunks.push(event({ type: 'ping' }));
    chunks.push(
      event({
        type: 'message_delta',
        delta: { stop_reason: stopReason, stop_sequence: stopSequence },
        usage: { ...usageIn, output_tokens: turn.completionTokens },
      }),
    );
    chunks.push(event({ type: 'message_stop' }));
    return streamReply(SSE_CT, chunks);
  };

  const listModels = (ctx: RouteContext): Reply => {
    const q = ctx.request.query;
    const cap = Math.min(1000, opts.maxPageSize ?? 1000);
    const limit = Math.max(1, Math.min(cap, Number.parseInt(q.limit ?? '20', 10) || 20));
    let start = 0;
    let end = models.length;
    if (q.after_id !== undefined) start = models.findIndex((m) => m.id === q.after_id) + 1;
    if (q.before_id !== undefined) end = Math.max(0, models.findIndex((m) => m.id === q.before_id));
    const page = q.before_id !== undefined ? models.slice(Math.max(start, end - limit), end) : models.slice(start, Math.min(end, start + limit));
    const hasMore = q.before_id !== undefined ? end - limit > start : start + limit < end;
    return reply(
      200,
      JSON_CT,
      JSON.stringify({ data: page.map(modelObject), has_more: hasMore, first_id: page[0]?.id ?? null, last_id: page[page.length - 1]?.id ?? null }),
    );
  };
  const getModel = (ctx: RouteContext): Reply => {
    const m = findModel(ctx.params.id ?? '');
    return m ? reply(200, JSON_CT, JSON.stringify(modelObject(m))) : errorReply(404, 'not_found_error', `model: ${ctx.params.id}`, ctx);
  };

  const server = await createFakeServer({
    faults: opts.faults,
    routes: {
      'GET /v1/models': listModels,
      'GET /v1/models/:id': getModel,
      'POST /v1/messages': messagesRoute,
    },
    notFound: (ctx) => errorReply(404, 'not_found_error', 'Not Found', ctx),
    preHandle: (ctx) => {
      // API version 2023-06-01 clients send `x-api-key`; the 1.x SDK (version 2026-10-21) sends the
      // same key as `Authorization: Bearer`. Both reach the same check.
      const bearer = /^Bearer\s+(.+)$/i.exec(ctx.request.headers.authorization ?? '')?.[1];
      const key = ctx.request.headers['x-api-key'] ?? bearer;
      if (opts.apiKey !== undefined) {
        if (key === undefined) return errorReply(401, 'authentication_error', 'x-api-key header is required', ctx);
        if (key !== opts.apiKey) return errorReply(401, 'authentication_error', 'invalid x-api-key', ctx);
      }
      const version = ctx.request.headers['anthropic-version'];
      if (version === undefined) return invalid('anthropic-version: header is required', ctx);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(String(version))) return invalid(`anthropic-version: invalid version '${version}'`, ctx);
      return undefined;
    },
    errorReply: (status, ctx) => {
      const known = ERROR_TYPES[status] ?? { type: status >= 500 ? 'api_error' : 'invalid_request_error', message: `Request failed with status ${status}` };
      const out = errorReply(status, ctx.faults.errorCode ?? known.type, ctx.faults.errorMessage ?? known.message, ctx);
      // The real 429 always says when to come back; a `retryAfter` fault overrides it.
      if (status === 429) out.headers['retry-after'] = '1';
      return out;
    },
    streamErrorChunk: (ctx) =>
      `event: error\ndata: ${JSON.stringify(anthropicError(ctx.faults.errorCode ?? 'overloaded_error', ctx.faults.errorMessage ?? 'Overloaded'))}\n\n`,
    commonHeaders: (ctx) => {
      const limited = ctx.faults.status === 429;
      const reset = new Date(Date.now() + (limited ? 30_000 : 1_000)).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const headers: Record<string, string> = {
        'request-id': requestIdOf(ctx.request),
        'anthropic-organization-id': '5b3f7c2e-9a41-4d8e-b6f0-1c2d3e4f5a6b',
      };
      for (const [kind, limit] of [
        ['requests', 50],
        ['tokens', 40000],
        ['input-tokens', 30000],
        ['output-tokens', 8000],
      ] as const) {
        headers[`anthropic-ratelimit-${kind}-limit`] = String(limit);
        headers[`anthropic-ratelimit-${kind}-remaining`] = limited ? '0' : String(limit - 1);
        headers[`anthropic-ratelimit-${kind}-reset`] = reset;
      }
      return headers;
    },
  });

  return Object.assign(server, {
    models,
    setReply(s: AnthropicReplyScript) {
      script = s;
    },
    requestIdOf,
  }) as FakeAnthropic;
}
