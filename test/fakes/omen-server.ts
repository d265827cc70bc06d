// Fake OMEN (reference: /work/shared/reference/ghost-stack.md §2, §5 items 14–21): the router a
// zeke user may run, as a client actually meets it, not as its README describes it.
// - `POST /v1/chat/completions` parses the body the way OMEN's serde types do: HTTP 400 for
//   `tool_choice: "auto"`, `stop: "…"`, `content: null`, `stream: null`, non-string `tags`
//   values; HTTP 500 "Internal server error" for `model: "auto"` (OMEN never resolves it) and
//   for a non-streamed tool-call reply; 404 for a model no provider lists.
// - Streams are framed by the model's provider: Ollama-backed ones end with a `finish_reason`
//   chunk and no `data: [DONE]`; OpenAI-backed ones end with `[DONE]`; Anthropic-backed ones are
//   raw Anthropic SSE (`event:` lines), as OMEN forwards them. No usage in streams.
// - Switches (`quirks`): Anthropic `event:` frames leaking into an OpenAI-style stream, the
//   race deadline (`omen` present and not `strategy:"single"` with stream:true: the stream is
//   cut silently at `max_latency_ms`, default 3000, of simulated time), `X-OMEN-*` headers
//   (off by default: real OMEN sends none), `[DONE]` forced on or off.
// - `/v1/models`, `/health` (always 200), `/ready` (503 when no provider is healthy), `/status`,
//   `/omen/providers`, `/omen/providers/:id/health`, `/omen/providers/scores` (bare array, by
//   OMEN's formula, best first), `/v1/completions` (never streamed, zero usage), `/v1/embeddings`
//   (zero vectors of length 1536).
// - Auth is off by default; with `apiKey` every route but /health, /ready, /status needs
//   `Authorization: Bearer <key>` or `x-api-key: <key>`, else 401 with an empty body.
// - Errors are `{"error":{"message","type":"api_error","code":<status>}}`; unknown paths are an
//   empty 404 (axum's fallback).

