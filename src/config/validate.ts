// Validates raw options (from setup() or zeke.toml) against the schema. A bad field is
// reported by name and dropped, so the rest of the config still loads; unknown keys warn.
import { configJsonSchema, configSchema, type Config, type JsonSchema } from './schema.js';
import { expectedLabel, formatPath, luaTypeName, schemaAt } from './labels.js';

export interface ConfigIssue {
  severity: 'error' | 'warn';
  /** Dotted field path, e.g. `providers.ollama.endpoints`. */
  field: string;
  message: string;
  /** Where the value came from: `setup()` or a zeke.toml path (with `:line` when known). */
  source: string;
}

let cachedJsonSchema: JsonSchema | undefined;
export function jsonSchema(): JsonSchema {
  return (cachedJsonSchema ??= configJsonSchema());
}

/**
 * Cleans `raw` in place of a copy: every invalid field is removed and reported. Returns the
 * cleaned input (still un-defaulted, so sources can be merged) and the issues.
 */
export function validateOptions(
  raw: unknown,
  source: string,
  locate?: (path: readonly PropertyKey[]) => string | undefined,
): { options: Record<string, unknown>; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  if (raw === undefined || raw === null) return { options: {}, issues };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    issues.push({ severity: 'error', field: '(top level)', message: `options should be a table, got ${luaTypeName(raw)}`, source });
    return { options: {}, issues };
  }
  const options = structuredClone(raw) as Record<string, unknown>;
  const where = (path: readonly PropertyKey[]) => (locate ? locate(path) ?? source : source);
  // Each round removes at least one offending field; the schema is shallow, so few rounds.
  for (let round = 0; round < 50; round++) {
    const result = configSchema.safeParse(options);
    if (result.success) break;
    for (const issue of result.error.issues.flatMap(narrowUnion)) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys ?? []) {
          const path = [...issue.path, key];
          issues.push({ severity: 'warn', field: formatPath(path), message: `unknown option \`${formatPath(path)}\` (ignored)`, source: where(path) });
          removeAt(options, path);
        }
        continue;
      }
      // A union failure reports at the union itself; other issues may point inside a value.
      const path = issue.path;
      const value = valueAt(options, path);
      const node = schemaAt(jsonSchema(), path);
      const field = formatPath(path);
      const got = describeValue(value);
      issues.push({ severity: 'error', field, message: `\`${field}\` should be ${expectedLabel(node)}, got ${got}`, source: where(path) });
      if (path.length === 0) return { options: {}, issues };
      removeAt(options, path);
    }
  }
  return { options, issues };
}

interface AnyIssue {
  code: string;
  path: PropertyKey[];
  keys?: string[];
  errors?: AnyIssue[][];
}

/**
 * A union where exactly one branch has the right shape (a list where a list or a string is
 * allowed) reports that branch's own, more precise problems. lua/zeke/config.lua does the same.
 */
function narrowUnion(issue: AnyIssue): AnyIssue[] {
  if (issue.code !== 'invalid_union' || !issue.errors) return [issue];
  const shaped = issue.errors.filter((branch) => !branch.some((e) => e.code === 'invalid_type' && e.path.length === 0));
  if (shaped.length !== 1) return [issue];
  return shaped[0]!.flatMap((e) => narrowUnion({ ...e, path: [...issue.path, ...e.path] }));
}

function describeValue(value: unknown): string {
  const type = luaTypeName(value);
  if (type === 'string' || type === 'number' || type === 'boolean') return `${type} ${JSON.stringify(value)}`.slice(0, 80);
  return type;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root as Record<PropertyKey, unknown> | undefined;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = node[key] as Record<PropertyKey, unknown> | undefined;
  }
  return node;
}

function removeAt(root: Record<string, unknown>, path: readonly PropertyKey[]): void {
  const parent = valueAt(root, path.slice(0, -1));
  const key = path[path.length - 1];
  if (parent === null || typeof parent !== 'object' || key === undefined) return;
  if (Array.isArray(parent) && typeof key === 'number') {
    // Removing from a list would shift the others; drop the whole list instead.
    removeAt(root, path.slice(0, -1));
    return;
  }
  delete (parent as Record<PropertyKey, unknown>)[key];
}

/** Applies schema defaults to merged, already-validated options. */
export function applyDefaults(options: Record<string, unknown>): Config {
  return configSchema.parse(options);
}
