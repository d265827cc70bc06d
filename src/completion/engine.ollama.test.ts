// Through the real router, provider registry and Ollama client, against the fake Ollama.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeOllama, type FakeOllama } from '../../test/fakes/index.js';
import { resolveConfig } from '../config/index.js';
import { createProviderRegistry } from '../providers/registry.js';
import { createRouterService, type RouterService } from '../router/service.js';
import { createCompletionEngine } from './index.js';
import { silentLog } from './test-support.js';

let ollama: FakeOllama | undefined;
let router: RouterService | undefined;
let dir: string | undefined;
afterEach(async () => {
  router?.close();
  await ollama?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  ollama = router = dir = undefined;
});

async function engineFor(model: string) {
  ollama = await createFakeOllama({
    reply: ['return ', 'a + b', '\n\nprint(1)'],
    models: [
      { name: 'qwen2.5-coder:1.5b', capabilities: ['completion', 'insert'] },
      { name: 'qwen2.5-coder:1.5b-base', capabilities: ['completion'] },
    ],
  });
  dir = mkdtempSync(join(tmpdir(), 'zeke-completion-'));
  const cfg = resolveConfig(
    {
      config_file: false,
      providers: { ollama: { endpoints: [ollama.url] } },
      models: { completion: model },
      routing: { escalate_ttfb_ms: 60_000 },
      stats: { file: join(dir, 'zeke.db') },
    },
    {},
  );
  const registry = createProviderRegistry(cfg, silentLog);
  router = createRouterService({ cfg, registry, log: silentLog });
  return createCompletionEngine({ cfg, router, registry, log: silentLog });
}

const params = { scope: 'buf:1', filetype: 'python', prefix: 'def add(a, b):\n    ', suffix: '\n\nprint(add(1, 2))\n', context: [], variant: 0, prefetch: false };

describe('completion through the router against the fake Ollama', () => {
  it('a model with the insert capability: /api/generate with `suffix`', async () => {
    const engine = await engineFor('ollama:qwen2.5-coder:1.5b');
    const progress: string[] = [];
    const res = await engine.complete(params, new AbortController().signal, (v) => progress.push(v.text));
    expect(res).toMatchObject({ text: 'return a + b', cached: false, provider: 'ollama', model: 'qwen2.5-coder:1.5b' });
    expect(progress.at(-1)).toBe('return a + b');
    const body = ollama!.requests.find((r) => r.path === '/api/generate')!.body;
    expect(body).toMatchObject({ model: 'qwen2.5-coder:1.5b', prompt: 'def add(a, b):\n    ', suffix: '\n\nprint(add(1, 2))\n', stream: true });
    expect(body.raw).toBeUndefined();
    expect(body.options).toMatchObject({ num_predict: 128, temperature: 0 });
    // the route is recorded like any other request
    expect(router!.why('buf:1')?.summary).toMatchObject({ ref: 'ollama:qwen2.5-coder:1.5b', local: true });
  });

  it('a model without insert: the raw qwen2.5-coder template', async () => {
    const engine = await engineFor('ollama:qwen2.5-coder:1.5b-base');
    await router!.refreshCatalog(); // the catalog knows it has no FIM: routing with needs.fim refuses, the engine asks again
    const res = await engine.complete(params, new AbortController().signal, () => {});
    expect(res.text).toBe('return a + b');
    const body = ollama!.requests.find((r) => r.path === '/api/generate')!.body;
    expect(body).toMatchObject({ model: 'qwen2.5-coder:1.5b-base', raw: true, prompt: '<|fim_prefix|>def add(a, b):\n    <|fim_suffix|>\n\nprint(add(1, 2))\n<|fim_middle|>' });
    expect(body.suffix).toBeUndefined();
  });
});
