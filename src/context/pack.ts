// The context packer of the chat panel (DESIGN.md §6): turns the selection (or the cursor
// region), the file's path and filetype, its diagnostics, the files the user added, the other
// open buffers and the project instructions into one text block that fits a token budget.
//
// Pure and synchronous; a 10k-line buffer plus 20 added files packs in a few milliseconds
// (bench/context.mjs). Token counts come from the completion engine's estimator
// (src/completion/tokens.ts), which is calibrated against o200k_base in tokens.test.ts here.
//
// Budget allocation, in priority order:
//   1. the selection — never dropped; trimmed from the middle only when alone it exceeds the
//      whole budget (the part says so). It is reserved first, so that capped instructions can
//      never push it out;
//   2. project instructions (.zeke.md …) — capped (INSTRUCTIONS_CAP tokens, at most a fifth of
//      the budget), trimmed from the end beyond the cap;
//   3. diagnostics in range (the selection's or the cursor region's lines; all of them when
//      neither is given), the most severe and nearest first when they do not all fit;
//   4. the cursor region (only without a selection), trimmed to the lines nearest the cursor;
//   5. added files (explicit first, in the order given), then other buffers: kept whole when
//      they fit, trimmed to the window around their most relevant line when part fits
//      (≥ MIN_PARTIAL tokens), dropped otherwise — each with its reason in `parts`.
// Files and buffers matching a secret pattern (basename globs, as for completion) are dropped
// unless the user added them explicitly. Without a selection, the cursor region and the
// diagnostics of a secret file are dropped too (the selection is an explicit act).
//
// Rendered order: instructions, selection / cursor region, diagnostics, files, buffers.
// Line numbers are 1-based, as Neovim shows them.
import { isSecretPath } from '../completion/context.js';
import { estimateTokens } from '../completion/tokens.js';

export type Severity = 'error' | 'warn' | 'info' | 'hint';

export interface PackInput {
  /** Path of the current buffer (relative to the project root when possible). */
  path?: string;
  filetype?: string;
  /** The visual selection, 1-based inclusive lines. */
  selection?: { text: string; startLine: number; endLine: number };
  /** The cursor region (± N lines around the cursor), used when there is no selection. */
  cursor?: { line: number; before: string; after: string };
  diagnostics?: { line: number; severity: Severity; message: string; source?: string }[];
  /** Added with :ZekeContext add; `explicit` = the user named this file. */
  files?: { path: string; text: string; explicit: boolean }[];
  /** Other open buffers (never explicit). */
  buffers?: { path: string; text: string }[];
  /** Project instructions (.zeke.md …). */
  instructions?: { path: string; text: string }[];
  budgetTokens: number;
  /** secret_files globs (matched against the basename, or the path when they hold a `/`). */
  secretPatterns: string[];
}

export type PartKind = 'instructions' | 'selection' | 'cursor' | 'diagnostics' | 'file' | 'buffer';

export interface PackedPart {
  kind: PartKind;
  path?: string;
  /** Estimated tokens of the rendered block (header included); 0 when not included. */
  tokens: number;
  included: boolean;
  trimmed: boolean;
  reason?: string;
}

export interface PackedContext {
  text: string;
  tokens: number;
  budget: number;
  parts: PackedPart[];
}

/** Total tokens for all instructions files together (also at most a fifth of the budget). */
export const INSTRUCTIONS_CAP = 2000;
/** A file or buffer is trimmed rather than dropped only if this many tokens of it fit. */
export const MIN_PARTIAL = 48;
/** Separator between blocks ("\n\n"), counted as one token. */
const SEP = '\n\n';
const SEP_TOKENS = 1;

export const SECRET_REASON = 'matches a secret pattern (add it explicitly to include)';

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warn: 1, info: 2, hint: 3 };

/** Tokens of one line as part of a multi-line text: the newline before it merges with its
 * indentation (one whitespace token), so only an unindented line pays for its newline. */
function lineCost(line: string): number {
  const c0 = line.charCodeAt(0);
  const c1 = line.charCodeAt(1);
  const ws = (c: number) => c === 32 || c === 9;
  const merged = c0 === 9 || (ws(c0) && ws(c1));
  return estimateTokens(line) + (merged ? 0 : 1);
}

