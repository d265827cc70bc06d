// Merges the config sources, lowest first: schema defaults < zeke.toml < setup() options.
// Every source is validated on its own, so an error names where the bad value came from.
import { homedir } from 'node:os';
import { defaultAliases, type Config } from './schema.js';
import { resolveProviders, type ResolvedProvider } from './providers.js';
import { resolveSecret, type Secret } from './secret.js';
import { defaultTomlPath, readZekeToml } from './toml.js';
import { applyDefaults, validateOptions, type ConfigIssue } from './validate.js';

export interface ResolvedConfig {
  options: Config;
  /** alias → ordered fallback chain of refs. */
  aliases: Record<string, string[]>;
  providers: ResolvedProvider[];
  api: { mode: Config['api']['mode']; strategy: string; baseUrl?: string; apiKey: Secret };
  toml: { path: string | null; found: boolean };
  issues: ConfigIssue[];
}

export function resolveConfig(setupOptions: unknown, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const setup = validateOptions(setupOptions, 'setup()');
  const issues = [...setup.issues];

  const fileSetting = setup.options.config_file as string | false | undefined;
  const tomlPath = fileSetting === false ? null : expandHome(fileSetting ?? defaultTomlPath(env));
  let tomlFound = false;
  let tomlOptions: Record<string, unknown> = {};
  let locateInToml: (path: readonly PropertyKey[]) => string | undefined = () => tomlPath ?? undefined;
  if (tomlPath) {
    const toml = readZekeToml(tomlPath);
    locateInToml = toml.locate;
    tomlFound = toml.found;
    issues.push(...toml.issues);
    const checked = validateOptions(toml.options, tomlPath, toml.locate);
    issues.push(...checked.issues);
    tomlOptions = checked.options;
  }

  const merged = deepMerge(tomlOptions, setup.options);
  const options = applyDefaults(merged);
  const aliases: Record<string, string[]> = {};
  for (const [name, target] of Object.entries({ ...defaultAliases, ...(options.aliases ?? {}) })) {
    aliases[name] = Array.isArray(target) ? target : [target];
  }
  // A provider-level problem belongs to the source that last touched that provider.
  const sourceOf = (path: string[]) =>
    valueAt(setup.options, path) !== undefined ? 'setup()' : locateInToml(path) ?? 'config';
  const providers = resolveProviders(options.providers, env, issues, sourceOf);
  if (options.api.mode !== 'direct' && !options.api.base_url) {
    issues.push({
      severity: 'error',
      field: 'api.base_url',
      message: `\`api.mode\` = "${options.api.mode}" needs \`api.base_url\` (the OMEN address); routing directly instead`,
      source: valueAt(setup.options, ['api', 'mode']) !== undefined ? 'setup()' : locateInToml(['api', 'mode']) ?? 'config',
    });
    options.api.mode = 'direct';
  }
  return {
    options,
    aliases,
    providers,
    api: { mode: options.api.mode, strategy: options.api.strategy, baseUrl: options.api.base_url?.replace(/\/+$/, ''), apiKey: resolveSecret(options.api.api_key, env) },
    toml: { path: tomlPath, found: tomlFound },
    issues,
  };
}

function valueAt(root: unknown, path: string[]): unknown {
  let node = root;
  for (const key of path) {
    if (!isPlainObject(node)) return undefined;
    node = node[key];
  }
  return node;
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Tables merge key by key; lists and scalars from `over` replace. */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = isPlainObject(prev) && isPlainObject(value) ? deepMerge(prev, value) : value;
  }
  return out;
}
