// Stubs for the engine's tests: a provider client whose FIM/chat streams are scripted, and a
// router that routes every request to one candidate (as the real one does for a named model).
import { resolveConfig, type ResolvedConfig } from '../config/index.js';
import type { ErrorCode } from '../core/errors.js';
import { ZekeError } from '../core/errors.js';
import type { Logger } from '../log/logger.js';
import type { ChatRequest, FimRequest, ProviderClient, StreamPart } from '../provider/index.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { GenerateParams, GenerateResult, Req, RouterService } from '../router/service.js';
import type { Candidate, RouteHints } from '../router/types.js';

export const silentLog: Logger = new Proxy({}, { get: () => () => undefined }) as Logger;

export function testConfig(completion: Record<string, unknown> = {}): ResolvedConfig {
  return resolveConfig({ config_file: false, completion }, {});
}

export interface StubClient extends ProviderClient {
  fims: FimRequest[];
  chats: ChatRequest[];
}

/** `answer(req)` gives the text pieces; `gate` (if set) is awaited before the first piece. */
export function stubClient(o: {
  fim?: boolean;
  answer?: (prefix: string) => string[];
  gate?: (signal: AbortSignal) => Promise<void>;
} = {}): StubClient {
  const fims: FimRequest[] = [];
  const chats: ChatRequest[] = [];
  async function* parts(pieces: string[], signal: AbortSignal): AsyncGenerator<StreamPart> {
    if (o.gate) await o.gate(signal);
    yield { type: 'response-metadata', status: 200, ttfbMs: 5 };
    for (const text of pieces) {
      if (signal.aborted) throw signal.reason;
      yield { type: 'text-delta', text };
    }
    yield { type: 'finish', reason: 'stop' };
  }
  const client: StubClient = {
    name: 'stub',
    kind: 'ollama',
    fims,
    chats,
    chat(req) {
      chats.push(req);
      return parts(o.answer?.(req.messages.at(-1)!.content) ?? ['chat answer'], req.signal);
    },
    listModels: async () => [],
    health: async () => [],
  };
  if (o.fim !== false)
    client.fim = (req) => {
      fims.push(req);
      return parts(o.answer?.(req.prefix) ?? ['x'], req.signal);
    };
  return client;
}

export function stubRegistry(client: ProviderClient): ProviderRegistry {
  return { resolve: () => ({ provider: 'stub', model: 'm' }), client: async () => client };
}

export interface StubRouter {
  router: RouterService;
  calls: { p: GenerateParams; hints?: Partial<RouteHints> }[];
}

/**
 * Routes to `candidate`; with `refuseFim`, a request that needs FIM is refused like the real
 * router refuses when no candidate has it.
 */
export function stubRouter(candidate: Partial<Candidate> = {}, o: { refuseFim?: boolean } = {}): StubRouter {
  const c: Candidate = { ref: 'stub:coder', provider: 'stub', model: 'coder', local: true, ...candidate };
  const calls: StubRouter['calls'] = [];
  const router = {
    featureModel: () => 'code-fast',
    async generate(p: GenerateParams, signal: AbortSignal, onPart: (part: StreamPart) => void, how: { stream?: (c: Candidate, r: Req) => AsyncIterable<StreamPart>; hints?: Partial<RouteHints> } = {}): Promise<GenerateResult> {
      calls.push({ p, hints: how.hints });
      if (o.refuseFim && how.hints?.needs?.fim) throw new ZekeError('config' as ErrorCode, `no candidate for ${p.model ?? 'code-fast'}: no fill-in-the-middle support`, { route: 'refused' });
      let text = '';
      let ttfb: number | undefined;
      for await (const part of how.stream!(c, { messages: p.messages, maxTokens: p.max_tokens, signal })) {
        if (part.type === 'error') throw part.error;
        if (signal.aborted) throw new ZekeError('cancelled' as ErrorCode, 'cancelled');
        if (part.type === 'text-delta') text += part.text;
        if (part.type === 'response-metadata') ttfb = part.ttfbMs;
        onPart(part);
      }
      if (signal.aborted) throw new ZekeError('cancelled' as ErrorCode, 'cancelled');
      return {
        provider: c.provider,
        model: c.model,
        text,
        tool_calls: [],
        finish_reason: 'stop',
        ttfb_ms: ttfb,
        duration_ms: 1,
        route: { requested: 'code-fast', ref: c.ref, provider: c.provider, model: c.model, local: true, rule: 'stub', escalated: false, via_omen: false, fallbacks_tried: [] },
      };
    },
  } as unknown as RouterService;
  return { router, calls };
}
