// The chat panel from the user's side: keys typed into a real Neovim, the transcript read back
// from its buffer. Most tests replace the host's chat.* calls with a controllable fake in Lua
// (the Lua layer is under test); the last group runs the real host against a fake Ollama.
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeOllama, type FakeOllama } from '../fakes/index.js';
import { startNvim, type Session } from './harness.js';

let s: Session | undefined;
let ollama: FakeOllama | undefined;
afterEach(async () => {
  await s?.close();
  await ollama?.close();
  s = undefined;
  ollama = undefined;
});

// The fake: records chat.* / context.preview calls. chat.send is held until the test pushes
// batches (_G.fake.push) and ends it (_G.fake.answer / _G.fake.fail); cancel behaves like the
// real one (callback once with 'cancelled') and is recorded.
const FAKE = `
  local host = require('zeke.host')
  local orig_request, orig_cancel = host.request, host.cancel
  _G.fake = { reqs = {}, cancels = {}, history = { session = 's1', turns = {} } }
  local byid, next_id = {}, 1000000
  host.request = function(method, params, cb, o)
    if not (method:match('^chat%.') or method == 'context.preview') then return orig_request(method, params, cb, o) end
    next_id = next_id + 1
    local r = { id = next_id, method = method, params = params, cb = cb, on_progress = o and o.on_progress }
    table.insert(_G.fake.reqs, r)
    byid[r.id] = r
    if method ~= 'chat.send' then
      vim.schedule(function()
        r.done = true
        if method == 'chat.history' then cb(nil, _G.fake.history)
        elseif method == 'chat.new' then cb(nil, { session = 's2' })
        else cb(nil, { lines = { 'preview: ' .. #params.context.files .. ' files' }, tokens = 12, budget = 8000 }) end
      end)
    end
    return r.id
  end
  host.cancel = function(id)
    local r = byid[id]
    if not r then return orig_cancel(id) end
    table.insert(_G.fake.cancels, id)
    if not r.done then r.done = true; r.cb({ code = 'cancelled', message = 'cancelled' }) end
  end
  local function last_send()
    for i = #_G.fake.reqs, 1, -1 do if _G.fake.reqs[i].method == 'chat.send' then return _G.fake.reqs[i] end end
  end
  _G.fake.last = last_send
  _G.fake.push = function(...) last_send().on_progress(vim.tbl_map(function(t) return { type = 'text-delta', text = t } end, { ... })) end
  _G.fake.answer = function(text)
    local r = last_send(); r.done = true
    r.cb(nil, { session = 's1', text = text, route = { ref = 'ollama:coder:7b', ['local'] = true, rule = 'default', escalated = false, via_omen = false },
      usage = { inputTokens = 120, outputTokens = 8 }, cost = { usd = 0.0012 }, ttfb_ms = 50, duration_ms = 1500,
      context = { tokens = 100, budget = 8000, preview = {} } })
  end
  _G.fake.fail = function(msg) local r = last_send(); r.done = true; r.cb({ code = 'provider_error', message = msg }) end
  _G.fake.sends = function() local n = 0; for _, r in ipairs(_G.fake.reqs) do if r.method == 'chat.send' then n = n + 1 end end; return n end
`;

async function start(before = ''): Promise<Session> {
  const x = await startNvim();
  await x.lua(FAKE);
  if (before) await x.lua(before);
  await x.lua(`require('zeke').setup({ host = { start_delay_ms = -1 }, config_file = false })`);
  return x;
}

const TRANSCRIPT = `
  local b = vim.fn.bufnr('zeke://chat')
  return b > 0 and vim.api.nvim_buf_get_lines(b, 0, -1, false) or {}`;
const transcript = async (x: Session) => (await x.lua<string[]>(TRANSCRIPT)).join('\n');

