// The SSE and NDJSON splitters must give the same output however the bytes are chunked:
// random boundaries, CRLF / LF / CR mixes, multi-byte UTF-8 characters split across chunks.
import { describe, expect, it } from 'vitest';
import { ndjsonLines } from './ndjson.js';
import { sseEvents, type SseEvent } from './sse.js';

/** Deterministic PRNG so a failure can be replayed from its seed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function* chunked(bytes: Uint8Array, random: () => number): AsyncGenerator<Uint8Array> {
  let i = 0;
  while (i < bytes.length) {
    const n = 1 + Math.floor(random() * 17);
    yield bytes.slice(i, i + n);
    i += n;
  }
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const TEXTS = ['plain', 'ünïcödé', '日本語のテキスト', 'emoji 🎉🧪', '<｜fim▁begin｜>', 'tab\tand "quotes"', ''];

function sseDocument(random: () => number): { text: string; events: SseEvent[] } {
  const events: SseEvent[] = [];
  let text = '';
  const n = 1 + Math.floor(random() * 12);
  for (let i = 0; i < n; i++) {
    const eol = ['\n', '\r\n', '\r'][Math.floor(random() * 3)]!;
    if (random() < 0.2) text += `: keep-alive${eol}`;
    const named = random() < 0.5 ? `evt${i}` : undefined;
    const data = JSON.stringify({ i, t: TEXTS[Math.floor(random() * TEXTS.length)] });
    if (named) text += `event: ${named}${eol}`;
    text += `data: ${data}${eol}${eol}`;
    events.push(named ? { event: named, data } : { data });
  }
  return { text, events };
}

describe('sseEvents', () => {
  it('gives the same events for any chunking, any line endings (200 random documents)', async () => {
    for (let seed = 1; seed <= 200; seed++) {
      const random = rng(seed);
      const { text, events } = sseDocument(random);
      const bytes = new TextEncoder().encode(text);
      const whole = await collect(sseEvents([bytes], { provider: 'test' }));
      const split = await collect(sseEvents(chunked(bytes, random), { provider: 'test' }));
      expect(whole, `seed ${seed}`).toEqual(events);
      expect(split, `seed ${seed}`).toEqual(events);
    }
  });

  it('joins multi-line data and keeps a final event that lacks its blank line', async () => {
    const text = 'data: a\ndata: b\n\ndata: last';
    expect(await collect(sseEvents([text], { provider: 't' }))).toEqual([{ data: 'a\nb' }, { data: 'last' }]);
  });

  it('refuses an event larger than the limit, whether it arrives in pieces or in one read', async () => {
    const huge = 'data: ' + 'x'.repeat(5000);
    await expect(collect(sseEvents([huge], { provider: 't', maxLineBytes: 1000 }))).rejects.toMatchObject({ code: 'too_large' });
    await expect(collect(sseEvents([huge + '\n\n'], { provider: 't', maxLineBytes: 1000 }))).rejects.toMatchObject({ code: 'too_large' });
  });
});

describe('ndjsonLines', () => {
  it('gives the same lines for any chunking, LF or CRLF, split UTF-8 (200 random documents)', async () => {
    for (let seed = 1; seed <= 200; seed++) {
      const random = rng(seed * 7919);
      const lines: string[] = [];
      let text = '';
      const n = 1 + Math.floor(random() * 15);
      for (let i = 0; i < n; i++) {
        const line = JSON.stringify({ i, t: TEXTS[Math.floor(random() * TEXTS.length)] });
        lines.push(line);
        text += line + (random() < 0.3 ? '\r\n' : '\n');
        if (random() < 0.1) text += '\n'; // blank lines are skipped
      }
      if (random() < 0.5) text = text.replace(/\r?\n$/, ''); // last line without newline
      const bytes = new TextEncoder().encode(text);
      const split = await collect(ndjsonLines(chunked(bytes, random), { provider: 'test' }));
      expect(split, `seed ${seed}`).toEqual(lines);
    }
  });

  it('refuses a line larger than the limit', async () => {
    await expect(collect(ndjsonLines(['{"a":"' + 'x'.repeat(5000)], { provider: 't', maxLineBytes: 1000 }))).rejects.toMatchObject({ code: 'too_large' });
  });
});