import { randomUUID } from 'node:crypto';
import {
  createFakeServer,
  messagesText,
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

/** OMEN's provider ids (`types.rs:ProviderType`). */
export type OmenProviderId = 'openai' | 'anthropic' | 'google' | 'azure' | 'xai' | 'ollama' | 'bedrock' | 'vertexai';

export interface FakeOmenModel {
  /** The exact id a client must send, e.g. `qwen2.5-coder:7b` (no `provider:` prefix). */
  id: string;
  /** The provider that lists it. */
  provider: OmenProviderId;
  context_length?: number;
  /** USD per 1K tokens. */
  pricing?: { input_per_1k: number; output_per_1k: number };
  capabilities?: { vision: boolean; functions: boolean; streaming: boolean };
}

export interface FakeOmenProvider {
  id: OmenProviderId;
  /** Default: the id capitalized as OMEN names them ("Ollama", "Anthropic", …). */
  name?: string;
  /** Default true. */
  healthy?: boolean;
  /** Latency of the live health probe; default 40 (ollama) or 350 (cloud). */
  latency_ms?: number;
}

export interface FakeOmenQuirks {
  /** How streams are framed; default by the model's provider (ollama → 'ollama', anthropic → 'anthropic', else 'openai'). */
  streamFlavour?: 'ollama' | 'openai' | 'anthropic';
  /** Force `data: [DONE]` on or off; default: only the openai flavour sends it. */
  done?: boolean;
  /** Anthropic frames (`event: ping`, a stray `content_block_delta`, `event: message_stop`) leak into an OpenAI-style stream. Default false. */
  anthropicFrames?: boolean;
  /** The race deadline cuts streams silently (no error, no finish_reason, no [DONE]). Default true, as OMEN does. */
  raceDeadline?: boolean;
  /** Simulated upstream pace used by the race deadline, ms per token; default 500 (so the default 3 s deadline lets 6 tokens through). */
  tokenIntervalMs?: number;
  /** Send `X-OMEN-Provider`, `-Model`, `-Reason`, `-Cost-USD` (real OMEN sends none); default false. */
  traceHeaders?: boolean;
}

export interface FakeOmenOptions {
  /** `[auth] require_api_key=true` with this `master_key`; default: auth off (OMEN's default). */
  apiKey?: string;
  /** Models of every provider; default DEFAULT_OMEN_MODELS. */
  models?: Array<FakeOmenModel | string>;
  /** Providers; default one healthy provider per provider named in `models`. */
  providers?: FakeOmenProvider[];
  /** Scripted answer; default `"Hello from fake OMEN."`. */
  reply?: ReplyScript;
  faults?: Faults;
  quirks?: FakeOmenQuirks;
}

export interface FakeOmen extends FakeServer {
  /** `<url>/v1`, what `api.base_url` points at. */
  readonly baseURL: string;
  readonly models: FakeOmenModel[];
  readonly providers: FakeOmenProvider[];
  readonly quirks: FakeOmenQuirks;
  setReply(script: ReplyScript): void;
  /** Merge quirk switches. */
  setQuirks(partial: FakeOmenQuirks): void;
  /** Bodies of every chat request, in order (what zeke sent). */
  readonly chatBodies: Array<Record<string, unknown>>;
}

export interface OmenErrorBody {
  error: { message: string; type: 'api_error'; code: number };
}

export const DEFAULT_OMEN_MODELS: FakeOmenModel[] = [
  { id: 'qwen2.5-coder:7b', provider: 'ollama', context_length: 32768 },
  { id: 'deepseek-coder:14b', provider: 'ollama', context_length: 16384 },
  { id: 'gpt-4o-mini', provider: 'openai', context_length: 128000, pricing: { input_per_1k: 0.00015, output_per_1k: 0.0006 } },
  { id: 'claude-sonnet-4-5-20250929', provider: 'anthropic', context_length: 200000, pricing: { input_per_1k: 0.003, output_per_1k: 0.015 } },
];

const VERSION = '0.1.0';
const JSON_CT = 'application/json';
const SSE_CT = 'text/event-stream';
const NAMES: Record<string, string> = { openai: 'OpenAI', anthropic: 'Anthropic', google: 'Google', azure: 'Azure OpenAI', xai: 'xAI', ollama: 'Ollama', bedrock: 'AWS Bedrock', vertexai: 'Vertex AI' };

export function omenError(status: number, message: string): OmenErrorBody {
  return { error: { message, type: 'api_error', code: status } };
}

function errorReply(status: number, message: string): Reply {
  return reply(status, JSON_CT, JSON.stringify(omenError(status, message)));
}

/** What axum writes for a bare status code (401 from the auth middleware, the 404 fallback): no body, no content-type. */
function emptyReply(status: number): Reply {
  return { status, headers: {}, chunks: [''], stream: false };
}

const sse = (data: unknown) => `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
const anthropicEvent = (data: { type: string; [k: string]: unknown }) => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
const nowSeconds = () => Math.floor(Date.now() / 1000);
/** chrono's RFC 3339 with nanoseconds, as serde writes `DateTime<Utc>`. */
const timestamp = () => new Date().toISOString().replace(/Z$/, '000000Z');

// ---------------------------------------------------------------------------------------------------
// OMEN's request types, as serde parses them (types.rs:89-115, 424-449)

type Check = string | undefined;

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`;
  if (typeof v === 'boolean') return `boolean \`${v}\``;
  if (typeof v === 'number') return Number.isInteger(v) ? `integer \`${v}\`` : `floating point \`${v}\``;
  if (Array.isArray(v)) return 'sequence';
  return 'map';
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const invalid = (v: unknown, expected: string) => `invalid type: ${typeName(v)}, expected ${expected}`;

function checkOptional(body: Record<string, unknown>, key: string, check: (v: unknown) => Check): Check {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  const err = check(v);
  return err ? `${key}: ${err}` : undefined;
}

const f32 = (v: unknown): Check => (typeof v === 'number' ? undefined : invalid(v, 'f32'));
const f64 = (v: unknown): Check => (typeof v === 'number' ? undefined : invalid(v, 'f64'));
const u32 = (v: unknown): Check => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff ? undefined : invalid(v, 'u32'));
const str = (v: unknown): Check => (typeof v === 'string' ? undefined : invalid(v, 'a string'));
const strList = (v: unknown): Check => {
  if (!Array.isArray(v)) return invalid(v, 'a sequence');
  for (const x of v) if (typeof x !== 'string') return invalid(x, 'a string');
  return undefined;
};

