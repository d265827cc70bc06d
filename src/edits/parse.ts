// The model's answer → edits. Three shapes, tried in this order: SEARCH/REPLACE blocks, unified
// diff hunks (their line numbers are kept as hints only), one fenced block holding the whole
// file or range. Only complete edits are returned; a cut-off answer adds an `unanchored` entry.
import { excerptOf } from './text.js';

export interface Unanchored {
  reason: string;
  excerpt: string;
}

export interface ParsedEdit {
  search: string[];
  replace: string[];
  /** 1-based line where the diff said the old lines start: a hint, never trusted. */
  hint?: number;
}

export type AnswerFormat = 'diff' | 'search-replace' | 'whole-file' | 'none';

export interface ParseResult {
  format: AnswerFormat;
  edits: ParsedEdit[];
  /** whole-file: the code block's lines (the whole file or the whole range). */
  whole?: string[];
  unanchored: Unanchored[];
}

const CUT_OFF = 'the answer was cut off';

const SEARCH_RE = /^\s*<{5,9}\s*SEARCH\b/i;
const DIVIDER_RE = /^\s*={5,9}\s*$/;
const REPLACE_RE = /^\s*>{5,9}\s*REPLACE\b/i;
const HUNK_RE = /^@@+\s*(?:-(\d+)(?:,(\d+))?\s+\+(\d+)(?:,(\d+))?\s*)?@@+/;
const FENCE_RE = /^\s*(`{3,}|~{3,})/;

/** Removes reasoning (`<think>…</think>`, also an unclosed one still streaming). */
export function stripThink(answer: string): string {
  let s = answer.replace(/<(think|thinking|reasoning)>[\s\S]*?<\/\1>/gi, '');
  const open = /<(think|thinking|reasoning)>/i.exec(s);
  if (open) s = s.slice(0, open.index);
  return s;
}

/**
 * `final`: the answer is complete (else the last, partial line and any unfinished edit are
 * left for later, without complaint).
 */
export function parseAnswer(answer: string, final: boolean): ParseResult {
  const lines = stripThink(answer).replace(/\r\n/g, '\n').split('\n');
  if (!final) lines.pop(); // possibly a partial line
  if (lines.some((l) => SEARCH_RE.test(l))) return parseSearchReplace(lines, final);
  if (lines.some((l) => HUNK_RE.test(l))) return parseDiff(lines, final);
  return parseWhole(lines, final);
}

function parseSearchReplace(lines: string[], final: boolean): ParseResult {
  const edits: ParsedEdit[] = [];
  const unanchored: Unanchored[] = [];
  let state: 'out' | 'search' | 'replace' = 'out';
  let search: string[] = [];
  let replace: string[] = [];
  for (const line of lines) {
    if (SEARCH_RE.test(line)) {
      if (state !== 'out') unanchored.push({ reason: 'a SEARCH block without its REPLACE end (malformed answer)', excerpt: excerptOf(search) });
      state = 'search';
      search = [];
      replace = [];
    } else if (state === 'search' && DIVIDER_RE.test(line)) {
      state = 'replace';
    } else if (state === 'replace' && REPLACE_RE.test(line)) {
      edits.push({ search, replace });
      state = 'out';
    } else if (state === 'search') {
      search.push(line);
    } else if (state === 'replace') {
      replace.push(line);
    }
  }
  if (state !== 'out' && final) {
    unanchored.push({ reason: `${CUT_OFF}: a SEARCH/REPLACE block has no ${state === 'search' ? '=======' : '>>>>>>> REPLACE'} end`, excerpt: excerptOf(search) });
  }
  return { format: 'search-replace', edits, unanchored };
}

function parseDiff(lines: string[], final: boolean): ParseResult {
  const edits: ParsedEdit[] = [];
  const unanchored: Unanchored[] = [];
  let inFence = false;
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    const h = HUNK_RE.exec(line);
    if (!h) {
      if (FENCE_RE.test(line)) inFence = !inFence;
      i++;
      continue;
    }
    const hint = h[1] !== undefined ? Number(h[1]) : undefined;
    const oldCount = h[1] !== undefined ? (h[2] !== undefined ? Number(h[2]) : 1) : undefined;
    const newCount = h[3] !== undefined ? (h[4] !== undefined ? Number(h[4]) : 1) : undefined;
    const search: string[] = [];
    const replace: string[] = [];
    let terminated = false;
    i++;
    for (; i < lines.length; i++) {
      const l = lines[i] ?? '';
      const next = lines[i + 1];
      if (l.startsWith('--- ') && next?.startsWith('+++ ')) {
        terminated = true;
        break;
      }
      if (l.startsWith(' ')) {
        search.push(l.slice(1));
        replace.push(l.slice(1));
      } else if (l.startsWith('-')) {
        search.push(l.slice(1));
      } else if (l.startsWith('+')) {
        replace.push(l.slice(1));
      } else if (l.startsWith('\\')) {
        // "\ No newline at end of file"
      } else if (l === '') {
        // An empty context line whose leading space was lost, unless the hunk ends here.
        let j = i + 1;
        while (j < lines.length && lines[j] === '') j++;
        const after = lines[j];
        if (after !== undefined && /^[ +\-\\]/.test(after) && !(after.startsWith('--- ') && lines[j + 1]?.startsWith('+++ '))) {
          search.push('');
          replace.push('');
        } else {
          if (after === undefined) i = lines.length;
          else terminated = true;
          break;
        }
      } else {
        terminated = true;
        break;
      }
    }
    const countsMet = oldCount !== undefined && newCount !== undefined && search.length >= oldCount && replace.length >= newCount;
    const complete = terminated || (final && (countsMet || !inFence));
    if (complete) {
      edits.push({ search, replace, ...(hint !== undefined ? { hint } : {}) });
    } else if (final) {
      unanchored.push({ reason: `${CUT_OFF}: a diff hunk is incomplete`, excerpt: excerptOf(search) });
    }
  }
  return { format: 'diff', edits, unanchored };
}

function parseWhole(lines: string[], final: boolean): ParseResult {
  const blocks: string[][] = [];
  let open: { fence: string; body: string[] } | undefined;
  for (const line of lines) {
    const f = FENCE_RE.exec(line);
    if (!open) {
      if (f?.[1]) open = { fence: f[1], body: [] };
    } else if (f?.[1] && f[1][0] === open.fence[0] && f[1].length >= open.fence.length && line.trim() === f[1]) {
      blocks.push(open.body);
      open = undefined;
    } else {
      open.body.push(line);
    }
  }
  if (blocks.length === 0) {
    if (open && final) return { format: 'whole-file', edits: [], unanchored: [{ reason: `${CUT_OFF}: its code block never closes`, excerpt: excerptOf(open.body) }] };
    if (!final || open) return { format: 'none', edits: [], unanchored: [] };
    return { format: 'none', edits: [], unanchored: [{ reason: 'no edits found in the answer (no SEARCH/REPLACE block, diff or code block)', excerpt: excerptOf(lines.filter((l) => l.trim() !== '')) }] };
  }
  if (!final) return { format: 'whole-file', edits: [], unanchored: [] }; // whole answers are used once complete
  const unanchored: Unanchored[] = [];
  if (open) unanchored.push({ reason: `${CUT_OFF}: a later code block never closes`, excerpt: excerptOf(open.body) });
  const whole = blocks.reduce((a, b) => (b.length > a.length ? b : a));
  return { format: 'whole-file', edits: [], whole, unanchored };
}