function fenceFor(text: string): string {
  let fence = '```';
  while (text.includes(fence)) fence += '`';
  return fence;
}

const EXT_LANG: Record<string, string> = { ts: 'typescript', tsx: 'tsx', js: 'javascript', mjs: 'javascript', cjs: 'javascript', py: 'python', rs: 'rust', md: 'markdown', sh: 'sh', yml: 'yaml', rb: 'ruby', kt: 'kotlin', hs: 'haskell' };
function langOf(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return '';
  const ext = base.slice(dot + 1).toLowerCase();
  return EXT_LANG[ext] ?? ext;
}

function codeBlock(header: string, lang: string, body: string): string {
  const fence = fenceFor(body);
  return `${header}\n${fence}${lang}\n${body}${body.endsWith('\n') || body === '' ? '' : '\n'}${fence}`;
}

function lineRange(a: number, b: number): string {
  return a === b ? `line ${a}` : `lines ${a}-${b}`;
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const fromArray = (costs: number[]) => (i: number) => costs[i]!;
function sumCosts(costs: number[], lo: number, hi: number): number {
  let t = 0;
  for (let i = lo; i < hi; i++) t += costs[i]!;
  return t;
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return text.length > 0 && !text.endsWith('\n') ? n + 1 : n;
}

/** Texts up to this size are estimated in one piece; longer ones in line-aligned chunks. */
const CHUNK = 16_384;

/** Estimated tokens of codeBlock(header, lang, body) if at most `limit`, else undefined —
 * without estimating more of a long body than it takes to tell. Chunks split at newlines:
 * the sum of their estimates is an upper bound of the whole's (a boundary can only count a
 * whitespace run twice, and ceil once more), at most 2 per chunk above it. */
function estimateUpTo(header: string, lang: string, body: string, limit: number): number | undefined {
  if (body.length <= CHUNK) {
    const t = estimateTokens(codeBlock(header, lang, body));
    return t <= limit ? t : undefined;
  }
  // + 2: the fence may grow by a backtick or two when the body holds one.
  let sum = estimateTokens(codeBlock(header, lang, '')) + 2;
  let chunks = 1;
  for (let at = 0; at < body.length; chunks++) {
    const nl = body.indexOf('\n', at + CHUNK);
    const end = nl < 0 ? body.length : nl + 1;
    sum += estimateTokens(body.slice(at, end));
    at = end;
    if (sum - 2 * chunks > limit) return undefined; // surely over
  }
  if (sum <= limit) return sum;
  // Within the slack of the bound: settle it exactly.
  const t = estimateTokens(codeBlock(header, lang, body));
  return t <= limit ? t : undefined;
}

/** Lines [lo, hi) whose costs sum to at most `budget`, grown outward from `center`, one line
 * at a time on the side nearer to it; empty when the center line alone does not fit. */
function windowAround(cost: (i: number) => number, n: number, center: number, budget: number): [number, number] {
  if (center >= n || cost(center) > budget) return [center, center];
  let lo = center;
  let hi = center + 1;
  let used = cost(center);
  for (;;) {
    // The side nearer to the center goes first (below on ties); the other if it does not fit.
    const upFirst = center - lo < hi - 1 - center;
    const canUp = lo > 0 && used + cost(lo - 1) <= budget;
    const canDown = hi < n && used + cost(hi) <= budget;
    if (canUp && (upFirst || !canDown)) used += cost(--lo);
    else if (canDown) used += cost(hi++);
    else break;
  }
  return [lo, hi];
}

/** Identifiers (≥ 4 chars) of the focus text: the words a relevant window of a file shares. */
function focusWords(text: string): string[] {
  const seen = new Set<string>();
  const re = /[A-Za-z_][A-Za-z0-9_]{3,}/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) && seen.size < 64) seen.add(m[0]);
  return [...seen];
}

const MAX_HITS = 200;

/** The most relevant line of a file: the one with the most (rarity-weighted) occurrences of
 * the focus words; line 0 when none occurs. */