/** Opens the panel with the toggle key and sends `msg` from the input like a user. */
async function ask(x: Session, msg: string) {
  await x.input('\\zc');
  await x.waitForLua("vim.api.nvim_buf_get_name(0):match('zeke://chat%-input') ~= nil");
  const n = await x.lua<number>('return _G.fake.sends()');
  await x.input(`i${msg}<C-s>`);
  await x.waitForLua(`_G.fake.sends() > ${n}`);
}

describe('chat panel (Lua layer, fake host calls)', () => {
  it('toggle key opens transcript + input; sending streams progressively; header shows model and cost', async () => {
    s = await start();
    await ask(s, 'what is x?');
    const req = await s.lua<any>('return _G.fake.last().params');
    expect(req).toMatchObject({ message: 'what is x?', session: 's1', project: expect.any(String) });
    expect(req.context).toMatchObject({ diagnostics: [], files: [], buffers: [] });
    expect(await s.lua('return vim.bo[vim.fn.bufnr("zeke://chat")].filetype')).toBe('markdown');
    expect(await s.lua('return vim.bo[vim.fn.bufnr("zeke://chat")].modifiable')).toBe(false);
    expect(await s.lua("return vim.api.nvim_get_current_line()")).toBe(''); // input emptied

    const states: string[] = [];
    for (const batch of [['Hel', 'lo'], [' wor', 'ld\n```lua\n'], ['print(1)\n```\n', 'done']]) {
      const since = s.events.length;
      await s.lua('_G.fake.push(...)', batch);
      await s.waitForEvent('ZekeChatDelta', { since });
      states.push(await transcript(s));
    }
    expect(states[0]).toContain('Hello');
    expect(states[0]).not.toContain('world');
    expect(states[1]).toContain('Hello world\n```lua');
    expect(states[1]).not.toContain('done');
    const since = s.events.length;
    await s.lua("_G.fake.answer('Hello world\\n```lua\\nprint(1)\\n```\\ndone')");
    const ev = await s.waitForEvent('ZekeChatAnswer', { since });
    expect(ev.data).toMatchObject({ text: 'Hello world\n```lua\nprint(1)\n```\ndone', stopped: false });
    const t = await s.lua<string[]>(TRANSCRIPT);
    expect(t[0]).toBe('## You');
    expect(t).toContain('what is x?');
    const header = t.find((l) => l.startsWith('## zeke'))!;
    expect(header).toContain('ollama:coder:7b');
    expect(header).toContain('local');
    expect(header).toContain('120→8 tok');
    expect(header).toContain('$0.0012');
    expect(header).toContain('1.5s');
    expect(t.slice(-5)).toEqual(['Hello world', '```lua', 'print(1)', '```', 'done']);
  });

  it('the stop key cancels the request and marks "(stopped)"; closing the window does not cancel', async () => {
    s = await start();
    await ask(s, 'long one');
    await s.lua("_G.fake.push('partial ')");
    await s.waitForEvent('ZekeChatDelta');
    await s.input('<Esc>\\zc'); // close the panel: the answer keeps streaming
    await s.waitForLua("vim.fn.bufwinnr('zeke://chat') == -1");
    expect(await s.lua('return #_G.fake.cancels')).toBe(0);
    await s.lua("_G.fake.push('more')");
    await s.waitForLua("table.concat(vim.api.nvim_buf_get_lines(vim.fn.bufnr('zeke://chat'), 0, -1, false), '\\n'):find('partial more') ~= nil");
    await s.input('\\zc');
    await s.waitForLua("vim.api.nvim_buf_get_name(0):match('zeke://chat%-input') ~= nil");
    const since = s.events.length;
    await s.input('<C-c>');
    const ev = await s.waitForEvent('ZekeChatAnswer', { since });
    expect(ev.data).toMatchObject({ stopped: true, text: 'partial more' });
    expect(await s.lua('return #_G.fake.cancels')).toBe(1);
    expect(await s.lua('return _G.fake.cancels[1] == _G.fake.last().id')).toBe(true);
    const t = await transcript(s);
    expect(t).toContain('(stopped)');
    expect(t).toContain('partial more');
  });

  it('history is rendered on open (as after a restart)', async () => {
    s = await start(`_G.fake.history = { session = 'old', turns = {
      { role = 'user', content = 'earlier question' },
      { role = 'assistant', content = 'earlier\\nanswer', meta = { route = { ref = 'ollama:coder:7b', ['local'] = true }, cost = { usd = 0 } } } } }`);
    await s.input('\\zc');
    await s.waitForEvent('ZekeChatHistory');
    const t = await s.lua<string[]>(TRANSCRIPT);
    expect(t).toEqual(['## You', '', 'earlier question', '', '## zeke · ollama:coder:7b · local · $0.0000', '', 'earlier', 'answer']);
    const n = await s.lua<number>('return _G.fake.sends()');
    await s.input('inext<C-s>');
    await s.waitForLua(`_G.fake.sends() > ${n}`);
    expect(await s.lua('return _G.fake.last().params.session')).toBe('old');
  });

  it('a message sent before the history arrives waits for it and goes below it', async () => {
    s = await start(`_G.fake.history = { session = 'old', turns = { { role = 'user', content = 'earlier question' } } }`);
    await s.lua("require('zeke.chat').open(); require('zeke.chat').send('early')");
    await s.waitForLua('_G.fake.sends() == 1');
    const t = await transcript(s);
    expect(t.indexOf('earlier question')).toBeGreaterThanOrEqual(0);
    expect(t.indexOf('earlier question')).toBeLessThan(t.indexOf('early\n'));
    expect(await s.lua('return _G.fake.last().params.session')).toBe('old');
  });

  it('/explain on a visual selection sends exactly that selection, no E481', async () => {
    s = await start();
    await s.lua("vim.api.nvim_buf_set_lines(0, 0, -1, false, { 'local a = 1', 'local bb = 2', 'local c = 3', 'return a' })");
    await s.lua("vim.bo.filetype = 'lua'");
    // linewise, with the explain key
    await s.input('jVj\\ze');
    await s.waitForLua('_G.fake.sends() == 1');
    let p = await s.lua<any>('return _G.fake.last().params');
    expect(p.action).toBe('explain');
    expect(p.context.selection).toEqual({ text: 'local bb = 2\nlocal c = 3', start_line: 2, end_line: 3 });
    expect(p.context.filetype).toBe('lua');
    expect(p.context.cursor).toBeUndefined();
    await s.lua("_G.fake.answer('ok')");
    await s.waitForEvent('ZekeChatAnswer');
    // charwise, through the command line (range inserted by ':')
    await s.lua("vim.cmd('wincmd t')");
    await s.input('gg0wviw:ZekeChat /explain<CR>');
    await s.waitForLua('_G.fake.sends() == 2');
    p = await s.lua<any>('return _G.fake.last().params');
    expect(p.action).toBe('explain');
    expect(p.message).toBe('');
    expect(p.context.selection).toEqual({ text: 'a', start_line: 1, end_line: 1 });
    await s.lua("_G.fake.answer('ok')");
    // charwise via the mapping, across lines
    await s.lua("vim.cmd('wincmd t')");
    await s.input('gg0wwvj\\zf');
    await s.waitForLua('_G.fake.sends() == 3');
    p = await s.lua<any>('return _G.fake.last().params');
    expect(p.action).toBe('fix');
    expect(p.context.selection).toEqual({ text: '= 1\nlocal bb ', start_line: 1, end_line: 2 });
    expect(s.notifications.filter((n) => /E481|E\d+:/.test(n.msg))).toEqual([]);
    expect(await s.lua<string>('return vim.v.errmsg')).toBe('');
  });

  it('/explain typed in the input with text; the cursor region goes as context', async () => {
    s = await start();
    await s.lua("vim.api.nvim_buf_set_lines(0, 0, -1, false, { 'one', 'two', 'three' }); vim.api.nvim_win_set_cursor(0, { 2, 1 })");
    await ask(s, '/explain briefly');
    const p = await s.lua<any>('return _G.fake.last().params');
    expect(p).toMatchObject({ action: 'explain', message: 'briefly' });
    expect(p.context.cursor).toEqual({ line: 2, before: 'one\nt', after: 'wo\nthree' });
  });

  it(':Zeke fix with a range sends those lines and their diagnostics', async () => {
    s = await start();
    await s.lua(`vim.api.nvim_buf_set_lines(0, 0, -1, false, { 'a', 'b', 'c', 'd' })
      local ns = vim.api.nvim_create_namespace('t')
      vim.diagnostic.set(ns, 0, { { lnum = 0, col = 0, message = 'out', severity = 1 }, { lnum = 2, col = 0, message = 'bad c', severity = 2, source = 'lint' } })`);
    await s.lua("vim.cmd('2,3Zeke fix')");
    await s.waitForLua('_G.fake.sends() == 1');
    const p = await s.lua<any>('return _G.fake.last().params');
    expect(p.action).toBe('fix');
    expect(p.context.selection).toEqual({ text: 'b\nc', start_line: 2, end_line: 3 });
    expect(p.context.diagnostics).toEqual([{ line: 3, severity: 'warn', message: 'bad c', source: 'lint' }]);
  });

  it(':ZekeChat new clears the transcript and starts a session', async () => {
    s = await start();
    await ask(s, 'hi');
    await s.lua("_G.fake.answer('hello')");
    await s.waitForEvent('ZekeChatAnswer');
    expect(await transcript(s)).toContain('hello');
    await s.lua("vim.cmd('ZekeChat new')");
    await s.waitForEvent('ZekeChatNew');
    expect(await s.lua<string[]>(TRANSCRIPT)).toEqual(['']);
    await s.input('inext<C-s>');
    await s.waitForLua('_G.fake.sends() == 2');
    expect(await s.lua('return _G.fake.last().params.session')).toBe('s2');
  });

  it('an error shows a readable block', async () => {
    s = await start();
    await ask(s, 'hi');
    await s.lua("_G.fake.fail('ollama: model \"x\" not found\\ntry :ZekeModel')");
    const ev = await s.waitForEvent('ZekeChatAnswer');
    expect(ev.data.error).toContain('not found');
    const t = await s.lua<string[]>(TRANSCRIPT);
    expect(t.slice(-2)).toEqual(['> ✗ ollama: model "x" not found', '> try :ZekeModel']);
    expect(t.join('\n')).not.toMatch(/stack traceback|\.lua:\d+/);
  });

  it('yc yanks the code block; ga proposes it in place of the selection; accepted, one undo restores', async () => {
    s = await start();
    await s.lua("vim.api.nvim_buf_set_lines(0, 0, -1, false, { 'keep 1', 'old a', 'old b', 'keep 2' })");
    await s.input('jVj\\zf');
    await s.waitForLua('_G.fake.sends() == 1');
    await s.lua("_G.fake.push('Fixed:\\n```lua\\nnew a\\nnew b\\nnew c\\n```\\n')");
    await s.lua("_G.fake.answer('Fixed:\\n```lua\\nnew a\\nnew b\\nnew c\\n```\\n')");
    await s.waitForEvent('ZekeChatAnswer');
    // into the transcript, onto the code
    await s.lua("vim.cmd('wincmd k')");
    await s.waitForLua("vim.api.nvim_buf_get_name(0):match('zeke://chat$') ~= nil");
    await s.lua("local l = vim.api.nvim_buf_get_lines(0, 0, -1, false); for i, x in ipairs(l) do if x == 'new b' then vim.api.nvim_win_set_cursor(0, { i, 0 }) end end");
    await s.input('yc');
    await s.waitForEvent('ZekeChatYank');
    expect(await s.lua("return vim.fn.getreg('\"')")).toBe('new a\nnew b\nnew c\n');
    await s.input('ga');
    await s.waitForEvent('ZekeChatApplied');
    // The code block arrives as a diff preview in the source buffer; nothing is written yet.
    await s.waitForEvent('ZekeEditHunks');
    await s.lua("vim.api.nvim_win_call(vim.fn.win_getid(1), function() vim.cmd('ZekeDiff accept_all') end)");
    await s.waitForEvent('ZekeEditDone');
    const src = "vim.api.nvim_buf_get_lines(vim.fn.bufnr(''), 0, -1, false)";
    const code = `local w = vim.fn.win_getid(1); return vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(w), 0, -1, false)`;
    void src;
    expect(await s.lua(code)).toEqual(['keep 1', 'new a', 'new b', 'new c', 'keep 2']);
    await s.lua("vim.api.nvim_win_call(vim.fn.win_getid(1), function() vim.cmd('undo') end)");
    expect(await s.lua(code)).toEqual(['keep 1', 'old a', 'old b', 'keep 2']);
  });

  it('ga without a selection proposes it below the source cursor', async () => {
    s = await start();
    await s.lua("vim.api.nvim_buf_set_lines(0, 0, -1, false, { 'x', 'y' })");
    await ask(s, 'code please');
    await s.lua("_G.fake.answer('```\\nz\\n```')");
    await s.waitForEvent('ZekeChatAnswer');
    await s.input('<Esc>');
    await s.waitForLua("vim.fn.mode() == 'n'");
    await s.lua("vim.cmd('wincmd k'); vim.api.nvim_win_set_cursor(0, { vim.api.nvim_buf_line_count(0) - 1, 0 })");
    await s.input('ga');
    await s.waitForEvent('ZekeChatApplied');
    // The code block arrives as a diff preview in the source buffer; nothing is written yet.
    await s.waitForEvent('ZekeEditHunks');
    await s.lua("vim.api.nvim_win_call(vim.fn.win_getid(1), function() vim.cmd('ZekeDiff accept_all') end)");
    await s.waitForEvent('ZekeEditDone');
    expect(await s.lua('return vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(vim.fn.win_getid(1)), 0, -1, false)')).toEqual(['x', 'z', 'y']);
  });

  it('the toggle key in visual mode opens the chat with the selection for the next message', async () => {
    s = await start();
    await s.lua("vim.api.nvim_buf_set_lines(0, 0, -1, false, { 'a', 'b', 'c' })");
    await s.input('jVj\\zc');
    await s.waitForLua("vim.api.nvim_buf_get_name(0):match('zeke://chat%-input') ~= nil");
    await s.input('iwhy?<C-s>');
    await s.waitForLua('_G.fake.sends() == 1');
    const p = await s.lua<any>('return _G.fake.last().params');
    expect(p.message).toBe('why?');
    expect(p.context.selection).toEqual({ text: 'b\nc', start_line: 2, end_line: 3 });
    expect(await s.lua<string>('return vim.v.errmsg')).toBe('');
  });

  it('layouts: float and bottom with a size; the transcript follows the end only when there', async () => {
    s = await start();
    await s.lua("require('zeke').setup({ host = { start_delay_ms = -1 }, config_file = false, chat = { layout = 'float' } })");
    await s.input('\\zc');
    await s.waitForLua("vim.api.nvim_buf_get_name(0):match('zeke://chat%-input') ~= nil");
    expect(await s.lua("return vim.api.nvim_win_get_config(vim.fn.bufwinid('zeke://chat')).relative")).toBe('editor');
    await s.input('<Esc>\\zc');
    await s.waitForLua("vim.fn.bufwinid('zeke://chat') == -1");
    await s.lua("require('zeke').setup({ host = { start_delay_ms = -1 }, config_file = false, chat = { layout = 'bottom', size = 12 } })");
    await s.input('\\zc');
    await s.waitForLua("vim.api.nvim_buf_get_name(0):match('zeke://chat%-input') ~= nil");
    const twin = "vim.fn.bufwinid('zeke://chat')";
    expect(await s.lua(`return vim.api.nvim_win_get_config(${twin}).relative`)).toBe('');
    expect(await s.lua(`return vim.api.nvim_win_get_height(${twin})`)).toBe(12);
    expect(await s.lua(`return vim.api.nvim_win_get_width(${twin})`)).toBe(await s.lua('return vim.o.columns'));
    await s.input('ihi<C-s>');
    await s.waitForLua('_G.fake.sends() == 1');
    await s.lua("_G.fake.push('one\\ntwo\\nthree\\n')");
    await s.waitForEvent('ZekeChatDelta');
    // the window followed the end
    expect(await s.lua(`return vim.api.nvim_win_get_cursor(${twin})[1] == vim.api.nvim_buf_line_count(vim.fn.bufnr('zeke://chat'))`)).toBe(true);
    // scrolled up: stays put
    await s.lua(`vim.api.nvim_win_set_cursor(${twin}, { 1, 0 })`);
    const since = s.events.length;
    await s.lua("_G.fake.push('four\\nfive')");
    await s.waitForEvent('ZekeChatDelta', { since });
    expect(await s.lua(`return vim.api.nvim_win_get_cursor(${twin})[1]`)).toBe(1);
    expect((await transcript(s)).endsWith('three\nfour\nfive')).toBe(true);
  });

  it(':ZekeContext add / list with preview / dd removes', async () => {
    s = await start();
    const file = `${s.home}/ctx.lua`;
    await s.lua(`vim.fn.writefile({ 'return 1' }, '${file}')`);
    await s.lua(`vim.cmd('ZekeContext add ${file}')`);
    await s.lua("vim.cmd('ZekeContext')");
    await s.waitForEvent('ZekeContextPreview');
    let lines = await s.lua<string[]>('return vim.api.nvim_buf_get_lines(0, 0, -1, false)');
    expect(lines.some((l) => l.endsWith('ctx.lua'))).toBe(true);
    expect(lines).toContain('preview: 1 files');
    const since = s.events.length;
    await s.input('jdd');
    await s.waitForEvent('ZekeContextPreview', { since });
    lines = await s.lua<string[]>('return vim.api.nvim_buf_get_lines(0, 0, -1, false)');
    expect(lines).toContain('preview: 0 files');
    expect(await s.lua("return #require('zeke.chat.context').files()")).toBe(0);
  });
});

