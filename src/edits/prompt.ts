// The edit request: SEARCH/REPLACE blocks only, the file with the range repeated, the instruction.
import type { ChatMessage } from '../provider/index.js';
import type { LineRange } from './anchor.js';
import { splitText } from './text.js';

export const EDIT_SYSTEM_PROMPT = [
  'You edit source files. Answer ONLY with SEARCH/REPLACE blocks: no prose, no explanations, no line numbers.',
  'Each block is exactly:',
  '<<<<<<< SEARCH',
  '(lines copied from the current file)',
  '=======',
  '(the lines that replace them)',
  '>>>>>>> REPLACE',
  'Rules:',
  '- SEARCH must copy the file lines EXACTLY, character for character: same indentation, comments and blank lines.',
  '- Keep SEARCH short: the lines you change plus one or two neighbouring lines so that it matches exactly one place in the file.',
  '- One block per separate change, in file order; blocks must not overlap.',
  '- To delete lines, leave REPLACE empty. To insert lines, SEARCH a neighbouring line and repeat it in REPLACE together with the new lines.',
  '- Change only what the instruction asks for (inside the selected lines when there are some); keep the file\'s indentation style.',
].join('\n');

/** Files longer than this many lines are sent as a window around the range. */
export const MAX_FILE_LINES = 1500;
const WINDOW = 300;

export interface EditPromptInput {
  text: string;
  path?: string;
  filetype: string;
  range?: LineRange;
  instruction: string;
}

export function buildEditMessages(p: EditPromptInput): ChatMessage[] {
  const { lines } = splitText(p.text);
  const name = p.path ?? '(unnamed buffer)';
  const ft = p.filetype || '';
  const parts: string[] = [];
  let shown = lines;
  let note = '';
  if (lines.length > MAX_FILE_LINES) {
    const from = Math.max(0, (p.range?.start_line ?? 1) - 1 - WINDOW);
    const to = Math.min(lines.length, (p.range?.end_line ?? MAX_FILE_LINES) + WINDOW);
    shown = lines.slice(from, to);
    note = ` (an excerpt: lines ${from + 1}–${to} of ${lines.length})`;
  }
  parts.push(`File: ${name}${ft ? ` (${ft})` : ''}${note}`, fence(shown, ft));
  if (p.range) {
    const sel = lines.slice(p.range.start_line - 1, p.range.end_line);
    parts.push(`Selected lines ${p.range.start_line}–${p.range.end_line} (the edit is about these):`, fence(sel, ft));
  }
  parts.push(`Instruction: ${p.instruction}`, 'Answer with SEARCH/REPLACE blocks only.');
  return [
    { role: 'system', content: EDIT_SYSTEM_PROMPT },
    { role: 'user', content: parts.join('\n\n') },
  ];
}

function fence(lines: string[], ft: string): string {
  const longest = Math.max(2, ...lines.map((l) => /^\s*(`+)/.exec(l)?.[1]?.length ?? 0));
  const f = '`'.repeat(longest + 1);
  return `${f}${ft}\n${lines.join('\n')}\n${f}`;
}
