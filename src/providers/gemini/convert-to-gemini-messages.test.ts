import { describe, expect, it } from 'vitest';
import { convertToGeminiMessages, convertToGeminiTools, toGeminiSchema } from './convert-to-gemini-messages.js';

describe('convertToGeminiMessages', () => {
  it('system → systemInstruction (wherever it is), assistant → model, empty texts dropped', () => {
    expect(
      convertToGeminiMessages([
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Hi!' },
        { role: 'system', content: 'Answer in French.' },
        { role: 'user', content: '' },
        { role: 'user', content: 'Bye' },
        { role: 'user', content: 'Really.' },
      ]),
    ).toEqual({
      systemInstruction: { parts: [{ text: 'Be terse.' }, { text: 'Answer in French.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'Hello' }] },
        { role: 'model', parts: [{ text: 'Hi!' }] },
        { role: 'user', parts: [{ text: 'Bye' }] },
        { role: 'user', parts: [{ text: 'Really.' }] },
      ],
    });
  });

  it('tool calls → functionCall parts; consecutive results → one user turn of functionResponses named after their call', () => {
    const out = convertToGeminiMessages(
      [
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: '',
          toolCalls: [
            { id: 'gemini-call-R-0', name: 'get_weather', arguments: '{"city":"Paris"}' },
            { id: 'call_g3', name: 'get_time', arguments: '' },
          ],
        },
        { role: 'tool', toolCallId: 'gemini-call-R-0', content: '{"temp":21}' },
        { role: 'tool', toolCallId: 'call_g3', content: '12:00' },
        { role: 'user', content: 'Thanks' },
      ],
      { signatureFor: (id) => (id === 'call_g3' ? 'SIG' : undefined) },
    );
    expect(out.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather?' }] },
      {
        role: 'model',
        parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }, { functionCall: { name: 'get_time', args: {}, id: 'call_g3' }, thoughtSignature: 'SIG' }],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { temp: 21 } } },
          { functionResponse: { name: 'get_time', response: { output: '12:00' }, id: 'call_g3' } },
        ],
      },
      { role: 'user', parts: [{ text: 'Thanks' }] },
    ]);
  });

  it('arguments that are not a JSON object are wrapped, never dropped', () => {
    const out = convertToGeminiMessages([{ role: 'assistant', content: '', toolCalls: [{ id: 'a', name: 'f', arguments: '[1,2]' }, { id: 'b', name: 'g', arguments: 'oops' }] }]);
    expect(out.contents[0]?.parts).toEqual([{ functionCall: { name: 'f', args: { value: [1, 2] }, id: 'a' } }, { functionCall: { name: 'g', args: { value: 'oops' }, id: 'b' } }]);
  });
});

describe('tools', () => {
  it('functionDeclarations; an empty object schema is left out (Gemini rejects empty properties)', () => {
    expect(
      convertToGeminiTools([
        { name: 'a', description: 'A', parameters: { type: 'object', properties: { x: { type: 'integer' } }, required: ['x'] } },
        { name: 'b', parameters: { type: 'object', properties: {} } },
      ]),
    ).toEqual([
      {
        functionDeclarations: [
          { name: 'a', description: 'A', parameters: { type: 'object', properties: { x: { type: 'integer' } }, required: ['x'] } },
          { name: 'b' },
        ],
      },
    ]);
    expect(convertToGeminiTools([])).toBeUndefined();
  });

  it('JSON Schema → Gemini’s OpenAPI subset', () => {
    expect(
      toGeminiSchema({
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        additionalProperties: false,
        properties: {
          default: { type: ['string', 'null'], default: 'x' },
          mode: { const: 'fast' },
          list: { type: 'array', items: { type: 'object', additionalProperties: true, properties: { n: { type: 'number' } } } },
        },
      }),
    ).toEqual({
      type: 'object',
      properties: {
        default: { type: 'string', nullable: true },
        mode: { enum: ['fast'] },
        list: { type: 'array', items: { type: 'object', properties: { n: { type: 'number' } } } },
      },
    });
  });
});
