// One undici dispatcher per proxy setting, shared by every request: keep-alive per origin
// makes the second request to the local Ollama skip the TCP handshake.
import { Agent, EnvHttpProxyAgent, ProxyAgent, type Dispatcher } from 'undici';

const cache = new Map<string, Dispatcher>();

/** `proxy` from provider config wins; otherwise HTTP(S)_PROXY / NO_PROXY from the env. */
export function dispatcherFor(proxy?: string, env: NodeJS.ProcessEnv = process.env): Dispatcher {
  const httpsProxy = env.HTTPS_PROXY || env.https_proxy;
  const httpProxy = env.HTTP_PROXY || env.http_proxy;
  const noProxy = env.NO_PROXY || env.no_proxy;
  const key = proxy ? `proxy:${proxy}` : httpsProxy || httpProxy ? `env:${httpProxy}|${httpsProxy}|${noProxy}` : 'direct';
  let d = cache.get(key);
  if (!d) {
    const keepAlive = { keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000 };
    if (proxy) d = new ProxyAgent({ uri: proxy, ...keepAlive });
    else if (httpsProxy || httpProxy) d = new EnvHttpProxyAgent({ ...keepAlive, httpProxy, httpsProxy: httpsProxy ?? httpProxy, noProxy });
    else d = new Agent(keepAlive);
    cache.set(key, d);
  }
  return d;
}