// Against the real host and a fake Ollama; needs the chat service (src/chat) to answer.
describe('chat panel (real host, fake Ollama)', () => {
  const MODEL = 'coder:7b';
  let first: Session | undefined;
  afterEach(async () => {
    await first?.close();
    first = undefined;
  });
  async function real(reply: string[], chunkDelayMs = 40, before = '') {
    ollama ??= await createFakeOllama({ models: [{ name: MODEL, capabilities: ['completion', 'tools'] }], reply, faults: { chunkDelayMs } });
    const x = await startNvim();
    if (before) await x.lua(before);
    await x.lua(`require('zeke').setup({
      host = { start_delay_ms = -1 }, config_file = false,
      providers = { ollama = { endpoints = { '${ollama.url}' } } },
      aliases = { ['code-fast'] = 'ollama:${MODEL}' },
      models = { chat = 'code-fast' },
    })`);
    return x;
  }
  const open = async (x: Session) => {
    await x.input('\\zc');
    await x.waitForLua("vim.api.nvim_buf_get_name(0):match('zeke://chat%-input') ~= nil");
  };

  it('streams progressively, header with model and cost', async () => {
    s = await real(['Hello', ' there', ',\nfriend', '!'], 80);
    await open(s);
    await s.input('ihi<C-s>');
    const seen: string[] = [];
    let since = 0;
    for (;;) {
      const ev = await Promise.race([
        s.waitForEvent('ZekeChatDelta', { since, timeoutMs: 20_000 }),
        s.waitForEvent('ZekeChatAnswer', { timeoutMs: 20_000 }),
      ]);
      if (ev.name === 'ZekeChatAnswer') break;
      since = s.events.indexOf(ev) + 1;
      seen.push(await transcript(s));
    }
    const ev = await s.waitForEvent('ZekeChatAnswer');
    expect(ev.data).toMatchObject({ text: 'Hello there,\nfriend!', stopped: false });
    const intermediate = new Set(seen.filter((t) => !t.includes('friend!')));
    expect(intermediate.size).toBeGreaterThanOrEqual(2);
    const t = await s.lua<string[]>(TRANSCRIPT);
    const header = t.find((l) => l.startsWith('## zeke ·'))!;
    expect(header).toContain(MODEL);
    expect(header).toMatch(/\$\d/);
    expect(t.slice(-2)).toEqual(['Hello there,', 'friend!']);
  });

  it('stop mid-stream disconnects the provider and marks "(stopped)"', async () => {
    s = await real(['a', 'b', 'c', 'd', 'e', 'f'], 300);
    await open(s);
    await s.input('ihi<C-s>');
    await s.waitForEvent('ZekeChatDelta', { timeoutMs: 20_000 });
    const since = s.events.length;
    await s.input('<C-c>');
    const ev = await s.waitForEvent('ZekeChatAnswer', { since });
    expect(ev.data.stopped).toBe(true);
    await ollama!.waitForDisconnect();
    expect(await transcript(s)).toContain('(stopped)');
  });

  it('history survives a restart of Neovim (same data dir, same project)', async () => {
    first = await real(['remembered answer'], 0);
    await open(first);
    await first.input('ifirst question<C-s>');
    await first.waitForEvent('ZekeChatAnswer', { timeoutMs: 20_000 });
    const data = `${first.home}/.local/share`;
    const exited = new Promise((r) => first!.proc.once('exit', r));
    first.nvim.command('qa!').catch(() => {});
    await exited;
    // stdpath('data') follows $XDG_DATA_HOME: the second Neovim uses the first one's data
    s = await real(['unused'], 0, `vim.env.XDG_DATA_HOME = '${data}'`);
    await open(s);
    await s.waitForLua("table.concat(vim.api.nvim_buf_get_lines(vim.fn.bufnr('zeke://chat'), 0, -1, false), '\\n'):find('remembered answer') ~= nil", 20_000);
    const t = await transcript(s);
    expect(t).toContain('first question');
    expect(t.indexOf('first question')).toBeLessThan(t.indexOf('remembered answer'));
  });

  it('/explain on a visual selection reaches the model; errors are readable', async () => {
    s = await real(['It adds.'], 0);
    await s.lua("vim.api.nvim_buf_set_lines(0, 0, -1, false, { 'local function add(a, b)', '  return a + b', 'end' })");
    await s.input('Vj\\ze');
    await s.waitForEvent('ZekeChatAnswer', { timeoutMs: 20_000 });
    const body = JSON.stringify(ollama!.requests.find((r) => r.path === '/api/chat')!.body);
    expect(body).toContain('return a + b');
    ollama!.setFaults({ status: 400, errorMessage: 'model is broken', onlyPaths: ['/api/chat', '/api/generate'] });
    const since = s.events.length;
    await s.lua("vim.cmd('ZekeChat hello')");
    const ev = await s.waitForEvent('ZekeChatAnswer', { since, timeoutMs: 20_000 });
    expect(ev.data.error).toBeTruthy();
    expect(await transcript(s)).toMatch(/> ✗ \S/);
    expect(await transcript(s)).not.toMatch(/stack traceback|at \S+ \(/);
  });
});
