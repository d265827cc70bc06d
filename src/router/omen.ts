// OMEN mode and hybrid mode (DESIGN.md §4): OMEN as a best-effort OpenAI-compatible server.
// What OMEN really does (ghost-stack.md §2, §5 items 14–21), and what this file does about it:
// - `model:"auto"` is never resolved by OMEN (500): omenModelId sends a concrete listed id.
// - `tags` must be string → string, `omen` acts only with stream:true and an empty `omen` means
//   race (whose deadline cuts answers silently): omenRequestExtras sends string tags and
//   `omen: {strategy}` (default "single"). The `omen` quirk of the openai-compatible client
//   normalizes the rest of the body (stop array, no tool_choice string, content never null).
// - Streams may end without `[DONE]` and carry stray Anthropic frames: the same client reads
//   them (quirk `eofIsFinish`, foreign `event:` frames skipped).
// - No `X-OMEN-*` header exists today: readOmenTrace reads them when present, nothing needs them.
// - Health lives beside /v1 (`{root}/health`, `{root}/ready`), scores at
//   `{root}/omen/providers/scores` — a live probe of every provider on each call (Anthropic's
//   is billable), so callers cache it.
import type { Dispatcher } from 'undici';
import type { ResolvedConfig, ResolvedProvider } from '../config/index.js';
import { dispatcherFor } from '../http/dispatcher.js';
import { ProviderError } from '../provider/index.js';
import { send, toProviderError, type HttpRequest, type ParsedError } from '../providers/shared/index.js';
import type { RouteHints } from './types.js';

/** The provider name OMEN mode uses: the openai-compatible quirks table knows it. */
export const OMEN_PROVIDER = 'omen';

const DEFAULT_TIMEOUT_MS = 45_000;
const PROBE_TIMEOUT_MS = 10_000;

type OmenConfig = Pick<ResolvedConfig, 'api'> & Partial<Pick<ResolvedConfig, 'providers'>>;

/**
 * Where OMEN lives, from `api.base_url`: `api` is the OpenAI-compatible base (`…/v1`; an address
 * with no path gets `/v1`), `root` is that base without `/v1`, where `/health`, `/ready` and
 * `/omen/*` are (not `/v1/../health`, the CLI's bug).
 */
export function omenUrls(baseUrl: string): { api: string; root: string } {
  const trimmed = baseUrl.replace(/\/+$/, '');
  let path = '';
  try {
    path = new URL(trimmed).pathname;
  } catch {
    /* not a URL: used as given */
  }
  const api = path === '' || path === '/' ? `${trimmed}/v1` : trimmed;
  return { api, root: api.replace(/\/v1$/, '') };
}

function baseUrlOf(cfg: OmenConfig): string {
  if (!cfg.api.baseUrl) {
    throw new ProviderError({ code: 'bad_request', provider: OMEN_PROVIDER, message: 'OMEN: `api.base_url` is not set (e.g. "http://localhost:8080/v1")' });
  }
  return cfg.api.baseUrl;
}

/**
 * A synthetic openai-compatible provider named `omen` for `api.base_url`, so the existing client
 * with its `omen` quirks (body normalized for OMEN's types, a stream may end without [DONE], no
 * FIM) serves OMEN mode. Key: `api.api_key`. Timeout, proxy and prices come from a
 * `providers.omen` table when the user has one, else `opts`, else 45 s.
 */
export function omenProvider(cfg: OmenConfig, opts: { timeoutMs?: number; proxy?: string } = {}): ResolvedProvider {
  const user = cfg.providers?.find((p) => p.name === OMEN_PROVIDER);
  const proxy = opts.proxy ?? user?.proxy;
  return {
    name: OMEN_PROVIDER,
    kind: 'openai-compatible',
    enabled: true,
    configured: true,
    baseUrl: omenUrls(baseUrlOf(cfg)).api,
    endpoints: [],
    deployments: {},
    timeoutMs: opts.timeoutMs ?? user?.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ...(proxy ? { proxy } : {}),
    prices: user?.prices ?? {},
    apiKey: cfg.api.apiKey,
  };
}

