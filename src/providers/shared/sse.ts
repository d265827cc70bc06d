// Server-sent events (OpenAI-compatible, Azure, Anthropic, Gemini) through eventsource-parser:
// `\n\n`, `\r\n\r\n` and `\r\r` separators, `:` comments (DeepSeek's keep-alive) ignored,
// multi-line data joined. UTF-8 is decoded in streaming mode.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { ProviderError } from '../../provider/index.js';
import type { SplitOptions } from './ndjson.js';

export interface SseEvent {
  /** `event:` field; undefined for data-only streams. */
  event?: string;
  data: string;
}

const DEFAULT_MAX_EVENT = 8 * 1024 * 1024;

export async function* sseEvents(body: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>, opts: SplitOptions): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder('utf-8');
  const max = opts.maxLineBytes ?? DEFAULT_MAX_EVENT;
  const ready: SseEvent[] = [];
  let pendingBytes = 0;
  let oversized = false;
  const parser = createParser({
    onEvent(msg: EventSourceMessage) {
      // A huge event can arrive in one read; checking between reads alone would miss it.
      if (msg.data.length > max) oversized = true;
      ready.push(msg.event ? { event: msg.event, data: msg.data } : { data: msg.data });
      pendingBytes = 0;
    },
  });
  const tooLarge = () => new ProviderError({ code: 'too_large', provider: opts.provider, message: `a stream event exceeded ${max} bytes` });
  for await (const chunk of body) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    pendingBytes += text.length;
    parser.feed(text);
    if (oversized) throw tooLarge();
    while (ready.length) yield ready.shift()!;
    if (pendingBytes > max) throw tooLarge();
  }
  const tail = decoder.decode();
  if (tail) parser.feed(tail);
  // A last event without its blank line still counts (some servers close right after it).
  parser.feed('\n\n');
  if (oversized) throw tooLarge();
  while (ready.length) yield ready.shift()!;
}
