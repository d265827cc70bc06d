// One client per configured provider, by wire protocol. Each protocol lives in its own
// folder with the same file set (see src/providers/README.md).
import type { Dispatcher } from 'undici';
import type { ResolvedProvider } from '../config/index.js';
import { dispatcherFor } from '../http/dispatcher.js';
import type { Logger } from '../log/logger.js';
import type { ProviderClient } from '../provider/index.js';

export interface ProviderContext {
  provider: ResolvedProvider;
  dispatcher: Dispatcher;
  log: Logger;
}

export type ProviderFactory = (ctx: ProviderContext) => ProviderClient;

/** Loaded on first use, so a user of one protocol never pays for the others. */
const factories: Record<ResolvedProvider['kind'], () => Promise<ProviderFactory>> = {
  ollama: () => import('./ollama/index.js').then((m) => m.createOllamaProvider),
  openai: () => import('./openai-compatible/index.js').then((m) => m.createOpenAICompatibleProvider),
  'openai-compatible': () => import('./openai-compatible/index.js').then((m) => m.createOpenAICompatibleProvider),
  azure: () => import('./azure/index.js').then((m) => m.createAzureProvider),
  anthropic: () => import('./anthropic/index.js').then((m) => m.createAnthropicProvider),
  gemini: () => import('./gemini/index.js').then((m) => m.createGeminiProvider),
};

export async function createProviderClient(provider: ResolvedProvider, log: Logger): Promise<ProviderClient> {
  const factory = await factories[provider.kind]();
  return factory({ provider, dispatcher: dispatcherFor(provider.proxy), log });
}
