// Recorded NDJSON streams (__fixtures__/*.stream.txt) straight through the parser, in any
// chunking, → the parts we expect (__fixtures__/*.parts.json). The same fixtures go through
// HTTP and the fake server in ollama-provider.test.ts. Plus the small pure pieces.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { StreamPart } from '../../provider/index.js';
import { guardStream, ndjsonLines, priceFor } from '../shared/index.js';
import { argumentsObject, convertToOllamaMessages, convertToOllamaTools } from './convert-to-ollama-messages.js';
import { endpointOrder, newEndpointState } from './ollama-endpoints.js';
import { keepAliveValue, parseOllamaError } from './ollama-provider.js';
import { ollamaStream } from './ollama-stream.js';
import { mapOllamaFinishReason } from './map-ollama-finish-reason.js';

const dir = new URL('./__fixtures__/', import.meta.url);
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.stream.txt'))
  .map((f) => f.replace(/\.stream\.txt$/, ''))
  .sort();
const price = priceFor({ name: 'ollama', kind: 'ollama' }, 'any')!;

async function* chunked(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function parse(bytes: Buffer, size: number): Promise<unknown[]> {
  const parts: StreamPart[] = [];
  const lines = ndjsonLines(chunked(bytes, size), { provider: 'ollama' });
  for await (const p of guardStream('ollama', new AbortController().signal, ollamaStream(lines, { provider: 'ollama', price }))) parts.push(p);
  return JSON.parse(JSON.stringify(parts)) as unknown[];
}

describe('recorded Ollama streams → parts', () => {
  it('has fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(9);
  });

  for (const name of fixtures) {
    it(`${name}: the same parts whatever the chunking (whole, 1 byte, 7 bytes)`, async () => {
      const bytes = readFileSync(new URL(`${name}.stream.txt`, dir));
      const whole = await parse(bytes, bytes.length);
      await expect(`${JSON.stringify(whole, null, 2)}\n`).toMatchFileSnapshot(`./__fixtures__/${name}.parts.json`);
      // 1-byte chunks split the multi-byte characters (é, 🦀, U+FF5C) across reads.
      expect(await parse(bytes, 1)).toEqual(whole);
      expect(await parse(bytes, 7)).toEqual(whole);
      const last = whole[whole.length - 1] as StreamPart;
      expect(['finish', 'error']).toContain(last.type);
      expect(whole.filter((p) => ['finish', 'error'].includes((p as StreamPart).type))).toHaveLength(1);
    });
  }
});

describe('ollamaStream edge cases', () => {
  const run = (text: string) => parse(Buffer.from(text), 64);

  it('a stream that ends without done:true is an error, not a silent finish', async () => {
    const parts = await run('{"model":"m","message":{"role":"assistant","content":"a"},"done":false}\n');
    expect(parts).toEqual([
      { type: 'text-delta', text: 'a' },
      { type: 'error', error: expect.objectContaining({ code: 'stream', message: 'ollama: the stream ended before its final line (done: true)' }) },
    ]);
  });

  it('a line that is not JSON is a bad_response naming the line', async () => {
    const parts = await run('{"model":"m","message":{"content":"a"},"done":false}\n{"model":"m","mess\n');
    expect(parts[1]).toMatchObject({ type: 'error', error: { code: 'bad_response' } });
    expect((parts[1] as { error: { message: string } }).error.message).toContain('{"model":"m","mess');
  });

  it('a JSON line that is not an object is a bad_response', async () => {
    expect(await run('[1,2]\n')).toEqual([{ type: 'error', error: expect.objectContaining({ code: 'bad_response' }) }]);
  });

  it('lines after done are ignored; CRLF and blank lines are tolerated', async () => {
    const parts = await run('\r\n{"message":{"content":"x"},"done":false}\r\n\r\n{"message":{"content":""},"done":true,"eval_count":1}\r\n{"junk":\n');
    expect(parts).toEqual([
      { type: 'text-delta', text: 'x' },
      { type: 'usage', usage: { inputTokens: 0, outputTokens: 1 } },
      { type: 'finish', reason: 'stop', usage: { inputTokens: 0, outputTokens: 1 }, cost: expect.objectContaining({ usd: 0 }) },
    ]);
  });

  it('a non-streamed answer (content on the done line) still yields its text', async () => {
    const parts = await run('{"message":{"role":"assistant","content":"whole","thinking":"hmm"},"done":true,"done_reason":"stop","prompt_eval_count":3,"eval_count":2}');
    expect(parts.slice(0, 2)).toEqual([
      { type: 'reasoning-delta', text: 'hmm' },
      { type: 'text-delta', text: 'whole' },
    ]);
  });

  it('an error object that is not a string is still reported', async () => {
    expect(await run('{"error":{"message":"boom"}}\n')).toEqual([{ type: 'error', error: expect.objectContaining({ code: 'stream', message: 'ollama: {"message":"boom"}' }) }]);
  });

  it('the consumer stopping early closes the line source', async () => {
    let closed = false;
    async function* lines() {
      try {
        yield '{"message":{"content":"a"},"done":false}';
        yield '{"message":{"content":"b"},"done":false}';
      } finally {
        closed = true;
      }
    }
    for await (const p of ollamaStream(lines(), { provider: 'ollama' })) {
      expect(p).toEqual({ type: 'text-delta', text: 'a' });
      break;
    }
    expect(closed).toBe(true);
  });
});

