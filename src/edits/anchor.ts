// Places parsed edits in the buffer BY CONTENT and turns them into minimal, sorted,
// non-overlapping hunks. Tiers: exact → whitespace-insensitive (replacement re-indented by the
// observed indentation) → small-mismatch fuzzy. Several equally good places or none → the edit
// is reported `unanchored`, never guessed.
import { diffArrays } from 'diff';
import type { EditHunk } from '../protocol.js';
import type { ParseResult, ParsedEdit, Unanchored } from './parse.js';
import { commonLines, excerptOf, lead, norm, similarity, splitText } from './text.js';

export interface LineRange {
  start_line: number;
  end_line: number;
}

export interface AnchorResult {
  hunks: EditHunk[];
  unanchored: Unanchored[];
}

/** Fuzzy tier: at least `minLines` search lines, at most `maxDiffering` of them differ (after whitespace normalisation), that one ≥ `minLine` similar, average ≥ `minAverage`. */
export const FUZZY = { minLines: 3, maxDiffering: 1, minLine: 0.6, minAverage: 0.9 } as const;
/** Changes closer than this many unchanged lines stay one hunk. */
export const SPLIT_GAP = 3;
export const CONTEXT_LINES = 3;
/** A whole-file answer must keep at least this share of the file's lines. */
export const WHOLE_FILE_MIN_COMMON = 0.5;

interface Raw {
  id: string;
  start: number; // 0-based
  old: string[];
  new: string[];
}

interface Doc {
  lines: string[];
  normed: string[];
  range?: { start: number; end: number }; // 0-based, end exclusive
}

type Located = { start: number; length: number; newLines: string[] } | { reason: string; notFound?: boolean };

export function anchorAnswer(text: string, parsed: ParseResult, range?: LineRange): AnchorResult {
  const { lines } = splitText(text);
  const doc: Doc = { lines, normed: lines.map(norm), ...(range ? { range: clampRange(range, lines.length) } : {}) };
  const raws: Raw[] = [];
  const unanchored: Unanchored[] = [];
  let nextId = 1;

  const take = (parts: Omit<Raw, 'id'>[], excerpt: string[]) => {
    for (const p of parts) {
      const other = raws.find((r) => overlaps(p, r));
      if (other) {
        unanchored.push({ reason: `overlaps ${other.id} (lines ${other.start + 1}–${other.start + other.old.length}) placed by an earlier edit`, excerpt: excerptOf(excerpt) });
        return;
      }
    }
    for (const p of parts) raws.push({ id: `h${nextId++}`, ...p });
  };

  if (parsed.whole) {
    const w = wholeTarget(doc, parsed.whole);
    if ('reason' in w) unanchored.push({ reason: w.reason, excerpt: excerptOf(parsed.whole) });
    else take(splitChanges(w.start, lines.slice(w.start, w.end), w.content), parsed.whole);
  }
  for (const e of parsed.edits) {
    const loc = locate(doc, e);
    if ('reason' in loc) {
      unanchored.push({ reason: loc.reason, excerpt: excerptOf(e.search.length ? e.search : e.replace) });
      continue;
    }
    take(splitChanges(loc.start, lines.slice(loc.start, loc.start + loc.length), loc.newLines), e.search);
  }
  unanchored.push(...parsed.unanchored);
  return { hunks: finishHunks(lines, raws), unanchored };
}

/** Hunks turning lines [start, end) into `content` (edit.from_text, whole-file answers). */
export function hunksFromReplacement(text: string, content: string[], range?: LineRange): EditHunk[] {
  const { lines } = splitText(text);
  const r = range ? clampRange(range, lines.length) : { start: 0, end: lines.length };
  let n = 1;
  const raws = splitChanges(r.start, lines.slice(r.start, r.end), content).map((p) => ({ id: `h${n++}`, ...p }));
  return finishHunks(lines, raws);
}

function clampRange(r: LineRange, n: number): { start: number; end: number } {
  const start = Math.min(Math.max(r.start_line - 1, 0), n);
  return { start, end: Math.min(Math.max(r.end_line, start), n) };
}

function wholeTarget(doc: Doc, whole: string[]): { start: number; end: number; content: string[] } | { reason: string } {
  const { lines } = doc;
  const content = whole.slice();
  while (content.length > 0 && content[content.length - 1]?.trim() === '' && lines[lines.length - 1]?.trim() !== '') content.pop();
  const cw = commonLines(lines, content);
  if (doc.range) {
    const { start, end } = doc.range;
    const rl = lines.slice(start, end);
    const cr = commonLines(rl, content);
    const dice = (c: number, a: number, b: number) => (a + b === 0 ? 1 : (2 * c) / (a + b));
    if (dice(cr, rl.length, content.length) > dice(cw, lines.length, content.length)) return { start, end, content };
  }
  if (lines.length >= 4 && cw < WHOLE_FILE_MIN_COMMON * lines.length) {
    return { reason: `the answer's code block keeps only ${cw} of the file's ${lines.length} lines: it does not look like the whole file, not applied` };
  }
  return { start: 0, end: lines.length, content };
}

