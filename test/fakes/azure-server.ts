// Fake Azure OpenAI (reference: /work/shared/reference/providers.md §3, §9.3). Both address forms:
// classic `/openai/deployments/{deployment}/…?api-version=…` and v1 `/openai/v1/…` (deployment
// in `model`). The stream is OpenAI's with Azure's marks: a leading `prompt_filter_results` frame
// with `choices: []`, `created: 0`, `id: ""`; `content_filter_results` on every choice; keys in
// alphabetical order; `model` = the model version behind the deployment. Auth by `api-key`;
// errors in Azure's envelope with `code` as a string. Same fault switches as every fake.

import { randomUUID } from 'node:crypto';
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
import { fakeEmbedding, openAIChatChunks, openAIUsage, sseReplayChunks, type OpenAIReplay } from './openai-server.js';

export interface FakeAzureOptions {
  /** When set, requests must carry `api-key: <apiKey>` (or, on `/openai/v1`, `Authorization: Bearer <apiKey>`). */
  apiKey?: string;
  /** Deployment name → the model version it serves (shown as `model` in chunks). Default `gpt-4o-mini` → `gpt-4o-mini-2024-07-18`, `text-embedding-3-small` → itself. */
  deployments?: Record<string, string>;
  /** Scripted answer; default `"Hello from fake Azure."`. */
  reply?: ReplyScript;
  faults?: Faults;
  /** Output filter: after this many content chunks the answer stops with `finish_reason: "content_filter"`. */
  filterAfterChunks?: number;
  /** Prompt filter: chat requests get 400 `content_filter` (`ResponsibleAIPolicyViolation`). */
  filterPrompt?: boolean;
  /** Asynchronous filter mode: an annotation-only event (a choice with no delta) after the content. */
  asyncFilter?: boolean;
  /** Recorded-stream replay for chat and completions (see FakeOpenAIOptions.replay). */
  replay?: OpenAIReplay;
}

export interface FakeAzure extends FakeServer {
  /** The resource address, as `endpoint` in config / `AzureOpenAI({ endpoint })`. */
  readonly endpoint: string;
  /** `<endpoint>/openai/v1`, as `base_url` in config. */
  readonly v1BaseURL: string;
  readonly deployments: Record<string, string>;
  setReply(script: ReplyScript): void;
  setReplay(replay: OpenAIReplay | undefined): void;
}

export interface AzureErrorBody {
  error: { code: string; message: string; [extra: string]: unknown };
}

export function azureError(code: string, message: string, extra: Record<string, unknown> = {}): AzureErrorBody {
  return { error: { code, message, ...extra } };
}

const SSE_CT = 'text/event-stream; charset=utf-8';
const JSON_CT = 'application/json';
const API_VERSION = /^\d{4}-\d{2}-\d{2}(-preview)?$/;
const SAFE = { hate: { filtered: false, severity: 'safe' }, self_harm: { filtered: false, severity: 'safe' }, sexual: { filtered: false, severity: 'safe' }, violence: { filtered: false, severity: 'safe' } };
const BLOCKED = { ...SAFE, violence: { filtered: true, severity: 'high' } };

const MESSAGES = {
  401: 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
  deploymentNotFound: 'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.',
  promptFiltered:
    "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766",
  500: 'The server had an error while processing your request. Sorry about that!',
  503: 'The service is temporarily unable to process your request. Please try again later.',
};