function relevantLine(text: string, lines: string[], words: readonly string[]): number {
  if (words.length === 0) return 0;
  const starts = new Array<number>(lines.length);
  let off = 0;
  for (let i = 0; i < lines.length; i++) {
    starts[i] = off;
    off += lines[i]!.length + 1;
  }
  const score = new Map<number, number>();
  const hits: number[] = [];
  for (const w of words) {
    hits.length = 0;
    for (let at = text.indexOf(w); at >= 0 && hits.length <= MAX_HITS; at = text.indexOf(w, at + w.length)) hits.push(at);
    if (hits.length === 0 || hits.length > MAX_HITS) continue; // absent, or too common to tell
    const weight = 1 / hits.length;
    for (const at of hits) {
      // binary search of the line holding `at`
      let l = 0;
      let h = starts.length - 1;
      while (l < h) {
        const mid = (l + h + 1) >> 1;
        if (starts[mid]! <= at) l = mid;
        else h = mid - 1;
      }
      score.set(l, (score.get(l) ?? 0) + weight);
    }
  }
  let best = 0;
  let bestScore = 0;
  for (const [line, s] of score) {
    if (s > bestScore || (s === bestScore && line < best)) {
      best = line;
      bestScore = s;
    }
  }
  return best;
}

interface Block {
  order: number;
  text: string;
}