function checkContent(m: Record<string, unknown>): Check {
  const c = m.content;
  if (c === undefined) return 'missing field `content`';
  if (typeof c === 'string') return undefined;
  if (Array.isArray(c)) {
    for (const part of c) {
      if (!isObj(part)) return 'data did not match any variant of untagged enum MessageContent';
      if (part.type === 'text' && typeof part.text === 'string') continue;
      if (part.type === 'image_url' && isObj(part.image_url) && typeof part.image_url.url === 'string') continue;
      return 'data did not match any variant of untagged enum MessageContent';
    }
    return undefined;
  }
  return 'data did not match any variant of untagged enum MessageContent';
}

function checkMessage(m: unknown, i: number): Check {
  if (!isObj(m)) return `messages[${i}]: ${invalid(m, 'struct ChatMessage')}`;
  if (m.role === undefined) return `messages[${i}]: missing field \`role\``;
  const role = str(m.role);
  if (role) return `messages[${i}].role: ${role}`;
  const content = checkContent(m);
  if (content) return `messages[${i}].content: ${content}`;
  for (const key of ['name', 'tool_call_id']) {
    const e = checkOptional(m, key, str);
    if (e) return `messages[${i}].${e}`;
  }
  if (m.tool_calls !== undefined && m.tool_calls !== null) {
    if (!Array.isArray(m.tool_calls)) return `messages[${i}].tool_calls: ${invalid(m.tool_calls, 'a sequence')}`;
    for (const tc of m.tool_calls) {
      if (!isObj(tc) || typeof tc.id !== 'string' || typeof tc.type !== 'string' || !isObj(tc.function) || typeof tc.function.name !== 'string' || typeof tc.function.arguments !== 'string') {
        return `messages[${i}].tool_calls: invalid tool call (needs id, type, function.name, function.arguments as strings)`;
      }
    }
  }
  return undefined;
}

function checkTool(t: unknown): Check {
  if (!isObj(t)) return invalid(t, 'struct Tool');
  if (typeof t.type !== 'string') return t.type === undefined ? 'missing field `type`' : `type: ${invalid(t.type, 'a string')}`;
  if (!isObj(t.function)) return t.function === undefined ? 'missing field `function`' : `function: ${invalid(t.function, 'struct FunctionDefinition')}`;
  if (typeof t.function.name !== 'string') return 'function: missing field `name`';
  if (!('parameters' in t.function)) return 'function: missing field `parameters`';
  return checkOptional(t.function, 'description', str);
}

function checkOmenConfig(v: unknown): Check {
  if (!isObj(v)) return invalid(v, 'struct OmenConfig');
  const fields: Array<[string, (x: unknown) => Check]> = [
    ['strategy', str],
    ['k', u32],
    ['providers', strList],
    ['budget_usd', f64],
    ['max_latency_ms', u32],
    ['stickiness', str],
    ['min_useful_tokens', u32],
    [
      'priority_weights',
      (x) => {
        if (!isObj(x)) return invalid(x, 'a map');
        for (const w of Object.values(x)) if (typeof w !== 'number') return invalid(w, 'f32');
        return undefined;
      },
    ],
  ];
  for (const [key, check] of fields) {
    const e = checkOptional(v, key, check);
    if (e) return e;
  }
  return undefined;
}