/**
 * The extra body fields of an OMEN chat request (ChatRequest.extraBody):
 * - `tags`: the seeds' hints, string → string only (OMEN rejects any other value; today it also
 *   ignores tags, but a later OMEN may route on them): intent, size_hint, latency, budget,
 *   project, session, source. Absent hints are left out, never sent as null.
 * - `omen: {strategy}` (default "single"): OMEN reads it only on streams, and an `omen` object
 *   without a strategy means race, whose whole-stream deadline (3 s) cuts answers silently.
 *   An empty strategy leaves `omen` out entirely (OMEN's plain routing).
 */
export function omenRequestExtras(hints: RouteHints, strategy = 'single'): Record<string, unknown> {
  const tags: Record<string, string> = {};
  const put = (key: string, value: unknown) => {
    if (typeof value === 'string' && value.trim() !== '') tags[key] = value;
    else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') tags[key] = String(value);
  };
  put('intent', hints.intent);
  put('size_hint', hints.sizeHint);
  put('latency', hints.latency);
  put('budget', hints.budget);
  put('project', hints.project);
  put('session', hints.session);
  tags.source = 'zeke.nvim';
  const s = strategy.trim();
  return { tags, ...(s ? { omen: { strategy: s } } : {}) };
}

/**
 * The `model` to send OMEN for a ref, an alias or `auto`, given the ids its `/v1/models` lists.
 * OMEN wants an exact listed id (no `provider:model` syntax) and answers 500 to "auto", so:
 * 1. a listed id as given wins (Ollama tags have colons: `qwen2.5-coder:7b`);
 * 2. an alias (from `aliases`) is tried target by target, in order; anything else is one ref;
 * 3. for a ref `provider:model` (split on the first colon) its model part, when listed — or
 *    `<model>:latest` (an Ollama name without a tag), or the newest dated snapshot
 *    `<model>-YYYYMMDD` (Anthropic: `claude-sonnet-4-5` → `claude-sonnet-4-5-20250929`);
 * 4. nothing listed matches: the model part of the first ref, unlisted (OMEN answers 404 with a
 *    clear message, or the list was unavailable and the id may still be right);
 * 5. `auto`: the first listed id (OMEN lists its providers in config order). With nothing
 *    listed `auto` stays `auto`: OMEN's 500 then sends the caller to direct routing.
 */
export function omenModelId(requested: string, listed: readonly string[], aliases: Record<string, readonly string[]> = {}): string {
  if (listed.includes(requested)) return requested;
  const refs = aliases[requested]?.length ? aliases[requested] : [requested];
  for (const ref of refs) {
    if (ref === 'auto') continue;
    const found = listedMatch(ref, listed) ?? listedMatch(modelPart(ref), listed);
    if (found) return found;
  }
  const first = refs.find((r) => r !== 'auto');
  if (first !== undefined) return modelPart(first) ?? first;
  return listed[0] ?? requested;
}

/** `provider:model` → `model`; undefined for `auto` and anything without a provider part. */
function modelPart(ref: string): string | undefined {
  const i = ref.indexOf(':');
  if (i <= 0 || i === ref.length - 1) return undefined;
  return ref.slice(i + 1);
}

function listedMatch(model: string | undefined, listed: readonly string[]): string | undefined {
  if (model === undefined) return undefined;
  if (listed.includes(model)) return model;
  if (!model.includes(':') && listed.includes(`${model}:latest`)) return `${model}:latest`;
  const dated = listed.filter((id) => id.startsWith(`${model}-`) && /^\d{8}$/.test(id.slice(model.length + 1))).sort();
  return dated.at(-1);
}

// ---------------------------------------------------------------------------------------------------
// Hybrid mode: OMEN's scores

export interface OmenScore {
  /** zeke's provider name (OMEN's `google` is zeke's `gemini`). */
  provider: string;
  /** OMEN's overall score, 0–100 (health 40 %, latency 30 %, cost 20 %, reliability 10 %). */
  score: number;
  healthy?: boolean;
  recommended?: boolean;
  latencyMs?: number;
}

