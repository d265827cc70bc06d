// Turns a model's raw fill-in-the-middle output into the suggestion shown at the cursor.
// Pure and cheap (a few µs): it runs on every streamed part, so it must also be stable on
// partial text — with `partial: true` it holds back what a later part could still change
// (a fence line being written, a half-sent control token, an unfinished line of a
// multi-line suggestion), so what it returns only grows.
//
// Rules, in order (each has golden cases in __golden__/):
//  1. cut at a leaked control token (EOS / FIM tokens of any family)
//  2. strip <think>…</think> (an unclosed one: everything after it)
//  3. strip <COMPLETION> wrappers and markdown fences (not in markdown files)
//  4. strip a leading repeat of the cursor's line (chat models echo it), and a space the
//     prefix already ends with
//  5. single-line unless the cursor is at the end of its line (or the line is empty)
//  6. multi-line: stop at a blank line when code follows the cursor (mid-block), at a line
//     that repeats the next line of the suffix (or the closing brackets it starts with), and
//     at a line indented less than the cursor's block
//  7. drop trailing blank lines; at a line end, trailing whitespace
//  8. trim the end that duplicates the text right of the cursor (closing brackets/quotes
//     already there), only when the brackets say the suggestion closes them too
//  9. whitespace-only → ''

export interface PostInput {
  prefix: string;
  suffix: string;
  raw: string;
  filetype?: string;
}

const CONTROL_TOKENS = [
  '<|endoftext|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|fim_pad|>', '<|file_sep|>', '<|repo_name|>', '<|im_start|>', '<|im_end|>',
  '<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<file_sep>', '<|file_separator|>', '<end_of_turn>', '<eos>',
  '<\uFF5Cfim\u2581begin\uFF5C>', '<\uFF5Cfim\u2581hole\uFF5C>', '<\uFF5Cfim\u2581end\uFF5C>', '<\uFF5Cend\u2581of\u2581sentence\uFF5C>', '<|EOT|>',
  '<EOT>', ' <EOT>', '<PRE>', '<SUF>', '<MID>', '[PREFIX]', '[SUFFIX]', '[MIDDLE]', '</s>',
];
/** Markers a partial text may be in the middle of writing. */
const HOLD_MARKERS = [...CONTROL_TOKENS, '<think>', '</think>', '<COMPLETION>', '</COMPLETION>'];
const MARKDOWN = new Set(['markdown', 'md', 'rmd', 'quarto', 'vimwiki', 'mdx']);

const OPEN = '([{';
const CLOSE = ')]}';

