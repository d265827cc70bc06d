// The routing brain as a user meets it, through real Neovim and the real host against fake
// servers: :ZekeModel switches where requests go (and it sticks per project), a slow local
// model escalates to the cloud, a failing cloud falls back to local, budget caps refuse or
// reroute, :ZekeWhy explains, :ZekeStats adds up, OMEN mode works and falls back.
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeOllama, createFakeOmen, createFakeOpenAI, type FakeOllama, type FakeOmen, type FakeOpenAI } from '../fakes/index.js';
import { startNvim, type Session } from './harness.js';

let s: Session | undefined;
let ollama: FakeOllama | undefined;
let openai: FakeOpenAI | undefined;
afterEach(async () => {
  await s?.close();
  await Promise.all([ollama?.close(), openai?.close()]);
  s = undefined;
  ollama = undefined;
  openai = undefined;
});

const KEY = 'sk-routing-test-0001';

// Tests that are not about escalation set a high threshold: on a loaded 2-core CI machine a
// cold first local request can take more than the default 2 s, and would escalate correctly.
async function start(routing: string = '{ escalate_ttfb_ms = 60000 }', extra = '') {
  ollama = await createFakeOllama({ reply: ['local ', 'answer'] });
  openai = await createFakeOpenAI({ apiKey: KEY, reply: ['cloud ', 'answer'] });
  s = await startNvim({ env: { OPENAI_API_KEY: KEY } });
  await s.lua(`require('zeke').setup({
    host = { start_delay_ms = -1 },
    config_file = false,
    providers = {
      ollama = { endpoints = { '${ollama.url}' } },
      openai = { base_url = '${openai.baseURL}' },
    },
    aliases = { ['code-fast'] = 'ollama:qwen2.5-coder:1.5b', ['code-smart'] = 'openai:gpt-4o-mini' },
    models = { chat = 'auto' },
    routing = ${routing},
    ${extra}
  })`);
  return s;
}

/** Sends a chat request the way the chat feature will, and waits for its answer. */
async function ask(x: Session, opts: { model?: string; intent?: string; content?: string; max_tokens?: number } = {}) {
  await x.lua(
    `_G.answer = nil
     local p = ...
     require('zeke').request('generate', {
       feature = 'chat', model = p.model, intent = p.intent, max_tokens = p.max_tokens,
       project = require('zeke.project').root(), scope = 'buf:' .. vim.api.nvim_get_current_buf(),
       messages = { { role = 'user', content = p.content or 'hello' } },
     }, function(err, res) _G.answer = { err = err, res = res } end)`,
    [opts],
  );
  return x.waitForLua<any>('_G.answer');
}

