import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { findLine, resolveConfig, resolveSecret, validateOptions } from './index.js';

function tomlHome(text: string): Record<string, string> {
  const home = mkdtempSync(join(tmpdir(), 'zeke-cfg-'));
  mkdirSync(join(home, 'zeke'));
  writeFileSync(join(home, 'zeke', 'zeke.toml'), text);
  return { XDG_CONFIG_HOME: home };
}

describe('validateOptions', () => {
  it('names the field, what it should be and what it got', () => {
    const { issues, options } = validateOptions({ providers: { ollama: { endpoints: 'nope' } }, host: { node: 'n' } }, 'setup()');
    expect(issues).toEqual([
      {
        severity: 'error',
        field: 'providers.ollama.endpoints',
        message: '`providers.ollama.endpoints` should be a list of URLs (or one comma-separated string of URLs), got string "nope"',
        source: 'setup()',
      },
    ]);
    // The bad field is dropped; the rest stays.
    expect(options).toEqual({ providers: { ollama: {} }, host: { node: 'n' } });
  });

  it('unknown keys are warnings and are removed', () => {
    const { issues, options } = validateOptions({ colour: 1, host: { nodee: 'x' } }, 'setup()');
    expect(issues.map((i) => [i.severity, i.message]).sort()).toEqual([
      ['warn', 'unknown option `colour` (ignored)'],
      ['warn', 'unknown option `host.nodee` (ignored)'],
    ]);
    expect(options).toEqual({ host: {} });
  });

  it('accepts the seeds CSV endpoint form and lists', () => {
    expect(validateOptions({ providers: { ollama: { endpoints: 'http://a:1, http://b:2' } } }, 's').issues).toEqual([]);
    expect(validateOptions({ providers: { ollama: { endpoints: ['http://a:1'] } } }, 's').issues).toEqual([]);
    expect(validateOptions({ providers: { ollama: { endpoints: [] } } }, 's').issues).toHaveLength(1);
  });

  it('rejects a non-table at the top', () => {
    expect(validateOptions('x', 'setup()').issues[0]!.message).toBe('options should be a table, got string');
  });

  it('points inside lists at the bad item', () => {
    const { issues } = validateOptions({ aliases: { fast: ['ollama:a', 3] } }, 's');
    expect(issues[0]!.message).toBe('`aliases.fast[2]` should be a model ref "provider:model" (e.g. "ollama:qwen2.5-coder:7b"), got number 3');
  });
});

describe('resolveConfig', () => {
  it('merges defaults < zeke.toml < setup(), reading the seeds format', () => {
    const env = {
      ...tomlHome(`[default]\nprovider = "ollama"\n[api]\nbase_url = "http://localhost:8080/v1"\napi_key = "env:ZEKE_API_KEY"\n[aliases]\ncode-fast = "ollama:deepseek-coder:6.7b"\n[providers.ollama]\nendpoints = "http://127.0.0.1:11434,http://192.168.1.50:11434"\ntimeout_ms = 45000\n[providers.openai]\napi_key = "env:OPENAI_API_KEY"\n`),
      ZEKE_API_KEY: 'zk-1',
      OPENAI_API_KEY: 'sk-2',
    };
    const cfg = resolveConfig({ aliases: { 'code-smart': 'openai:gpt-4o' }, providers: { ollama: { timeout_ms: 5000 } } }, env);
    expect(cfg.issues).toEqual([]);
    expect(cfg.toml.found).toBe(true);
    expect(cfg.aliases['code-fast']).toEqual(['ollama:deepseek-coder:6.7b']);
    expect(cfg.aliases['code-smart']).toEqual(['openai:gpt-4o']);
    const ollama = cfg.providers.find((p) => p.name === 'ollama')!;
    expect(ollama.endpoints).toEqual(['http://127.0.0.1:11434', 'http://192.168.1.50:11434']);
    expect(ollama.timeoutMs).toBe(5000);
    const openai = cfg.providers.find((p) => p.name === 'openai')!;
    expect(openai.apiKey.reveal()).toBe('sk-2');
    expect(openai.configured).toBe(true);
    expect(cfg.api.baseUrl).toBe('http://localhost:8080/v1');
    expect(cfg.api.apiKey.reveal()).toBe('zk-1');
  });

  it('a TOML syntax error names file:line:column and the rest loads', () => {
    const env = tomlHome('[api]\nbase_url = "http://x/v1"\n[aliases\n');
    const cfg = resolveConfig({ aliases: { mine: 'openai:gpt-4o' } }, env);
    expect(cfg.issues).toHaveLength(1);
    expect(cfg.issues[0]!.message).toMatch(/zeke\.toml:3:\d+: TOML syntax error/);
    expect(cfg.aliases.mine).toEqual(['openai:gpt-4o']);
    expect(cfg.api.baseUrl).toBeUndefined();
  });

  it('a wrong type in zeke.toml names the line', () => {
    const env = tomlHome('[providers.ollama]\n# comment\nkeep_alive = "5m"\ntimeout_ms = "soon"\n');
    const cfg = resolveConfig(undefined, env);
    expect(cfg.issues).toHaveLength(1);
    expect(cfg.issues[0]!.source).toMatch(/zeke\.toml:4$/);
    expect(cfg.providers.find((p) => p.name === 'ollama')!.keepAlive).toBe('5m');
  });

  it('cloud providers count as configured only when named or their key is in the env', () => {
    const cfg = resolveConfig({ config_file: false }, { ANTHROPIC_API_KEY: 'a' });
    const configured = cfg.providers.filter((p) => p.configured).map((p) => p.name);
    expect(configured.sort()).toEqual(['anthropic', 'ollama']);
  });

  it('an unknown provider needs a kind; an openai-compatible one needs a base_url', () => {
    const cfg = resolveConfig({ config_file: false, providers: { mine: {}, lite: { kind: 'openai-compatible' } } }, {});
    expect(cfg.issues.map((i) => i.message)).toEqual([
      '`providers.mine.kind` is required for a provider zeke does not know by name (e.g. "openai-compatible")',
      '`providers.lite.base_url` is required for a openai-compatible provider',
    ]);
    expect(cfg.issues.every((i) => i.source === 'setup()')).toBe(true);
  });
});

describe('Secret', () => {
  it('never shows its value by accident', () => {
    const s = resolveSecret('env:K', { K: 'sk-very-secret' });
    expect(JSON.stringify({ s })).toBe('{"s":"[set]"}');
    expect(String(s)).toBe('[set]');
    expect(inspect(s)).not.toContain('sk-very-secret');
    expect(`${s}`).not.toContain('sk-very-secret');
    expect(s.describe()).toBe('set (env:K)');
    expect(s.reveal()).toBe('sk-very-secret');
    expect(resolveSecret('env:MISSING', {}).describe()).toBe('not set (MISSING is empty or unset)');
  });
});

describe('findLine', () => {
  it('finds keys under their table header', () => {
    const text = '[api]\nbase_url = "x"\n\n[providers.ollama]\nendpoints = 1\n[providers.openai]\nendpoints = 2\n';
    expect(findLine(text, ['providers', 'openai', 'endpoints'])).toBe(7);
    expect(findLine(text, ['providers', 'ollama', 'endpoints'])).toBe(5);
    expect(findLine(text, ['api', 'base_url'])).toBe(2);
  });
});
