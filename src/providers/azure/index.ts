// Placeholder until this protocol lands; replaced by its implementation.
import type { ProviderFactory } from '../index.js';

export const createAzureProvider: ProviderFactory = (ctx) => {
  throw new Error(`${ctx.provider.kind} is not implemented yet`);
};
