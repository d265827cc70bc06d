import { describe, expect, it } from 'vitest';
import { fimTemplateFor } from '../providers/fim-templates.js';
import { budgetFor, DEFAULT_BUDGET, isSecretPath, snippetBlock, trimPrefix, trimSuffix } from './context.js';
import { chatMessages, CHAT_SYSTEM, fimRequest, temperatureFor, type PromptContext } from './prompt.js';
import { estimateTokens } from './tokens.js';

const ctx: PromptContext = { prefix: 'def add(a, b):\n    ', suffix: '\n\nprint(add(1, 2))\n', singleLine: false, filetype: 'python', path: 'calc.py' };
const signal = new AbortController().signal;

describe('FIM prompt per model family (golden)', () => {
  const cases: [string, string][] = [
    ['deepseek-coder:6.7b-base', '<\uFF5Cfim\u2581begin\uFF5C>def add(a, b):\n    <\uFF5Cfim\u2581hole\uFF5C>\n\nprint(add(1, 2))\n<\uFF5Cfim\u2581end\uFF5C>'],
    ['qwen2.5-coder:1.5b', '<|fim_prefix|>def add(a, b):\n    <|fim_suffix|>\n\nprint(add(1, 2))\n<|fim_middle|>'],
    ['codellama:7b-code', '<PRE> def add(a, b):\n     <SUF>\n\nprint(add(1, 2))\n <MID>'],
    ['starcoder2:3b', '<fim_prefix>def add(a, b):\n    <fim_suffix>\n\nprint(add(1, 2))\n<fim_middle>'],
    ['codegemma:2b', '<|fim_prefix|>def add(a, b):\n    <|fim_suffix|>\n\nprint(add(1, 2))\n<|fim_middle|>'],
    ['codestral:22b', '[SUFFIX]\n\nprint(add(1, 2))\n[PREFIX]def add(a, b):\n    '],
  ];
  it.each(cases)('%s', (model, raw) => {
    const req = fimRequest(model, ctx, { maxTokens: 64, temperature: 0, signal });
    // What we hand the provider (it applies `suffix` or the raw template itself)…
    expect(req).toEqual({ model, prefix: ctx.prefix, suffix: ctx.suffix, maxTokens: 64, temperature: 0, signal, maxRetries: 0 });
    // …and the raw prompt a raw-template surface builds from it.
    expect(fimTemplateFor(model)!.render(req.prefix, req.suffix)).toBe(raw);
  });

  it('mid-line asks for one line: the family stops plus a line break', () => {
    const req = fimRequest('codellama:7b-code', { ...ctx, singleLine: true }, { maxTokens: 64, temperature: 0, signal });
    expect(req.stop).toEqual(['<EOT>', '<PRE>', '<SUF>', '<MID>', '\n']);
    expect(fimRequest('mystery-model', { ...ctx, singleLine: true }, { maxTokens: 64, temperature: 0, signal }).stop).toEqual(['\n']);
  });

  it('variant temperatures', () => {
    expect([0, 1, 2, 8].map(temperatureFor)).toEqual([0, 0.4, 0.6, 1.8]);
  });
});

