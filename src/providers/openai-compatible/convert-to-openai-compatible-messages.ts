// Our ChatMessage[] → OpenAI chat messages. Assistant content is always a string (never
// null), which every dialect accepts and OMEN requires.
import { ProviderError, type ChatMessage, type ToolSpec } from '../../provider/index.js';
import type { OpenAIChatMessage, OpenAIFunctionTool } from './openai-compatible-api.js';

export function convertToOpenAICompatibleMessages(provider: string, messages: ChatMessage[]): OpenAIChatMessage[] {
  return messages.map((m, i): OpenAIChatMessage => {
    switch (m.role) {
      case 'system':
        return { role: 'system', content: m.content };
      case 'user':
        return { role: 'user', content: m.content };
      case 'assistant':
        return m.toolCalls?.length
          ? {
              role: 'assistant',
              content: m.content,
              tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
            }
          : { role: 'assistant', content: m.content };
      case 'tool':
        if (!m.toolCallId) {
          throw new ProviderError({ code: 'bad_request', provider, message: `${provider}: message ${i} is a tool result without toolCallId` });
        }
        return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
    }
  });
}

export function convertToOpenAICompatibleTools(tools: ToolSpec[]): OpenAIFunctionTool[] {
  return tools.map((t) => ({
    type: 'function',
    function: { name: t.name, ...(t.description !== undefined ? { description: t.description } : {}), parameters: t.parameters },
  }));
}
