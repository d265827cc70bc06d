// The recorded streams and the chat request each one answers. `<name>.stream.txt` holds the
// bytes as Gemini sends them (CRLF, `\r\n\r\n` between events); `<name>.parts.json` the parts we
// yield; `<name>.request.json` the body we send for `request`.
import type { ChatRequest } from '../../../provider/index.js';

export interface FixtureCase {
  name: string;
  /** What the recording shows. */
  about: string;
  request: Omit<ChatRequest, 'signal'>;
}

const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: {
      city: { type: 'string', description: 'City name' },
      unit: { type: ['string', 'null'], enum: ['celsius', 'fahrenheit'] },
    },
    required: ['city'],
    additionalProperties: false,
  },
};

export const FIXTURE_CASES: FixtureCase[] = [
  {
    name: 'text',
    about: 'three text chunks with UTF-8 (é, —, ’, ☕), cumulative usage, STOP on the last chunk only',
    request: {
      model: 'gemini-2.5-flash',
      messages: [
        { role: 'system', content: 'You are a terse poet.' },
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Hi!' },
        { role: 'user', content: 'A haiku about tests, please.' },
      ],
      temperature: 0.2,
      maxTokens: 256,
      stop: ['\n\n'],
    },
  },
  {
    name: 'function-call',
    about: 'text, then two whole functionCall parts in one chunk (no ids: 2.5 style), STOP with finishMessage',
    request: {
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'Weather in Paris and London?' }],
      tools: [weatherTool, { name: 'no_args', description: 'Takes nothing', parameters: { type: 'object', properties: {} } }],
    },
  },
  {
    name: 'thoughts',
    about: 'thought parts (no candidatesTokenCount yet), cached prompt tokens, a signature-only empty part, after a tool round trip in the history',
    request: {
      model: 'gemini-2.5-pro',
      messages: [
        { role: 'user', content: 'What is 6 × 7? Use the calculator if needed.' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'gemini-call-qhqlaZ-0', name: 'multiply', arguments: '{"a":6,"b":7}' }] },
        { role: 'tool', toolCallId: 'gemini-call-qhqlaZ-0', content: '{"result":42}' },
        { role: 'user', content: 'Say it once more.' },
      ],
    },
  },
  {
    name: 'safety',
    about: 'text, then a content-less last chunk with finishReason SAFETY and a blocked rating',
    request: { model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Something unsafe' }] },
  },
  {
    name: 'mid-stream-error',
    about: 'a text chunk, then {"error": {"code": 503, …, "status": "UNAVAILABLE"}} inside the 200 stream',
    request: { model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Explain monads' }] },
  },
  {
    name: 'blocked-prompt',
    about: 'no candidates: promptFeedback.blockReason PROHIBITED_CONTENT',
    request: { model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'A prompt Gemini refuses' }] },
  },
  {
    name: 'gemini3-function-call',
    about: 'Gemini 3: a functionCall with an id and a thoughtSignature; earlier real ids and plain-text results in the history',
    request: {
      model: 'gemini-3.1-pro-preview',
      messages: [
        { role: 'system', content: 'You edit code.' },
        { role: 'user', content: 'Open the entry point.' },
        { role: 'assistant', content: 'Listing first.', toolCalls: [{ id: 'x9k2m4', name: 'list_dir', arguments: '{"path":"src"}' }] },
        { role: 'tool', toolCallId: 'x9k2m4', content: 'main.ts\nutil.ts' },
      ],
      tools: [
        { name: 'list_dir', parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } },
        { name: 'read_file', parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } },
      ],
    },
  },
  {
    name: 'max-tokens',
    about: 'finishReason MAX_TOKENS → length',
    request: { model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Write a long answer' }], maxTokens: 6 },
  },
  {
    name: 'truncated',
    about: 'the body ends without any finishReason (a cut connection that closed cleanly) → error part',
    request: { model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Hi' }] },
  },
];
