// Our ChatMessage[] → Gemini `systemInstruction` + `contents`:
// - system messages (wherever they are) → `systemInstruction.parts`;
// - assistant → role `model`, its tool calls → `functionCall` parts;
// - tool results → `functionResponse` parts of a `user` turn (Gemini wants the function name,
//   which our tool message does not carry: it is looked up from the call it answers);
// - consecutive tool results are merged into one turn (Gemini wants as many functionResponse
//   parts in that turn as there were calls); other turns stay as they are;
// - empty text parts are dropped (Gemini rejects "an empty text parameter").
import type { ChatMessage, ToolSpec } from '../../provider/index.js';
import type { GeminiContent, GeminiFunctionDeclaration, GeminiPart } from './gemini-api.js';

/** Ids we make up for calls Gemini sent without one (2.x models); never sent back on the wire. */
export const SYNTHETIC_CALL_ID_PREFIX = 'gemini-call-';

export function isSyntheticCallId(id: string): boolean {
  return id.startsWith(SYNTHETIC_CALL_ID_PREFIX);
}

export interface ConvertOptions {
  /** The thought signature Gemini sent with a function call, by our call id (Gemini 3 wants it back). */
  signatureFor?: (callId: string) => string | undefined;
}

export interface GeminiPrompt {
  systemInstruction?: GeminiContent;
  contents: GeminiContent[];
}

export function convertToGeminiMessages(messages: ChatMessage[], opts: ConvertOptions = {}): GeminiPrompt {
  const system: GeminiPart[] = [];
  const contents: GeminiContent[] = [];
  const callNames = new Map<string, string>();

  let lastWasToolResult = false;
  const push = (role: 'user' | 'model', parts: GeminiPart[], toolResult = false) => {
    if (parts.length === 0) return;
    const last = contents[contents.length - 1];
    if (last && toolResult && lastWasToolResult) last.parts.push(...parts);
    else contents.push({ role, parts });
    lastWasToolResult = toolResult;
  };

  for (const m of messages) {
    switch (m.role) {
      case 'system':
        if (m.content !== '') system.push({ text: m.content });
        break;
      case 'user':
        push('user', m.content !== '' ? [{ text: m.content }] : []);
        break;
      case 'assistant': {
        const parts: GeminiPart[] = m.content !== '' ? [{ text: m.content }] : [];
        for (const call of m.toolCalls ?? []) {
          callNames.set(call.id, call.name);
          const part: GeminiPart = {
            functionCall: { name: call.name, args: argsObject(call.arguments), ...(isSyntheticCallId(call.id) ? {} : { id: call.id }) },
          };
          const signature = opts.signatureFor?.(call.id);
          if (signature) part.thoughtSignature = signature;
          parts.push(part);
        }
        push('model', parts);
        break;
      }
      case 'tool': {
        const id = m.toolCallId;
        const name = (id !== undefined ? callNames.get(id) : undefined) ?? id ?? 'tool';
        push('user', [{ functionResponse: { name, response: responseObject(m.content), ...(id !== undefined && !isSyntheticCallId(id) ? { id } : {}) } }], true);
        break;
      }
    }
  }
  return { ...(system.length ? { systemInstruction: { parts: system } } : {}), contents };
}

/** The model's arguments text → the `args` object Gemini wants (a non-object is wrapped). */
function argsObject(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    return { value: v };
  } catch {
    return { value: text };
  }
}

/** A tool's result → `functionResponse.response` (a JSON object; anything else goes under `output`). */
function responseObject(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    return { output: v };
  } catch {
    return { output: text };
  }
}

export function convertToGeminiTools(tools: ToolSpec[] | undefined): { functionDeclarations: GeminiFunctionDeclaration[] }[] | undefined {
  if (!tools?.length) return undefined;
  return [
    {
      functionDeclarations: tools.map((t) => ({
        name: t.name,
        ...(t.description ? { description: t.description } : {}),
        ...(hasProperties(t.parameters) ? { parameters: toGeminiSchema(t.parameters) as Record<string, unknown> } : {}),
      })),
    },
  ];
}

function hasProperties(schema: Record<string, unknown>): boolean {
  const props = schema.properties;
  return !(schema.type === 'object' && (!props || (typeof props === 'object' && Object.keys(props).length === 0)));
}

// `parameters` is Gemini's OpenAPI 3.0 subset: no `$schema`, `additionalProperties`, `$ref`…,
// and `nullable: true` instead of a `["T", "null"]` type union.
const DROPPED_KEYS = new Set(['$schema', '$id', '$comment', '$defs', 'definitions', 'additionalProperties', 'examples', 'default', 'const']);

export function toGeminiSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toGeminiSchema);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema as Record<string, unknown>)) {
    if (DROPPED_KEYS.has(key)) continue;
    if (key === 'type' && Array.isArray(value)) {
      const types = value.filter((t) => t !== 'null');
      if (types.length === 1) out.type = types[0];
      else if (types.length > 1) out.anyOf = types.map((t) => ({ type: t }));
      if (types.length !== value.length) out.nullable = true;
      continue;
    }
    if (key === 'properties' && value && typeof value === 'object') {
      out.properties = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toGeminiSchema(v)]));
      continue;
    }
    out[key] = toGeminiSchema(value);
  }
  const c = (schema as Record<string, unknown>).const;
  if (c !== undefined && out.enum === undefined) out.enum = [c];
  return out;
}
