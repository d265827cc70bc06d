// The context a completion request sends: the text around the cursor trimmed to a token
// budget at line boundaries, and snippets of other buffers as comments in a separate, small
// budget. Pure functions; the engine calls them once per request (and again with a smaller
// budget when the chosen model's window is small).
import { estimateTokens } from './tokens.js';

export interface Budget {
  /** Tokens of text before the cursor. */
  prefix: number;
  /** Tokens of text after the cursor. */
  suffix: number;
  /** Tokens of other buffers' snippets. */
  context: number;
}

export const DEFAULT_BUDGET: Budget = { prefix: 1500, suffix: 500, context: 384 };
/** Special tokens, the file path line, slack for the estimator. */
const TEMPLATE_OVERHEAD = 48;

/**
 * The budget for a model: the default, shrunk proportionally (prefix 60 %, suffix 20 %,
 * snippets 20 %) when the model's window cannot hold it plus the answer.
 */
export function budgetFor(contextWindow: number | undefined, maxTokens: number): Budget {
  const total = DEFAULT_BUDGET.prefix + DEFAULT_BUDGET.suffix + DEFAULT_BUDGET.context;
  if (!contextWindow) return DEFAULT_BUDGET;
  const available = contextWindow - maxTokens - TEMPLATE_OVERHEAD;
  if (available >= total) return DEFAULT_BUDGET;
  const room = Math.max(256, available);
  const prefix = Math.floor(room * 0.6);
  const suffix = Math.floor(room * 0.2);
  return { prefix, suffix, context: Math.max(0, room - prefix - suffix) };
}

/**
 * The end of `prefix` within `budget` tokens, cut at a line start. The cursor's line is
 * always kept (even alone over budget: a model without it cannot complete anything).
 */
export function trimPrefix(prefix: string, budget: number): string {
  let end = prefix.lastIndexOf('\n');
  if (end < 0) return prefix;
  let used = estimateTokens(prefix.slice(end + 1));
  let start = end + 1;
  // Each round moves `end` strictly back, so the walk ends; the bound makes that certain.
  for (let rounds = 0; end >= 0 && rounds <= prefix.length; rounds++) {
    // lastIndexOf with a negative position searches from 0 and would find the newline at 0
    // again: an empty first line must end the walk, not loop on it.
    const lineStart = end === 0 ? 0 : prefix.lastIndexOf('\n', end - 1) + 1;
    used += estimateTokens(prefix.slice(lineStart, end + 1));
    if (used > budget) break;
    start = lineStart;
    if (lineStart === 0) break;
    end = lineStart - 1;
  }
  return prefix.slice(start);
}

/** The start of `suffix` within `budget` tokens, cut after a line end; the cursor's line is kept. */
export function trimSuffix(suffix: string, budget: number): string {
  let nl = suffix.indexOf('\n');
  if (nl < 0) return suffix;
  let used = estimateTokens(suffix.slice(0, nl + 1));
  let end = nl + 1;
  while (end < suffix.length) {
    nl = suffix.indexOf('\n', end);
    const lineEnd = nl < 0 ? suffix.length : nl + 1;
    used += estimateTokens(suffix.slice(end, lineEnd));
    if (used > budget) break;
    end = lineEnd;
  }
  return suffix.slice(0, end);
}

const globCache = new Map<string, RegExp>();
function globToRegExp(glob: string): RegExp {
  let re = globCache.get(glob);
  if (!re) {
    const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
    re = new RegExp(`^${body}$`, 'i');
    globCache.set(glob, re);
  }
  return re;
}

/** The path (or its file name) matches one of the secret_files globs. */
export function isSecretPath(path: string, patterns: readonly string[]): boolean {
  const norm = path.replace(/\\/g, '/');
  const base = norm.slice(norm.lastIndexOf('/') + 1);
  return patterns.some((g) => {
    const re = globToRegExp(g);
    return re.test(base) || (g.includes('/') && re.test(norm));
  });
}

const HASH = new Set(['python', 'sh', 'bash', 'zsh', 'fish', 'ruby', 'perl', 'yaml', 'toml', 'r', 'elixir', 'make', 'dockerfile', 'nix', 'cmake', 'julia', 'conf', 'ps1', 'gitignore', 'terraform', 'hcl', 'nim', 'crystal', 'coffee', 'graphql']);
const DASH = new Set(['lua', 'sql', 'haskell', 'elm', 'ada', 'vhdl', 'purescript', 'teal']);
const SEMI = new Set(['lisp', 'scheme', 'clojure', 'fennel', 'racket', 'asm', 'nasm', 'ini']);
const PCT = new Set(['tex', 'latex', 'erlang', 'matlab', 'prolog']);
const SLASH = new Set(['c', 'cpp', 'cs', 'java', 'javascript', 'javascriptreact', 'typescript', 'typescriptreact', 'go', 'rust', 'kotlin', 'swift', 'scala', 'dart', 'php', 'zig', 'proto', 'groovy', 'objc', 'objcpp', 'cuda', 'glsl', 'hlsl', 'solidity', 'd', 'odin', 'v', 'jsonc', 'less', 'scss']);

/** The line-comment leader of a filetype; undefined when it has none we trust (markdown, json…). */
export function lineComment(filetype: string): string | undefined {
  const ft = filetype.toLowerCase();
  if (SLASH.has(ft)) return '//';
  if (HASH.has(ft)) return '#';
  if (DASH.has(ft)) return '--';
  if (SEMI.has(ft)) return ';';
  if (PCT.has(ft)) return '%';
  if (ft === 'vim') return '"';
  return undefined;
}

export interface Snippet {
  path: string;
  text: string;
}

/**
 * Other buffers' snippets as line comments, Copilot-style:
 *   // Path: src/other.ts
 *   // <line>…
 * followed by `// Path: <this file>` when any snippet made it. Snippets come most relevant
 * first: they are taken in order while they fit, so the least relevant go first; one over
 * the remaining budget is cut at a line end when at least 64 tokens remain, else skipped.
 * Secret files are never sent. '' when the filetype has no line comment (no way to embed
 * them without changing the code's meaning).
 */
export function snippetBlock(snippets: readonly Snippet[], opts: { filetype: string; path?: string; budget: number; secretFiles: readonly string[]; allowSecrets: boolean }): string {
  const cc = lineComment(opts.filetype);
  if (!cc || opts.budget <= 0 || snippets.length === 0) return '';
  let left = opts.budget;
  const parts: string[] = [];
  for (const s of snippets) {
    if (left < 16) break;
    if (!opts.allowSecrets && isSecretPath(s.path, opts.secretFiles)) continue;
    if (opts.path && s.path === opts.path) continue;
    const body = s.text.replace(/\s+$/, '');
    if (body === '') continue;
    let block = `${cc} Path: ${s.path}\n${body.split('\n').map((l) => (l === '' ? cc : `${cc} ${l}`)).join('\n')}\n`;
    let cost = estimateTokens(block);
    if (cost > left) {
      if (left < 64) continue;
      block = trimSuffix(block, left);
      if (!block.endsWith('\n')) block += '\n';
      cost = estimateTokens(block);
    }
    parts.push(block);
    left -= cost;
  }
  if (parts.length === 0) return '';
  return `${parts.join(`${cc}\n`)}${cc}\n${opts.path ? `${cc} Path: ${opts.path}\n` : ''}`;
}
