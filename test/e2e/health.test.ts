// :checkhealth zeke tells the truth: versions, host round trip, each provider reachable or
// not, key set or not (never the key), Ollama endpoints with their models, the log file.
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeOllama, createFakeOpenAI, type FakeOllama, type FakeOpenAI } from '../fakes/index.js';
import { startNvim, type Session } from './harness.js';

const SECRET = 'sk-test-SECRET-4242-do-not-show';
let s: Session | undefined;
let ollama: FakeOllama | undefined;
let openai: FakeOpenAI | undefined;
let dead: FakeOllama | undefined;

afterEach(async () => {
  await s?.close();
  await Promise.all([ollama?.close(), openai?.close(), dead?.close()]);
  s = ollama = openai = dead = undefined;
});

async function checkhealth(x: Session): Promise<string> {
  await x.input(':checkhealth zeke<CR>');
  const text = await x.waitForLua<string>(
    "(function() local t = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\\n'); return t:find('zeke.nvim: config', 1, true) and t end)()",
  );
  return text;
}

describe(':checkhealth zeke', () => {
  it('reports versions, host, providers, Ollama endpoints and models, keys as set/not set', async () => {
    ollama = await createFakeOllama({ version: '0.12.6' });
    openai = await createFakeOpenAI({ apiKey: SECRET });
    dead = await createFakeOllama();
    const deadUrl = dead.url;
    await dead.close();
    s = await startNvim({ env: { OPENAI_API_KEY: SECRET, ANTHROPIC_API_KEY: undefined } });
    await s.lua(`require('zeke').setup({
      host = { start_delay_ms = -1 },
      providers = {
        ollama = { endpoints = { '${ollama.url}', '${deadUrl}' } },
        openai = { base_url = '${openai.baseURL}' },
        anthropic = { base_url = '${openai.url}' },
      },
    })`);
    const text = await checkhealth(s);
    if (process.env.ZEKE_SHOW) console.log(text);

    expect(text).toMatch(/OK Neovim \d+\.\d+\.\d+/);
    expect(text).toMatch(/OK Node\.js v\d+\.\d+\.\d+/);
    expect(text).toMatch(/host running: zeke \S+, pid \d+, Node v\d+.*round trip \d+\.\d+ ms/);
    expect(text).toMatch(/config: no problems/);
    // Ollama: the live endpoint with its models, the dead one with the reason.
    expect(text).toContain(`endpoint ${ollama.url}: reachable (Ollama 0.12.6), 2 models`);
    expect(text).toMatch(/models: llama3\.2:latest, qwen2\.5-coder:1\.5b/);
    expect(text).toMatch(new RegExp(`endpoint ${deadUrl}: unreachable: ECONNREFUSED`));
    // OpenAI: key set (from the environment), listed models.
    expect(text).toContain('provider openai (openai), key set (env:OPENAI_API_KEY)');
    expect(text).toContain(`address ${openai.baseURL}: reachable, 2 models`);
    // Anthropic: configured, no key: the fix is named.
    expect(text).toContain('provider anthropic (anthropic), key not set (ANTHROPIC_API_KEY is empty or unset)');
    expect(text).toMatch(/reachable; no key: set ANTHROPIC_API_KEY or providers\.anthropic\.api_key/);
    expect(text).toMatch(/log file: .*zeke\.log/);
    expect(text).toMatch(/OK stats and budget ledger: .*\/nvim\/zeke\/zeke\.db/);

    // The key went to its own provider only, and is shown or logged nowhere.
    const toOpenAI = openai.requests.filter((r) => r.headers.authorization === `Bearer ${SECRET}`);
    expect(toOpenAI.length).toBeGreaterThan(0);
    expect(openai.requests.filter((r) => r.path.startsWith('/v1/models') && r.headers['x-api-key'] !== undefined)).toHaveLength(0);
    expect(ollama.requests.every((r) => !JSON.stringify(r.headers).includes(SECRET))).toBe(true);
    expect(text).not.toContain(SECRET);
    expect(s.logText()).not.toContain(SECRET);
  });

  it('says what is wrong when the host cannot run', async () => {
    s = await startNvim();
    await s.lua("require('zeke').setup({ host = { node = '/nonexistent/node', start_delay_ms = -1 } })");
    const text = await s.input(':checkhealth zeke<CR>').then(() =>
      s!.waitForLua<string>(
        "(function() local t = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\\n'); return t:find('host is not running', 1, true) and t end)()",
      ),
    );
    expect(text).toMatch(/ERROR Node\.js not found: `\/nonexistent\/node` is not executable/);
    expect(text).toMatch(/set host\.node/);
  });

  it('says why stats are in memory only when the database cannot be opened', async () => {
    s = await startNvim({ files: { 'not-a-dir': 'plain file' } });
    await s.lua(`require('zeke').setup({ host = { start_delay_ms = -1 }, stats = { file = '${'${HOME}'}/not-a-dir/zeke.db' } })`.replace('${HOME}', s.home));
    const text = await checkhealth(s);
    expect(text).toMatch(/WARNING stats and budgets are kept in memory only: .*not-a-dir/);
    expect(text).toMatch(/routing still works/);
  });

  it('lists zeke.toml problems with file and line', async () => {
    s = await startNvim({
      files: { '.config/zeke/zeke.toml': '[api]\nbase_url = "http://127.0.0.1:9/v1"\n\n[providers.ollama]\ntimeout_ms = "soon"\n' },
    });
    await s.lua("require('zeke').setup({ host = { start_delay_ms = -1 } })");
    const text = await checkhealth(s);
    expect(text).toMatch(/OK zeke\.toml: .*\.config\/zeke\/zeke\.toml/);
    expect(text).toMatch(/ERROR `providers\.ollama\.timeout_ms` should be a positive whole number of milliseconds, got string "soon" \(.*zeke\.toml:5\)/);
    expect(text).toMatch(/api: mode direct, base_url http:\/\/127\.0\.0\.1:9\/v1, key not set/);
    expect(text).toMatch(/OMEN http:\/\/127\.0\.0\.1:9\/v1: OMEN is not answering at http:\/\/127\.0\.0\.1:9: .*ECONNREFUSED/);
  });
});