function locate(doc: Doc, e: ParsedEdit): Located {
  if (e.search.length === 0) {
    if (doc.lines.length === 0) return { start: 0, length: 0, newLines: e.replace };
    return { reason: 'empty SEARCH: nothing to anchor the change to' };
  }
  const r = findIn(doc, e.search, e.replace, e.hint);
  if ('reason' in r && r.notFound) {
    // Blank lines the model added or dropped at the block's edges.
    let s = 0;
    let t = e.search.length;
    while (s < t && e.search[s]?.trim() === '') s++;
    while (t > s && e.search[t - 1]?.trim() === '') t--;
    if (t > s && (s > 0 || t < e.search.length)) {
      const head = e.search.slice(0, s);
      const tail = e.search.slice(t);
      const rep = e.replace;
      const keepsEdges = head.every((x, k) => rep[k] === x) && tail.every((x, k) => rep[rep.length - tail.length + k] === x) && rep.length >= head.length + tail.length;
      if (keepsEdges) {
        const r2 = findIn(doc, e.search.slice(s, t), rep.slice(head.length, rep.length - tail.length), e.hint);
        if (!('reason' in r2)) return r2;
      }
    }
  }
  return r;
}

function findIn(doc: Doc, search: string[], replace: string[], hint?: number): Located {
  const { lines, normed } = doc;
  const n = search.length;
  const last = lines.length - n;
  const exact: number[] = [];
  for (let i = 0; i <= last; i++) if (search.every((s, k) => lines[i + k] === s)) exact.push(i);
  if (exact.length) return placed(doc, exact, search, replace, hint, true);

  const ns = search.map(norm);
  const loose: number[] = [];
  for (let i = 0; i <= last; i++) if (ns.every((s, k) => normed[i + k] === s)) loose.push(i);
  if (loose.length) return placed(doc, loose, search, replace, hint, false);

  if (n >= FUZZY.minLines) {
    let best = -1;
    let top: number[] = [];
    for (let i = 0; i <= last; i++) {
      let differing = 0;
      let sim = 0;
      for (let k = 0; k < n && differing <= FUZZY.maxDiffering; k++) {
        const a = normed[i + k] ?? '';
        const b = ns[k] ?? '';
        if (a !== b) {
          differing++;
          sim += similarity(a, b);
        }
      }
      if (differing === 0 || differing > FUZZY.maxDiffering) continue;
      if (sim / differing < FUZZY.minLine) continue;
      const avg = (n - differing + sim) / n;
      if (avg < FUZZY.minAverage) continue;
      if (avg > best + 1e-9) {
        best = avg;
        top = [i];
      } else if (Math.abs(avg - best) <= 1e-9) top.push(i);
    }
    if (top.length) return placed(doc, top, search, replace, hint, false);
  }
  return { reason: 'SEARCH text not found in the buffer (not even with whitespace differences or one slightly different line)', notFound: true };
}

function placed(doc: Doc, cands: number[], search: string[], replace: string[], hint: number | undefined, exact: boolean): Located {
  const n = search.length;
  const at = choose(cands, n, hint, doc.range);
  if (at === undefined) {
    const where = cands.slice(0, 6).map((i) => i + 1).join(', ');
    return { reason: `SEARCH text matches ${cands.length} places (lines ${where}${cands.length > 6 ? ', …' : ''}): ambiguous, not guessed` };
  }
  const seg = doc.lines.slice(at, at + n);
  return { start: at, length: n, newLines: exact ? replace : rebuild(search, replace, seg) };
}

/** One candidate, else the only one touching the range, else the one strictly nearest the hint. */
function choose(cands: number[], n: number, hint: number | undefined, range: Doc['range']): number | undefined {
  if (cands.length === 1) return cands[0];
  let pool = cands;
  if (range) {
    const inRange = pool.filter((i) => i < range.end && i + Math.max(n, 1) > range.start);
    if (inRange.length) pool = inRange;
    if (pool.length === 1) return pool[0];
  }
  if (hint !== undefined) {
    const h = hint - 1;
    const sorted = pool.slice().sort((a, b) => Math.abs(a - h) - Math.abs(b - h));
    const [a, b] = sorted;
    if (a !== undefined && (b === undefined || Math.abs(a - h) < Math.abs(b - h))) return a;
  }
  return undefined;
}

/**
 * The replacement as it should read in this buffer: lines the model copied unchanged from
 * SEARCH become the buffer's own lines; the others are re-indented by the indentation the
 * buffer shows for the matched lines.
 */
function rebuild(search: string[], replace: string[], seg: string[]): string[] {
  const re = reindenter(search, seg);
  const out: string[] = [];
  let si = 0;
  let ri = 0;
  for (const c of diffArrays(search, replace)) {
    for (let k = 0; k < c.count; k++) {
      if (c.added) out.push(re(replace[ri++] ?? ''));
      else if (c.removed) si++;
      else {
        const s = search[si];
        const r = replace[ri] ?? '';
        out.push(s === r ? (seg[si] ?? r) : re(r));
        si++;
        ri++;
      }
    }
  }
  return out;
}

