// Health of the host, the config and every configured provider, probed in parallel.
import type { ResolvedConfig, ResolvedProvider } from '../config/index.js';
import type { HealthReport, ProbeResult, ProviderHealth } from '../protocol.js';
import { VERSION } from '../version.js';
import { probe } from './probe.js';

export interface HealthOptions {
  timeoutMs: number;
  signal: AbortSignal;
  startedAt: number;
  logFile: string | null;
}

export async function collectHealth(cfg: ResolvedConfig, opts: HealthOptions): Promise<HealthReport> {
  const shown = cfg.providers.filter((p) => p.configured);
  const [providers, omen] = await Promise.all([
    Promise.all(shown.map((p) => providerHealth(p, opts))),
    cfg.api.baseUrl ? omenHealth(cfg.api.baseUrl, opts) : Promise.resolve(null),
  ]);
  return {
    host: {
      version: VERSION,
      node_version: process.version,
      pid: process.pid,
      uptime_ms: Date.now() - opts.startedAt,
      rss_bytes: process.memoryUsage.rss(),
      log_file: opts.logFile,
    },
    config: { toml_path: cfg.toml.path, toml_found: cfg.toml.found, issues: cfg.issues },
    api: { base_url: cfg.api.baseUrl ?? null, key: cfg.api.apiKey.describe(), probe: omen },
    providers,
  };
}

async function providerHealth(p: ResolvedProvider, opts: HealthOptions): Promise<ProviderHealth> {
  const needsKey = p.kind !== 'ollama' && !(p.kind === 'openai-compatible' && !p.apiKey.isSet && p.apiKey.source === 'none');
  const base: ProviderHealth = { name: p.name, kind: p.kind, enabled: p.enabled, configured: p.configured, key: p.apiKey.describe(), needs_key: needsKey, probes: [] };
  if (!p.enabled) return base;
  if (p.kind === 'ollama') {
    base.probes = await Promise.all(p.endpoints.map((e) => ollamaEndpoint(e, p, opts)));
    return base;
  }
  const target = modelListRequest(p);
  if (!target) return base;
  const { result, json } = await probe({ ...target, proxy: p.proxy, timeoutMs: opts.timeoutMs, signal: opts.signal });
  if (result.ok) {
    const models = modelIds(json);
    if (models) result.models = models;
    result.message = models ? `reachable, ${models.length} models` : 'reachable';
  } else if (result.status === 401 || result.status === 403) {
    result.message = p.apiKey.isSet
      ? `reachable, but the key was rejected (${result.message}); check ${keyHint(p)}`
      : `reachable; no key: set ${keyHint(p)}`;
  }
  base.probes = [result];
  return base;
}

async function ollamaEndpoint(endpoint: string, p: ResolvedProvider, opts: HealthOptions): Promise<ProbeResult> {
  const common = { proxy: p.proxy, timeoutMs: opts.timeoutMs, signal: opts.signal };
  const [version, tags] = await Promise.all([
    probe({ url: `${endpoint}/api/version`, ...common }),
    probe({ url: `${endpoint}/api/tags`, ...common }),
  ]);
  const result: ProbeResult = { ...tags.result, url: endpoint };
  const v = (version.json as { version?: string } | undefined)?.version;
  if (v) result.version = v;
  if (tags.result.ok) {
    const models = ((tags.json as { models?: { name?: string }[] } | undefined)?.models ?? []).map((m) => m.name ?? '?');
    result.models = models;
    result.message = models.length
      ? `reachable${v ? ` (Ollama ${v})` : ''}, ${models.length} models`
      : `reachable${v ? ` (Ollama ${v})` : ''}, but no models are pulled (run: ollama pull qwen2.5-coder:7b)`;
  }
  return result;
}

function modelListRequest(p: ResolvedProvider): { url: string; display: string; headers: Record<string, string> } | undefined {
  const key = p.apiKey.reveal();
  switch (p.kind) {
    case 'openai':
    case 'openai-compatible':
      if (!p.baseUrl) return undefined;
      return { url: `${p.baseUrl}/models`, display: p.baseUrl, headers: key ? { authorization: `Bearer ${key}` } : {} };
    case 'azure': {
      const headers: Record<string, string> = key ? { 'api-key': key } : {};
      // The v1 form (base_url …/openai/v1) needs no api-version; the classic form does.
      if (p.baseUrl) return { url: `${p.baseUrl}/models`, display: p.baseUrl, headers };
      if (!p.endpoint) return undefined;
      return { url: `${p.endpoint}/openai/models?api-version=${encodeURIComponent(p.apiVersion ?? '')}`, display: p.endpoint, headers };
    }
    case 'anthropic':
      if (!p.baseUrl) return undefined;
      return { url: `${p.baseUrl}/v1/models`, display: p.baseUrl, headers: { 'anthropic-version': '2023-06-01', ...(key ? { 'x-api-key': key } : {}) } };
    case 'gemini':
      if (!p.baseUrl) return undefined;
      return { url: `${p.baseUrl}/v1beta/models`, display: p.baseUrl, headers: key ? { 'x-goog-api-key': key } : {} };
    default:
      return undefined;
  }
}

function modelIds(json: unknown): string[] | undefined {
  const j = json as { data?: { id?: string }[]; models?: { name?: string }[] } | undefined;
  if (Array.isArray(j?.data)) return j.data.map((m) => m.id ?? '?');
  if (Array.isArray(j?.models)) return j.models.map((m) => (m.name ?? '?').replace(/^models\//, ''));
  return undefined;
}

function keyHint(p: ResolvedProvider): string {
  const env = p.apiKey.source.startsWith('env:') ? p.apiKey.source.slice(4) : undefined;
  return env ? `${env} or providers.${p.name}.api_key` : `providers.${p.name}.api_key`;
}

/** OMEN's health lives beside /v1, not under it (`/v1/../health` was the CLI's bug). */
async function omenHealth(baseUrl: string, opts: HealthOptions): Promise<ProbeResult> {
  const origin = baseUrl.replace(/\/v1\/?$/, '');
  const { result, json } = await probe({ url: `${origin}/health`, display: baseUrl, timeoutMs: opts.timeoutMs, signal: opts.signal });
  const status = (json as { status?: string } | undefined)?.status;
  if (result.ok) result.message = `reachable${status ? ` (status: ${status})` : ''}`;
  return result;
}
