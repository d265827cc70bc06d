// The stream parser on its own: every recorded stream re-cut at awkward byte boundaries (OMEN
// forwards upstream reads as they come, mid-event and mid-UTF-8) gives the parts recorded in
// __fixtures__, and the edge cases of tool-call pieces, usage and stream ends.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { StreamPart } from '../../provider/index.js';
import { sseEvents } from '../shared/index.js';
import { mapOpenAICompatibleUsage, openAICompatibleStream, type OpenAICompatibleStreamOptions } from './index.js';
import { collect, plain } from './test-support.js';

const dir = new URL('./__fixtures__/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, dir));

async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** The parts of a stream; a throw (what guardStream turns into the error part) becomes a last `error` part. */
async function parse(body: Uint8Array | string, size = 1 << 20, opts: Partial<OpenAICompatibleStreamOptions> = {}): Promise<StreamPart[]> {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const out: StreamPart[] = [];
  try {
    for await (const p of openAICompatibleStream(sseEvents(pieces(bytes, size), { provider: 'p' }), { provider: 'p', ...opts })) out.push(p);
  } catch (err) {
    out.push({ type: 'error', error: err as never });
  }
  return out;
}

const sse = (...frames: unknown[]) => frames.map((f) => `data: ${typeof f === 'string' ? f : JSON.stringify(f)}\n\n`).join('');
const chunk = (delta: unknown, finish: string | null = null, extra: Record<string, unknown> = {}) => ({ choices: [{ index: 0, delta, finish_reason: finish }], ...extra });

describe('recorded streams re-cut at 1, 3 and 7 bytes', () => {
  // Fixtures whose expected parts do not depend on the provider's name, price or quirks.
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.stream.txt'))
    .map((f) => f.replace(/\.stream\.txt$/, ''))
    .filter((n) => !n.startsWith('omen-cut'));
  for (const name of names) {
    it(name, async () => {
      // Cost needs the provider's price table and error messages its name: compare the rest.
      const comparable = (parts: unknown[]) =>
        (parts as Array<{ type: string; cost?: unknown; error?: { code?: string } }>).map(({ cost: _cost, ...p }) => (p.type === 'error' ? { type: 'error', code: p.error?.code } : p));
      const expected = comparable(JSON.parse(read(`${name}.parts.json`).toString('utf8')) as unknown[]);
      for (const size of [1, 3, 7]) {
        const got = comparable(plain(await parse(read(`${name}.stream.txt`), size)));
        expect(got, `${name} in ${size}-byte pieces`).toEqual(expected);
      }
    });
  }
});

describe('stream edges', () => {
  it('a stream cut with no finish_reason and no [DONE] is an error, unless the server cuts streams so (OMEN)', async () => {
    const body = sse(chunk({ content: 'half' }));
    expect((await parse(body)).at(-1)).toMatchObject({ type: 'error', error: { code: 'stream' } });
    expect((await parse(body, undefined, { eofIsFinish: true })).at(-1)).toEqual({ type: 'finish', reason: 'other' });
  });

  it('[DONE] without a finish_reason finishes as "other"; a broken connection after [DONE] loses nothing', async () => {
    async function* thenBreak(): AsyncGenerator<Uint8Array> {
      yield new TextEncoder().encode(sse(chunk({ content: 'ok' }), '[DONE]'));
      throw new Error('socket hang up');
    }
    const parts = await collect(openAICompatibleStream(sseEvents(thenBreak(), { provider: 'p' }), { provider: 'p' }));
    expect(parts).toEqual([{ type: 'text-delta', text: 'ok' }, { type: 'finish', reason: 'other' }]);
  });

  it('tool-call pieces: a missing index, a name repeated on every piece, "stop" after tool calls', async () => {
    const parts = await parse(
      sse(
        chunk({ tool_calls: [{ id: 'a', function: { name: 'f', arguments: '{"x"' } }] }),
        chunk({ tool_calls: [{ function: { name: 'f', arguments: ':1}' } }] }),
        chunk({ tool_calls: [{ id: 'b', function: { name: 'g', arguments: '' } }] }),
        chunk({}, 'stop'),
        '[DONE]',
      ),
    );
    expect(parts.filter((p) => p.type === 'tool-call')).toEqual([
      { type: 'tool-call', index: 0, call: { id: 'a', name: 'f', arguments: '{"x":1}' } },
      { type: 'tool-call', index: 1, call: { id: 'b', name: 'g', arguments: '{}' } },
    ]);
    expect(parts.at(-1)).toEqual({ type: 'finish', reason: 'tool-calls', rawReason: 'stop' });
  });

  it('content: null, refusal text, zeroed usage and a repeated usage are handled quietly', async () => {
    const zero = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
    const real = { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 };
    const parts = await parse(
      sse(chunk({ role: 'assistant', content: null }, null, { usage: zero }), chunk({ refusal: "I can't help with that." }, null, { usage: zero }), chunk({}, 'stop', { usage: real }), { choices: [], usage: real }, '[DONE]'),
    );
    expect(parts).toEqual([
      { type: 'text-delta', text: "I can't help with that." },
      { type: 'usage', usage: { inputTokens: 5, outputTokens: 2 } },
      { type: 'finish', reason: 'stop', rawReason: 'stop', usage: { inputTokens: 5, outputTokens: 2 } },
    ]);
  });

  it('an in-band error as a bare string (xAI, OMEN) or under event: error', async () => {
    expect((await parse(sse({ error: 'upstream failed' }))).at(-1)).toMatchObject({ type: 'error', error: { code: 'stream', message: 'p reported an error mid-stream: upstream failed' } });
    const anthropic = 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n';
    expect((await parse(anthropic)).at(-1)).toMatchObject({ type: 'error', error: { code: 'stream', providerCode: 'overloaded_error', message: expect.stringContaining('Overloaded') } });
  });
});

describe('usage', () => {
  it('OpenAI: cached and reasoning tokens are inside prompt and completion tokens', () => {
    expect(mapOpenAICompatibleUsage({ prompt_tokens: 100, completion_tokens: 50, total_tokens: 150, prompt_tokens_details: { cached_tokens: 40 }, completion_tokens_details: { reasoning_tokens: 30 } })).toEqual({
      inputTokens: 100,
      outputTokens: 50,
      cachedInputTokens: 40,
      reasoningTokens: 30,
    });
  });

  it('xAI: reasoning counted beside completion_tokens (total says so) is added to the output', () => {
    expect(mapOpenAICompatibleUsage({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 45, completion_tokens_details: { reasoning_tokens: 30 } })).toMatchObject({ outputTokens: 35, reasoningTokens: 30 });
  });

  it('DeepSeek: cache hits are the cached input; hit + miss is the input when prompt_tokens is absent', () => {
    expect(mapOpenAICompatibleUsage({ prompt_tokens: 64, completion_tokens: 3, prompt_cache_hit_tokens: 60, prompt_cache_miss_tokens: 4 })).toEqual({ inputTokens: 64, outputTokens: 3, cachedInputTokens: 60 });
    expect(mapOpenAICompatibleUsage({ completion_tokens: 3, prompt_cache_hit_tokens: 60, prompt_cache_miss_tokens: 4 })).toMatchObject({ inputTokens: 64 });
  });
});
