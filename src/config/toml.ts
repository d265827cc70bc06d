// Reads the Zeke CLI's shared zeke.toml (`[api]`, `[aliases]`, `[providers.<name>]`,
// `[routing]`, `[models]`). Other
// sections belong to other Zeke tools and are left alone. A syntax error names file, line
// and column; the rest of the config (defaults and setup()) still loads.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import type { ConfigIssue } from './validate.js';

/** The sections zeke.nvim reads; the Zeke CLI and OMEN own the rest. */
const SECTIONS = ['api', 'aliases', 'providers', 'routing', 'models'] as const;

export function defaultTomlPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'zeke', 'zeke.toml');
}

export interface TomlResult {
  path: string;
  found: boolean;
  options: Record<string, unknown>;
  issues: ConfigIssue[];
  /** Finds the line of a dotted key, for messages: `file:line`. */
  locate: (path: readonly PropertyKey[]) => string | undefined;
}

export function readZekeToml(path: string): TomlResult {
  const result: TomlResult = { path, found: false, options: {}, issues: [], locate: () => undefined };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') {
      result.issues.push({ severity: 'error', field: '(file)', message: `cannot read ${path}: ${(err as Error).message}`, source: path });
    }
    return result;
  }
  result.found = true;
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError) {
      const first = err.message.split('\n')[0] ?? err.message;
      result.issues.push({
        severity: 'error',
        field: '(syntax)',
        message: `${path}:${err.line}:${err.column}: TOML syntax error: ${first}`,
        source: `${path}:${err.line}`,
      });
    } else {
      result.issues.push({ severity: 'error', field: '(syntax)', message: `${path}: ${(err as Error).message}`, source: path });
    }
    return result;
  }
  for (const section of SECTIONS) {
    if (doc[section] !== undefined) result.options[section] = doc[section];
  }
  result.locate = (keyPath) => {
    const line = findLine(text, keyPath.map(String));
    return line ? `${path}:${line}` : path;
  };
  return result;
}

/**
 * Line of `a.b.c` in TOML text: the `[a.b]` header then `c =` below it, or `[a]` then
 * `b =`. Good enough to point a user at the right line; not a TOML position map.
 */
export function findLine(text: string, keys: string[]): number | undefined {
  const lines = text.split(/\r?\n/);
  for (let split = keys.length - 1; split >= 0; split--) {
    const table = keys.slice(0, split).join('.');
    const key = keys[split];
    let inTable = table === '';
    for (let i = 0; i < lines.length; i++) {
      const line = (lines[i] ?? '').trim();
      const header = /^\[\s*([^\]]+?)\s*\]/.exec(line);
      if (header) {
        inTable = header[1]!.replace(/["'\s]/g, '') === table;
        continue;
      }
      if (inTable && key !== undefined && new RegExp(`^["']?${escapeRegExp(key)}["']?\\s*=`).test(line)) return i + 1;
    }
  }
  return undefined;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
