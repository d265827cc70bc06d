// Our ChatMessage[] → the Messages API's top-level `system` plus alternating user/assistant
// messages: assistant tool calls become `tool_use` blocks, tool results `tool_result` blocks
// in a user message, and consecutive turns of one role are merged into one message.
// @see https://docs.claude.com/en/docs/agents-and-tools/tool-use/implement-tool-use
import { ProviderError, type ChatMessage, type ToolSpec } from '../../provider/index.js';
import type { AnthropicContentBlockParam, AnthropicMessageParam, AnthropicToolParam } from './anthropic-api.js';

export interface AnthropicPrompt {
  system?: string;
  messages: AnthropicMessageParam[];
}

export function convertToAnthropicMessages(provider: string, messages: ChatMessage[]): AnthropicPrompt {
  const system: string[] = [];
  const turns: Array<{ role: 'user' | 'assistant'; blocks: AnthropicContentBlockParam[] }> = [];
  const push = (role: 'user' | 'assistant', blocks: AnthropicContentBlockParam[]) => {
    if (blocks.length === 0) return;
    const last = turns[turns.length - 1];
    if (last?.role === role) last.blocks.push(...blocks);
    else turns.push({ role, blocks });
  };

  for (const m of messages) {
    switch (m.role) {
      case 'system':
        // There is no system role in `messages`: every system text goes to the top-level field.
        if (m.content.trim() !== '') system.push(m.content);
        break;
      case 'user':
        push('user', textBlocks(m.content));
        break;
      case 'assistant':
        push('assistant', [
          ...textBlocks(m.content),
          ...(m.toolCalls ?? []).map((c): AnthropicContentBlockParam => ({ type: 'tool_use', id: c.id, name: c.name, input: toolInput(provider, c) })),
        ]);
        break;
      case 'tool':
        if (!m.toolCallId) throw new ProviderError({ code: 'bad_request', provider, message: `${provider}: a tool result has no toolCallId, so it cannot answer a tool_use block` });
        push('user', [{ type: 'tool_result', tool_use_id: m.toolCallId, content: m.content }]);
        break;
    }
  }

  // A final assistant message is a prefill, which the API refuses when it ends in whitespace.
  const last = turns[turns.length - 1];
  const tail = last?.role === 'assistant' ? last.blocks[last.blocks.length - 1] : undefined;
  if (last && tail?.type === 'text') {
    tail.text = tail.text.trimEnd();
    if (tail.text === '') last.blocks.pop();
    if (last.blocks.length === 0) turns.pop();
  }

  return {
    ...(system.length ? { system: system.join('\n\n') } : {}),
    messages: turns.map(({ role, blocks }) => ({ role, content: blocks.length === 1 && blocks[0]!.type === 'text' ? blocks[0]!.text : blocks })),
  };
}

export function convertToAnthropicTools(tools: ToolSpec[]): AnthropicToolParam[] {
  return tools.map((t) => ({ name: t.name, ...(t.description ? { description: t.description } : {}), input_schema: t.parameters }));
}

/** The API refuses empty and whitespace-only text blocks, so they are left out. */
function textBlocks(text: string): AnthropicContentBlockParam[] {
  return text.trim() === '' ? [] : [{ type: 'text', text }];
}

/** `tool_use.input` must be an object; our tool calls carry the model's JSON text. */
function toolInput(provider: string, call: { id: string; name: string; arguments: string }): Record<string, unknown> {
  if (call.arguments.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(call.arguments);
  } catch {
    value = undefined;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new ProviderError({
    code: 'bad_request',
    provider,
    message: `${provider}: the arguments of tool call ${call.name} (${call.id}) are not a JSON object: ${call.arguments.slice(0, 80)}`,
  });
}