function reindenter(search: string[], seg: string[]): (line: string) => string {
  const map = new Map<string, string>();
  let unit = 0;
  let fileTabs = false;
  let offset: number | undefined;
  const pairs: [string, string][] = [];
  search.forEach((s, k) => {
    const f = seg[k] ?? '';
    if (s.trim() === '' || f.trim() === '') return;
    pairs.push([lead(s), lead(f)]);
  });
  for (const [s, f] of pairs) {
    if (!map.has(s)) map.set(s, f);
    if (f.includes('\t')) fileTabs = true;
    if (!unit && /^ +$/.test(s) && /^\t+$/.test(f) && s.length % f.length === 0) unit = s.length / f.length;
    if (!unit && /^\t+$/.test(s) && /^ +$/.test(f) && f.length % s.length === 0) unit = f.length / s.length;
  }
  unit ||= 4;
  const width = (x: string) => [...x].reduce((w, ch) => w + (ch === '\t' ? unit : 1), 0);
  const first = pairs[0];
  if (first) offset = width(first[1]) - width(first[0]);
  // The model's indentation already is the buffer's: leave its lines alone.
  if (pairs.every(([s, f]) => s === f)) return (line) => line;
  return (line) => {
    if (line.trim() === '') return '';
    const l = lead(line);
    const rest = line.slice(l.length);
    const mapped = map.get(l);
    if (mapped !== undefined) return mapped + rest;
    const w = Math.max(0, width(l) + (offset ?? 0));
    return (fileTabs ? '\t'.repeat(Math.floor(w / unit)) + ' '.repeat(w % unit) : ' '.repeat(w)) + rest;
  };
}

/** The changed stretches of old → new, as raw hunks (unchanged runs ≥ SPLIT_GAP split them). */
function splitChanges(start: number, oldSeg: string[], newSeg: string[]): Omit<Raw, 'id'>[] {
  const parts: Omit<Raw, 'id'>[] = [];
  let cur: Omit<Raw, 'id'> | undefined;
  let gap: string[] = [];
  let oi = 0;
  let ni = 0;
  for (const c of diffArrays(oldSeg, newSeg)) {
    if (!c.added && !c.removed) {
      if (cur && c.count < SPLIT_GAP) gap = oldSeg.slice(oi, oi + c.count);
      else {
        if (cur) parts.push(cur);
        cur = undefined;
        gap = [];
      }
      oi += c.count;
      ni += c.count;
      continue;
    }
    if (!cur) cur = { start: start + oi, old: [], new: [] };
    else if (gap.length) {
      cur.old.push(...gap);
      cur.new.push(...gap);
      gap = [];
    }
    if (c.removed) {
      cur.old.push(...oldSeg.slice(oi, oi + c.count));
      oi += c.count;
    } else {
      cur.new.push(...newSeg.slice(ni, ni + c.count));
      ni += c.count;
    }
  }
  if (cur) parts.push(cur);
  return parts;
}

function overlaps(a: { start: number; old: string[] }, b: { start: number; old: string[] }): boolean {
  const ae = a.start + a.old.length;
  const be = b.start + b.old.length;
  if (a.old.length === 0 && b.old.length === 0) return a.start === b.start;
  if (a.old.length === 0) return a.start > b.start && a.start < be;
  if (b.old.length === 0) return b.start > a.start && b.start < ae;
  return a.start < be && b.start < ae;
}

export function compareHunks(a: { start_line: number; end_line: number }, b: { start_line: number; end_line: number }): number {
  const ai = a.end_line < a.start_line ? 0 : 1;
  const bi = b.end_line < b.start_line ? 0 : 1;
  return a.start_line - b.start_line || ai - bi;
}

/** Sorted EditHunks with up to 3 lines of context each side, never reaching into a neighbour's change. */
function finishHunks(lines: string[], raws: Raw[]): EditHunk[] {
  const sorted = raws.slice().sort((a, b) => a.start - b.start || (a.old.length === 0 ? 0 : 1) - (b.old.length === 0 ? 0 : 1));
  return sorted.map((h, i) => {
    const prev = sorted[i - 1];
    const next = sorted[i + 1];
    const prevEnd = prev ? prev.start + prev.old.length : 0;
    const end = h.start + h.old.length;
    const nextStart = next ? next.start : lines.length;
    return {
      id: h.id,
      start_line: h.start + 1,
      end_line: h.start + h.old.length,
      old_lines: h.old,
      new_lines: h.new,
      before: lines.slice(Math.max(h.start - CONTEXT_LINES, prevEnd), h.start),
      after: lines.slice(end, Math.max(end, Math.min(end + CONTEXT_LINES, nextStart))),
    };
  });
}
