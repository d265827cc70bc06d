// One undici dispatcher per proxy setting, shared by every request: keep-alive per origin
// makes the second request to the local Ollama skip the TCP handshake.
import { Agent, EnvHttpProxyAgent, ProxyAgent, type Dispatcher } from 'undici';

const cache = new Map<string, Dispatcher>();

/** `proxy` from provider config wins; otherwise HTTP(S)_PROXY / NO_PROXY from the env. */
export function dispatcherFor(proxy?: string, env: NodeJS.ProcessEnv = process.env): Dispatcher {
  const envProxy = env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy;
  const key = proxy ? `proxy:${proxy}` : envProxy ? 'env' : 'direct';
  let d = cache.get(key);
  if (!d) {
    const keepAlive = { keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000 };
    d = proxy ? new ProxyAgent({ uri: proxy, ...keepAlive }) : envProxy ? new EnvHttpProxyAgent(keepAlive) : new Agent(keepAlive);
    cache.set(key, d);
  }
  return d;
}

export async function closeDispatchers(): Promise<void> {
  const all = [...cache.values()];
  cache.clear();
  await Promise.allSettled(all.map((d) => d.close()));
}
