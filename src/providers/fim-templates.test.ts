// Golden renders of every FIM family (providers.md §7), byte for byte.
import { describe, expect, it } from 'vitest';
import { FIM_TEMPLATES, fimTemplateFor, type FimFamily } from './fim-templates.js';

const prefix = 'def add(a, b):\n    ';
const suffix = '\n    return c\n';

// Expected strings typed out in full (not built from the module's constants).
const golden: Record<FimFamily, { prompt: string; stop: string[] }> = {
  'deepseek-coder': {
    prompt: '<｜fim▁begin｜>def add(a, b):\n    <｜fim▁hole｜>\n    return c\n<｜fim▁end｜>',
    stop: ['<｜end▁of▁sentence｜>', '<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>', '<|EOT|>'],
  },
  'deepseek-coder-v2': {
    prompt: '<｜fim▁begin｜>def add(a, b):\n    <｜fim▁hole｜>\n    return c\n<｜fim▁end｜>',
    stop: ['<｜end▁of▁sentence｜>', '<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>', '<|EOT|>'],
  },
  'qwen2.5-coder': {
    prompt: '<|fim_prefix|>def add(a, b):\n    <|fim_suffix|>\n    return c\n<|fim_middle|>',
    stop: ['<|endoftext|>', '<|fim_prefix|>', '<|fim_middle|>', '<|fim_suffix|>', '<|fim_pad|>', '<|repo_name|>', '<|file_sep|>', '<|im_start|>', '<|im_end|>'],
  },
  codellama: {
    prompt: '<PRE> def add(a, b):\n     <SUF>\n    return c\n <MID>',
    stop: ['<EOT>', '<PRE>', '<SUF>', '<MID>'],
  },
  starcoder2: {
    prompt: '<fim_prefix>def add(a, b):\n    <fim_suffix>\n    return c\n<fim_middle>',
    stop: ['<|endoftext|>', '<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<file_sep>'],
  },
  codegemma: {
    prompt: '<|fim_prefix|>def add(a, b):\n    <|fim_suffix|>\n    return c\n<|fim_middle|>',
    stop: ['<|file_separator|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<eos>', '<end_of_turn>'],
  },
  codestral: {
    prompt: '[SUFFIX]\n    return c\n[PREFIX]def add(a, b):\n    ',
    stop: ['</s>', '[PREFIX]', '[SUFFIX]', '[MIDDLE]'],
  },
};

describe('FIM templates', () => {
  for (const family of Object.keys(golden) as FimFamily[]) {
    it(`${family}: renders the golden prompt and stop list`, () => {
      const t = FIM_TEMPLATES[family];
      expect(t.family).toBe(family);
      expect(t.render(prefix, suffix)).toBe(golden[family].prompt);
      expect([...t.stop]).toEqual(golden[family].stop);
    });
  }

  it('deepseek tokens are U+FF5C and U+2581, byte-exact in UTF-8', () => {
    const p = FIM_TEMPLATES['deepseek-coder'].render('', '');
    expect(Buffer.from(p, 'utf8').toString('hex')).toBe(
      Buffer.concat([
        Buffer.from('<'), Buffer.from([0xef, 0xbd, 0x9c]), Buffer.from('fim'), Buffer.from([0xe2, 0x96, 0x81]), Buffer.from('begin'), Buffer.from([0xef, 0xbd, 0x9c]), Buffer.from('>'),
        Buffer.from('<'), Buffer.from([0xef, 0xbd, 0x9c]), Buffer.from('fim'), Buffer.from([0xe2, 0x96, 0x81]), Buffer.from('hole'), Buffer.from([0xef, 0xbd, 0x9c]), Buffer.from('>'),
        Buffer.from('<'), Buffer.from([0xef, 0xbd, 0x9c]), Buffer.from('fim'), Buffer.from([0xe2, 0x96, 0x81]), Buffer.from('end'), Buffer.from([0xef, 0xbd, 0x9c]), Buffer.from('>'),
      ]).toString('hex'),
    );
    expect(p).not.toMatch(/[|_]/);
  });

  it('codestral puts the suffix first and leaves BOS to the server (the <s> form is available)', () => {
    const t = FIM_TEMPLATES.codestral;
    expect(t.bos).toBe('<s>');
    expect(`${t.bos}${t.render('P', 'S')}`).toBe('<s>[SUFFIX]S[PREFIX]P');
  });

  it('empty prefix or suffix keeps every token in place', () => {
    expect(FIM_TEMPLATES.codegemma.render('', 'x')).toBe('<|fim_prefix|><|fim_suffix|>x<|fim_middle|>');
    expect(FIM_TEMPLATES.codellama.render('x', '')).toBe('<PRE> x <SUF> <MID>');
  });
});

describe('fimTemplateFor', () => {
  it.each([
    ['deepseek-coder:6.7b-base', 'deepseek-coder'],
    ['deepseek-coder:1.3b', 'deepseek-coder'],
    ['deepseek-coder-v2:16b-lite-base-q4_0', 'deepseek-coder-v2'],
    ['hf.co/bartowski/DeepSeek-Coder-V2-Lite-Base-GGUF:Q4_K_M', 'deepseek-coder-v2'],
    ['qwen2.5-coder:1.5b-base', 'qwen2.5-coder'],
    ['Qwen2.5-Coder:7B', 'qwen2.5-coder'],
    ['qwen3-coder:30b', 'qwen2.5-coder'],
    ['codellama:7b-code', 'codellama'],
    ['codellama:13b-code-q4_K_M', 'codellama'],
    ['starcoder2:3b', 'starcoder2'],
    ['codegemma:2b', 'codegemma'],
    ['codegemma:7b-code', 'codegemma'],
    ['codestral:22b', 'codestral'],
    ['library/codestral:latest', 'codestral'],
  ])('%s → %s', (model, family) => {
    expect(fimTemplateFor(model)?.family).toBe(family);
  });

  it.each(['llama3.2:latest', 'mistral:7b', 'qwen2.5:7b', 'gemma2:9b', 'starcoder:1b', 'deepseek-r1:8b', 'phi3'])('%s → undefined', (model) => {
    expect(fimTemplateFor(model)).toBeUndefined();
  });
});