/** serde's verdict on a chat body: undefined when it parses, else the message (OMEN answers 400). */
export function omenChatBodyError(body: unknown): string | undefined {
  if (!isObj(body)) return invalid(body, 'struct ChatCompletionRequest');
  if (body.model === undefined) return 'missing field `model`';
  if (typeof body.model !== 'string') return `model: ${invalid(body.model, 'a string')}`;
  if (body.messages === undefined) return 'missing field `messages`';
  if (!Array.isArray(body.messages)) return `messages: ${invalid(body.messages, 'a sequence')}`;
  for (let i = 0; i < body.messages.length; i++) {
    const e = checkMessage(body.messages[i], i);
    if (e) return e;
  }
  // `stream: bool` with #[serde(default)]: absent is false, null is an error.
  if ('stream' in body && typeof body.stream !== 'boolean') return `stream: ${invalid(body.stream, 'a boolean')}`;
  const optional: Array<[string, (v: unknown) => Check]> = [
    ['temperature', f32],
    ['top_p', f32],
    ['frequency_penalty', f32],
    ['presence_penalty', f32],
    ['max_tokens', u32],
    ['stop', strList],
    [
      'tools',
      (v) => {
        if (!Array.isArray(v)) return invalid(v, 'a sequence');
        for (const t of v) {
          const e = checkTool(t);
          if (e) return e;
        }
        return undefined;
      },
    ],
    // Untagged enum: only the `{"function": {"name": …}}` shape parses.
    ['tool_choice', (v) => (isObj(v) && isObj(v.function) && typeof v.function.name === 'string' ? undefined : 'data did not match any variant of untagged enum ToolChoice')],
    [
      'tags',
      (v) => {
        if (!isObj(v)) return invalid(v, 'a map');
        for (const x of Object.values(v)) if (typeof x !== 'string') return invalid(x, 'a string');
        return undefined;
      },
    ],
    ['omen', checkOmenConfig],
  ];
  for (const [key, check] of optional) {
    const e = checkOptional(body, key, check);
    if (e) return e;
  }
  return undefined;
}

/** With stream:true and an `omen` object, OMEN runs its multiplexer: anything but `single` is a race (ghost-stack §2.4). */
export function omenRaceDeadlineMs(body: Record<string, unknown>): number | undefined {
  if (body.stream !== true || !isObj(body.omen)) return undefined;
  if (body.omen.strategy === 'single') return undefined;
  return typeof body.omen.max_latency_ms === 'number' ? body.omen.max_latency_ms : 3000;
}

// ---------------------------------------------------------------------------------------------------
// Server

