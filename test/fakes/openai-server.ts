// Fake OpenAI / OpenAI-compatible API (reference: /work/shared/reference/providers.md §0, §2, §6.3, §9.2).
// Data-only SSE (`data: <json>\n\n`, `text/event-stream`), role chunk first, content deltas, an
// empty-delta finish chunk, the usage chunk with `choices:[]` when `stream_options.include_usage`,
// then `data: [DONE]`. Errors in the `{"error":{"message","type","param","code"}}` envelope.
// Dialects (`dialect` option) reproduce the OpenAI-compatible servers of §6: DeepSeek
// (`reasoning_content`, `prompt_cache_hit_tokens`), xAI (`reasoning_content`, bad key → 400
// `{code, error}`), Mistral (usage on the finish chunk, 422 for unknown fields such as
// `stream_options`, Codestral `/v1/fim/completions`). `/infill` is llama.cpp's native FIM.

import { createHash } from 'node:crypto';
import {
  createFakeServer,
  estimateTokens,
  messagesText,
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

export interface FakeOpenAIModel {
  id: string;
  /** Unix seconds; default 1721172741. */
  created?: number;
  /** Default `system`. */
  owned_by?: string;
}

export interface FakeOpenAIOptions {
  /** When set, every request must carry `Authorization: Bearer <apiKey>` (401 otherwise). */
  apiKey?: string;
  /** `/v1/models`; default `gpt-4o-mini`, `gpt-3.5-turbo-instruct`. */
  models?: Array<string | FakeOpenAIModel>;
  /** Unknown models get 404 `model_not_found` (default true); false accepts any model id. */
  strictModels?: boolean;
  /** Scripted answer for chat and completions; default `"Hello from fake OpenAI."`. */
  reply?: ReplyScript;
  faults?: Faults;
  /** Default `fp_44709d6fcb`; null omits it (many OpenAI-compatible servers). */
  systemFingerprint?: string | null;
  /** Chat `service_tier`; default `default`; null omits it. */
  serviceTier?: string | null;
  /** Random `obfuscation` padding on chat chunks unless `stream_options.include_obfuscation:false`; default true. */
  obfuscation?: boolean;
  /** OpenAI-compatible quirk (DeepSeek): this many `: keep-alive` SSE comments before the first event. */
  keepAliveComments?: number;
  /** OpenAI-compatible quirk: end the stream without `data: [DONE]`. */
  omitDone?: boolean;
  /** Which server to imitate (default `openai`); see the header comment. */
  dialect?: OpenAIDialect;
  /**
   * Recorded-stream replay: raw SSE sent for the generation routes (chat, completions, Codestral
   * FIM, /infill) instead of the scripted reply, one HTTP chunk per event (faults still apply).
   * A function chooses per request; `undefined` falls back to the script. Model checks still run.
   */
  replay?: OpenAIReplay;
}

export type OpenAIReplay = string | ((req: RecordedRequest) => string | undefined);

/** Split raw SSE into its events, each keeping its blank-line separator (a trailing partial event is kept as is). */
export function sseReplayChunks(raw: string): string[] {
  return raw.split(/(?<=\n\n|\r\n\r\n)/).filter((e) => e.length > 0);
}

/** OpenAI-compatible servers whose differences the fake reproduces. */
export type OpenAIDialect = 'openai' | 'deepseek' | 'xai' | 'mistral';

export interface FakeOpenAI extends FakeServer {
  /** Base URL for SDKs: `<url>/v1`. */
  readonly baseURL: string;
  /** Known models (mutable). */
  readonly models: FakeOpenAIModel[];
  setReply(script: ReplyScript): void;
  /** Replace (or with `undefined` remove) the recorded-stream replay. */
  setReplay(replay: OpenAIReplay | undefined): void;
}

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function openAIError(message: string, type: string, code: string | null = null, param: string | null = null): OpenAIErrorBody {
  return { error: { message, type, param, code } };
}

const SSE_CT = 'text/event-stream; charset=utf-8';
const JSON_CT = 'application/json';
const ERROR_CT = 'application/json; charset=utf-8';

function errorReply(status: number, body: OpenAIErrorBody): Reply {
  return reply(status, ERROR_CT, JSON.stringify(body));
}

function sse(data: unknown): string {
  return `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

/** The `sk-abc***xyz` form OpenAI uses to echo a wrong key. */
function maskKey(key: string): string {
  return key.length <= 8 ? `${key.slice(0, 2)}***` : `${key.slice(0, 6)}***${key.slice(-3)}`;
}

/** The usage object of a turn as each dialect writes it (reasoning tokens = thinking pieces). */
export function openAIUsage(turn: ResolvedTurn, dialect: OpenAIDialect = 'openai'): Record<string, unknown> {
  const base = { prompt_tokens: turn.promptTokens, completion_tokens: turn.completionTokens, total_tokens: turn.promptTokens + turn.completionTokens };
  switch (dialect) {
    case 'mistral':
      return { prompt_tokens: turn.promptTokens, total_tokens: base.total_tokens, completion_tokens: turn.completionTokens };
    case 'deepseek':
      return {
        ...base,
        prompt_tokens_details: { cached_tokens: turn.cachedTokens },
        completion_tokens_details: { reasoning_tokens: turn.thinking.length },
        prompt_cache_hit_tokens: turn.cachedTokens,
        prompt_cache_miss_tokens: turn.promptTokens - turn.cachedTokens,
      };
    case 'xai':
      // xAI counts reasoning beside completion_tokens: total = prompt + completion + reasoning.
      return {
        ...base,
        total_tokens: base.total_tokens + turn.thinking.length,
        prompt_tokens_details: { text_tokens: turn.promptTokens, audio_tokens: 0, image_tokens: 0, cached_tokens: turn.cachedTokens },
        completion_tokens_details: { reasoning_tokens: turn.thinking.length, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
        num_sources_used: 0,
      };
    default:
      return {
        ...base,
        prompt_tokens_details: { cached_tokens: turn.cachedTokens, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      };
  }
}

export interface OpenAIChatChunkOptions {
  id: string;
  created: number;
  model: string;
  /** `stream_options.include_usage`: `usage: null` on every chunk, then a `choices: []` usage chunk. */
  includeUsage: boolean;
  obfuscate: boolean;
  systemFingerprint: string | null;
  serviceTier: string | null;
  dialect?: OpenAIDialect;
}

/**
 * The `chat.completion.chunk` objects of one streamed turn, unframed and in the real field order:
 * reasoning (DeepSeek/xAI `reasoning_content`), the role chunk, content, tool-call fragments by
 * index, the empty-delta finish chunk, the usage chunk. Mistral puts usage on the finish chunk.
 */
export function openAIChatChunks(turn: ResolvedTurn, o: OpenAIChatChunkOptions): Array<Record<string, unknown>> {
  const dialect = o.dialect ?? 'openai';
  const usageOnFinish = dialect === 'mistral';
  const includeUsage = o.includeUsage && !usageOnFinish;
  const reasoning = (dialect === 'deepseek' || dialect === 'xai') && turn.thinking.length > 0;
  const chunk = (choices: unknown[], usage: unknown = null): Record<string, unknown> => {
    const c: Record<string, unknown> = { id: o.id, object: 'chat.completion.chunk', created: o.created, model: o.model };
    if (o.serviceTier !== null) c.service_tier = o.serviceTier;
    if (o.systemFingerprint !== null) c.system_fingerprint = o.systemFingerprint;
    c.choices = choices;
    if (includeUsage || (usageOnFinish && usage !== null)) c.usage = usage;
    if (o.obfuscate) c.obfuscation = randomId(1 + Math.floor(Math.random() * 12));
    return c;
  };
  const choice = (delta: unknown, finish: string | null = null) =>
    dialect === 'mistral' ? { index: 0, delta, finish_reason: finish } : { index: 0, delta, logprobs: null, finish_reason: finish };
  const hasTools = turn.toolCalls.length > 0;
  const finishReason = turn.finishReason ?? (hasTools ? 'tool_calls' : 'stop');

  const out: Array<Record<string, unknown>> = [];
  let roleSent = false;
  if (reasoning) {
    out.push(chunk([choice({ role: 'assistant', content: null, reasoning_content: '' })]));
    roleSent = true;
    for (const t of turn.thinking) out.push(chunk([choice({ content: null, reasoning_content: t })]));
  }
  if (turn.tokens.length > 0 || !hasTools) {
    if (!roleSent) out.push(chunk([choice({ role: 'assistant', content: '' })]));
    roleSent = true;
    for (const t of turn.tokens) out.push(chunk([choice(reasoning ? { content: t, reasoning_content: null } : { content: t })]));
  }
  turn.toolCalls.forEach((c, index) => {
    const head = { index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } };
    out.push(chunk([choice(roleSent ? { tool_calls: [head] } : { role: 'assistant', content: null, tool_calls: [head] })]));
    roleSent = true;
    for (const f of fragments(JSON.stringify(c.arguments))) out.push(chunk([choice({ tool_calls: [{ index, function: { arguments: f } }] })]));
  });
  out.push(chunk([choice({}, finishReason)], usageOnFinish ? openAIUsage(turn, dialect) : null));
  if (includeUsage) out.push(chunk([], openAIUsage(turn, dialect)));
  return out;
}

/** A deterministic unit-ish vector for `text` (the same input always embeds the same). */
export function fakeEmbedding(text: string, dims = 8): number[] {
  const h = createHash('sha256').update(text).digest();
  return Array.from({ length: dims }, (_, i) => Math.round(((h[i] ?? 0) / 255 - 0.5) * 2e6) / 1e6);
}

/** Split a string into fragments of at most `size` characters (tool-call argument streaming). */
function fragments(s: string, size = 8): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}

export async function createFakeOpenAI(opts: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const models: FakeOpenAIModel[] = (opts.models ?? ['gpt-4o-mini', 'gpt-3.5-turbo-instruct']).map((m) =>
    typeof m === 'string' ? { id: m } : { ...m },
  );
  let script: ReplyScript = opts.reply ?? 'Hello from fake OpenAI.';
  let replay: OpenAIReplay | undefined = opts.replay;
  const replayed = (req: RecordedRequest): Reply | undefined => {
    const raw = typeof replay === 'function' ? replay(req) : replay;
    return raw === undefined ? undefined : streamReply(SSE_CT, sseReplayChunks(raw));
  };
  const strict = opts.strictModels ?? true;
  const dialect: OpenAIDialect = opts.dialect ?? 'openai';
  const openai = dialect === 'openai';
  const fingerprint =
    opts.systemFingerprint !== undefined ? opts.systemFingerprint : openai ? 'fp_44709d6fcb' : dialect === 'deepseek' ? 'fp_8802369eaa_prod0623_fp8_kvcache' : dialect === 'xai' ? 'fp_3a7ed4a6c6' : null;
  const serviceTier = opts.serviceTier !== undefined ? opts.serviceTier : openai ? 'default' : null;
  const obfuscation = opts.obfuscation ?? openai;

  const modelObject = (m: FakeOpenAIModel) => ({ id: m.id, object: 'model', created: m.created ?? 1721172741, owned_by: m.owned_by ?? 'system', shutdown_date: null });

  function parseBody(req: RecordedRequest): { ok: Record<string, unknown> } | { error: Reply } {
    if (req.body === undefined || typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
      return {
        error: errorReply(
          400,
          openAIError(
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
            'invalid_request_error',
          ),
        ),
      };
    }
    const body = req.body as Record<string, unknown>;
    if (typeof body.model !== 'string' || body.model === '') {
      return { error: errorReply(400, openAIError('you must provide a model parameter', 'invalid_request_error')) };
    }
    if (strict && !models.some((m) => m.id === body.model)) return { error: modelNotFound(body.model) };
    return { ok: body };
  }

  function modelNotFound(id: string): Reply {
    return errorReply(404, openAIError(`The model \`${id}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found'));
  }

  const chatCompletions = (ctx: RouteContext): Reply => {
    const parsed = parseBody(ctx.request);
    if ('error' in parsed) return parsed.error;
    const body = parsed.ok;
    if (!Array.isArray(body.messages)) {
      return errorReply(400, openAIError("Missing required parameter: 'messages'.", 'invalid_request_error', 'missing_required_parameter', 'messages'));
    }
    if (dialect === 'mistral' && body.stream_options !== undefined) return mistralExtraField('stream_options', body.stream_options);
    const fromReplay = replayed(ctx.request);
    if (fromReplay) return fromReplay;
    const model = body.model as string;
    const turn = resolveTurn(script, ctx.request, messagesText(body.messages), ctx.faults);
    const id = `chatcmpl-${randomId(29)}`;
    const created = Math.floor(Date.now() / 1000);
    const hasTools = turn.toolCalls.length > 0;
    const finishReason = turn.finishReason ?? (hasTools ? 'tool_calls' : 'stop');

    if (body.stream !== true) {
      const message: Record<string, unknown> = {
        role: 'assistant',
        content: turn.tokens.length || !hasTools ? turn.tokens.join('') : null,
      };
      if (hasTools) {
        message.tool_calls = turn.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.arguments) } }));
      }
      message.refusal = null;
      message.annotations = [];
      const out: Record<string, unknown> = {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
        usage: openAIUsage(turn, dialect),
      };
      if (serviceTier !== null) out.service_tier = serviceTier;
      if (fingerprint !== null) out.system_fingerprint = fingerprint;
      return reply(200, JSON_CT, JSON.stringify(out));
    }

    return streamChat(turn, body, id, created, model);
  };

  function streamChat(turn: ResolvedTurn, body: Record<string, unknown>, id: string, created: number, model: string): Reply {
    const streamOptions = (body.stream_options ?? {}) as { include_usage?: unknown; include_obfuscation?: unknown };
    const chunks: string[] = [];
    for (let i = 0; i < (opts.keepAliveComments ?? 0); i++) chunks.push(': keep-alive\n\n');
    for (const c of openAIChatChunks(turn, {
      id,
      created,
      model,
      includeUsage: streamOptions.include_usage === true,
      obfuscate: obfuscation && streamOptions.include_obfuscation !== false,
      systemFingerprint: fingerprint,
      serviceTier,
      dialect,
    })) {
      chunks.push(sse(c));
    }
    if (!opts.omitDone) chunks.push(sse('[DONE]'));
    return streamReply(SSE_CT, chunks);
  }

  /** Mistral validates strictly: an unknown field is a 422 with FastAPI's `detail` inside `message`. */
  function mistralExtraField(field: string, input: unknown): Reply {
    return reply(
      422,
      JSON_CT,
      JSON.stringify({
        object: 'error',
        message: { detail: [{ type: 'extra_forbidden', loc: ['body', field], msg: 'Extra inputs are not permitted', input }] },
        type: 'invalid_request_message_error',
        param: null,
        code: null,
      }),
    );
  }

  /** Codestral `POST /v1/fim/completions`: chat-completion shaped answers, usage on the final chunk (providers.md §6.2). */
  const fimCompletions = (ctx: RouteContext): Reply => {
    if (dialect !== 'mistral') return notFound(ctx);
    const parsed = parseBody(ctx.request);
    if ('error' in parsed) return parsed.error;
    const body = parsed.ok;
    if (typeof body.prompt !== 'string') return mistralExtraField('prompt', body.prompt);
    if (body.stream_options !== undefined) return mistralExtraField('stream_options', body.stream_options);
    const fromReplay = replayed(ctx.request);
    if (fromReplay) return fromReplay;
    const model = body.model as string;
    const turn = resolveTurn(script, ctx.request, body.prompt + (typeof body.suffix === 'string' ? body.suffix : ''), ctx.faults);
    const id = randomId(32, '0123456789abcdef');
    const created = Math.floor(Date.now() / 1000);
    if (body.stream !== true) {
      return reply(
        200,
        JSON_CT,
        JSON.stringify({
          id,
          object: 'chat.completion',
          model,
          usage: openAIUsage(turn, dialect),
          created,
          choices: [{ index: 0, message: { content: turn.tokens.join(''), tool_calls: null, prefix: false, role: 'assistant' }, finish_reason: turn.finishReason ?? 'stop' }],
        }),
      );
    }
    return streamChat({ ...turn, toolCalls: [] }, body, id, created, model);
  };

  /**
   * llama.cpp server `POST /infill`: its native stream, `data: {"content":…,"stop":false}` frames, a
   * final `stop:true` frame with `stop_type` and token counts, and no `[DONE]`.
   */
  const infill = (ctx: RouteContext): Reply => {
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    if (typeof body.input_prefix !== 'string' && typeof body.input_suffix !== 'string') {
      return reply(400, JSON_CT, JSON.stringify({ error: { code: 400, message: '"input_prefix" or "input_suffix" is required', type: 'invalid_request_error' } }));
    }
    const fromReplay = replayed(ctx.request);
    if (fromReplay) return fromReplay;
    const text = `${String(body.input_prefix ?? '')}${String(body.input_suffix ?? '')}${String(body.prompt ?? '')}`;
    const turn = resolveTurn(script, ctx.request, text, ctx.faults);
    const model = typeof body.model === 'string' ? body.model : 'gpt-3.5-turbo';
    const stopType = turn.finishReason === 'length' ? 'limit' : 'eos';
    const frames = turn.tokens.map((t, i) => ({ index: 0, content: t, tokens: [], stop: false, id_slot: 0, tokens_predicted: i + 1, tokens_evaluated: turn.promptTokens }));
    const last = {
      index: 0,
      content: '',
      tokens: [],
      id_slot: 0,
      stop: true,
      model,
      tokens_predicted: turn.completionTokens,
      tokens_evaluated: turn.promptTokens,
      has_new_line: turn.tokens.join('').includes('\n'),
      truncated: false,
      stop_type: stopType,
      stopping_word: '',
      tokens_cached: turn.promptTokens + turn.completionTokens,
      timings: { prompt_n: turn.promptTokens, prompt_ms: 12.5, predicted_n: turn.completionTokens, predicted_ms: 40.1 },
    };
    if (body.stream !== true) return reply(200, 'application/json; charset=utf-8', JSON.stringify({ ...last, content: turn.tokens.join('') }));
    return streamReply('text/event-stream', [...frames, last].map((f) => sse(f)));
  };

  const embeddings = (ctx: RouteContext): Reply => {
    const parsed = parseBody(ctx.request);
    if ('error' in parsed) return parsed.error;
    const body = parsed.ok;
    const input = typeof body.input === 'string' ? [body.input] : Array.isArray(body.input) ? body.input.map(String) : undefined;
    if (!input) return errorReply(400, openAIError("'input' is a required property", 'invalid_request_error', null, 'input'));
    const tokens = input.reduce((n, t) => n + estimateTokens(t), 0);
    return reply(
      200,
      JSON_CT,
      JSON.stringify({
        object: 'list',
        data: input.map((t, index) => ({ object: 'embedding', index, embedding: fakeEmbedding(t) })),
        model: body.model,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      }),
    );
  };

  const completions = (ctx: RouteContext): Reply => {
    const parsed = parseBody(ctx.request);
    if ('error' in parsed) return parsed.error;
    const body = parsed.ok;
    const fromReplay = replayed(ctx.request);
    if (fromReplay) return fromReplay;
    const model = body.model as string;
    const prompt = typeof body.prompt === 'string' ? body.prompt : Array.isArray(body.prompt) ? body.prompt.join('') : '';
    const suffix = typeof body.suffix === 'string' ? body.suffix : '';
    const turn = resolveTurn(script, ctx.request, prompt + suffix, ctx.faults);
    const id = `cmpl-${randomId(29)}`;
    const created = Math.floor(Date.now() / 1000);
    const finishReason = turn.finishReason ?? 'stop';
    const base = (): Record<string, unknown> => {
      const o: Record<string, unknown> = { id, object: 'text_completion', created, model };
      if (fingerprint !== null) o.system_fingerprint = fingerprint;
      return o;
    };
    const usage = { prompt_tokens: turn.promptTokens, completion_tokens: turn.completionTokens, total_tokens: turn.promptTokens + turn.completionTokens };
    if (body.stream !== true) {
      return reply(
        200,
        JSON_CT,
        JSON.stringify({ ...base(), choices: [{ text: turn.tokens.join(''), index: 0, logprobs: null, finish_reason: finishReason }], usage }),
      );
    }
    const includeUsage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
    const chunk = (choices: unknown[], u: unknown = null) => sse({ ...base(), choices, ...(includeUsage ? { usage: u } : {}) });
    const chunks: string[] = [];
    for (let i = 0; i < (opts.keepAliveComments ?? 0); i++) chunks.push(': keep-alive\n\n');
    for (const t of turn.tokens) chunks.push(chunk([{ text: t, index: 0, logprobs: null, finish_reason: null }]));
    chunks.push(chunk([{ text: '', index: 0, logprobs: null, finish_reason: finishReason }]));
    if (includeUsage) chunks.push(chunk([], usage));
    if (!opts.omitDone) chunks.push(sse('[DONE]'));
    return streamReply(SSE_CT, chunks);
  };

  const listModels = (): Reply => reply(200, JSON_CT, JSON.stringify({ object: 'list', data: models.map(modelObject) }));
  const getModel = (ctx: RouteContext): Reply => {
    const id = ctx.params.id ?? '';
    const m = models.find((x) => x.id === id);
    return m ? reply(200, JSON_CT, JSON.stringify(modelObject(m))) : modelNotFound(id);
  };

  function notFound(ctx: RouteContext): Reply {
    return errorReply(404, openAIError(`Invalid URL (${ctx.request.method} ${ctx.request.path})`, 'invalid_request_error'));
  }

  const server = await createFakeServer({
    faults: opts.faults,
    routes: {
      'GET /v1/models': listModels,
      'GET /v1/models/:id': getModel,
      'POST /v1/chat/completions': chatCompletions,
      'POST /v1/completions': completions,
      'POST /v1/embeddings': embeddings,
      'POST /v1/fim/completions': fimCompletions,
      'POST /infill': infill,
    },
    notFound,
    preHandle: (ctx) => {
      if (opts.apiKey === undefined) return undefined;
      const auth = ctx.request.headers.authorization;
      if (auth !== `Bearer ${opts.apiKey}` && dialect === 'xai') {
        // xAI: a wrong key is HTTP 400 with a flat {code, error} body (providers.md §6.1).
        const given = (auth ?? '').replace(/^Bearer\s+/i, '');
        const masked = given.length > 4 ? `${given.slice(0, 2)}***${given.slice(-2)}` : '***';
        return reply(400, JSON_CT, JSON.stringify({ code: 'Client specified an invalid argument', error: `Incorrect API key provided: ${masked}. You can obtain an API key from https://console.x.ai.` }));
      }
      if (auth !== `Bearer ${opts.apiKey}` && dialect === 'mistral') {
        return reply(401, JSON_CT, JSON.stringify({ message: 'Unauthorized', request_id: randomId(32, '0123456789abcdef') }));
      }
      if (!auth) {
        return errorReply(
          401,
          openAIError(
            "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
            'invalid_request_error',
          ),
        );
      }
      const given = auth.replace(/^Bearer\s+/i, '');
      if (auth === `Bearer ${opts.apiKey}`) return undefined;
      return errorReply(
        401,
        openAIError(
          `Incorrect API key provided: ${maskKey(given)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
          'invalid_request_error',
          'invalid_api_key',
        ),
      );
    },
    errorReply: (status, ctx) => {
      const f = ctx.faults;
      const model = typeof ctx.request.body?.model === 'string' ? (ctx.request.body.model as string) : 'gpt-4o-mini';
      const msg = f.errorMessage;
      let body: OpenAIErrorBody;
      switch (status) {
        case 401:
          body = openAIError(
            msg ?? 'Incorrect API key provided: sk-abc***xyz. You can find your API key at https://platform.openai.com/account/api-keys.',
            'invalid_request_error',
            f.errorCode ?? 'invalid_api_key',
          );
          break;
        case 403:
          body = openAIError(msg ?? 'Country, region, or territory not supported', 'request_forbidden', f.errorCode ?? 'unsupported_country_region_territory');
          break;
        case 404:
          body = openAIError(msg ?? `The model \`${model}\` does not exist or you do not have access to it.`, 'invalid_request_error', f.errorCode ?? 'model_not_found');
          break;
        case 429:
          body =
            f.errorCode === 'insufficient_quota'
              ? openAIError(
                  msg ??
                    'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
                  'insufficient_quota',
                  'insufficient_quota',
                )
              : openAIError(
                  msg ??
                    `Rate limit reached for ${model} in organization org-fake on tokens per min (TPM): Limit 30000, Used 29937, Requested 385. Please try again in 644ms. Visit https://platform.openai.com/account/rate-limits to learn more.`,
                  'tokens',
                  f.errorCode ?? 'rate_limit_exceeded',
                );
          break;
        case 500:
          body = openAIError(msg ?? 'The server had an error while processing your request. Sorry about that!', 'server_error', f.errorCode ?? null);
          break;
        case 503:
          body = openAIError(msg ?? 'The engine is currently overloaded, please try again later.', 'server_error', f.errorCode ?? null);
          break;
        default:
          body = openAIError(msg ?? `Request failed with status ${status}.`, status >= 500 ? 'server_error' : 'invalid_request_error', f.errorCode ?? null);
      }
      return errorReply(status, body);
    },
    streamErrorChunk: (ctx) =>
      sse(openAIError(ctx.faults.errorMessage ?? 'The server had an error while processing your request. Sorry about that!', 'server_error', ctx.faults.errorCode ?? null)),
    commonHeaders: (ctx) => {
      const limited = ctx.faults.status === 429;
      return {
        'x-request-id': `req_${randomId(32, '0123456789abcdef')}`,
        'openai-version': '2020-10-01',
        'openai-organization': 'user-fake',
        'openai-processing-ms': '42',
        'x-ratelimit-limit-requests': '10000',
        'x-ratelimit-limit-tokens': '30000000',
        'x-ratelimit-remaining-requests': limited ? '0' : '9999',
        'x-ratelimit-remaining-tokens': limited ? '0' : '29999985',
        'x-ratelimit-reset-requests': limited ? '1.574s' : '6ms',
        'x-ratelimit-reset-tokens': limited ? '6m0s' : '0s',
      };
    },
  });

  return Object.assign(server, {
    baseURL: `${server.url}/v1`,
    models,
    setReply(s: ReplyScript) {
      script = s;
    },
    setReplay(r: OpenAIReplay | undefined) {
      replay = r;
    },
  }) as FakeOpenAI;
}
