// Provider rows of `npm run bench`, run through the real provider clients (the same code the
// host uses) against fake servers in a worker thread:
//   - parse throughput per protocol: body MB/s and text parts/s, a long answer
//   - first byte → first text part: from the response headers to the first text-delta
//   - connection reuse: connections the server saw for 10 sequential requests (want 1)
import { Worker } from 'node:worker_threads';
import { resolveConfig } from '../src/config/index.js';
import { createLogger } from '../src/log/logger.js';
import { Agent, type Dispatcher } from 'undici';
import { createAnthropicProvider } from '../src/providers/anthropic/index.js';
import { createAzureProvider } from '../src/providers/azure/index.js';
import { createGeminiProvider } from '../src/providers/gemini/index.js';
import type { ProviderFactory } from '../src/providers/index.js';
import { createOllamaProvider } from '../src/providers/ollama/index.js';
import { createOpenAICompatibleProvider } from '../src/providers/openai-compatible/index.js';

const FACTORIES: Record<string, ProviderFactory> = {
  ollama: createOllamaProvider,
  openai: createOpenAICompatibleProvider,
  'openai-compatible': createOpenAICompatibleProvider,
  azure: createAzureProvider,
  anthropic: createAnthropicProvider,
  gemini: createGeminiProvider,
};
import type { ProviderClient } from '../src/provider/index.js';

type Name = 'ollama' | 'openai' | 'azure' | 'anthropic' | 'gemini';
const MODELS: Record<Name, string> = {
  ollama: 'llama3.2:latest',
  openai: 'gpt-4o-mini',
  azure: 'gpt-4o-mini',
  anthropic: 'claude-haiku-4-5-20251001',
  gemini: 'gemini-2.5-flash',
};

/** Counts the body bytes the client receives, so throughput is measured on the wire. */
class CountingAgent extends Agent {
  bytes = 0;
  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const self = this;
    const h = handler as Dispatcher.DispatchHandler & Record<string, any>;
    const wrapped = new Proxy(h, {
      get(target, prop, recv) {
        const v = Reflect.get(target, prop, recv);
        if (prop === 'onData' && typeof v === 'function') return (chunk: Buffer) => ((self.bytes += chunk.length), v.call(target, chunk));
        if (prop === 'onResponseData' && typeof v === 'function') return (c: unknown, chunk: Buffer) => ((self.bytes += chunk.length), v.call(target, c, chunk));
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    return super.dispatch(opts, wrapped);
  }
}

export async function measureProviders(workerFile: string, opts: { longTokens: number; runs: number; firstRuns: number }) {
  const worker = new Worker(workerFile, { workerData: { tokens: opts.longTokens } });
  const ready = await new Promise<{ urls: Record<Name, string>; key: string }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  let nextId = 0;
  const ask = (msg: Record<string, unknown>) =>
    new Promise<any>((resolve) => {
      const id = ++nextId;
      const on = (m: { id?: number; value: unknown }) => {
        if (m.id === id) {
          worker.off('message', on);
          resolve(m.value);
        }
      };
      worker.on('message', on);
      worker.postMessage({ ...msg, id });
    });

  const { urls, key } = ready;
  const cfg = resolveConfig(
    {
      config_file: false,
      providers: {
        ollama: { endpoints: [urls.ollama] },
        openai: { base_url: `${urls.openai}/v1`, api_key: key },
        azure: { endpoint: urls.azure, api_key: key },
        anthropic: { base_url: urls.anthropic, api_key: key },
        gemini: { base_url: urls.gemini, api_key: key },
      },
    },
    {},
  );
  const log = createLogger({ stderr: false });
  const results: Record<string, unknown>[] = [];
  for (const name of Object.keys(MODELS) as Name[]) {
    const provider = cfg.providers.find((p) => p.name === name)!;
    let client: ProviderClient;
    const counter = new CountingAgent({ keepAliveTimeout: 30_000 });
    try {
      // The protocol's own factory with a byte-counting dispatcher (the host passes dispatcherFor()).
      client = FACTORIES[provider.kind]!({ provider, dispatcher: counter, log });
    } catch (err) {
      results.push({ name, skipped: (err as Error).message });
      continue;
    }
    const once = async () => {
      const t0 = performance.now();
      const bytes0 = counter.bytes;
      let tMeta = 0;
      let tFirst = 0;
      let parts = 0;
      let textBytes = 0;
      for await (const part of client.chat({ model: MODELS[name], messages: [{ role: 'user', content: 'bench' }], signal: new AbortController().signal })) {
        if (part.type === 'response-metadata') tMeta = performance.now();
        else if (part.type === 'text-delta') {
          if (!tFirst) tFirst = performance.now();
          parts++;
          textBytes += part.text.length;
        } else if (part.type === 'error') throw part.error;
      }
      return { total: performance.now() - t0, body: performance.now() - tMeta, firstText: tFirst - tMeta, parts, textBytes, wireBytes: counter.bytes - bytes0 };
    };
    try {
      // Long answers: throughput of the whole receive → parse → parts path.
      await ask({ cmd: 'setReply', tokens: opts.longTokens });
      await once(); // warm-up
      const long = [];
      for (let i = 0; i < opts.runs; i++) long.push(await once());
      // Short answers: time from the headers to the first text part.
      await ask({ cmd: 'setReply', tokens: 3 });
      const first = [];
      for (let i = 0; i < opts.firstRuns; i++) first.push((await once()).firstText);
      const connections = await ask({ cmd: 'connections', name });
      const requests = 1 + opts.runs + opts.firstRuns;
      results.push({ name, long, first, connections, requests });
    } catch (err) {
      results.push({ name, skipped: (err as Error).message });
    }
  }
  await ask({ cmd: 'close' });
  await worker.terminate();
  return results;
}