export async function createFakeOmen(opts: FakeOmenOptions = {}): Promise<FakeOmen> {
  const models: FakeOmenModel[] = (opts.models ?? DEFAULT_OMEN_MODELS).map((m) => (typeof m === 'string' ? { id: m, provider: 'ollama' } : { ...m }));
  const providers: FakeOmenProvider[] = (opts.providers ?? [...new Set(models.map((m) => m.provider))].map((id) => ({ id }))).map((p) => ({ ...p }));
  let script: ReplyScript = opts.reply ?? 'Hello from fake OMEN.';
  const quirks: FakeOmenQuirks = { ...opts.quirks };
  const chatBodies: Array<Record<string, unknown>> = [];

  const providerOf = (id: string) => providers.find((p) => p.id === id);
  const healthyOf = (p: FakeOmenProvider) => p.healthy ?? true;
  const latencyOf = (p: FakeOmenProvider) => p.latency_ms ?? (p.id === 'ollama' ? 40 : 350);
  const modelsOf = (p: FakeOmenProvider) => models.filter((m) => m.provider === p.id);
  const pricingOf = (m: FakeOmenModel) => m.pricing ?? { input_per_1k: 0, output_per_1k: 0 };
  const avgCostOf = (p: FakeOmenProvider): number | null => {
    const ms = modelsOf(p);
    return ms.length ? ms.reduce((s, m) => s + pricingOf(m).input_per_1k, 0) / ms.length : null;
  };

  const modelObject = (m: FakeOmenModel) => ({
    id: m.id,
    object: 'model',
    created: 1760000000,
    owned_by: m.provider,
    provider: m.provider,
    context_length: m.context_length ?? 8192,
    pricing: pricingOf(m),
    capabilities: m.capabilities ?? { vision: m.provider !== 'ollama', functions: m.provider !== 'ollama', streaming: true },
  });

  const providerHealth = (p: FakeOmenProvider) => ({
    id: p.id,
    name: p.name ?? NAMES[p.id] ?? p.id,
    healthy: healthyOf(p),
    models_count: modelsOf(p).length,
    latency_ms: latencyOf(p),
    avg_cost_per_1k: avgCostOf(p),
    success_rate: healthyOf(p) ? 1.0 : 0.0,
  });

  /** router.rs:356-397, computed from a live probe on every call. */
  const providerScore = (p: FakeOmenProvider) => {
    const clamp = (x: number) => Math.min(100, Math.max(0, x));
    const healthy = healthyOf(p);
    const health = healthy ? 100 : 0;
    const latency = clamp((5000 - latencyOf(p)) / 50);
    const cost = clamp((20 - (avgCostOf(p) ?? 10)) / 0.2);
    const reliability = (healthy ? 1 : 0) * 100;
    const overall = 0.4 * health + 0.3 * latency + 0.2 * cost + 0.1 * reliability;
    return {
      provider_id: p.id,
      provider_name: p.name ?? NAMES[p.id] ?? p.id,
      health_score: health,
      latency_ms: latencyOf(p),
      cost_score: cost,
      reliability_score: reliability,
      overall_score: overall,
      recommended: overall > 60 && healthy,
    };
  };

  function traceHeaders(model: FakeOmenModel, cost: number): Record<string, string> {
    if (!quirks.traceHeaders) return {};
    return { 'X-OMEN-Provider': model.provider, 'X-OMEN-Model': model.id, 'X-OMEN-Reason': 'exact model id', 'X-OMEN-Cost-USD': cost.toFixed(6) };
  }

  // --- chat -----------------------------------------------------------------------------------------

  const chatCompletions = (ctx: RouteContext): Reply => {
    const req = ctx.request;
    if (req.body === undefined) return errorReply(400, `Invalid request: ${req.rawBody.trim() === '' ? 'EOF while parsing a value' : 'expected value'}`);
    const problem = omenChatBodyError(req.body);
    if (problem) return errorReply(400, `Invalid request: ${problem}`);
    const body = req.body as Record<string, unknown>;
    chatBodies.push(body);
    const modelId = body.model as string;
    // "auto" picks a provider but the upstream call goes out with "model":"auto" and fails.
    if (modelId === 'auto') return errorReply(500, 'Internal server error');
    const model = models.find((m) => m.id === modelId);
    if (!model) return errorReply(404, `Model not found: ${modelId}`);
    const provider = providerOf(model.provider);
    if (provider && !healthyOf(provider)) return errorReply(503, `Provider unavailable: ${provider.id}`);

    const turn = resolveTurn(script, req, messagesText(body.messages), ctx.faults);
    const id = `chatcmpl-${randomUUID()}`;
    const created = nowSeconds();
    const usage =
      model.provider === 'ollama'
        ? // ollama.rs:81-82: prompt_tokens is a constant 10, completion_tokens a whitespace word count.
          { prompt_tokens: 10, completion_tokens: turn.tokens.join('').split(/\s+/).filter(Boolean).length }
        : { prompt_tokens: turn.promptTokens, completion_tokens: turn.completionTokens };
    const price = pricingOf(model);
    const cost = (usage.prompt_tokens * price.input_per_1k + usage.completion_tokens * price.output_per_1k) / 1000;
    const headers = traceHeaders(model, cost);

    if (body.stream !== true) {
      // A tool-call reply has content:null, which OMEN's own response type cannot read (§2.3).
      if (turn.toolCalls.length > 0) return errorReply(500, 'Internal server error');
      const out = {
        id,
        object: 'chat.completion',
        created,
        model: model.id,
        choices: [{ index: 0, message: { role: 'assistant', content: turn.tokens.join(''), name: null, tool_calls: null, tool_call_id: null }, finish_reason: turn.finishReason ?? 'stop' }],
        usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
        system_fingerprint: null,
      };
      return reply(200, JSON_CT, JSON.stringify(out), headers);
    }
    return streamChat(turn, body, model, id, created, headers);
  };

  function streamChat(turn: ResolvedTurn, body: Record<string, unknown>, model: FakeOmenModel, id: string, created: number, headers: Record<string, string>): Reply {
    const flavour = quirks.streamFlavour ?? (model.provider === 'ollama' ? 'ollama' : model.provider === 'anthropic' ? 'anthropic' : 'openai');
    const deadline = quirks.raceDeadline === false ? undefined : omenRaceDeadlineMs(body);
    const allowed = deadline === undefined ? Infinity : Math.floor(deadline / (quirks.tokenIntervalMs ?? 500));
    const cut = turn.tokens.length > allowed;
    const tokens = cut ? turn.tokens.slice(0, allowed) : turn.tokens;
    const sseHeaders = { 'cache-control': 'no-cache', connection: 'keep-alive', ...headers };

    if (flavour === 'anthropic') {
      // Reads that begin with `event:` are forwarded untouched: the client gets Anthropic's own SSE.
      const msgId = `msg_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
      const chunks = [
        anthropicEvent({ type: 'message_start', message: { id: msgId, type: 'message', role: 'assistant', model: model.id, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: turn.promptTokens, output_tokens: 1 } } }),
        anthropicEvent({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
        anthropicEvent({ type: 'ping' }),
        ...tokens.map((t) => anthropicEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: t } })),
      ];
      if (!cut) {
        chunks.push(
          anthropicEvent({ type: 'content_block_stop', index: 0 }),
          anthropicEvent({ type: 'message_delta', delta: { stop_reason: turn.finishReason === 'length' ? 'max_tokens' : 'end_turn', stop_sequence: null }, usage: { output_tokens: turn.completionTokens } }),
          anthropicEvent({ type: 'message_stop' }),
        );
        if (quirks.done === true) chunks.push(sse('[DONE]'));
      }
      return streamReply(SSE_CT, chunks, sseHeaders);
    }

    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      sse({ id, object: 'chat.completion.chunk', created, model: model.id, choices: [{ index: 0, delta: { role: null, content: null, tool_calls: null, ...delta }, finish_reason: finish }], system_fingerprint: null });
    const chunks: string[] = [];
    if (flavour === 'openai') chunks.push(chunk({ role: 'assistant', content: '' }));
    tokens.forEach((t, i) => {
      chunks.push(chunk({ content: t }));
      if (quirks.anthropicFrames && i === 1) {
        // A stray upstream read that began with `event:`, forwarded raw between converted chunks.
        chunks.push(anthropicEvent({ type: 'ping' }));
        chunks.push(anthropicEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '<stray>' } }));
      }
    });
    if (!cut) {
      if (flavour === 'openai') {
        turn.toolCalls.forEach((c, index) => {
          chunks.push(chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.arguments) } }] }));
        });
      }
      const finish = turn.finishReason ?? (flavour === 'openai' && turn.toolCalls.length ? 'tool_calls' : 'stop');
      chunks.push(flavour === 'ollama' ? chunk({ content: '' }, finish) : chunk({}, finish));
      if (quirks.anthropicFrames) chunks.push(anthropicEvent({ type: 'message_stop' }));
      // Ollama's early return wins over [DONE]; OpenAI's [DONE] passes through.
      if (quirks.done ?? flavour === 'openai') chunks.push(sse('[DONE]'));
    }
    return streamReply(SSE_CT, chunks, sseHeaders);
  }

  // --- the rest -------------------------------------------------------------------------------------

  /** Legacy completions: one non-streamed chat call per prompt, zero usage, no `suffix` (§2.2). */
  const completions = (ctx: RouteContext): Reply => {
    const body = ctx.request.body as Record<string, unknown> | undefined;
    if (!isObj(body) || typeof body.model !== 'string') return errorReply(400, 'Invalid request: missing field `model`');
    if (body.model === 'auto') return errorReply(500, 'Internal server error');
    if (!models.some((m) => m.id === body.model)) return errorReply(404, `Model not found: ${body.model}`);
    const prompts = Array.isArray(body.prompt) ? body.prompt.map(String) : [String(body.prompt ?? '')];
    const choices = prompts.map((p, index) => ({ text: resolveTurn(script, ctx.request, p, ctx.faults).tokens.join(''), index, logprobs: null, finish_reason: 'stop' }));
    return reply(200, JSON_CT, JSON.stringify({ id: `cmpl-${randomUUID()}`, object: 'text_completion', created: nowSeconds(), model: body.model, choices, usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } }));
  };

  /** A mock: zero vectors, no provider called (router.rs:212-262). */
  const embeddings = (ctx: RouteContext): Reply => {
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const input = Array.isArray(body.input) ? body.input : [body.input];
    return reply(
      200,
      JSON_CT,
      JSON.stringify({ object: 'list', data: input.map((_, index) => ({ object: 'embedding', embedding: new Array<number>(1536).fill(0), index })), model: body.model, usage: { prompt_tokens: 0, total_tokens: 0 } }),
    );
  };

  const health = (): Reply =>
    reply(
      200,
      JSON_CT,
      JSON.stringify({ status: providers.some(healthyOf) ? 'healthy' : 'unhealthy', version: VERSION, service: 'OMEN', timestamp: timestamp(), providers: providers.map(providerHealth) }),
    );

  const ready = (): Reply => {
    const n = providers.filter(healthyOf).length;
    return reply(
      n > 0 ? 200 : 503,
      JSON_CT,
      JSON.stringify({ status: n > 0 ? 'ready' : 'degraded', version: VERSION, providers_ready: n, providers_total: providers.length, cache_connected: false, timestamp: timestamp() }),
    );
  };

  const status = (): Reply =>
    reply(
      200,
      JSON_CT,
      JSON.stringify({ status: 'running', version: VERSION, uptime_seconds: 0, providers_count: providers.length, models_count: models.length, requests_today: 0, cache_hit_rate: 0.0 }),
    );

  const PUBLIC = new Set(['/health', '/ready', '/status']);

  const server = await createFakeServer({
    faults: opts.faults,
    routes: {
      'GET /health': health,
      'GET /ready': ready,
      'GET /status': status,
      'GET /v1/models': () => reply(200, JSON_CT, JSON.stringify({ object: 'list', data: models.map(modelObject) })),
      'POST /v1/chat/completions': chatCompletions,
      'POST /v1/completions': completions,
      'POST /v1/embeddings': embeddings,
      'GET /omen/providers': () => reply(200, JSON_CT, JSON.stringify({ providers: providers.map(providerHealth) })),
      'GET /omen/providers/scores': () => reply(200, JSON_CT, JSON.stringify(providers.map(providerScore).sort((a, b) => b.overall_score - a.overall_score))),
      'GET /omen/providers/:id/health': (ctx) => {
        const p = providerOf(ctx.params.id ?? '');
        return p ? reply(200, JSON_CT, JSON.stringify({ provider_id: p.id, healthy: healthyOf(p), timestamp: timestamp() })) : errorReply(503, `Provider unavailable: ${ctx.params.id}`);
      },
    },
    notFound: () => emptyReply(404),
    preHandle: (ctx) => {
      if (opts.apiKey === undefined || PUBLIC.has(ctx.request.path)) return undefined;
      const h = ctx.request.headers;
      const bearer = typeof h.authorization === 'string' ? h.authorization.replace(/^Bearer\s+/i, '') : undefined;
      const key = bearer ?? (typeof h['x-api-key'] === 'string' ? h['x-api-key'] : undefined);
      return key === opts.apiKey ? undefined : emptyReply(401);
    },
    errorReply: (status, ctx) => {
      if (status === 401) return emptyReply(401);
      const messages: Record<number, string> = {
        400: 'Invalid request: bad request',
        404: `Model not found: ${String(ctx.request.body?.model ?? '')}`,
        429: 'Rate limit exceeded',
        503: 'Provider unavailable',
      };
      return errorReply(status, ctx.faults.errorMessage ?? messages[status] ?? 'Internal server error');
    },
    // A mid-stream error ends the stream silently (server.rs:220): nothing is written.
    streamErrorChunk: () => '',
    commonHeaders: () => ({ 'access-control-allow-origin': '*', vary: 'origin, access-control-request-method, access-control-request-headers' }),
  });

  return Object.assign(server, {
    baseURL: `${server.url}/v1`,
    models,
    providers,
    quirks,
    chatBodies,
    setReply(s: ReplyScript) {
      script = s;
    },
    setQuirks(partial: FakeOmenQuirks) {
      Object.assign(quirks, partial);
    },
  }) as FakeOmen;
}

/** Recorded requests that reached the chat route. */
export function omenChatRequests(fake: FakeServer): RecordedRequest[] {
  return fake.requests.filter((r) => r.path === '/v1/chat/completions');
}
