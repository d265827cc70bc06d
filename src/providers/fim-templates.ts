// Fill-in-the-middle prompt templates for raw completion surfaces (Ollama `raw: true`,
// llama.cpp / vLLM `/completions`): the model family's special tokens around prefix and
// suffix, and the tokens to stop on. Reference: shared/reference/providers.md §7.
//
// Servers that template FIM themselves (Ollama `suffix` on a model with the `insert`
// capability, Mistral /fim/completions, DeepSeek /beta/completions) do not need these.

export type FimFamily = 'deepseek-coder' | 'deepseek-coder-v2' | 'qwen2.5-coder' | 'codellama' | 'starcoder2' | 'codegemma' | 'codestral';

export interface FimTemplate {
  family: FimFamily;
  /** The prompt to send as-is (no chat template applied). */
  render(prefix: string, suffix: string): string;
  /** Stop sequences: the model's EOS and its FIM control tokens. */
  stop: readonly string[];
  /**
   * The BOS token, for servers that do not add it themselves. Ollama and llama.cpp add BOS
   * when the model's tokenizer asks for it, so `render()` leaves it out.
   */
  bos?: string;
}

// DeepSeek's tokens use U+FF5C FULLWIDTH VERTICAL LINE and U+2581 LOWER ONE EIGHTH BLOCK,
// not ASCII `|` and `_`. Written as escapes so no editor can "fix" them.
const DS_BAR = '\uFF5C';
const DS_SPACE = '\u2581';
const ds = (name: string) => `<${DS_BAR}${name.replace(/ /g, DS_SPACE)}${DS_BAR}>`;
const DS_BEGIN = ds('fim begin');
const DS_HOLE = ds('fim hole');
const DS_END = ds('fim end');
const DS_EOS = ds('end of sentence');

const deepseekStop = [DS_EOS, DS_BEGIN, DS_HOLE, DS_END, '<|EOT|>'] as const;
const deepseekRender = (prefix: string, suffix: string) => `${DS_BEGIN}${prefix}${DS_HOLE}${suffix}${DS_END}`;

export const FIM_TEMPLATES: Readonly<Record<FimFamily, FimTemplate>> = {
  'deepseek-coder': { family: 'deepseek-coder', render: deepseekRender, stop: deepseekStop },
  // Identical tokens to v1 (DeepSeek-Coder-V2 README, code insertion with the Lite-Base model).
  'deepseek-coder-v2': { family: 'deepseek-coder-v2', render: deepseekRender, stop: deepseekStop },
  // The same tokens serve Qwen3-Coder.
  'qwen2.5-coder': {
    family: 'qwen2.5-coder',
    render: (prefix, suffix) => `<|fim_prefix|>${prefix}<|fim_suffix|>${suffix}<|fim_middle|>`,
    stop: ['<|endoftext|>', '<|fim_prefix|>', '<|fim_middle|>', '<|fim_suffix|>', '<|fim_pad|>', '<|repo_name|>', '<|file_sep|>', '<|im_start|>', '<|im_end|>'],
  },
  // One space after <PRE>, one before <SUF>, one before <MID> (as Ollama's own template).
  codellama: {
    family: 'codellama',
    render: (prefix, suffix) => `<PRE> ${prefix} <SUF>${suffix} <MID>`,
    stop: ['<EOT>', '<PRE>', '<SUF>', '<MID>'],
  },
  starcoder2: {
    family: 'starcoder2',
    render: (prefix, suffix) => `<fim_prefix>${prefix}<fim_suffix>${suffix}<fim_middle>`,
    stop: ['<|endoftext|>', '<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<file_sep>'],
  },
  // No whitespace between the tokens and the text.
  codegemma: {
    family: 'codegemma',
    render: (prefix, suffix) => `<|fim_prefix|>${prefix}<|fim_suffix|>${suffix}<|fim_middle|>`,
    stop: ['<|file_separator|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<eos>', '<end_of_turn>'],
  },
  // Suffix FIRST (mistral-common encode_fim: BOS, [SUFFIX], suffix, [PREFIX], prefix).
  codestral: {
    family: 'codestral',
    render: (prefix, suffix) => `[SUFFIX]${suffix}[PREFIX]${prefix}`,
    stop: ['</s>', '[PREFIX]', '[SUFFIX]', '[MIDDLE]'],
    bos: '<s>',
  },
};

/** Most specific first: `deepseek-coder-v2` before `deepseek-coder`. */
const MATCHERS: ReadonlyArray<[RegExp, FimFamily]> = [
  [/deepseek-coder-v2/, 'deepseek-coder-v2'],
  [/deepseek-coder/, 'deepseek-coder'],
  [/qwen(2\.5|3)-coder/, 'qwen2.5-coder'],
  [/code-?llama/, 'codellama'],
  [/starcoder2/, 'starcoder2'],
  [/codegemma/, 'codegemma'],
  [/codestral/, 'codestral'],
];

/**
 * The FIM template for a model, by its family name anywhere in the model name
 * (`qwen2.5-coder:7b-base`, `hf.co/bartowski/DeepSeek-Coder-V2-Lite-Base-GGUF:Q4_K_M`).
 * Undefined when the family is not one we know: better no completion than a garbled one.
 */
export function fimTemplateFor(modelName: string): FimTemplate | undefined {
  const name = modelName.toLowerCase().replace(/_/g, '-');
  for (const [re, family] of MATCHERS) if (re.test(name)) return FIM_TEMPLATES[family];
  return undefined;
}