function sse(data: unknown): string {
  return `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

/** Azure serializes object keys in alphabetical order, at every level. */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
  );
}

/** The first event of every Azure stream (field order as captured, not sorted). */
function promptFilterFrame(): Record<string, unknown> {
  return {
    choices: [],
    created: 0,
    id: '',
    model: '',
    object: '',
    // `prompt_index` before `content_filter_results` as captured; the categories themselves are sorted.
    prompt_filter_results: [{ prompt_index: 0, content_filter_results: sortKeys({ ...SAFE, jailbreak: { filtered: false, detected: false } }) }],
  };
}

function errorReply(status: number, body: AzureErrorBody): Reply {
  return reply(status, JSON_CT, JSON.stringify(body));
}

export async function createFakeAzure(opts: FakeAzureOptions = {}): Promise<FakeAzure> {
  const deployments: Record<string, string> = { ...(opts.deployments ?? { 'gpt-4o-mini': 'gpt-4o-mini-2024-07-18', 'text-embedding-3-small': 'text-embedding-3-small' }) };
  let script: ReplyScript = opts.reply ?? 'Hello from fake Azure.';
  let replay: OpenAIReplay | undefined = opts.replay;
  const replayed = (req: RecordedRequest): Reply | undefined => {
    const raw = typeof replay === 'function' ? replay(req) : replay;
    return raw === undefined ? undefined : streamReply(SSE_CT, sseReplayChunks(raw));
  };

  /** Which deployment a request is for, or the error reply Azure gives. */
  function target(ctx: RouteContext, v1: boolean): { deployment: string; body: Record<string, unknown> } | { error: Reply } {
    const req = ctx.request;
    if (!v1) {
      const version = req.query['api-version'];
      if (!version || !API_VERSION.test(version)) return { error: errorReply(404, azureError('404', 'Resource not found')) };
    }
    const body = req.body;
    if (body === undefined || typeof body !== 'object' || body === null || Array.isArray(body)) {
      return { error: errorReply(400, azureError('BadRequest', 'Invalid JSON body.')) };
    }
    const deployment = v1 ? (body as { model?: unknown }).model : ctx.params.deployment;
    if (typeof deployment !== 'string' || deployment === '') return { error: errorReply(400, azureError('BadRequest', 'you must provide a model parameter')) };
    if (!(deployment in deployments)) return { error: errorReply(404, azureError('DeploymentNotFound', MESSAGES.deploymentNotFound)) };
    return { deployment, body: body as Record<string, unknown> };
  }

  const chat = (v1: boolean) => (ctx: RouteContext): Reply => {
    const t = target(ctx, v1);
    if ('error' in t) return t.error;
    const { deployment, body } = t;
    if (!Array.isArray(body.messages)) return errorReply(400, azureError('BadRequest', "Missing required parameter: 'messages'."));
    if (opts.filterPrompt) {
      return errorReply(
        400,
        azureError('content_filter', MESSAGES.promptFiltered, {
          param: 'prompt',
          status: 400,
          type: null,
          innererror: { code: 'ResponsibleAIPolicyViolation', content_filter_result: BLOCKED },
        }),
      );
    }
    const fromReplay = replayed(ctx.request);
    if (fromReplay) return fromReplay;
    const turn = resolveTurn(script, ctx.request, messagesText(body.messages), ctx.faults);
    const filtered = opts.filterAfterChunks !== undefined && turn.tokens.length > opts.filterAfterChunks;
    const shown: ResolvedTurn = filtered ? { ...turn, tokens: turn.tokens.slice(0, opts.filterAfterChunks), toolCalls: [], finishReason: 'content_filter' } : turn;
    const id = `chatcmpl-${randomId(29)}`;
    const created = Math.floor(Date.now() / 1000);
    const model = deployments[deployment] ?? deployment;
    if (body.stream !== true) return chatCompletion(shown, id, created, model, filtered);

    const streamOptions = (body.stream_options ?? {}) as { include_usage?: unknown; include_obfuscation?: unknown };
    const chunks = openAIChatChunks(shown, {
      id,
      created,
      model,
      includeUsage: streamOptions.include_usage === true,
      obfuscate: streamOptions.include_obfuscation !== false,
      systemFingerprint: null,
      serviceTier: null,
    }).map((c) => decorate(c, filtered));
    if (opts.asyncFilter) {
      const finishAt = chunks.findIndex((c) => (c.choices as Array<{ finish_reason?: unknown }>)[0]?.finish_reason);
      const end = shown.tokens.join('').length;
      chunks.splice(finishAt, 0, {
        choices: [{ content_filter_offsets: { check_offset: 0, end_offset: end, start_offset: 0 }, content_filter_results: SAFE, finish_reason: null, index: 0 }],
        created,
        id,
        model,
        object: '',
      });
    }
    return streamReply(SSE_CT, [sse(promptFilterFrame()), ...chunks.map((c) => sse(sortKeys(c))), sse('[DONE]')]);
  };

  /** OpenAI's chunk → Azure's: filter results on each choice, `refusal: null` on the role delta. */
  function decorate(c: Record<string, unknown>, filtered: boolean): Record<string, unknown> {
    const choices = (c.choices as Array<Record<string, unknown>>).map((ch) => {
      const delta = ch.delta as Record<string, unknown>;
      const text = typeof delta.content === 'string' && delta.content !== '';
      const results = ch.finish_reason === 'content_filter' && filtered ? BLOCKED : text ? SAFE : {};
      return { ...ch, delta: 'role' in delta ? { ...delta, refusal: null } : delta, content_filter_results: results };
    });
    return { ...c, choices };
  }

  function chatCompletion(turn: ResolvedTurn, id: string, created: number, model: string, filtered: boolean): Reply {
    const hasTools = turn.toolCalls.length > 0;
    const message: Record<string, unknown> = { annotations: [], content: hasTools && !turn.tokens.length ? null : turn.tokens.join(''), refusal: null, role: 'assistant' };
    if (hasTools) message.tool_calls = turn.toolCalls.map((c) => ({ function: { arguments: JSON.stringify(c.arguments), name: c.name }, id: c.id, type: 'function' }));
    const out = {
      choices: [
        {
          content_filter_results: filtered ? BLOCKED : SAFE,
          finish_reason: turn.finishReason ?? (hasTools ? 'tool_calls' : 'stop'),
          index: 0,
          logprobs: null,
          message,
        },
      ],
      created,
      id,
      model,
      object: 'chat.completion',
      prompt_filter_results: promptFilterFrame().prompt_filter_results,
      system_fingerprint: null,
      usage: openAIUsage(turn),
    };
    return reply(200, JSON_CT, JSON.stringify(sortKeys(out)));
  }

  const completions = (v1: boolean) => (ctx: RouteContext): Reply => {
    const t = target(ctx, v1);
    if ('error' in t) return t.error;
    const { deployment, body } = t;
    const fromReplay = replayed(ctx.request);
    if (fromReplay) return fromReplay;
    const prompt = typeof body.prompt === 'string' ? body.prompt : '';
    const turn = resolveTurn(script, ctx.request, prompt + (typeof body.suffix === 'string' ? body.suffix : ''), ctx.faults);
    const base = { created: Math.floor(Date.now() / 1000), id: `cmpl-${randomId(29)}`, model: deployments[deployment] ?? deployment, object: 'text_completion', system_fingerprint: null };
    const usage = { completion_tokens: turn.completionTokens, prompt_tokens: turn.promptTokens, total_tokens: turn.promptTokens + turn.completionTokens };
    const finish = turn.finishReason ?? 'stop';
    if (body.stream !== true) {
      const choice = { content_filter_results: SAFE, finish_reason: finish, index: 0, logprobs: null, text: turn.tokens.join('') };
      return reply(200, JSON_CT, JSON.stringify(sortKeys({ ...base, choices: [choice], prompt_filter_results: promptFilterFrame().prompt_filter_results, usage })));
    }
    const includeUsage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
    const chunk = (choices: unknown[], u: unknown = null) => sse(sortKeys({ ...base, choices, ...(includeUsage ? { usage: u } : {}) }));
    const chunks = [sse(promptFilterFrame())];
    for (const text of turn.tokens) chunks.push(chunk([{ content_filter_results: SAFE, finish_reason: null, index: 0, logprobs: null, text }]));
    chunks.push(chunk([{ content_filter_results: {}, finish_reason: finish, index: 0, logprobs: null, text: '' }]));
    if (includeUsage) chunks.push(chunk([], usage));
    chunks.push(sse('[DONE]'));
    return streamReply(SSE_CT, chunks);
  };

  const embeddings = (v1: boolean) => (ctx: RouteContext): Reply => {
    const t = target(ctx, v1);
    if ('error' in t) return t.error;
    const { deployment, body } = t;
    const input = typeof body.input === 'string' ? [body.input] : Array.isArray(body.input) ? body.input.map(String) : undefined;
    if (!input) return errorReply(400, azureError('BadRequest', "'input' is a required property"));
    const tokens = input.reduce((n, s) => n + estimateTokens(s), 0);
    return reply(
      200,
      JSON_CT,
      JSON.stringify({
        data: input.map((s, index) => ({ embedding: fakeEmbedding(s), index, object: 'embedding' })),
        model: deployments[deployment] ?? deployment,
        object: 'list',
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      }),
    );
  };

  const listModels = (v1: boolean) => (ctx: RouteContext): Reply => {
    if (!v1 && !API_VERSION.test(ctx.request.query['api-version'] ?? '')) return errorReply(404, azureError('404', 'Resource not found'));
    const ids = [...new Set(Object.values(deployments))];
    const data = ids.map((id) => ({
      capabilities: { chat_completion: !id.includes('embedding'), completion: false, embeddings: id.includes('embedding'), fine_tune: false, inference: true },
      created_at: 1721347200,
      id,
      lifecycle_status: 'generally-available',
      object: 'model',
      status: 'succeeded',
    }));
    return reply(200, JSON_CT, JSON.stringify({ data, object: 'list' }));
  };

  function authorized(req: RecordedRequest): boolean {
    if (opts.apiKey === undefined) return true;
    if (req.headers['api-key'] === opts.apiKey) return true;
    return req.path.startsWith('/openai/v1/') && req.headers.authorization === `Bearer ${opts.apiKey}`;
  }

  const server = await createFakeServer({
    faults: opts.faults,
    routes: {
      'POST /openai/deployments/:deployment/chat/completions': chat(false),
      'POST /openai/deployments/:deployment/completions': completions(false),
      'POST /openai/deployments/:deployment/embeddings': embeddings(false),
      'GET /openai/models': listModels(false),
      'POST /openai/v1/chat/completions': chat(true),
      'POST /openai/v1/completions': completions(true),
      'POST /openai/v1/embeddings': embeddings(true),
      'GET /openai/v1/models': listModels(true),
    },
    notFound: () => errorReply(404, azureError('404', 'Resource not found')),
    preHandle: (ctx) => (authorized(ctx.request) ? undefined : errorReply(401, azureError('401', MESSAGES[401]))),
    errorReply: (status, ctx) => {
      const f = ctx.faults;
      const msg = f.errorMessage;
      const version = ctx.request.query['api-version'] ?? '2024-10-21';
      switch (status) {
        case 401:
          return errorReply(401, azureError(f.errorCode ?? '401', msg ?? MESSAGES[401]));
        case 404:
          return errorReply(404, azureError(f.errorCode ?? 'DeploymentNotFound', msg ?? MESSAGES.deploymentNotFound));
        case 429:
          return errorReply(
            429,
            azureError(
              f.errorCode ?? '429',
              msg ??
                `Requests to the ChatCompletions_Create Operation under Azure OpenAI API version ${version} have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 6 seconds. Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit.`,
            ),
          );
        case 500:
          return errorReply(500, azureError(f.errorCode ?? 'InternalServerError', msg ?? MESSAGES[500]));
        case 503:
          return errorReply(503, azureError(f.errorCode ?? 'ServiceUnavailable', msg ?? MESSAGES[503]));
        default:
          return errorReply(status, azureError(f.errorCode ?? String(status), msg ?? `Request failed with status ${status}.`));
      }
    },
    streamErrorChunk: (ctx) => sse(azureError(ctx.faults.errorCode ?? '500', ctx.faults.errorMessage ?? MESSAGES[500])),
    commonHeaders: (ctx) => {
      const limited = ctx.faults.status === 429;
      const id = randomUUID();
      return {
        'apim-request-id': id,
        'x-request-id': id,
        'x-ms-region': 'East US',
        'x-ms-rai-invoked': 'true',
        'x-ratelimit-remaining-requests': limited ? '0' : '99',
        'x-ratelimit-remaining-tokens': limited ? '0' : '99000',
        'x-content-type-options': 'nosniff',
      };
    },
  });

  return Object.assign(server, {
    endpoint: server.url,
    v1BaseURL: `${server.url}/openai/v1`,
    deployments,
    setReply(s: ReplyScript) {
      script = s;
    },
    setReplay(r: OpenAIReplay | undefined) {
      replay = r;
    },
  }) as FakeAzure;
}