/** OMEN provider ids that zeke names differently. */
const ZEKE_NAMES: Record<string, string> = { google: 'gemini' };

/**
 * `GET {root}/omen/providers/scores` → scores, best first. Tolerates the shape variants: a bare
 * array (OMEN today), or one under `scores` / `providers` / `data`; per entry `provider_id`,
 * `provider`, `id` or `name`; `overall_score` or `score` (a 0–1 figure is scaled to 0–100);
 * `healthy`, else `health_score > 0`, else `status`. Entries without a name or a number are
 * skipped. Failures are a ProviderError that says what to check. OMEN probes every provider
 * live on each call (Anthropic's probe is billable): cache the result.
 */
export async function fetchOmenScores(cfg: OmenConfig, signal: AbortSignal, dispatcher: Dispatcher = dispatcherFor(), opts: { timeoutMs?: number } = {}): Promise<OmenScore[]> {
  const url = `${omenUrls(baseUrlOf(cfg)).root}/omen/providers/scores`;
  const json = await getJson(cfg, url, signal, dispatcher, opts.timeoutMs ?? PROBE_TIMEOUT_MS);
  const scores = normalizeOmenScores(json);
  if (!scores) {
    throw new ProviderError({ code: 'bad_response', provider: OMEN_PROVIDER, url, message: `OMEN: ${url} answered without a score list: ${JSON.stringify(json).slice(0, 120)}` });
  }
  return scores;
}

/** The score list in any of the shapes fetchOmenScores accepts; undefined when there is none. */
export function normalizeOmenScores(json: unknown): OmenScore[] | undefined {
  const list = Array.isArray(json) ? json : isRecord(json) ? [json.scores, json.providers, json.data].find(Array.isArray) : undefined;
  if (!list) return undefined;
  const rows = list.filter(isRecord).map((e) => {
    const id = [e.provider_id, e.provider, e.id, e.name, e.provider_name].find((v): v is string => typeof v === 'string' && v !== '');
    const raw = [e.overall_score, e.score].find((v): v is number => typeof v === 'number' && Number.isFinite(v));
    const healthy =
      typeof e.healthy === 'boolean'
        ? e.healthy
        : typeof e.health_score === 'number'
          ? e.health_score > 0
          : typeof e.status === 'string'
            ? /^(healthy|ok|up|ready)$/i.test(e.status)
            : undefined;
    const latency = typeof e.latency_ms === 'number' && Number.isFinite(e.latency_ms) ? e.latency_ms : undefined;
    return { id, raw, healthy, recommended: typeof e.recommended === 'boolean' ? e.recommended : undefined, latency, fromOverall: typeof e.overall_score === 'number' };
  });
  const valid = rows.filter((r): r is typeof r & { id: string; raw: number } => r.id !== undefined && r.raw !== undefined);
  // A `score` list entirely within 0–1 is a fraction; OMEN's own `overall_score` is 0–100.
  const fractions = valid.length > 0 && valid.every((r) => !r.fromOverall && r.raw >= 0 && r.raw <= 1);
  return valid
    .map((r): OmenScore => ({
      provider: ZEKE_NAMES[r.id.toLowerCase()] ?? r.id.toLowerCase(),
      score: Math.min(100, Math.max(0, fractions ? r.raw * 100 : r.raw)),
      ...(r.healthy !== undefined ? { healthy: r.healthy } : {}),
      ...(r.recommended !== undefined ? { recommended: r.recommended } : {}),
      ...(r.latency !== undefined ? { latencyMs: r.latency } : {}),
    }))
    .sort((a, b) => b.score - a.score);
}

// ---------------------------------------------------------------------------------------------------
// Health

export interface OmenProviderHealth {
  id: string;
  name?: string;
  healthy: boolean;
  latencyMs?: number;
  models?: number;
}

