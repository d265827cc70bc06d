// The stream parser alone, fed the recorded bytes in pieces of every size (a TCP read can end
// anywhere: inside `\r\n`, inside a UTF-8 character), must yield exactly the recorded parts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { StreamPart } from '../../provider/index.js';
import { priceFor } from '../shared/index.js';
import { FIXTURE_CASES } from './__fixtures__/cases.js';
import { GeminiStream, geminiStreamParts, toUsage } from './gemini-stream.js';
import { mapGeminiFinishReason } from './map-gemini-finish-reason.js';

const fixture = (file: string) => new URL(`./__fixtures__/${file}`, import.meta.url);
const bytes = (name: string) => readFileSync(fixture(`${name}.stream.txt`));

function pieces(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

async function parse(body: Iterable<Uint8Array>, model: string): Promise<unknown[]> {
  const parts: StreamPart[] = [];
  const price = priceFor({ name: 'gemini', kind: 'gemini' }, model);
  for await (const p of geminiStreamParts(body, { provider: 'gemini', price: () => price })) parts.push(p);
  return JSON.parse(JSON.stringify(parts)) as unknown[];
}

describe('recorded streams through the parser', () => {
  for (const c of FIXTURE_CASES) {
    it(`${c.name}: ${c.about}`, async () => {
      const buf = bytes(c.name);
      // Guard against an editor or git turning the CRLFs into LFs.
      expect(buf.includes('\r\n\r\n')).toBe(true);
      const recorded = (JSON.parse(readFileSync(fixture(`${c.name}.parts.json`), 'utf8')) as Array<{ type: string }>).filter((p) => p.type !== 'response-metadata');
      expect(await parse([buf], c.request.model)).toEqual(recorded);
      for (const size of [1, 2, 3, 7, 64]) expect(await parse(pieces(buf, size), c.request.model)).toEqual(recorded);
    });
  }

  it('a malformed event is a bad_response error part, not a throw', async () => {
    const body = 'data: {"candidates": [{"content": {"parts": [{"text": "a"}],"role": "model"},"index": 0}]}\r\n\r\ndata: {"candidates": [{"con\r\n\r\n';
    const parts = await (async () => {
      const out: StreamPart[] = [];
      try {
        for await (const p of geminiStreamParts([body], { provider: 'gemini' })) out.push(p);
      } catch (err) {
        return { out, err };
      }
      return { out, err: undefined };
    })();
    expect(parts.out).toEqual([{ type: 'text-delta', text: 'a' }]);
    expect(parts.err).toMatchObject({ code: 'bad_response', provider: 'gemini' });
  });

  it('older models put STOP on every chunk: one finish at the end, text from every chunk', async () => {
    const ev = (t: string) => `data: {"candidates": [{"content": {"parts": [{"text": "${t}"}],"role": "model"},"finishReason": "STOP","index": 0}]}\r\n\r\n`;
    const parts = await parse([Buffer.from(ev('a') + ev('b'))], 'gemini-pro');
    expect(parts).toEqual([
      { type: 'text-delta', text: 'a' },
      { type: 'text-delta', text: 'b' },
      { type: 'finish', reason: 'stop', rawReason: 'STOP' },
    ]);
  });
});

describe('GeminiStream pieces', () => {
  it('synthesizes unique ids for calls without one, keeps Gemini 3 ids, reports signatures', () => {
    const signatures: Array<[string, string]> = [];
    const s = new GeminiStream({ provider: 'gemini', onThoughtSignature: (id, sig) => signatures.push([id, sig]) });
    const parts = [
      ...s.frame({
        responseId: 'R1',
        candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'a' } }, { functionCall: { name: 'b', args: { x: 1 }, id: 'real-1' }, thoughtSignature: 'SIG' }] } }],
      }),
      ...s.frame({ candidates: [{ finishReason: 'STOP' }] }),
      ...s.end(),
    ];
    expect(parts).toEqual([
      { type: 'tool-call-delta', index: 0, id: 'gemini-call-R1-0', name: 'a', argumentsDelta: '{}' },
      { type: 'tool-call-delta', index: 1, id: 'real-1', name: 'b', argumentsDelta: '{"x":1}' },
      { type: 'tool-call', index: 0, call: { id: 'gemini-call-R1-0', name: 'a', arguments: '{}' } },
      { type: 'tool-call', index: 1, call: { id: 'real-1', name: 'b', arguments: '{"x":1}' } },
      { type: 'finish', reason: 'tool-calls', rawReason: 'STOP' },
    ]);
    expect(signatures).toEqual([['real-1', 'SIG']]);
  });

  it('usage: prompt includes cached and tool-use prompt tokens; output = candidates + thoughts', () => {
    expect(toUsage({ promptTokenCount: 100, cachedContentTokenCount: 40, candidatesTokenCount: 10, thoughtsTokenCount: 5, toolUsePromptTokenCount: 3, totalTokenCount: 118 })).toEqual({
      inputTokens: 103,
      outputTokens: 15,
      cachedInputTokens: 40,
      reasoningTokens: 5,
    });
    expect(toUsage({ promptTokenCount: 8, thoughtsTokenCount: 12 })).toEqual({ inputTokens: 8, outputTokens: 12, reasoningTokens: 12 });
    expect(toUsage({})).toEqual({ inputTokens: 0, outputTokens: 0 });
  });

  it('maps every documented finish reason', () => {
    const expected: Record<string, string> = {
      STOP: 'stop',
      MAX_TOKENS: 'length',
      SAFETY: 'content-filter',
      RECITATION: 'content-filter',
      BLOCKLIST: 'content-filter',
      PROHIBITED_CONTENT: 'content-filter',
      SPII: 'content-filter',
      IMAGE_SAFETY: 'content-filter',
      IMAGE_PROHIBITED_CONTENT: 'content-filter',
      IMAGE_RECITATION: 'content-filter',
      LANGUAGE: 'other',
      OTHER: 'other',
      MALFORMED_FUNCTION_CALL: 'other',
      UNEXPECTED_TOOL_CALL: 'other',
      TOO_MANY_TOOL_CALLS: 'other',
      NO_IMAGE: 'other',
      IMAGE_OTHER: 'other',
      FINISH_REASON_UNSPECIFIED: 'other',
      SOMETHING_NEW: 'other',
    };
    for (const [raw, mapped] of Object.entries(expected)) expect(mapGeminiFinishReason(raw), raw).toBe(mapped);
    expect(mapGeminiFinishReason('STOP', true)).toBe('tool-calls');
  });
});