describe('chat-only prompt (golden)', () => {
  it('the file with a hole marker, in one user turn after a fixed system turn', () => {
    expect(chatMessages(ctx)).toEqual([
      { role: 'system', content: CHAT_SYSTEM },
      { role: 'user', content: '<file path="calc.py" language="python">\ndef add(a, b):\n    {{FILL_HERE}}\n\nprint(add(1, 2))\n\n</file>\nComplete the code at the cursor.' },
    ]);
    expect(chatMessages({ ...ctx, path: undefined, singleLine: true })[1]!.content).toMatch(/^<file language="python">\n[\s\S]*Complete only the rest of the cursor's line\.$/);
    expect(CHAT_SYSTEM).toBe(
      'You are a code completion engine. You are shown one file with the cursor marked {{FILL_HERE}}. Reply with exactly the text to insert at the cursor and nothing else: no explanation, no markdown fences, no repetition of the code before or after the cursor. Keep it short: finish the current statement or block. If nothing should be inserted, reply with an empty message.',
    );
  });
});

describe('context', () => {
  const code = Array.from({ length: 300 }, (_, i) => `  const item${i} = await fetchItem(${i}, { retries: 3 }); // line ${i}`).join('\n');

  it('estimates ~3.5–4.5 characters per token on ordinary code', () => {
    const ratio = code.length / estimateTokens(code);
    expect(ratio).toBeGreaterThan(3);
    expect(ratio).toBeLessThan(4.5);
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('const x = 5;')).toBeGreaterThanOrEqual(4);
  });

  it('trims the prefix from its start at a line boundary, within budget, keeping the cursor line', () => {
    const prefix = code + '\n  const last = ';
    const t = trimPrefix(prefix, 200);
    expect(estimateTokens(t)).toBeLessThanOrEqual(200);
    expect(t.endsWith('\n  const last = ')).toBe(true);
    expect(prefix.endsWith(t)).toBe(true);
    expect(prefix[prefix.length - t.length - 1]).toBe('\n');
    expect(trimPrefix('short', 1)).toBe('short');
    expect(trimPrefix(prefix, 1e9)).toBe(prefix);
  });

  it('ends on an empty first line (a file that starts with a blank line) instead of looping', () => {
    expect(trimPrefix('\n', 100)).toBe('\n');
    expect(trimPrefix('\nfoo', 100)).toBe('\nfoo');
    expect(trimPrefix('\n\nbar\nbaz', 100)).toBe('\n\nbar\nbaz');
    expect(trimPrefix('\n' + 'word '.repeat(400) + '\nlast', 5)).toBe('last');
  });

  it('trims the suffix from its end after a line break, keeping the cursor line', () => {
    const suffix = ');\n' + code;
    const t = trimSuffix(suffix, 100);
    expect(estimateTokens(t)).toBeLessThanOrEqual(100);
    expect(suffix.startsWith(t)).toBe(true);
    expect(t.endsWith('\n')).toBe(true);
    expect(trimSuffix(suffix, 1)).toBe(');\n');
  });

  it('budget: the default for large windows, shrunk proportionally for small ones', () => {
    expect(budgetFor(undefined, 128)).toBe(DEFAULT_BUDGET);
    expect(budgetFor(32768, 128)).toBe(DEFAULT_BUDGET);
    const b = budgetFor(2048, 128);
    expect(b.prefix + b.suffix + b.context + 128).toBeLessThanOrEqual(2048);
    expect(b.prefix).toBeGreaterThan(b.suffix);
  });

  it('snippets: most relevant first, the least relevant dropped when over budget, secrets never', () => {
    const big = Array.from({ length: 40 }, (_, i) => `export const v${i} = ${i};`).join('\n');
    const block = snippetBlock(
      [
        { path: 'src/a.ts', text: 'export const a = 1;' },
        { path: '.env.local', text: 'TOKEN=abc' },
        { path: 'src/big.ts', text: big },
        { path: 'src/c.ts', text: 'export const c = 3;' },
      ],
      { filetype: 'typescript', path: 'src/main.ts', budget: 120, secretFiles: ['.env', '.env.*'], allowSecrets: false },
    );
    expect(block.startsWith('// Path: src/a.ts\n// export const a = 1;\n//\n// Path: src/big.ts\n// export const v0 = 0;\n')).toBe(true);
    expect(block).not.toContain('TOKEN');
    expect(block).not.toContain('src/c.ts');
    expect(block.endsWith('//\n// Path: src/main.ts\n')).toBe(true);
    expect(estimateTokens(block)).toBeLessThanOrEqual(140);
    expect(snippetBlock([{ path: 'a.md', text: 'x' }], { filetype: 'markdown', budget: 100, secretFiles: [], allowSecrets: false })).toBe('');
    expect(snippetBlock([{ path: 'a.py', text: 'x = 1' }], { filetype: 'python', budget: 100, secretFiles: [], allowSecrets: false })).toBe('# Path: a.py\n# x = 1\n#\n');
  });

  it('secret patterns match the file name (or the path when the glob has a slash)', () => {
    const globs = ['.env', '.env.*', '*.pem', 'id_rsa*', 'credentials*'];
    for (const p of ['.env', 'app/.env.production', '/home/u/.ssh/id_rsa.pub', 'certs/server.PEM', 'aws/credentials']) expect(isSecretPath(p, globs)).toBe(true);
    for (const p of ['src/env.ts', 'README.md', 'pem.ts']) expect(isSecretPath(p, globs)).toBe(false);
  });
});
