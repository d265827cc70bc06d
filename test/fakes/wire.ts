// Tiny helpers for tests that look at raw bytes from the fakes (fetch Response bodies).

/** Split an NDJSON body into its lines (each must end with `\n`; the trailing empty piece is dropped). */
export function ndjsonLines(text: string): string[] {
  const parts = text.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

export interface SseEvent {
  /** `data:` payload (multiple data lines joined with `\n`), or undefined for comment-only blocks. */
  data?: string;
  event?: string;
  comments: string[];
  /** The block as sent, without its terminating blank line. */
  raw: string;
}

/** Parse an SSE body whose events are separated by `\n\n` (what the OpenAI fake emits). */
export function sseEvents(text: string): SseEvent[] {
  const blocks = text.split('\n\n');
  if (blocks[blocks.length - 1] === '') blocks.pop();
  return blocks.map((raw) => {
    const ev: SseEvent = { comments: [], raw };
    const data: string[] = [];
    for (const line of raw.split('\n')) {
      if (line.startsWith(':')) ev.comments.push(line.slice(1).trim());
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      else if (line.startsWith('event:')) ev.event = line.slice(6).trim();
    }
    if (data.length) ev.data = data.join('\n');
    return ev;
  });
}

/** Incremental reader over a fetch body: accumulate text until a condition holds. */
export class BodyReader {
  text = '';
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();

  constructor(res: Response) {
    if (!res.body) throw new Error('response has no body');
    this.reader = res.body.getReader();
  }

  /** Read one piece; resolves `done` at end of stream, rejects on socket errors. */
  async read(): Promise<{ done: boolean; chunk: string }> {
    const r = await this.reader.read();
    if (r.done) return { done: true, chunk: '' };
    const chunk = this.decoder.decode(r.value, { stream: true });
    this.text += chunk;
    return { done: false, chunk };
  }

  /** Read until `pred(text)` is true (throws if the stream ends first). */
  async readUntil(pred: (text: string) => boolean): Promise<string> {
    while (!pred(this.text)) {
      const { done } = await this.read();
      if (done) throw new Error(`stream ended before condition; got ${JSON.stringify(this.text.slice(0, 500))}`);
    }
    return this.text;
  }

  /** Read to the end. */
  async readAll(): Promise<string> {
    for (;;) {
      const { done } = await this.read();
      if (done) return this.text;
    }
  }

  cancel(): Promise<void> {
    return this.reader.cancel().catch(() => undefined);
  }
}

/** Resolves 'timeout' after ms unless `p` settles first (for "nothing more arrives" checks only). */
export function settlesWithin<T>(p: Promise<T>, ms: number): Promise<'settled' | 'timeout'> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve('timeout'), ms);
    p.then(
      () => {
        clearTimeout(t);
        resolve('settled');
      },
      () => {
        clearTimeout(t);
        resolve('settled');
      },
    );
  });
}