describe('routing', () => {
  it(':ZekeModel switches which server answers, fires ZekeModelChanged, and persists per project', async () => {
    const x = await start();
    await x.input(':ZekeModel openai:gpt-4o-mini<CR>');
    const changed = await x.waitForEvent('ZekeModelChanged');
    expect(changed.data).toMatchObject({ feature: 'chat', model: 'openai:gpt-4o-mini' });
    let a = await ask(x);
    expect(a.err).toBeUndefined();
    expect(a.res.text).toBe('cloud answer');
    expect(openai!.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(1);

    await x.input(':ZekeModel code-fast<CR>');
    await x.waitForEvent('ZekeModelChanged', { where: (e) => e.data.model === 'code-fast' });
    a = await ask(x);
    expect(a.res.text).toBe('local answer');
    expect(a.res.route).toMatchObject({ requested: 'code-fast', ref: 'ollama:qwen2.5-coder:1.5b', local: true });

    // Another feature, by name; and the choice survives a host restart (stored per project).
    await x.input(':ZekeModel completion=code-smart<CR>');
    await x.waitForEvent('ZekeModelChanged', { where: (e) => e.data.feature === 'completion' });
    await x.input(':ZekeRestart<CR>');
    await x.waitForNotification((n) => /host restarted/.test(n.msg));
    const models = await x.lua<any>("return require('zeke.host').call('models', { project = require('zeke.project').root() })");
    expect(models.features).toMatchObject({ chat: 'code-fast', completion: 'code-smart' });
  });

  it(':ZekeModel completes features and models, and rejects unknown ones with the fix', async () => {
    const x = await start();
    await x.lua("require('zeke.host').start()");
    await x.waitForEvent('ZekeHostReady');
    const completions = await x.lua<string[]>("return vim.fn.getcompletion('ZekeModel co', 'cmdline')");
    expect(completions).toEqual(expect.arrayContaining(['code-fast', 'code-smart', 'completion=']));
    const featureCompletions = await x.lua<string[]>("return vim.fn.getcompletion('ZekeModel completion=code-', 'cmdline')");
    expect(featureCompletions).toEqual(expect.arrayContaining(['completion=code-fast', 'completion=code-smart']));
    await x.input(':ZekeModel nonsense<CR>');
    const n = await x.waitForNotification((m) => /nonsense/.test(m.msg));
    expect(n.msg).toMatch(/neither an alias .* nor a "provider:model" ref with a known provider/);
  });

  it('the picker lists aliases and discovered models with local/cloud and price', async () => {
    const x = await start();
    await x.lua(`
      _G.picked = nil
      vim.ui.select = function(items, opts, on_choice)
        _G.picked = { prompt = opts.prompt, shown = vim.tbl_map(opts.format_item, items) }
        for _, it in ipairs(items) do if it.name == 'code-smart' then return on_choice(it) end end
      end`);
    await x.lua("require('zeke.host').start()");
    await x.waitForEvent('ZekeHostReady');
    await x.input(':ZekeModel<CR>');
    await x.waitForEvent('ZekeModelChanged');
    const picked = await x.lua<any>('return _G.picked');
    expect(picked.prompt).toMatch(/^chat model/);
    expect(picked.shown.join('\n')).toMatch(/code-fast → ollama:qwen2.5-coder:1.5b  \[local\]/);
    expect(picked.shown.join('\n')).toMatch(/code-smart → openai:gpt-4o-mini  \[cloud\]  \$0\.15\/\$0\.60 per 1M/);
  });

  it('a local model slower than escalate_ttfb_ms is cancelled and the cloud answers; :ZekeWhy says so', async () => {
    const x = await start('{ escalate_ttfb_ms = 300 }');
    ollama!.setFaults({ firstByteDelayMs: 20_000 });
    const a = await ask(x, { intent: 'code' });
    expect(a.err).toBeUndefined();
    expect(a.res.text).toBe('cloud answer');
    expect(a.res.route).toMatchObject({ local: false, escalated: true });
    await ollama!.waitForDisconnect(); // the local request was cancelled at the socket
    await x.input(':ZekeWhy<CR>');
    const text = await x.waitForLua<string>(
      "(function() local t = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\\n'); return t:find('escalat', 1, true) and t end)()",
    );
    expect(text).toMatch(/→ openai:gpt-4o-mini  \[cloud\]  \(escalated\)/);
    expect(text).toMatch(/no first token within 300 ms/);
  });

  it('a 503 from the cloud falls back to local', async () => {
    const x = await start();
    openai!.setFaults({ status: 503 });
    const a = await ask(x, { model: 'code-smart', intent: 'reason' });
    expect(a.err).toBeUndefined();
    expect(a.res.text).toBe('local answer');
    expect(a.res.route.fallbacks_tried).toEqual(['openai:gpt-4o-mini']);
  });

  it('a budget cap refuses with a message naming the cap and the spend', async () => {
    const x = await start("{ budget_daily_usd = 0, on_budget = 'refuse', escalate_ttfb_ms = 60000 }");
    const a = await ask(x, { model: 'code-smart', intent: 'reason', content: 'x'.repeat(4000), max_tokens: 1000 });
    expect(a.err.code).toBe('budget');
    expect(a.err.message).toMatch(/daily/);
    expect(a.err.message).toMatch(/\$0\.00/);
    expect(openai!.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(0);
  });

  it('with on_budget = local, a request that would break a cap goes to the local model', async () => {
    const x = await start("{ budget_daily_usd = 0, on_budget = 'local', escalate_ttfb_ms = 60000 }");
    const a = await ask(x, { model: 'code-smart', intent: 'reason', content: 'explain', max_tokens: 500 });
    expect(a.err).toBeUndefined();
    expect(a.res.route.local).toBe(true);
    expect(a.res.route.rule).toMatch(/daily/);
  });

  it('OMEN mode: requests go to OMEN with string tags and a concrete model; when OMEN fails, zeke routes directly', async () => {
    const omen: FakeOmen = await createFakeOmen({ reply: ['omen ', 'answer'], models: [{ id: 'qwen2.5-coder:1.5b', provider: 'ollama' }] });
    try {
      const x = await start(undefined, `api = { mode = 'omen', base_url = '${omen.baseURL}' },`);
      let a = await ask(x, { model: 'code-fast', intent: 'code' });
      expect(a.err).toBeUndefined();
      expect(a.res.text).toBe('omen answer');
      expect(a.res.route.via_omen).toBe(true);
      const body = omen.requests.find((r) => r.path === '/v1/chat/completions')!.body;
      expect(body.model).toBe('qwen2.5-coder:1.5b'); // never "auto"
      expect(body.omen).toEqual({ strategy: 'single' });
      expect(Object.values(body.tags).every((v) => typeof v === 'string')).toBe(true);
      expect(body.tags).toMatchObject({ intent: 'code' });
      expect(ollama!.requests.filter((r) => r.path === '/api/chat')).toHaveLength(0);
      // OMEN's own models are choices in the picker.
      const models = await x.lua<any>("return require('zeke.host').call('models', vim.empty_dict())");
      expect(models.discovered.map((m: any) => m.ref)).toContain('omen:qwen2.5-coder:1.5b');

      omen.setFaults({ status: 500 });
      a = await ask(x, { model: 'code-fast', intent: 'code' });
      expect(a.err).toBeUndefined();
      expect(a.res.text).toBe('local answer');
      expect(a.res.route.via_omen).toBe(false);
      expect(a.res.route.rule).toMatch(/^OMEN failed/);
    } finally {
      await omen.close();
    }
  });

  it(':ZekeStats and the statusline show spend; cloud requests cost money, local ones do not', async () => {
    const x = await start();
    await ask(x, { model: 'code-smart', intent: 'reason' });
    await ask(x, { model: 'code-fast', intent: 'code' });
    await x.waitForEvent('ZekeRoute');
    const line = await x.lua<string>("return require('zeke').statusline()");
    expect(line).toMatch(/^zeke .* · local · \$\d+\.\d\d$/);
    await x.input(':ZekeStats<CR>');
    const text = await x.waitForLua<string>(
      "(function() local t = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\\n'); return t:find('saved by answering locally', 1, true) and t end)()",
    );
    expect(text).toMatch(/cloud spend today \$/);
    expect(text).toMatch(/openai:gpt-4o-mini\s+cloud\s+1\s+100%/);
    expect(text).toMatch(/ollama:qwen2\.5-coder:1\.5b\s+local\s+1\s+100%/);
    expect(text).toMatch(/stats: .*zeke\.db/);
  });
});
