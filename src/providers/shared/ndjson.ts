// NDJSON framing (Ollama): one JSON value per `\n`-terminated line. UTF-8 is decoded in
// streaming mode, so a character split across TCP chunks is never mangled.
import { ProviderError } from '../../provider/index.js';

export interface SplitOptions {
  provider: string;
  /** A single line longer than this is an error, not an out-of-memory. */
  maxLineBytes?: number;
}

const DEFAULT_MAX_LINE = 8 * 1024 * 1024;

/** Yields each non-blank line (without its `\n` / `\r\n`), the last one even without `\n`. */
export async function* ndjsonLines(body: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>, opts: SplitOptions): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  const max = opts.maxLineBytes ?? DEFAULT_MAX_LINE;
  let buffer = '';
  for await (const chunk of body) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).replace(/\r$/, '');
      buffer = buffer.slice(nl + 1);
      if (line.trim() !== '') yield line;
    }
    if (buffer.length > max) {
      throw new ProviderError({ code: 'too_large', provider: opts.provider, message: `a stream line exceeded ${max} bytes` });
    }
  }
  buffer += decoder.decode();
  if (buffer.trim() !== '') yield buffer.replace(/\r$/, '');
}