/** Packs the context; see the header for the rules. Deterministic for a given input. */
export function packContext(input: PackInput): PackedContext {
  const budget = Math.max(0, Math.floor(input.budgetTokens));
  const secrets = input.secretPatterns;
  const parts: PackedPart[] = [];
  const blocks: Block[] = [];
  let used = 0;
  /** Tokens a new block costs on top of `used`, separator included. */
  const sepCost = () => (blocks.length > 0 ? SEP_TOKENS : 0);
  const add = (order: number, text: string, tokens: number) => {
    used += tokens + sepCost();
    blocks.push({ order, text });
  };
  const left = () => budget - used - sepCost();
  const ft = input.filetype ?? (input.path ? langOf(input.path) : '');
  const where = input.path ? `${input.path}${ft ? ` (${ft})` : ''}` : ft ? `(${ft})` : '(no file)';
  const currentSecret = input.path !== undefined && isSecretPath(input.path, secrets);

  // Slots, so that allocation order (selection first) can differ from rendering order.
  const slot = { instructions: 0, focus: 1, diagnostics: 2, files: 3, buffers: 4 };
  const partSlot = new Map<PackedPart, number>();
  const record = (p: PackedPart, s: number) => {
    partSlot.set(p, s);
    parts.push(p);
  };

  // 1. The selection.
  let range: [number, number] | undefined;
  let focusText = '';
  if (input.selection) {
    const sel = input.selection;
    range = [sel.startLine, sel.endLine];
    focusText = sel.text;
    const header = `### Selection: ${where}, ${lineRange(sel.startLine, sel.endLine)}`;
    let text = codeBlock(header, ft, sel.text);
    let tokens = estimateTokens(text);
    let trimmed = false;
    let reason: string | undefined;
    if (tokens > budget) {
      // Alone it exceeds the budget: keep its head and tail, cut the middle.
      const lines = splitLines(sel.text);
      const costs = lines.map(lineCost);
      const room = Math.max(0, budget - estimateTokens(codeBlock(header + ' (middle trimmed)', ft, '… 000000 lines omitted …')));
      let head = 0;
      let tail = lines.length;
      let spent = 0;
      // Alternate head/tail so both ends survive.
      for (let turn = 0; head < tail; turn++) {
        const i = turn % 2 === 0 ? head : tail - 1;
        if (spent + costs[i]! > room) break;
        spent += costs[i]!;
        if (turn % 2 === 0) head++;
        else tail--;
      }
      const omitted = tail - head;
      const body = [...lines.slice(0, head), `… ${omitted} lines omitted …`, ...lines.slice(tail)].join('\n');
      text = codeBlock(header + ' (middle trimmed)', ft, body);
      tokens = estimateTokens(text);
      trimmed = true;
      reason = `trimmed from the middle (${omitted} of ${lines.length} lines left out): alone it exceeds the budget`;
    }
    add(slot.focus, text, tokens);
    record({ kind: 'selection', ...(input.path ? { path: input.path } : {}), tokens, included: true, trimmed, ...(reason ? { reason } : {}) }, slot.focus);
  }

  // 2. Instructions, capped.
  if (input.instructions?.length) {
    let cap = Math.min(INSTRUCTIONS_CAP, Math.floor(budget / 5));
    for (const ins of input.instructions) {
      const header = `### Project instructions: ${ins.path}`;
      const full = `${header}\n${ins.text.replace(/\n+$/, '')}`;
      const tokens = estimateTokens(full);
      const room = Math.min(cap, left());
      if (tokens <= room) {
        add(slot.instructions, full, tokens);
        cap -= tokens + SEP_TOKENS;
        record({ kind: 'instructions', path: ins.path, tokens, included: true, trimmed: false }, slot.instructions);
        continue;
      }
      const lines = splitLines(ins.text);
      const costs = lines.map(lineCost);
      const [lo, hi] = windowAround(fromArray(costs), costs.length, 0, room - estimateTokens(header + ' (truncated)') - 3);
      if (hi - lo === 0 || room < MIN_PARTIAL) {
        record({ kind: 'instructions', path: ins.path, tokens: 0, included: false, trimmed: false, reason: `over the instructions cap (${tokens} tokens, ${Math.max(0, room)} left)` }, slot.instructions);
        continue;
      }
      const text = `${header} (truncated)\n${lines.slice(lo, hi).join('\n')}\n…`;
      const t = estimateTokens(text);
      add(slot.instructions, text, t);
      cap -= t + SEP_TOKENS;
      record({ kind: 'instructions', path: ins.path, tokens: t, included: true, trimmed: true, reason: `truncated to the instructions cap (${hi - lo} of ${lines.length} lines)` }, slot.instructions);
    }
  }

  // The cursor region's lines (for the diagnostics' range and the focus words).
  let cursorLines: { lines: string[]; first: number; cursorIdx: number } | undefined;
  if (!input.selection && input.cursor) {
    const c = input.cursor;
    const before = c.before.split('\n');
    const after = c.after.split('\n');
    // `before` ends on the cursor line, `after` starts on it: join them there.
    const lines = [...before.slice(0, -1), before[before.length - 1]! + after[0]!, ...after.slice(1)];
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    const first = c.line - (before.length - 1);
    cursorLines = { lines, first, cursorIdx: before.length - 1 };
    range = [first, first + lines.length - 1];
    focusText = lines.slice(Math.max(0, before.length - 11), before.length + 10).join('\n');
  }

  // 3. Diagnostics in range.
  const dropSecretFocus = currentSecret && !input.selection;
  if (input.diagnostics?.length) {
    const inRange = input.diagnostics.filter((d) => !range || (d.line >= range[0] && d.line <= range[1]));
    if (inRange.length > 0) {
      if (dropSecretFocus) {
        record({ kind: 'diagnostics', ...(input.path ? { path: input.path } : {}), tokens: 0, included: false, trimmed: false, reason: SECRET_REASON }, slot.diagnostics);
      } else {
        const header = `### Diagnostics: ${where}${range ? `, ${lineRange(range[0], range[1])}` : ''}`;
        const anchor = range ? (range[0] + range[1]) / 2 : 0;
        const dist = (line: number) => Math.abs(line - anchor);
        const ranked = inRange
          .map((d, i) => ({ d, i }))
          .sort((a, b) => SEVERITY_RANK[a.d.severity] - SEVERITY_RANK[b.d.severity] || dist(a.d.line) - dist(b.d.line) || a.d.line - b.d.line || a.i - b.i);
        const itemOf = (d: (typeof inRange)[number]) => `- line ${d.line} ${d.severity}${d.source ? ` [${d.source}]` : ''}: ${d.message.replace(/\s*\n\s*/g, ' ')}`;
        let room = left() - estimateTokens(header) - 1;
        const kept: typeof ranked = [];
        for (const r of ranked) {
          const cost = estimateTokens(itemOf(r.d)) + 1;
          if (cost > room) continue;
          room -= cost;
          kept.push(r);
        }
        if (kept.length === 0) {
          record({ kind: 'diagnostics', ...(input.path ? { path: input.path } : {}), tokens: 0, included: false, trimmed: false, reason: `no room left in the budget (${Math.max(0, left())} tokens left)` }, slot.diagnostics);
        } else {
          kept.sort((a, b) => a.d.line - b.d.line || SEVERITY_RANK[a.d.severity] - SEVERITY_RANK[b.d.severity] || a.i - b.i);
          const text = [header, ...kept.map((r) => itemOf(r.d))].join('\n');
          const tokens = estimateTokens(text);
          add(slot.diagnostics, text, tokens);
          const trimmed = kept.length < inRange.length;
          record({ kind: 'diagnostics', ...(input.path ? { path: input.path } : {}), tokens, included: true, trimmed, ...(trimmed ? { reason: `${kept.length} of ${inRange.length} kept (the most severe and nearest)` } : {}) }, slot.diagnostics);
        }
      }
    }
  }

  // 4. The cursor region.
  if (cursorLines) {
    const { lines, first, cursorIdx } = cursorLines;
    const path = input.path ? { path: input.path } : {};
    if (dropSecretFocus) {
      record({ kind: 'cursor', ...path, tokens: 0, included: false, trimmed: false, reason: SECRET_REASON }, slot.focus);
    } else {
      const cursorLine = first + cursorIdx;
      const headerOf = (a: number, b: number, trimmed: boolean) => `### Cursor region: ${where}, ${lineRange(a, b)} (cursor on line ${cursorLine}${trimmed ? ', trimmed to the nearest lines' : ''})`;
      const full = codeBlock(headerOf(first, first + lines.length - 1, false), ft, lines.join('\n'));
      const tokens = estimateTokens(full);
      if (tokens <= left()) {
        add(slot.focus, full, tokens);
        record({ kind: 'cursor', ...path, tokens, included: true, trimmed: false }, slot.focus);
      } else {
        const overhead = estimateTokens(codeBlock(headerOf(first + 99999, first + 99999, true), ft, ''));
        const room = left() - overhead;
        const [lo, hi] = room >= MIN_PARTIAL ? windowAround(fromArray(lines.map(lineCost)), lines.length, cursorIdx, room) : [0, 0];
        if (hi - lo === 0) {
          record({ kind: 'cursor', ...path, tokens: 0, included: false, trimmed: false, reason: `no room left in the budget (needs ${tokens} tokens, ${Math.max(0, left())} left)` }, slot.focus);
        } else {
          const text = codeBlock(headerOf(first + lo, first + hi - 1, true), ft, lines.slice(lo, hi).join('\n'));
          const t = estimateTokens(text);
          add(slot.focus, text, t);
          record({ kind: 'cursor', ...path, tokens: t, included: true, trimmed: true, reason: `trimmed to ${hi - lo} of ${lines.length} lines around the cursor` }, slot.focus);
        }
      }
    }
  }

  // 5. Added files (explicit first, in the order given), then other buffers.
  const words = focusWords(focusText + '\n' + (input.diagnostics ?? []).map((d) => d.message).join('\n'));
  const focusLine = input.selection ? input.selection.startLine : input.cursor?.line;
  const seen = new Map<string, { included: boolean }>();
  const files = input.files ?? [];
  const ordered = [...files.filter((f) => f.explicit), ...files.filter((f) => !f.explicit)];
  const candidates: { kind: 'file' | 'buffer'; path: string; text: string; explicit: boolean }[] = [
    ...ordered.map((f) => ({ kind: 'file' as const, path: f.path, text: f.text, explicit: f.explicit })),
    ...(input.buffers ?? []).map((b) => ({ kind: 'buffer' as const, path: b.path, text: b.text, explicit: false })),
  ];
  for (const f of candidates) {
    const s = f.kind === 'file' ? slot.files : slot.buffers;
    const drop = (reason: string) => record({ kind: f.kind, path: f.path, tokens: 0, included: false, trimmed: false, reason }, s);
    const before = seen.get(f.path);
    if (before) {
      drop(before.included ? 'already included' : 'listed twice (see above)');
      continue;
    }
    seen.set(f.path, { included: false });
    if (f.kind === 'buffer' && input.path !== undefined && f.path === input.path) {
      drop('the current buffer (its selection or cursor region is included)');
      continue;
    }
    if (!f.explicit && isSecretPath(f.path, secrets)) {
      drop(SECRET_REASON);
      continue;
    }
    const lang = langOf(f.path);
    const label = f.kind === 'file' ? 'File' : 'Open buffer';
    const nLines = countLines(f.text);
    const avail = left();
    const header = `### ${label}: ${f.path} (${nLines} lines)`;
    // Estimated only as far as it could fit: a file far over what is left costs no more to
    // reject than the part of it that fits.
    const tokens = estimateUpTo(header, lang, f.text, avail);
    if (tokens !== undefined) {
      add(s, codeBlock(header, lang, f.text), tokens);
      seen.set(f.path, { included: true });
      record({ kind: f.kind, path: f.path, tokens, included: true, trimmed: false }, s);
      continue;
    }
    const headerOf = (a: number, b: number) => `### ${label}: ${f.path}, ${lineRange(a, b)} of ${nLines} (trimmed)`;
    const room = avail - 2 - estimateTokens(codeBlock(headerOf(nLines - 1, nLines), lang, ''));
    if (room < MIN_PARTIAL) {
      drop(`no room left in the budget (${Math.max(0, avail)} tokens left)`);
      continue;
    }
    const lines = splitLines(f.text);
    const center = f.path === input.path && focusLine !== undefined ? Math.min(lines.length - 1, Math.max(0, focusLine - 1)) : relevantLine(f.text, lines, words);
    const cache: number[] = [];
    const [lo, hi] = windowAround((i) => (cache[i] ??= lineCost(lines[i]!)), lines.length, center, room);
    if (hi - lo === 0) {
      drop(`no room left in the budget (${Math.max(0, avail)} tokens left)`);
      continue;
    }
    const body = lines.slice(lo, hi).join('\n');
    const text = codeBlock(headerOf(lo + 1, hi), lang, body);
    // The window's line costs bound its estimate from above; no second pass over it.
    const t = estimateTokens(codeBlock(headerOf(lo + 1, hi), lang, '')) + (fenceFor(body).length > 3 ? 2 : 0) + sumCosts(cache, lo, hi);
    add(s, text, t);
    seen.set(f.path, { included: true });
    record({ kind: f.kind, path: f.path, tokens: t, included: true, trimmed: true, reason: `trimmed to ${lineRange(lo + 1, hi)} of ${lines.length} (around line ${center + 1}, the most relevant): the whole file does not fit in the ${avail} tokens left` }, s);
  }

  // Render in slot order (stable: within a slot, in allocation order).
  blocks.sort((a, b) => a.order - b.order);
  const text = blocks.map((b) => b.text).join(SEP);
  parts.sort((a, b) => partSlot.get(a)! - partSlot.get(b)!);
  // `used` is the sum of the parts' estimates and one per separator: the preview's numbers add
  // up, and it bounds estimateTokens(text) from above (blocks join at whitespace), without a
  // last pass over the whole text.
  return { text, tokens: used, budget, parts };
}

/** A human-readable preview of what was packed: one line per part, then the total. */
export function previewLines(packed: PackedContext): string[] {
  const out = packed.parts.map((p) => {
    const state = !p.included ? 'dropped' : p.trimmed ? 'trimmed' : 'included';
    const tokens = p.included ? `${p.tokens} tokens` : '—';
    return `${p.kind.padEnd(12)} ${(p.path ?? '').padEnd(24)} ${tokens.padStart(13)}  ${state}${p.reason ? `: ${p.reason}` : ''}`.replace(/\s+$/, '');
  });
  const pct = packed.budget > 0 ? Math.round((packed.tokens / packed.budget) * 100) : 0;
  const dropped = packed.parts.filter((p) => !p.included).length;
  out.push(`total ${packed.tokens} of ${packed.budget} tokens (${pct}%)${dropped ? `, ${dropped} dropped` : ''}`);
  return out;
}
