// What the Messages API would refuse never leaves: system as a top-level field, roles that
// alternate, tool calls and results as blocks, no empty text blocks, no trailing-space prefill.
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../provider/index.js';
import { convertToAnthropicMessages, convertToAnthropicTools } from './convert-to-anthropic-messages.js';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason.js';

const convert = (messages: Parameters<typeof convertToAnthropicMessages>[1]) => convertToAnthropicMessages('anthropic', messages);

describe('convertToAnthropicMessages', () => {
  it('a plain exchange stays plain strings; system messages join into the top-level field', () => {
    expect(
      convert([
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'system', content: 'Use British spelling.' },
        { role: 'user', content: 'Colour?' },
      ]),
    ).toEqual({
      system: 'Be terse.\n\nUse British spelling.',
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'user', content: 'Colour?' },
      ],
    });
    expect(convert([{ role: 'user', content: 'x' }])).not.toHaveProperty('system');
  });

  it('parallel tool calls: one assistant message of tool_use blocks, their results in ONE user message', () => {
    const out = convert([
      { role: 'user', content: 'Weather in SF and Paris?' },
      {
        role: 'assistant',
        content: 'Checking both.',
        toolCalls: [
          { id: 'toolu_a', name: 'get_weather', arguments: '{"location":"SF"}' },
          { id: 'toolu_b', name: 'get_weather', arguments: '' },
        ],
      },
      { role: 'tool', toolCallId: 'toolu_a', content: '15 degrees' },
      { role: 'tool', toolCallId: 'toolu_b', content: '21 degrees' },
    ]);
    expect(out.messages).toEqual([
      { role: 'user', content: 'Weather in SF and Paris?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking both.' },
          { type: 'tool_use', id: 'toolu_a', name: 'get_weather', input: { location: 'SF' } },
          { type: 'tool_use', id: 'toolu_b', name: 'get_weather', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_a', content: '15 degrees' },
          { type: 'tool_result', tool_use_id: 'toolu_b', content: '21 degrees' },
        ],
      },
    ]);
  });

  it('consecutive turns of one role merge; empty and whitespace-only texts are left out', () => {
    expect(
      convert([
        { role: 'user', content: 'first' },
        { role: 'user', content: '   ' },
        { role: 'user', content: 'second' },
        { role: 'assistant', content: '' },
        { role: 'user', content: 'third' },
      ]).messages,
    ).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'first' },
          { type: 'text', text: 'second' },
          { type: 'text', text: 'third' },
        ],
      },
    ]);
  });

  it('a final assistant prefill loses its trailing whitespace (the API refuses it)', () => {
    expect(convert([{ role: 'user', content: 'JSON please' }, { role: 'assistant', content: '{\n  ' }]).messages[1]).toEqual({ role: 'assistant', content: '{' });
    expect(convert([{ role: 'user', content: 'x' }, { role: 'assistant', content: 'keep  ' }, { role: 'user', content: 'y' }]).messages[1]).toEqual({
      role: 'assistant',
      content: 'keep  ',
    });
  });

  it('tool arguments that are not a JSON object, and a result without its call id, are bad requests', () => {
    for (const args of ['[1]', '"x"', '{broken', 'null']) {
      expect(() => convert([{ role: 'assistant', content: '', toolCalls: [{ id: 't', name: 'f', arguments: args }] }])).toThrow(
        expect.objectContaining({ code: 'bad_request' }) as ProviderError,
      );
    }
    expect(() => convert([{ role: 'tool', content: 'r' }])).toThrow(/toolCallId/);
  });

  it('tools carry their JSON Schema as input_schema', () => {
    expect(convertToAnthropicTools([{ name: 'f', parameters: { type: 'object' } }, { name: 'g', description: 'G', parameters: {} }])).toEqual([
      { name: 'f', input_schema: { type: 'object' } },
      { name: 'g', description: 'G', input_schema: {} },
    ]);
  });
});

describe('mapAnthropicFinishReason', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool-calls'],
    ['refusal', 'content-filter'],
    ['pause_turn', 'other'],
    [null, 'other'],
    ['something_new', 'other'],
  ] as const)('%s → %s', (raw, ours) => {
    expect(mapAnthropicFinishReason(raw)).toBe(ours);
  });
});
