// Placeholder until the completion engine lands; replaced by its implementation.
import type { ResolvedConfig } from '../config/index.js';
import type { Logger } from '../log/logger.js';
import type { CompleteResult, ParamsOf } from '../protocol.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { RouterService } from '../router/service.js';

export interface CompletionEngineOptions {
  cfg: ResolvedConfig;
  router: RouterService;
  registry: ProviderRegistry;
  log: Logger;
}

export interface CompletionEngine {
  /** `onProgress({ text })`: the post-processed suggestion so far (whole text each time). */
  complete(p: ParamsOf<'complete'>, signal: AbortSignal, onProgress: (value: { text: string }) => void): Promise<CompleteResult>;
}

export function createCompletionEngine(_opts: CompletionEngineOptions): CompletionEngine {
  return {
    complete() {
      return Promise.reject(new Error('inline completion is not implemented yet'));
    },
  };
}
