// Provider clients for the current config, created on first use and kept while the config
// stands (so each keeps its warm keep-alive connections). Model refs and aliases resolve here.
import type { ResolvedConfig } from '../config/index.js';
import type { Logger } from '../log/logger.js';
import type { ProviderClient } from '../provider/index.js';
import { createProviderClient } from './index.js';

export interface ModelTarget {
  provider: string;
  model: string;
  /** The alias the user named, if any. */
  alias?: string;
}

export interface ProviderRegistry {
  /** `provider:model` (split on the first colon) or an alias (its first ref, until routing chooses). */
  resolve(refOrAlias: string): ModelTarget;
  client(name: string): Promise<ProviderClient>;
}

export class RefError extends Error {}

export function createProviderRegistry(cfg: ResolvedConfig, log: Logger): ProviderRegistry {
  const clients = new Map<string, Promise<ProviderClient>>();
  return {
    resolve(refOrAlias) {
      const chain = cfg.aliases[refOrAlias];
      const ref = chain?.[0] ?? refOrAlias;
      const colon = ref.indexOf(':');
      if (colon <= 0 || colon === ref.length - 1) {
        throw new RefError(`"${refOrAlias}" is neither an alias (${Object.keys(cfg.aliases).sort().join(', ')}) nor a "provider:model" ref`);
      }
      return { provider: ref.slice(0, colon), model: ref.slice(colon + 1), ...(chain ? { alias: refOrAlias } : {}) };
    },
    client(name) {
      let c = clients.get(name);
      if (!c) {
        const p = cfg.providers.find((x) => x.name === name);
        if (!p) return Promise.reject(new RefError(`unknown provider "${name}" (configured: ${cfg.providers.filter((x) => x.configured).map((x) => x.name).join(', ')})`));
        if (!p.enabled) return Promise.reject(new RefError(`provider "${name}" is disabled (providers.${name}.enabled = false)`));
        c = createProviderClient(p, log);
        clients.set(name, c);
        c.catch(() => clients.delete(name));
      }
      return c;
    },
  };
}