export function postprocess(input: PostInput, opts: { partial?: boolean } = {}): string {
  const partial = opts.partial === true;
  const { prefix, suffix } = input;
  let text = input.raw;

  // 1. leaked control tokens
  for (const t of CONTROL_TOKENS) {
    const i = text.indexOf(t);
    if (i >= 0) text = text.slice(0, i);
  }
  if (partial) text = holdBackMarker(text);

  // 2. <think>…</think>
  if (text.includes('<think>')) {
    text = text.replace(/<think>[\s\S]*?<\/think>\s*/g, '');
    const open = text.indexOf('<think>');
    if (open >= 0) text = text.slice(0, open);
  }

  // 3. <COMPLETION> wrappers, markdown fences
  text = text.replace(/<\/?COMPLETION>/gi, '');
  if (!MARKDOWN.has((input.filetype ?? '').toLowerCase())) {
    const lead = /^\s*```/.exec(text);
    if (lead) {
      const nl = text.indexOf('\n', lead[0].length);
      if (nl < 0) return ''; // the fence line is still being written (or is all there is)
      text = text.slice(nl + 1);
    }
    const close = /(^|\n)[ \t]*```/.exec(text);
    if (close) text = text.slice(0, close.index);
    else if (partial && lead) {
      // a closing fence may be under way on the last line
      const last = text.slice(text.lastIndexOf('\n') + 1);
      if (/^[ \t]*`{1,2}$/.test(last)) text = text.slice(0, text.length - last.length);
    }
  }

  // 4. a leading repeat of the cursor's line
  const curLine = prefix.slice(prefix.lastIndexOf('\n') + 1);
  const curBlank = curLine.trim() === '';
  const lead = curBlank ? curLine : curLine.trimStart();
  if (lead.length > 0 && (curBlank || lead.length >= 4)) {
    if (text.startsWith(curLine)) text = text.slice(curLine.length);
    else if (text.startsWith(lead)) text = text.slice(lead.length);
    else if (partial && !curBlank && lead.startsWith(text) && text.length > 0) return '';
  }
  if (!curBlank && curLine.endsWith(' ') && text.startsWith(' ') && !text.startsWith('  ')) text = text.slice(1);

  // 5. single-line unless at the end of the line
  const nl = suffix.indexOf('\n');
  const suffixLine = nl < 0 ? suffix : suffix.slice(0, nl);
  const multiline = suffixLine.trim() === '';
  if (!multiline) {
    const i = text.indexOf('\n');
    if (i >= 0) text = text.slice(0, i);
  } else if (partial) {
    // show complete lines only once there are several: the rules below judge whole lines
    const i = text.lastIndexOf('\n');
    if (i >= 0) text = text.slice(0, i);
  }

  // 6. where a multi-line suggestion stops
  if (multiline && text.includes('\n')) text = limitLines(text, prefix, curLine, suffix, nl);
  else if (multiline && text.trim() !== '' && repeatsNextLine(curLine + text, suffix, nl)) text = '';

  // 7. trailing blank lines and whitespace
  if (multiline) text = text.replace(/\s+$/, '');

  // 8. the end that duplicates the text right of the cursor
  if (!multiline) text = trimSuffixOverlap(text, suffixLine, curLine);

  // 9. nothing but whitespace
  return text.trim() === '' ? '' : text;
}

/** Drops a trailing fragment that may become a control token, <think> or a fence. */
function holdBackMarker(text: string): string {
  const from = Math.max(0, text.length - 32);
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (ch !== '<' && ch !== '[' && ch !== ' ') continue;
    const tail = text.slice(i);
    if (HOLD_MARKERS.some((m) => m.length > tail.length && m.startsWith(tail))) return text.slice(0, i);
  }
  return text;
}

const indentOf = (line: string) => /^[ \t]*/.exec(line)![0].replace(/\t/g, '    ').length;
const rstrip = (s: string) => s.replace(/\s+$/, '');

/** The first few non-blank lines after the cursor's line. */
function nextLines(suffix: string, nl: number, n: number): string[] {
  if (nl < 0) return [];
  const out: string[] = [];
  let at = nl + 1;
  while (at < suffix.length && out.length < n) {
    const e = suffix.indexOf('\n', at);
    const line = suffix.slice(at, e < 0 ? suffix.length : e);
    if (line.trim() !== '') out.push(rstrip(line));
    if (e < 0) break;
    at = e + 1;
  }
  return out;
}

function repeatsNextLine(line: string, suffix: string, nl: number): boolean {
  const next = nextLines(suffix, nl, 1)[0];
  return next !== undefined && rstrip(line) === next;
}

function limitLines(text: string, prefix: string, curLine: string, suffix: string, nl: number): string {
  const lines = text.split('\n');
  const first = curLine + lines[0];
  const next = nextLines(suffix, nl, 1)[0];
  // The model only rewrote the line below: nothing to add.
  if (lines[0]!.trim() !== '' && next !== undefined && rstrip(first) === next) return '';
  const midBlock = nl >= 0 && suffix.slice(nl + 1).trim() !== '';
  // The cursor's block: its line's indentation. On an empty line (column 0) the user has not
  // chosen a depth yet: the shallower of the suggestion's first code line and the last code
  // line above, so a block the model opens may be followed by its parent's statements.
  let ref: number;
  const firstCode = lines.find((l, i) => (i === 0 ? first : l).trim() !== '');
  const codeIndent = firstCode === undefined ? 0 : indentOf(firstCode === lines[0] ? first : firstCode);
  if (curLine === '') {
    const above = lastCodeLine(prefix);
    ref = above === undefined ? codeIndent : Math.min(codeIndent, indentOf(above));
  } else ref = first.trim() !== '' ? indentOf(first) : codeIndent;
  let seenCode = first.trim() !== '';
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') {
      if (midBlock && seenCode) return lines.slice(0, i).join('\n');
      continue;
    }
    const r = rstrip(line);
    if (next !== undefined && (r === next || (isClosers(r) && indentOf(r) === indentOf(next) && next.trimStart().startsWith(r.trimStart())))) return lines.slice(0, i).join('\n');
    if (indentOf(line) < ref) return lines.slice(0, i).join('\n');
    seenCode = true;
  }
  return text;
}

/** The last non-blank line of `prefix` (which ends with a line break here). */
function lastCodeLine(prefix: string): string | undefined {
  let end = prefix.length - 1;
  while (end > 0) {
    const start = prefix.lastIndexOf('\n', end - 1) + 1;
    const line = prefix.slice(start, end);
    if (line.trim() !== '') return line;
    end = start - 1;
  }
  return undefined;
}

const isClosers = (line: string) => /^[ \t]*[)\]}][)\]};,]*$/.test(line);

/** Closing brackets in `s` that close nothing opened in `s`. */
function unmatchedClosers(s: string): number {
  let depth = 0;
  let extra = 0;
  for (const ch of s) {
    if (OPEN.includes(ch)) depth++;
    else if (CLOSE.includes(ch)) {
      if (depth > 0) depth--;
      else extra++;
    }
  }
  return extra;
}

function trimSuffixOverlap(text: string, suffixLine: string, curLine: string): string {
  const max = Math.min(text.length, suffixLine.length);
  for (let k = max; k >= 1; k--) {
    const ov = suffixLine.slice(0, k);
    if (!text.endsWith(ov)) continue;
    if (acceptOverlap(text, ov, curLine)) return text.slice(0, text.length - k);
  }
  return text;
}

function acceptOverlap(text: string, ov: string, curLine: string): boolean {
  let closers = 0;
  let special = false;
  for (const ch of ov) {
    if (CLOSE.includes(ch)) {
      closers++;
      special = true;
    } else if (ch === '"' || ch === "'" || ch === '`') {
      special = true;
      // The suggestion closes a string the cursor's line opened: the quote right of the
      // cursor (auto-paired) closes it instead.
      const count = [...(curLine + text)].filter((c) => c === ch).length;
      if (count % 2 !== 0) return false;
    } else if (OPEN.includes(ch)) special = true;
  }
  if (closers > unmatchedClosers(text)) return false;
  if (special) return true;
  // Plain text: punctuation (`;`, `,`) or a long enough word overlap.
  return /^[^\w\s]+$/.test(ov) || ov.length >= 3;
}
