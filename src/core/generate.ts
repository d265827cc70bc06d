// The `generate` method: one streamed generation from a model ref or alias. Parts go out in
// frame-sized batches as progress; the answer sums them up (text, tool calls, usage, cost,
// finish, timings). The feature layers (completion, chat, edits) build on the same stream.
import type { ProviderRegistry } from '../providers/registry.js';
import type { StreamPart, ToolCall, Usage, Cost, FinishReason } from '../provider/index.js';
import { ErrorCode, ZekeError } from './errors.js';
import { createProgressBatcher } from './progress.js';
import type { ParamsOf } from '../protocol.js';

export interface GenerateResult {
  provider: string;
  model: string;
  alias?: string;
  text: string;
  tool_calls: ToolCall[];
  finish_reason: FinishReason;
  usage?: Usage;
  cost?: Cost;
  ttfb_ms?: number;
  duration_ms: number;
  request_id?: string;
}

/** Parts as the editor sees them: only what it renders or records. */
export type WirePart = Exclude<StreamPart, { type: 'error' }>;

export async function generate(
  registry: ProviderRegistry,
  p: ParamsOf<'generate'>,
  signal: AbortSignal,
  progress?: (parts: WirePart[]) => void,
): Promise<GenerateResult> {
  const started = performance.now();
  let target;
  try {
    target = registry.resolve(p.model);
  } catch (err) {
    throw new ZekeError(ErrorCode.Config, (err as Error).message);
  }
  const client = await registry.client(target.provider).catch((err: Error) => {
    throw new ZekeError(ErrorCode.Config, err.message);
  });
  const batch = createProgressBatcher<WirePart>((parts) => progress?.(parts));
  const result: GenerateResult = { provider: target.provider, model: target.model, ...(target.alias ? { alias: target.alias } : {}), text: '', tool_calls: [], finish_reason: 'other', duration_ms: 0 };
  const stream = client.chat({
    model: target.model,
    messages: p.messages,
    maxTokens: p.max_tokens,
    temperature: p.temperature,
    stop: p.stop,
    signal,
  });
  for await (const part of stream) {
    switch (part.type) {
      case 'error': {
        batch.flush();
        const e = part.error;
        throw new ZekeError(e.code === 'cancelled' ? ErrorCode.Cancelled : e.code === 'auth' ? ErrorCode.Auth : e.code === 'timeout' ? ErrorCode.Timeout : e.code === 'unreachable' ? ErrorCode.Unreachable : ErrorCode.Provider, e.message, { provider: e.provider, status: e.status, provider_code: e.code, retryable: e.retryable });
      }
      case 'response-metadata':
        result.ttfb_ms = part.ttfbMs;
        if (part.requestId) result.request_id = part.requestId;
        break;
      case 'text-delta':
        result.text += part.text;
        break;
      case 'tool-call':
        result.tool_calls.push(part.call);
        break;
      case 'usage':
        result.usage = part.usage;
        break;
      case 'finish':
        result.finish_reason = part.reason;
        if (part.usage) result.usage = part.usage;
        if (part.cost) result.cost = part.cost;
        break;
    }
    batch.push(part);
  }
  batch.flush();
  result.duration_ms = Math.round(performance.now() - started);
  return result;
}