describe('mapOllamaFinishReason', () => {
  it.each([
    ['stop', false, 'stop'],
    ['stop', true, 'tool-calls'],
    [undefined, false, 'stop'],
    ['', true, 'tool-calls'],
    ['length', true, 'length'],
    ['load', false, 'other'],
    ['unload', false, 'other'],
    ['something-new', false, 'other'],
  ] as const)('%s (tool calls: %s) → %s', (raw, tools, want) => {
    expect(mapOllamaFinishReason(raw, tools)).toBe(want);
  });
});

describe('convertToOllamaMessages', () => {
  it('keeps roles and content; tool calls get object arguments; tool results get the tool name', () => {
    const out = convertToOllamaMessages([
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'get_weather', arguments: '{"city":"Tokyo"}' }, { id: 'c2', name: 'bad', arguments: 'not json' }] },
      { role: 'tool', content: '11 degrees', toolCallId: 'c1' },
      { role: 'tool', content: 'orphan', toolCallId: 'zz' },
    ]);
    expect(out).toEqual([
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'weather?' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [
          { id: 'c1', function: { index: 0, name: 'get_weather', arguments: { city: 'Tokyo' } } },
          { id: 'c2', function: { index: 1, name: 'bad', arguments: {} } },
        ],
      },
      { role: 'tool', content: '11 degrees', tool_name: 'get_weather', tool_call_id: 'c1' },
      { role: 'tool', content: 'orphan', tool_call_id: 'zz' },
    ]);
  });

  it('tools use the OpenAI function shape', () => {
    expect(convertToOllamaTools([{ name: 'f', parameters: { type: 'object' } }, { name: 'g', description: 'd', parameters: {} }])).toEqual([
      { type: 'function', function: { name: 'f', parameters: { type: 'object' } } },
      { type: 'function', function: { name: 'g', description: 'd', parameters: {} } },
    ]);
  });

  it('argumentsObject accepts only JSON objects', () => {
    expect(argumentsObject('')).toEqual({});
    expect(argumentsObject('[1]')).toEqual({});
    expect(argumentsObject('null')).toEqual({});
    expect(argumentsObject('{"a":{"b":1}}')).toEqual({ a: { b: 1 } });
  });
});

describe('endpointOrder', () => {
  const tags = (...names: string[]) => ({ at: 0, models: names.map((name) => ({ name })) });

  it('config order among endpoints that are up and have (or may have) the model', () => {
    const a = newEndpointState('http://a/');
    const b = newEndpointState('http://b');
    b.tags = tags('llama3.2:latest');
    expect(endpointOrder([a, b], 'llama3.2', 0).map((e) => e.url)).toEqual(['http://a', 'http://b']);
  });

  it('an endpoint whose list lacks the model goes after, a cooling one last', () => {
    const a = newEndpointState('http://a');
    const b = newEndpointState('http://b');
    const c = newEndpointState('http://c');
    a.downUntil = 1000;
    b.tags = tags('other:7b');
    c.tags = tags('llama3.2'); // `llama3.2` = `llama3.2:latest`
    expect(endpointOrder([a, b, c], 'LLAMA3.2:latest', 500).map((e) => e.url)).toEqual(['http://c', 'http://b', 'http://a']);
    // the cool-down is over: back to config order
    expect(endpointOrder([a, b, c], 'llama3.2', 1000).map((e) => e.url)).toEqual(['http://a', 'http://c', 'http://b']);
  });
});

describe('small wire helpers', () => {
  it('keep_alive: duration strings stay strings, bare numbers are seconds', () => {
    expect(keepAliveValue(undefined)).toBeUndefined();
    expect(keepAliveValue('')).toBeUndefined();
    expect(keepAliveValue('5m')).toBe('5m');
    expect(keepAliveValue('-1')).toBe(-1);
    expect(keepAliveValue('0')).toBe(0);
    expect(keepAliveValue('300')).toBe(300);
  });

  it('a 404 is a missing model only when Ollama says "not found" in its JSON', () => {
    expect(parseOllamaError(404, '{"error":"model \'x\' not found"}')).toEqual({ code: 'model_not_found', retryable: false });
    expect(parseOllamaError(404, '{"error":"model \\"x\\" not found, try pulling it first"}').code).toBe('model_not_found');
    expect(parseOllamaError(404, '404 page not found')).toMatchObject({ code: 'bad_request' });
    expect(parseOllamaError(500, '{"error":"boom"}')).toEqual({});
  });
});
