import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/index.js';
import type { ModelInfo } from '../provider/index.js';
import { buildCatalog, splitRef } from './catalog.js';

const env = { OPENAI_API_KEY: 'k', ANTHROPIC_API_KEY: 'k' };

describe('splitRef', () => {
  it.each([
    ['ollama:deepseek-coder:14b', { provider: 'ollama', model: 'deepseek-coder:14b' }],
    ['openai:gpt-4o-mini', { provider: 'openai', model: 'gpt-4o-mini' }],
    ['lite:org/model:free', { provider: 'lite', model: 'org/model:free' }],
    ['code-fast', undefined],
    [':model', undefined],
    ['ollama:', undefined],
  ])('%s', (ref, want) => expect(splitRef(ref)).toEqual(want));
});

describe('buildCatalog', () => {
  const cfg = resolveConfig(
    {
      config_file: false,
      aliases: { mine: ['ollama:qwen2.5-coder', 'mistral:codestral-latest'] },
      models: { chat: 'openai:gpt-5', completion: 'code-fast' },
      // num_ctx above the listed window: the list's value stands (the cap is tested below).
      providers: { ollama: { num_ctx: 32768 }, openai: { prices: { 'gpt-5': { input: 1, output: 2 } } }, gemini: { enabled: false, api_key: 'k' } },
    },
    env,
  );
  const ollama: ModelInfo[] = [
    { id: 'deepseek-coder:14b', provider: 'ollama', endpoint: 'http://a', contextWindow: 16384, capabilities: { fim: true, tools: false, vision: false, embedding: false } },
    { id: 'deepseek-coder:14b', provider: 'ollama', endpoint: 'http://b' },
    { id: 'qwen2.5-coder:latest', provider: 'ollama', endpoint: 'http://a' },
    { id: 'nomic-embed-text:latest', provider: 'ollama', capabilities: { embedding: true } },
  ];
  const openai: ModelInfo[] = [
    { id: 'gpt-4o-mini', provider: 'openai' },
    { id: 'gpt-4o-mini-2024-07-18', provider: 'openai' },
    { id: 'text-embedding-3-small', provider: 'openai' },
    { id: 'tts-1', provider: 'openai' },
    { id: 'whisper-1', provider: 'openai' },
    { id: 'dall-e-3', provider: 'openai' },
    { id: 'gpt-4o-realtime-preview', provider: 'openai' },
  ];
  const anthropic: ModelInfo[] = [{ id: 'claude-sonnet-4-5-20250929', provider: 'anthropic', capabilities: { tools: true, fim: false } }];
  const catalog = buildCatalog(cfg, { ollama, openai, anthropic, gemini: [{ id: 'gemini-2.5-flash', provider: 'gemini' }] });
  const byRef = (ref: string) => catalog.find((c) => c.ref === ref);

  it('holds alias targets of configured providers, the models.* refs and every listed chat model, once each (an alias target stands for the listed id it means)', () => {
    expect(catalog.map((c) => c.ref)).toEqual([
      'ollama:deepseek-coder:14b',
      'ollama:deepseek-coder:33b',
      'openai:gpt-4o-mini',
      'anthropic:claude-sonnet-4-5',
      'ollama:llama3.1:8b',
      'ollama:qwen2.5-coder',
      'openai:gpt-5',
      'openai:gpt-4o-mini-2024-07-18',
    ]);
  });

  it('skips providers that are not configured (azure: no key, mistral: unknown) or disabled (gemini)', () => {
    expect(catalog.some((c) => ['azure', 'mistral', 'gemini'].includes(c.provider))).toBe(false);
  });

  it('local = Ollama, first-colon split, capabilities and context window from the list', () => {
    expect(byRef('ollama:deepseek-coder:14b')).toEqual({
      ref: 'ollama:deepseek-coder:14b',
      provider: 'ollama',
      model: 'deepseek-coder:14b',
      local: true,
      available: true,
      contextWindow: 16384,
      capabilities: { fim: true, tools: false, vision: false },
      price: { input: 0, output: 0, verifiedAt: 'local' },
    });
    expect(byRef('openai:gpt-4o-mini')).toMatchObject({ local: false, available: true, price: { input: 0.15, output: 0.6 } });
  });

  it('available: listed → true, list known but absent → false, list unknown → undefined', () => {
    expect(byRef('ollama:deepseek-coder:33b')?.available).toBe(false);
    expect(byRef('ollama:qwen2.5-coder')?.available).toBe(true); // ≡ qwen2.5-coder:latest
    expect(byRef('anthropic:claude-sonnet-4-5')).toMatchObject({ available: true, capabilities: { tools: true, fim: false } }); // listed dated
    const unknown = buildCatalog(cfg, { ollama: undefined });
    expect(unknown.find((c) => c.ref === 'ollama:deepseek-coder:14b')?.available).toBeUndefined();
    expect(unknown.find((c) => c.ref === 'openai:gpt-4o-mini')).not.toHaveProperty('available');
  });

  it("prices honour the provider's overrides; unknown stays unknown", () => {
    expect(byRef('openai:gpt-5')?.price).toEqual({ input: 1, output: 2, verifiedAt: 'config' });
    const lite = resolveConfig({ config_file: false, providers: { lite: { kind: 'openai-compatible', base_url: 'http://x/v1' } } }, {});
    const c = buildCatalog(lite, { lite: [{ id: 'some-model', provider: 'lite' }] });
    expect(c.find((x) => x.ref === 'lite:some-model')).toEqual({ ref: 'lite:some-model', provider: 'lite', model: 'some-model', local: false, available: true });
  });

  it('takes extra refs (per-project choices)', () => {
    expect(buildCatalog(cfg, {}, ['openai:gpt-5.4-nano', 'mistral:x']).map((c) => c.ref)).toContain('openai:gpt-5.4-nano');
    expect(buildCatalog(cfg, {}, ['mistral:x']).map((c) => c.ref)).not.toContain('mistral:x');
  });
});

describe('Ollama context windows', () => {
  const listed = (ctx: number): Record<string, ModelInfo[]> => ({
    ollama: [{ id: 'qwen2.5-coder:7b', provider: 'ollama', contextWindow: ctx }],
  });

  it("caps a model's window at the server's num_ctx (default 4096), so nothing is planned beyond what Ollama keeps", () => {
    const cfg = resolveConfig({ config_file: false }, {});
    const c = buildCatalog(cfg, listed(32768)).find((x) => x.ref === 'ollama:qwen2.5-coder:7b')!;
    expect(c.contextWindow).toBe(4096);
    const small = buildCatalog(cfg, listed(2048)).find((x) => x.ref === 'ollama:qwen2.5-coder:7b')!;
    expect(small.contextWindow).toBe(2048);
  });

  it('uses providers.ollama.num_ctx when the user sets it', () => {
    const cfg = resolveConfig({ config_file: false, providers: { ollama: { num_ctx: 16384 } } }, {});
    const c = buildCatalog(cfg, listed(32768)).find((x) => x.ref === 'ollama:qwen2.5-coder:7b')!;
    expect(c.contextWindow).toBe(16384);
    // Alias targets the server has not listed get the same cap.
    expect(buildCatalog(cfg, {}).find((x) => x.ref === 'ollama:deepseek-coder:14b')!.contextWindow).toBe(16384);
  });
});
