// Health of the host, the config and every configured provider, probed in parallel.
import type { ResolvedConfig, ResolvedProvider } from '../config/index.js';
import type { ProviderClient } from '../provider/index.js';
import type { HealthReport, ProbeResult, ProviderHealth } from '../protocol.js';
import { VERSION } from '../version.js';

export interface HealthOptions {
  timeoutMs: number;
  signal: AbortSignal;
  startedAt: number;
  logFile: string | null;
  /** The provider's client (the host's own, so warm connections and endpoint state are shared). */
  clientFor: (name: string) => Promise<ProviderClient>;
  stats?: HealthReport['stats'];
}

export async function collectHealth(cfg: ResolvedConfig, opts: HealthOptions): Promise<HealthReport> {
  const shown = cfg.providers.filter((p) => p.configured);
  const [providers, omen] = await Promise.all([
    Promise.all(shown.map((p) => providerHealth(p, opts))),
    cfg.api.baseUrl ? omenProbe(cfg, opts) : Promise.resolve(null),
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
    api: { mode: cfg.api.mode, base_url: cfg.api.baseUrl ?? null, key: cfg.api.apiKey.describe(), probe: omen },
    providers,
    stats: opts.stats ?? null,
  };
}

/** Each protocol probes itself (a model list or a version, never a generation). */
async function providerHealth(p: ResolvedProvider, opts: HealthOptions): Promise<ProviderHealth> {
  const needsKey = p.kind !== 'ollama' && !(p.kind === 'openai-compatible' && !p.apiKey.isSet && p.apiKey.source === 'none');
  const base: ProviderHealth = { name: p.name, kind: p.kind, enabled: p.enabled, configured: p.configured, key: p.apiKey.describe(), needs_key: needsKey, probes: [] };
  if (!p.enabled) return base;
  // One overall deadline on top of the per-request first-byte timeout: health never hangs.
  const deadline = AbortSignal.timeout(opts.timeoutMs * 2);
  const started = performance.now();
  try {
    const client = await opts.clientFor(p.name);
    base.probes = await client.health({
      signal: AbortSignal.any([opts.signal, deadline]),
      firstByteTimeoutMs: opts.timeoutMs,
      idleTimeoutMs: opts.timeoutMs,
      maxRetries: 0,
    });
  } catch (err) {
    if (opts.signal.aborted) throw err;
    const url = p.baseUrl ?? p.endpoint ?? p.endpoints[0] ?? p.name;
    const message = deadline.aborted ? `no answer within ${opts.timeoutMs * 2} ms` : (err as Error).message;
    base.probes = [{ url, ok: false, latency_ms: Math.round(performance.now() - started), message }];
  }
  return base;
}

/** OMEN's /health (providers) and /ready, beside /v1 (not under it). */
async function omenProbe(cfg: ResolvedConfig, opts: HealthOptions): Promise<ProbeResult> {
  const { omenHealth } = await import('../router/omen.js');
  const started = performance.now();
  const h = await omenHealth(cfg, opts.signal, { timeoutMs: opts.timeoutMs });
  return { url: cfg.api.baseUrl!, ok: h.ok, latency_ms: Math.round(performance.now() - started), message: h.message };
}
