// setup() and zeke.toml as a user meets them: wrong types name the field, unknown keys warn
// once, a broken zeke.toml names file and line and the rest still loads, setup() wins over
// the file, $XDG_CONFIG_HOME is honoured — and Lua and the host word every problem alike.
import { afterEach, describe, expect, it } from 'vitest';
import { validateOptions } from '../../src/config/index.js';
import { startNvim, type Session } from './harness.js';

let s: Session | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

const config = (x: Session) =>
  x.lua<any>(`
    local done
    require('zeke').request('config', nil, function(err, res) done = res or err end)
    vim.wait(5000, function() return done ~= nil end, 5)
    return done`);

describe('setup() options', () => {
  it('a wrong type names the exact field; the other options still apply', async () => {
    s = await startNvim();
    await s.lua(`require('zeke').setup({
      host = { start_delay_ms = -1, max_restarts = 'many' },
      providers = { ollama = { endpoints = 'nope' } },
      log = { level = 'debug' },
    })`);
    const n = await s.waitForNotification((x) => x.level === 4);
    expect(n.msg).toContain('`host.max_restarts` should be a whole number ≥ 0, got string "many"');
    expect(n.msg).toContain('`providers.ollama.endpoints` should be a list of URLs (or one comma-separated string of URLs), got string "nope"');
    expect(await s.lua("return require('zeke.host').options().log.level")).toBe('debug');
    expect(await s.lua("return require('zeke.host').options().host.max_restarts")).toBe(5);
  });

  it('unknown keys warn once, however often setup() runs', async () => {
    s = await startNvim();
    await s.lua("require('zeke').setup({ host = { start_delay_ms = -1 }, colour = 'blue' })");
    await s.lua("require('zeke').setup({ host = { start_delay_ms = -1 }, colour = 'blue' })");
    await s.waitForNotification((x) => /colour/.test(x.msg));
    expect(s.notifications.filter((x) => /unknown option `colour`/.test(x.msg))).toHaveLength(1);
  });

  it('Lua and the host give the same message for the same bad value', async () => {
    s = await startNvim();
    const cases: unknown[] = [
      { host: { transport: 'socket' } },
      { host: { node: 42 } },
      { api: { base_url: 'localhost:8080' } },
      { aliases: { fast: 'qwen' } },
      { aliases: { fast: ['ollama:a', 3] } },
      { providers: { ollama: { endpoints: ['http://a:1', 'ftp://b'] } } },
      { providers: { azure: { deployments: 'gpt' } } },
      { config_file: true },
      { log: { level: 'loud' }, extra: 1 },
    ];
    for (const opts of cases) {
      const lua = await s.lua<any[]>("return require('zeke.config').resolve(...).issues", [opts]);
      const host = validateOptions(opts, 'setup()').issues;
      expect(lua.map((i) => i.message).sort()).toEqual(host.map((i) => i.message).sort());
      expect(host.length).toBeGreaterThan(0);
    }
  });
});

describe('zeke.toml', () => {
  const TOML = `
# Shared with the Zeke CLI: sections zeke.nvim does not know are left alone.
[default]
provider = "ollama"

[api]
base_url = "http://localhost:8080/v1"
api_key  = "env:ZEKE_API_KEY"

[aliases]
code-fast = "ollama:qwen2.5-coder:7b"

[providers.ollama]
endpoints = "http://127.0.0.1:11434,http://127.0.0.2:11434"
timeout_ms = 45000
`;

  it('is read from $XDG_CONFIG_HOME/zeke/zeke.toml in the seeds format; setup() overrides it', async () => {
    s = await startNvim({ files: { 'xdg/zeke/zeke.toml': TOML }, env: { ZEKE_API_KEY: 'k-123456' } });
    await s.lua(`vim.env.XDG_CONFIG_HOME = '${s.home}/xdg'`);
    // The host inherits Neovim's environment at spawn.
    await s.lua("require('zeke').setup({ host = { start_delay_ms = -1 }, aliases = { mine = 'openai:gpt-4o' }, providers = { ollama = { timeout_ms = 1000 } } })");
    const cfg = await config(s);
    expect(cfg.toml).toEqual({ path: `${s.home}/xdg/zeke/zeke.toml`, found: true });
    expect(cfg.aliases['code-fast']).toEqual(['ollama:qwen2.5-coder:7b']);
    expect(cfg.aliases.mine).toEqual(['openai:gpt-4o']);
    expect(cfg.aliases['reason-deep']).toBeDefined(); // defaults stay
    const ollama = cfg.providers.find((p: any) => p.name === 'ollama');
    expect(ollama.endpoints).toEqual(['http://127.0.0.1:11434', 'http://127.0.0.2:11434']);
    expect(ollama.timeoutMs).toBe(1000);
    expect(cfg.api.baseUrl).toBe('http://localhost:8080/v1');
    expect(cfg.api.apiKey).toBe('[set]');
    expect(JSON.stringify(cfg)).not.toContain('k-123456');
    expect(s.notifications.filter((n) => n.level >= 3)).toHaveLength(0);
  });

  it('a syntax error names file, line and column; defaults and setup() still load', async () => {
    s = await startNvim({ files: { '.config/zeke/zeke.toml': '[api]\nbase_url = "http://x/v1"\n[aliases\ncode-fast = 1\n' } });
    await s.lua("require('zeke').setup({ host = { start_delay_ms = -1 }, aliases = { mine = 'openai:gpt-4o' } })");
    await s.lua("require('zeke.host').start()");
    const n = await s.waitForNotification((x) => /TOML syntax error/.test(x.msg));
    expect(n.msg).toMatch(new RegExp(`${s.home}/\\.config/zeke/zeke\\.toml:3:\\d+: TOML syntax error`));
    const cfg = await config(s);
    expect(cfg.aliases.mine).toEqual(['openai:gpt-4o']);
    expect(cfg.aliases['code-fast']).toEqual(['ollama:deepseek-coder:14b']);
  });

  it('a wrong type names the field and line; the rest of the file loads', async () => {
    s = await startNvim({
      files: { '.config/zeke/zeke.toml': '[aliases]\ncode-fast = "ollama:qwen2.5-coder:7b"\n\n[providers.ollama]\nendpoints = 11434\nkeep_alive = "30m"\n' },
    });
    await s.lua("require('zeke').setup({ host = { start_delay_ms = -1 } })");
    await s.lua("require('zeke.host').start()");
    const n = await s.waitForNotification((x) => /endpoints/.test(x.msg));
    expect(n.msg).toContain('`providers.ollama.endpoints` should be a list of URLs (or one comma-separated string of URLs), got number 11434');
    expect(n.msg).toContain(`${s.home}/.config/zeke/zeke.toml:5`);
    const cfg = await config(s);
    expect(cfg.aliases['code-fast']).toEqual(['ollama:qwen2.5-coder:7b']);
    const ollama = cfg.providers.find((p: any) => p.name === 'ollama');
    expect(ollama.keepAlive).toBe('30m');
    expect(ollama.endpoints).toEqual(['http://127.0.0.1:11434']);
  });

  it('config_file = false reads no file', async () => {
    s = await startNvim({ files: { '.config/zeke/zeke.toml': '[aliases]\ncode-fast = "ollama:x:1"\n' } });
    await s.lua("require('zeke').setup({ host = { start_delay_ms = -1 }, config_file = false })");
    const cfg = await config(s);
    expect(cfg.toml).toEqual({ path: null, found: false });
    expect(cfg.aliases['code-fast']).toEqual(['ollama:deepseek-coder:14b']);
  });
});
