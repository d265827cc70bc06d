// Providers as zeke uses them: the user's options over built-in defaults per known name,
// with the wire protocol (`kind`), addresses and the key resolved.
import type { ProviderOptions, providerKinds } from './schema.js';
import { resolveSecret, type Secret } from './secret.js';
import type { ConfigIssue } from './validate.js';

export type ProviderKind = (typeof providerKinds)[number];

export interface ResolvedProvider {
  name: string;
  kind: ProviderKind;
  enabled: boolean;
  /** Named in the user's config, or a built-in whose key is present in the environment. */
  configured: boolean;
  baseUrl?: string;
  /** Ollama: every instance, in the user's order. */
  endpoints: string[];
  /** Azure resource address. */
  endpoint?: string;
  apiVersion?: string;
  deployments: Record<string, string>;
  timeoutMs: number;
  proxy?: string;
  keepAlive?: string;
  /** Ollama: the context length set by the user (sent with requests); undefined = server default. */
  numCtx?: number;
  /** Price overrides, USD per 1M tokens, by model id. */
  prices: Record<string, { input: number; output: number; cachedInput?: number; cacheWrite?: number }>;
  apiKey: Secret;
}

interface BuiltIn {
  kind: ProviderKind;
  base_url?: string;
  endpoints?: string[];
  api_key?: string;
  api_version?: string;
}

/** Defaults for the providers zeke knows by name. Addresses can all be overridden. */
export const BUILT_IN_PROVIDERS: Record<string, BuiltIn> = {
  ollama: { kind: 'ollama', endpoints: ['http://127.0.0.1:11434'] },
  openai: { kind: 'openai', base_url: 'https://api.openai.com/v1', api_key: 'env:OPENAI_API_KEY' },
  azure: { kind: 'azure', api_key: 'env:AZURE_OPENAI_API_KEY', api_version: '2024-10-21' },
  anthropic: { kind: 'anthropic', base_url: 'https://api.anthropic.com', api_key: 'env:ANTHROPIC_API_KEY' },
  gemini: { kind: 'gemini', base_url: 'https://generativelanguage.googleapis.com', api_key: 'env:GEMINI_API_KEY' },
  xai: { kind: 'openai-compatible', base_url: 'https://api.x.ai/v1', api_key: 'env:XAI_API_KEY' },
  deepseek: { kind: 'openai-compatible', base_url: 'https://api.deepseek.com', api_key: 'env:DEEPSEEK_API_KEY' },
  mistral: { kind: 'openai-compatible', base_url: 'https://api.mistral.ai/v1', api_key: 'env:MISTRAL_API_KEY' },
};

const DEFAULT_TIMEOUT_MS = 45_000;

export function resolveProviders(
  user: Record<string, ProviderOptions> | undefined,
  env: NodeJS.ProcessEnv,
  issues: ConfigIssue[],
  sourceOf: (path: string[]) => string = () => 'config',
): ResolvedProvider[] {
  const names = new Set([...Object.keys(BUILT_IN_PROVIDERS), ...Object.keys(user ?? {})]);
  const out: ResolvedProvider[] = [];
  for (const name of names) {
    const builtIn = BUILT_IN_PROVIDERS[name];
    const opts = user?.[name];
    const kind = opts?.kind ?? builtIn?.kind;
    if (!kind) {
      issues.push({
        severity: 'error',
        field: `providers.${name}.kind`,
        message: `\`providers.${name}.kind\` is required for a provider zeke does not know by name (e.g. "openai-compatible")`,
        source: sourceOf(['providers', name]),
      });
      continue;
    }
    const apiKey = resolveSecret(opts?.api_key ?? builtIn?.api_key, env);
    const provider: ResolvedProvider = {
      name,
      kind,
      enabled: opts?.enabled ?? true,
      configured: opts !== undefined || name === 'ollama' || (builtIn?.api_key !== undefined && apiKey.isSet),
      baseUrl: stripSlash(opts?.base_url ?? builtIn?.base_url),
      endpoints: parseEndpoints(opts?.endpoints, builtIn?.endpoints),
      endpoint: stripSlash(opts?.endpoint),
      apiVersion: opts?.api_version ?? builtIn?.api_version,
      deployments: opts?.deployments ?? {},
      timeoutMs: opts?.timeout_ms ?? DEFAULT_TIMEOUT_MS,
      proxy: opts?.proxy,
      keepAlive: opts?.keep_alive,
      numCtx: opts?.num_ctx,
      prices: Object.fromEntries(
        Object.entries(opts?.prices ?? {}).map(([model, p]) => [model, { input: p.input, output: p.output, cachedInput: p.cached_input, cacheWrite: p.cache_write }]),
      ),
      apiKey,
    };
    if (name === 'gemini' && !apiKey.isSet && opts?.api_key === undefined && env.GOOGLE_API_KEY) {
      // Google's own SDKs accept either variable.
      provider.apiKey = resolveSecret('env:GOOGLE_API_KEY', env);
      provider.configured = true;
    }
    const missing = requiredField(provider);
    if (missing && provider.configured && provider.enabled) {
      issues.push({ severity: 'error', field: `providers.${name}.${missing}`, message: `\`providers.${name}.${missing}\` is required for a ${kind} provider`, source: sourceOf(['providers', name]) });
      provider.enabled = false;
    }
    out.push(provider);
  }
  return out;
}

function requiredField(p: ResolvedProvider): string | undefined {
  if (p.kind === 'azure' && !p.endpoint && !p.baseUrl) return 'endpoint';
  if ((p.kind === 'openai-compatible' || p.kind === 'openai') && !p.baseUrl) return 'base_url';
  if (p.kind === 'ollama' && p.endpoints.length === 0) return 'endpoints';
  return undefined;
}

/** The seeds' CSV form (`"http://a:11434,http://b:11434"`) and a list both work (validated by the schema). */
function parseEndpoints(value: string | string[] | undefined, fallback: string[] | undefined): string[] {
  if (value === undefined) return fallback ?? [];
  const list = Array.isArray(value) ? value : value.split(',').map((s) => s.trim());
  return list.filter(Boolean).map((url) => stripSlash(url)!);
}

function stripSlash(url: string | undefined): string | undefined {
  return url?.replace(/\/+$/, '');
}
