// Fake Ollama native API (reference: /work/shared/reference/providers.md §1, §7, §9.1).
// NDJSON streaming with `application/x-ndjson`, Go-style JSON (HTML characters escaped as \u003c etc.,
// zero metrics omitted, durations in ns), Ollama's error bodies `{"error":"..."}` and status codes.

import { createHash } from 'node:crypto';
import {
  createFakeServer,
  estimateTokens,
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

export interface OllamaModelDetails {
  parent_model: string;
  format: string;
  family: string;
  families: string[];
  parameter_size: string;
  quantization_level: string;
}

export interface FakeOllamaModel {
  /** Full tag, e.g. `qwen2.5-coder:1.5b`; a name without a tag gets `:latest`. */
  name: string;
  /** `/api/show` capabilities; default `['completion']`. `insert` enables `suffix` (FIM), `tools`, `thinking`. */
  capabilities?: string[];
  /** Max context (`model_info["<family>.context_length"]`); default 32768. */
  contextLength?: number;
  details?: Partial<OllamaModelDetails>;
  /** Bytes; default 986061892. */
  size?: number;
  /** 64 hex; default sha256(name). */
  digest?: string;
  /** RFC3339 with offset; default a fixed 2025 timestamp. */
  modified_at?: string;
  /** Go template shown by `/api/show`; default has `.Suffix` iff the model has `insert`. */
  template?: string;
  /** Listed by `/api/ps` from the start (models also become loaded when used). */
  loaded?: boolean;
  /** `/api/show` without `capabilities`, like older servers (clients must look for `.Suffix` in the template). */
  legacyShow?: boolean;
}

export interface FakeOllamaOptions {
  /** Installed models; default `llama3.2:latest` (completion, tools) and `qwen2.5-coder:1.5b` (completion, insert). */
  models?: FakeOllamaModel[];
  /** Scripted answer for /api/chat and /api/generate; default `"Hello from fake Ollama."`. */
  reply?: ReplyScript;
  /**
   * Recorded-stream replay: raw NDJSON sent for /api/chat and /api/generate instead of the
   * scripted reply, one HTTP chunk per line (faults still apply). A function chooses per
   * request; `undefined` falls back to the script. Model lookup and capability checks still run.
   */
  replay?: OllamaReplay;
  /** Length of the vectors /api/embed returns; default 8. */
  embeddingLength?: number;
  /** `/api/version`; default `0.12.6`. */
  version?: string;
  faults?: Faults;
}

export interface FakeOllama extends FakeServer {
  /** Installed models (mutable: push/splice to simulate pull/rm). */
  readonly models: FakeOllamaModel[];
  setReply(script: ReplyScript): void;
  /** Replace (or with `undefined` remove) the recorded-stream replay. */
  setReplay(replay: OllamaReplay | undefined): void;
}

export type OllamaReplay = string | ((req: RecordedRequest) => string | undefined);

/** Split raw NDJSON into its lines, each keeping its `\n` (a last line without one is kept as is). */
export function replayChunks(raw: string): string[] {
  return raw.split(/(?<=\n)/).filter((l) => l.length > 0);
}

/** A deterministic unit vector for a text (Ollama's /api/embed returns normalized vectors). */
export function fakeEmbedding(text: string, length: number): number[] {
  const out: number[] = [];
  for (let block = 0; out.length < length; block++) {
    const bytes = createHash('sha256').update(`${block}:${text}`).digest();
    for (let i = 0; i + 1 < bytes.length && out.length < length; i += 2) out.push((bytes.readUInt16BE(i) / 65535) * 2 - 1);
  }
  const norm = Math.sqrt(out.reduce((a, v) => a + v * v, 0)) || 1;
  return out.map((v) => Math.round((v / norm) * 1e8) / 1e8);
}

export const DEFAULT_OLLAMA_MODELS: FakeOllamaModel[] = [
  {
    name: 'llama3.2:latest',
    capabilities: ['completion', 'tools'],
    contextLength: 131072,
    size: 2019393189,
    details: { family: 'llama', families: ['llama'], parameter_size: '3.2B', quantization_level: 'Q4_K_M' },
  },
  {
    name: 'qwen2.5-coder:1.5b',
    capabilities: ['completion', 'insert'],
    contextLength: 32768,
    size: 986061892,
    details: { family: 'qwen2', families: ['qwen2'], parameter_size: '1.5B', quantization_level: 'Q4_K_M' },
  },
];

// ---------------------------------------------------------------------------------------------------
// Go-isms

/** Go's encoding/json output: like JSON.stringify, but `<`, `>`, `&`, U+2028, U+2029 are \u-escaped. */
export function goJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Go time.Time JSON (RFC3339Nano, fraction trailing zeros trimmed). UTC renders as `Z`. */
export function goTime(date = new Date(), utc = true): string {
  const offsetMin = utc ? 0 : -date.getTimezoneOffset();
  const shifted = new Date(date.getTime() + offsetMin * 60_000);
  const subMs = Number(process.hrtime.bigint() % 1_000_000n);
  const frac = (String(shifted.getUTCMilliseconds()).padStart(3, '0') + String(subMs).padStart(6, '0')).replace(/0+$/, '');
  let off = 'Z';
  if (offsetMin !== 0) {
    const a = Math.abs(offsetMin);
    off = `${offsetMin < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
  }
  return shifted.toISOString().slice(0, 19) + (frac ? `.${frac}` : '') + off;
}

/** `llama3` → `llama3:latest`. */
export function normalizeModelName(name: string): string {
  const last = name.split('/').pop() ?? name;
  return last.includes(':') ? name : `${name}:latest`;
}

/** The registry name Ollama prints in capability errors: `registry.ollama.ai/library/llama3:latest`. */
export function fullModelName(name: string): string {
  const n = normalizeModelName(name);
  const parts = n.split('/');
  if (parts.length === 1) return `registry.ollama.ai/library/${n}`;
  if (parts.length === 2) return `registry.ollama.ai/${n}`;
  return n;
}

const JSON_CT = 'application/json; charset=utf-8';
const NDJSON_CT = 'application/x-ndjson';

function jsonReply(status: number, value: unknown): Reply {
  return reply(status, JSON_CT, goJson(value));
}

function errorReply(status: number, message: string): Reply {
  return jsonReply(status, { error: message });
}

function modelDetails(m: FakeOllamaModel): OllamaModelDetails {
  const family = m.details?.family ?? 'llama';
  return {
    parent_model: m.details?.parent_model ?? '',
    format: m.details?.format ?? 'gguf',
    family,
    families: m.details?.families ?? [family],
    parameter_size: m.details?.parameter_size ?? '1.5B',
    quantization_level: m.details?.quantization_level ?? 'Q4_K_M',
  };
}

function capabilitiesOf(m: FakeOllamaModel): string[] {
  return m.capabilities ?? ['completion'];
}

function templateOf(m: FakeOllamaModel): string {
  if (m.template !== undefined) return m.template;
  if (capabilitiesOf(m).includes('insert')) {
    return (
      '{{- if .Suffix }}<|fim_prefix|>{{ .Prompt }}<|fim_suffix|>{{ .Suffix }}<|fim_middle|>\n' +
      '{{- else }}{{ range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}<|im_start|>assistant\n{{ end }}'
    );
  }
  return '{{ range .Messages }}<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n{{ .Content }}<|eot_id|>{{ end }}<|start_header_id|>assistant<|end_header_id|>\n\n';
}

function digestOf(m: FakeOllamaModel): string {
  return m.digest ?? createHash('sha256').update(normalizeModelName(m.name)).digest('hex');
}

/** Ollama final-line metrics in Go struct order, zero values omitted (omitempty). */
function metrics(turn: ResolvedTurn): Record<string, number> {
  const d = turn.durationsNs;
  const load = d.load ?? 0;
  const promptEval = d.promptEval ?? turn.promptTokens * 250_000;
  const evalNs = d.eval ?? turn.completionTokens * 12_500_000;
  const total = d.total ?? load + promptEval + evalNs + 1_234_567;
  const all: Array<[string, number]> = [
    ['total_duration', total],
    ['load_duration', load],
    ['prompt_eval_count', turn.promptTokens],
    ['prompt_eval_duration', promptEval],
    ['eval_count', turn.completionTokens],
    ['eval_duration', evalNs],
  ];
  return Object.fromEntries(all.filter(([, v]) => v !== 0));
}

type Result<T> = { ok: T } | { error: Reply };

function isZeroKeepAlive(v: unknown): boolean {
  return v === 0 || v === '0' || v === '0s' || v === '0m' || v === '0h';
}

// ---------------------------------------------------------------------------------------------------

export async function createFakeOllama(opts: FakeOllamaOptions = {}): Promise<FakeOllama> {
  const models: FakeOllamaModel[] = (opts.models ?? DEFAULT_OLLAMA_MODELS).map((m) => ({ ...m }));
  let script: ReplyScript = opts.reply ?? 'Hello from fake Ollama.';
  let replay: OllamaReplay | undefined = opts.replay;
  const embeddingLength = opts.embeddingLength ?? 8;
  const replayed = (req: RecordedRequest): Reply | undefined => {
    const raw = typeof replay === 'function' ? replay(req) : replay;
    return raw === undefined ? undefined : streamReply(NDJSON_CT, replayChunks(raw));
  };
  const version = opts.version ?? '0.12.6';
  /** normalized name → loaded state */
  const loaded = new Map<string, { contextLength: number; expiresAt: Date }>();
  for (const m of models) if (m.loaded) loaded.set(normalizeModelName(m.name), { contextLength: Math.min(4096, m.contextLength ?? 32768), expiresAt: new Date(Date.now() + 300_000) });

  const find = (name: string) => models.find((m) => normalizeModelName(m.name) === normalizeModelName(name));

  function markLoaded(m: FakeOllamaModel, body: Record<string, unknown>): void {
    const numCtx = (body.options as { num_ctx?: unknown } | undefined)?.num_ctx;
    const ctxLen = typeof numCtx === 'number' ? numCtx : Math.min(4096, m.contextLength ?? 32768);
    loaded.set(normalizeModelName(m.name), { contextLength: ctxLen, expiresAt: new Date(Date.now() + 300_000) });
  }

  /** Parse + validate a POST body the way Ollama's handlers do. Returns the body or an error reply. */
  function parseBody(req: RecordedRequest): Result<Record<string, unknown>> {
    if (req.rawBody.trim() === '') return { error: errorReply(400, 'missing request body') };
    if (req.body === undefined || typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
      const first = req.rawBody.trim()[0] ?? '';
      return { error: errorReply(400, `invalid character '${first}' looking for beginning of value`) };
    }
    return { ok: req.body as Record<string, unknown> };
  }

  /** Common checks for chat/generate. Returns the model or an error reply. */
  function lookupModel(body: Record<string, unknown>): Result<FakeOllamaModel> {
    const name = body.model;
    if (typeof name !== 'string' || name === '') return { error: errorReply(400, 'model is required') };
    const m = find(name);
    if (!m) return { error: errorReply(404, `model '${name}' not found`) };
    return { ok: m };
  }

  function capabilityError(m: FakeOllamaModel, body: Record<string, unknown>, needs: string[]): Reply | undefined {
    const caps = capabilitiesOf(m);
    for (const c of needs) {
      if (!caps.includes(c)) return errorReply(400, `${fullModelName(m.name)} does not support ${c}`);
    }
    if (body.think !== undefined && body.think !== false && !caps.includes('thinking')) {
      return errorReply(400, `"${String(body.model)}" does not support thinking`);
    }
    return undefined;
  }

  function ndjson(lines: unknown[]): Reply {
    return streamReply(
      NDJSON_CT,
      lines.map((l) => `${goJson(l)}\n`),
    );
  }

  const chat = (ctx: RouteContext): Reply => {
    const parsed = parseBody(ctx.request);
    if ('error' in parsed) return parsed.error;
    const body = parsed.ok;
    const found = lookupModel(body);
    if ('error' in found) return found.error;
    const m = found.ok;
    const model = body.model as string;
    const messages = Array.isArray(body.messages) ? body.messages : [];
    const tools = Array.isArray(body.tools) ? body.tools : [];
    const capErr = capabilityError(m, body, tools.length > 0 ? ['tools'] : []);
    if (capErr) return capErr;
    if (messages.length === 0) {
      const unload = isZeroKeepAlive(body.keep_alive);
      if (unload) loaded.delete(normalizeModelName(m.name));
      else markLoaded(m, body);
      return jsonReply(200, {
        model,
        created_at: goTime(),
        message: { role: 'assistant', content: '' },
        done: true,
        done_reason: unload ? 'unload' : 'load',
      });
    }
    markLoaded(m, body);
    const fromReplay = replayed(ctx.request);
    if (fromReplay) return fromReplay;
    const turn = resolveTurn(script, ctx.request, messagesText(messages), ctx.faults);
    const toolCalls = turn.toolCalls.map((c, index) => ({ id: c.id, function: { index, name: c.name, arguments: c.arguments } }));
    const doneReason = turn.finishReason ?? 'stop';

    if (body.stream === false) {
      const message: Record<string, unknown> = { role: 'assistant', content: turn.tokens.join('') };
      if (turn.thinking.length) message.thinking = turn.thinking.join('');
      if (toolCalls.length) message.tool_calls = toolCalls;
      return jsonReply(200, { model, created_at: goTime(), message, done: true, done_reason: doneReason, ...metrics(turn) });
    }
    const lines: unknown[] = [];
    for (const t of turn.thinking) lines.push({ model, created_at: goTime(), message: { role: 'assistant', content: '', thinking: t }, done: false });
    for (const t of turn.tokens) lines.push({ model, created_at: goTime(), message: { role: 'assistant', content: t }, done: false });
    if (toolCalls.length) lines.push({ model, created_at: goTime(), message: { role: 'assistant', content: '', tool_calls: toolCalls }, done: false });
    lines.push({ model, created_at: goTime(), message: { role: 'assistant', content: '' }, done: true, done_reason: doneReason, ...metrics(turn) });
    return ndjson(lines);
  };

  const generate = (ctx: RouteContext): Reply => {
    const parsed = parseBody(ctx.request);
    if ('error' in parsed) return parsed.error;
    const body = parsed.ok;
    const found = lookupModel(body);
    if ('error' in found) return found.error;
    const m = found.ok;
    const model = body.model as string;
    const raw = body.raw === true;
    if (raw && (body.template || body.system || (Array.isArray(body.context) && body.context.length > 0))) {
      return errorReply(400, 'raw mode does not support template, system, or context');
    }
    const suffix = typeof body.suffix === 'string' ? body.suffix : '';
    const capErr = capabilityError(m, body, suffix !== '' ? ['insert'] : []);
    if (capErr) return capErr;
    const prompt = typeof body.prompt === 'string' ? body.prompt : '';
    if (prompt === '') {
      // Ollama treats an empty prompt as "load (or unload) the model", even when a suffix is given.
      const unload = isZeroKeepAlive(body.keep_alive);
      if (unload) loaded.delete(normalizeModelName(m.name));
      else markLoaded(m, body);
      return jsonReply(200, { model, created_at: goTime(), response: '', done: true, done_reason: unload ? 'unload' : 'load' });
    }
    markLoaded(m, body);
    const fromReplay = replayed(ctx.request);
    if (fromReplay) return fromReplay;
    const turn = resolveTurn(script, ctx.request, prompt + suffix + (typeof body.system === 'string' ? body.system : ''), ctx.faults);
    const doneReason = turn.finishReason ?? 'stop';
    const context = raw ? undefined : Array.from({ length: turn.promptTokens + turn.completionTokens }, (_, i) => 100 + i);
    const final = (response: string, thinking: string): Record<string, unknown> => ({
      model,
      created_at: goTime(),
      response,
      ...(thinking ? { thinking } : {}),
      done: true,
      done_reason: doneReason,
      ...(context ? { context } : {}),
      ...metrics(turn),
    });
    if (body.stream === false) return jsonReply(200, final(turn.tokens.join(''), turn.thinking.join('')));
    const lines: unknown[] = [];
    for (const t of turn.thinking) lines.push({ model, created_at: goTime(), response: '', thinking: t, done: false });
    for (const t of turn.tokens) lines.push({ model, created_at: goTime(), response: t, done: false });
    lines.push(final('', ''));
    return ndjson(lines);
  };

  const show = (ctx: RouteContext): Reply => {
    const parsed = parseBody(ctx.request);
    if ('error' in parsed) return parsed.error;
    const body = parsed.ok;
    const name = typeof body.model === 'string' && body.model ? body.model : typeof body.name === 'string' ? body.name : '';
    if (name === '') return errorReply(400, 'model is required');
    const m = find(name);
    if (!m) return errorReply(404, `model '${name}' not found`);
    const details = modelDetails(m);
    const template = templateOf(m);
    const arch = details.family;
    // Go marshals map[string]any with sorted keys.
    const info: Record<string, unknown> = {
      'general.architecture': arch,
      'general.parameter_count': Math.round(parseFloat(details.parameter_size) * 1e9) || 1_000_000_000,
      [`${arch}.context_length`]: m.contextLength ?? 32768,
    };
    const modelInfo = Object.fromEntries(Object.keys(info).sort().map((k) => [k, info[k]]));
    return jsonReply(200, {
      modelfile:
        `# Modelfile generated by "ollama show"\n# To build a new Modelfile based on this, replace FROM with:\n# FROM ${normalizeModelName(m.name)}\n\n` +
        `FROM /root/.ollama/models/blobs/sha256-${digestOf(m)}\nTEMPLATE """${template}"""\n`,
      parameters: 'stop                           "<|endoftext|>"',
      template,
      details,
      model_info: modelInfo,
      ...(m.legacyShow ? {} : { capabilities: capabilitiesOf(m) }),
      modified_at: m.modified_at ?? '2025-05-10T08:06:48.639712648-07:00',
    });
  };

  const tags = (): Reply =>
    jsonReply(200, {
      models: models.map((m) => ({
        name: normalizeModelName(m.name),
        model: normalizeModelName(m.name),
        modified_at: m.modified_at ?? '2025-05-10T08:06:48.639712648-07:00',
        size: m.size ?? 986061892,
        digest: digestOf(m),
        details: modelDetails(m),
      })),
    });

  const ps = (): Reply =>
    jsonReply(200, {
      models: models
        .filter((m) => loaded.has(normalizeModelName(m.name)))
        .map((m) => {
          const st = loaded.get(normalizeModelName(m.name))!;
          return {
            name: normalizeModelName(m.name),
            model: normalizeModelName(m.name),
            size: m.size ?? 986061892,
            digest: digestOf(m),
            details: modelDetails(m),
            expires_at: goTime(st.expiresAt, false),
            size_vram: m.size ?? 986061892,
            context_length: st.contextLength,
          };
        }),
    });

  const embed = (ctx: RouteContext): Reply => {
    const parsed = parseBody(ctx.request);
    if ('error' in parsed) return parsed.error;
    const body = parsed.ok;
    const found = lookupModel(body);
    if ('error' in found) return found.error;
    let input: string[];
    if (typeof body.input === 'string') input = body.input === '' ? [] : [body.input];
    else if (Array.isArray(body.input) && body.input.every((v) => typeof v === 'string')) input = body.input as string[];
    else if (body.input === undefined || body.input === null) input = [];
    else return errorReply(400, 'invalid input type');
    markLoaded(found.ok, body);
    const promptTokens = input.reduce((n, t) => n + estimateTokens(t), 0);
    return jsonReply(200, {
      model: body.model,
      embeddings: input.map((t) => fakeEmbedding(t, embeddingLength)),
      total_duration: 14_143_917 + promptTokens * 100_000,
      ...(promptTokens ? { prompt_eval_count: promptTokens } : {}),
    });
  };

  const root = (): Reply => reply(200, 'text/plain; charset=utf-8', 'Ollama is running');
  const versionRoute = (): Reply => jsonReply(200, { version });

  const server = await createFakeServer({
    faults: opts.faults,
    routes: {
      'GET /': root,
      'HEAD /': root,
      'GET /api/version': versionRoute,
      'HEAD /api/version': versionRoute,
      'GET /api/tags': tags,
      'HEAD /api/tags': tags,
      'GET /api/ps': ps,
      'POST /api/show': show,
      'POST /api/chat': chat,
      'POST /api/generate': generate,
      'POST /api/embed': embed,
    },
    // gin's default 404
    notFound: () => reply(404, 'text/plain', '404 page not found'),
    errorReply: (status, ctx) => {
      const model = typeof ctx.request.body?.model === 'string' ? (ctx.request.body.model as string) : 'unknown';
      const messages: Record<number, string> = {
        400: 'invalid request',
        401: 'unauthorized',
        403: 'forbidden',
        404: `model '${model}' not found`,
        429: 'too many requests',
        499: 'request canceled',
        500: 'llama runner process has terminated: exit status 2',
        502: 'bad gateway',
        503: 'server busy, please try again.  maximum pending requests exceeded',
      };
      return errorReply(status, ctx.faults.errorMessage ?? messages[status] ?? `error ${status}`);
    },
    streamErrorChunk: (ctx) => `${goJson({ error: ctx.faults.errorMessage ?? 'an error was encountered while running the model' })}\n`,
  });

  return Object.assign(server, {
    models,
    setReply(s: ReplyScript) {
      script = s;
    },
    setReplay(r: OllamaReplay | undefined) {
      replay = r;
    },
  }) as FakeOllama;
}