export interface OmenHealth {
  ok: boolean;
  /** One line a user can act on. */
  message: string;
  providers: OmenProviderHealth[];
  version?: string;
}

/**
 * OMEN's own view of itself, from the bodies of `GET {root}/health` (always 200: `status`,
 * `providers[].healthy`) and `GET {root}/ready` (503 when no provider is ready; absent on
 * servers that are not OMEN). Never reads response headers (OMEN sets none worth reading).
 * Resolves even when OMEN is down: `ok:false` and why.
 */
export async function omenHealth(cfg: OmenConfig, signal: AbortSignal, opts: { dispatcher?: Dispatcher; timeoutMs?: number } = {}): Promise<OmenHealth> {
  let root: string;
  try {
    root = omenUrls(baseUrlOf(cfg)).root;
  } catch (err) {
    return { ok: false, message: (err as Error).message, providers: [] };
  }
  const dispatcher = opts.dispatcher ?? dispatcherFor();
  const timeoutMs = opts.timeoutMs ?? PROBE_TIMEOUT_MS;
  const [health, ready] = await Promise.allSettled([
    getJson(cfg, `${root}/health`, signal, dispatcher, timeoutMs),
    getJson(cfg, `${root}/ready`, signal, dispatcher, timeoutMs, true),
  ]);
  if (signal.aborted) throw toProviderError(signal.reason, OMEN_PROVIDER, signal);
  if (health.status === 'rejected') {
    const e = toProviderError(health.reason, OMEN_PROVIDER, signal);
    return { ok: false, message: e.code === 'unreachable' || e.code === 'timeout' ? `OMEN is not answering at ${root}: ${e.message}` : e.message, providers: [] };
  }
  const h = isRecord(health.value) ? health.value : {};
  const providers = (Array.isArray(h.providers) ? h.providers : []).filter(isRecord).flatMap((p): OmenProviderHealth[] => {
    const id = [p.id, p.name].find((v): v is string => typeof v === 'string' && v !== '');
    if (!id) return [];
    return [
      {
        id,
        ...(typeof p.name === 'string' && p.name !== id ? { name: p.name } : {}),
        healthy: p.healthy === true,
        ...(typeof p.latency_ms === 'number' ? { latencyMs: p.latency_ms } : {}),
        ...(typeof p.models_count === 'number' ? { models: p.models_count } : {}),
      },
    ];
  });
  const version = typeof h.version === 'string' ? h.version : undefined;
  const status = typeof h.status === 'string' ? h.status : undefined;
  const up = providers.filter((p) => p.healthy);
  const down = providers.filter((p) => !p.healthy).map((p) => p.id);
  const r = ready.status === 'fulfilled' && isRecord(ready.value) ? ready.value : undefined;
  const notReady = ready.status === 'rejected' && toProviderError(ready.reason, OMEN_PROVIDER).status === 503;

  let ok = status === undefined ? up.length > 0 || providers.length === 0 : status === 'healthy';
  if (notReady || (providers.length > 0 && up.length === 0)) ok = false;
  const counts = providers.length ? `${up.length}/${providers.length} providers healthy` : typeof r?.providers_ready === 'number' ? `${r.providers_ready} providers ready` : 'no provider list';
  const message = !ok
    ? notReady || up.length === 0
      ? `OMEN${version ? ` ${version}` : ''} answers but no provider is ready${down.length ? ` (down: ${down.join(', ')})` : ''}`
      : `OMEN${version ? ` ${version}` : ''} reports "${status}"${down.length ? ` (down: ${down.join(', ')})` : ''}`
    : `OMEN${version ? ` ${version}` : ''} ${status ?? 'reachable'}, ${counts}${down.length ? ` (down: ${down.join(', ')})` : ''}`;
  return { ok, message, providers, ...(version ? { version } : {}) };
}

// ---------------------------------------------------------------------------------------------------
// Trace headers

export interface OmenTrace {
  provider?: string;
  model?: string;
  reason?: string;
  costUsd?: number;
}

