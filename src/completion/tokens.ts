// A token estimator for code, cheap enough to run on every keystroke (no tokenizer in the
// host). BPE tokenizers of code models (Qwen2.5-Coder, DeepSeek-Coder, StarCoder2, GPT-4's
// cl100k) spend roughly:
//   - one token per identifier or word of up to 6 characters, one per ~4 characters beyond
//     (common words are one token, long camelCase/snake_case names split);
//   - one token per punctuation character, except that a few of them pair up (`()`, `=>`, `::`)
//     — counted as 0.75 each on average;
//   - one token per run of whitespace (the newline and the next line's indentation merge),
//     except a single space, which merges into the token after it (" x", " =").
// On ordinary TypeScript/Python/Lua this lands between 3.5 and 4.2 characters per token,
// slightly pessimistic against the real tokenizers, which is the safe side for a budget:
// we may send a little less context than fits, never more.

const enum C {
  Word,
  Space,
  Punct,
}

function classOf(code: number): C {
  // 0-9 A-Z a-z _ and anything non-ASCII count as word characters.
  if ((code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code > 127) return C.Word;
  if (code === 32 || code === 9 || code === 10 || code === 13) return C.Space;
  return C.Punct;
}

/** Estimated tokens of `text`, see the header for the model. */
export function estimateTokens(text: string): number {
  let tokens = 0;
  let run = 0;
  let space = 0;
  const word = (n: number) => (n <= 6 ? 1 : Math.ceil(n / 4));
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const c = classOf(code);
    if (c === C.Space) {
      if (run > 0) tokens += word(run);
      run = 0;
      space = space === 0 && code === 32 ? 1 : 2;
      continue;
    }
    if (space === 2) tokens += 1;
    space = 0;
    if (c === C.Word) run++;
    else {
      if (run > 0) tokens += word(run);
      run = 0;
      tokens += 0.75;
    }
  }
  if (run > 0) tokens += word(run);
  if (space === 2) tokens += 1;
  return Math.ceil(tokens);
}
