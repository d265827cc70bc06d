// Our ChatMessage[] / ToolSpec[] → Ollama's request shapes. Ollama wants tool-call arguments
// as a JSON object and names the tool (not the call) on a tool result.
import type { ChatMessage, ToolSpec } from '../../provider/index.js';
import type { OllamaMessage, OllamaTool, OllamaToolCall } from './ollama-api.js';

export function convertToOllamaMessages(messages: ChatMessage[]): OllamaMessage[] {
  const toolNames = new Map<string, string>();
  return messages.map((m): OllamaMessage => {
    switch (m.role) {
      case 'assistant': {
        const out: OllamaMessage = { role: 'assistant', content: m.content };
        if (m.toolCalls?.length) {
          out.tool_calls = m.toolCalls.map((c, index): OllamaToolCall => {
            toolNames.set(c.id, c.name);
            return { id: c.id, function: { index, name: c.name, arguments: argumentsObject(c.arguments) } };
          });
        }
        return out;
      }
      case 'tool': {
        const out: OllamaMessage = { role: 'tool', content: m.content };
        const name = m.toolCallId !== undefined ? toolNames.get(m.toolCallId) : undefined;
        if (name !== undefined) out.tool_name = name;
        if (m.toolCallId !== undefined) out.tool_call_id = m.toolCallId;
        return out;
      }
      default:
        return { role: m.role, content: m.content };
    }
  });
}

export function convertToOllamaTools(tools: ToolSpec[]): OllamaTool[] {
  return tools.map((t) => ({
    type: 'function',
    function: { name: t.name, ...(t.description !== undefined ? { description: t.description } : {}), parameters: t.parameters },
  }));
}

/**
 * A call's arguments as the object Ollama's Go type wants. Arguments that are not a JSON
 * object (a model wrote broken JSON earlier) become `{}`: the conversation can go on, and
 * the tool result that follows says what happened.
 */
export function argumentsObject(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text === '' ? '{}' : text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