/**
 * What OMEN said about its choice in `X-OMEN-*` headers (the `trace` of a response-metadata
 * part), when it says anything: `x-omen-provider`, `x-omen-model`, `x-omen-reason` (or
 * `-routing-reason`), `x-omen-cost-usd` (or `-cost`), and a combined `x-omen-trace` as JSON or
 * `key=value` pairs split on `;` or `,`. Separate headers win. Undefined when none is present:
 * real OMEN sends none today, and nothing may depend on them.
 */
export function readOmenTrace(trace: Record<string, string> | undefined): OmenTrace | undefined {
  if (!trace) return undefined;
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(trace)) if (typeof v === 'string' && v.trim() !== '') h[k.toLowerCase()] = v.trim();
  const combined = parseCombined(h['x-omen-trace']);
  const pick = (...keys: string[]) => keys.map((k) => h[`x-omen-${k}`] ?? combined[k]).find((v) => v !== undefined && v !== '');
  const provider = pick('provider', 'provider-used', 'provider_used');
  const model = pick('model', 'model-used', 'model_used');
  const reason = pick('reason', 'routing-reason', 'routing_reason', 'route-reason');
  const costText = pick('cost-usd', 'cost_usd', 'cost');
  const cost = costText !== undefined ? Number.parseFloat(costText.replace(/^\$/, '')) : undefined;
  const out: OmenTrace = {
    ...(provider ? { provider } : {}),
    ...(model ? { model } : {}),
    ...(reason ? { reason } : {}),
    ...(cost !== undefined && Number.isFinite(cost) && cost >= 0 ? { costUsd: cost } : {}),
  };
  return Object.keys(out).length ? out : undefined;
}

function parseCombined(value: string | undefined): Record<string, string> {
  if (!value) return {};
  try {
    const j = JSON.parse(value) as unknown;
    if (isRecord(j)) return Object.fromEntries(Object.entries(j).filter(([, v]) => typeof v === 'string' || typeof v === 'number').map(([k, v]) => [k.toLowerCase(), String(v)]));
  } catch {
    /* key=value pairs */
  }
  const out: Record<string, string> = {};
  for (const pair of value.split(/[;,]/)) {
    const i = pair.indexOf('=');
    if (i > 0) out[pair.slice(0, i).trim().toLowerCase()] = pair.slice(i + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// HTTP

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** OMEN's error bodies: `{"error":{"message","type":"api_error","code":n}}`, an empty 401, an empty 404 for routes it lacks. */
function omenErrorParser(url: string, keySet: boolean) {
  return (status: number, body: string): ParsedError => {
    if (status === 401 || status === 403) {
      return { code: 'auth', retryable: false, message: keySet ? 'the key was rejected (check api.api_key)' : 'OMEN requires a key: set api.api_key' };
    }
    if (status === 404 && body.trim() === '') return { code: 'bad_response', retryable: false, message: `${url} does not exist (is api.base_url an OMEN server?)` };
    return {};
  };
}

/** GET a JSON body (whatever its content-type says), with the key when there is one: OMEN's public routes ignore it, a proxy in front may want it. */
async function getJson(cfg: OmenConfig, url: string, signal: AbortSignal, dispatcher: Dispatcher, timeoutMs: number, quiet404 = false): Promise<unknown> {
  const key = cfg.api.apiKey.reveal();
  const req: HttpRequest = {
    provider: OMEN_PROVIDER,
    url,
    method: 'GET',
    headers: { accept: 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    dispatcher,
    signal,
    firstByteTimeoutMs: timeoutMs,
    idleTimeoutMs: timeoutMs,
    maxRetries: 0,
    parseError: quiet404 ? undefined : omenErrorParser(url, key !== undefined),
  };
  const res = await send(req);
  const text = await res.text(4 * 1024 * 1024);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ProviderError({ code: 'bad_response', provider: OMEN_PROVIDER, status: res.status, url, message: `OMEN: ${url} answered with something that is not JSON: ${text.replace(/\s+/g, ' ').slice(0, 80)}`, cause: err });
  }
}
