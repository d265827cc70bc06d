// Inline completion from the user's side: keys typed into a real Neovim, ghost text read back
// from extmarks. Most tests replace the host's `complete` call with a controllable fake in Lua
// (the Lua layer is under test); the last group runs the real host and engine against a fake
// Ollama.
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

// The fake: records every complete request; answers at once from _G.fake.reply[variant]
// (a string, or a function of the params) unless _G.fake.hold is set; cancel() behaves like the
// real one (callback once with 'cancelled') and is recorded.
const FAKE = `
  local host = require('zeke.host')
  local orig_request, orig_cancel = host.request, host.cancel
  _G.fake = { reqs = {}, cancels = {}, reply = {}, hold = false }
  local next_id = 1000000
  host.request = function(method, params, cb, o)
    if method ~= 'complete' then return orig_request(method, params, cb, o) end
    next_id = next_id + 1
    local r = { id = next_id, params = params, cb = cb, on_progress = o and o.on_progress }
    table.insert(_G.fake.reqs, r)
    _G.fake.byid = _G.fake.byid or {}
    _G.fake.byid[r.id] = r
    if not _G.fake.hold then
      vim.schedule(function()
        if r.done then return end
        local rep = _G.fake.reply[params.variant or 0] or ''
        if type(rep) == 'function' then rep = rep(params) end
        r.done = true
        cb(nil, { text = rep, cached = false, duration_ms = 5 })
      end)
    end
    return r.id
  end
  host.cancel = function(id)
    local r = _G.fake.byid and _G.fake.byid[id]
    if not r then return orig_cancel(id) end
    table.insert(_G.fake.cancels, id)
    if not r.done and not _G.fake.keep_cancelled then r.done = true; r.cb({ code = 'cancelled', message = 'cancelled' }) end
  end
  _G.fake.answer = function(i, text)
    local r = _G.fake.reqs[i]
    r.cb(nil, { text = text, cached = false, duration_ms = 5 })
  end
  _G.fake.primary = function()
    local n = 0
    for _, r in ipairs(_G.fake.reqs) do if not r.params.prefetch then n = n + 1 end end
    return n
  end
`;

async function start(completion: Record<string, unknown> = {}, before = ''): Promise<Session> {
  const x = await startNvim();
  await x.lua(before);
  await x.lua(FAKE);
  await x.lua(
    `require('zeke').setup({ host = { start_delay_ms = -1 }, config_file = false,
       completion = vim.tbl_extend('force', { debounce_ms = 0, other_buffers = false, prefetch = false }, ...) })`,
    [completion],
  );
  return x;
}

const GHOST = `
  local ns = vim.api.nvim_get_namespaces()['zeke.completion.ghost']
  local marks = ns and vim.api.nvim_buf_get_extmarks(0, ns, 0, -1, { details = true }) or {}
  local out = {}
  for _, m in ipairs(marks) do
    local d = m[4]
    local vl = {}
    for _, l in ipairs(d.virt_lines or {}) do vl[#vl + 1] = l[1][1] end
    out[#out + 1] = { row = m[2], col = m[3], text = d.virt_text and d.virt_text[1][1] or '', pos = d.virt_text_pos or '', lines = vl, hl = d.virt_text and d.virt_text[1][2] or '' }
  end
  return out`;

const lines = (x: Session) => x.lua<string[]>('return vim.api.nvim_buf_get_lines(0, 0, -1, false)');
const cursor = (x: Session) => x.lua<number[]>('return vim.api.nvim_win_get_cursor(0)');
const primary = (x: Session) => x.lua<number>('return _G.fake.primary()');

async function suggest(x: Session, keys: string, reply: string) {
  await x.lua('_G.fake.reply[0] = ...', [reply]);
  const since = x.events.length;
  await x.input(keys);
  return x.waitForEvent('ZekeSuggestion', { since });
}

describe('inline completion (Lua layer, fake host call)', () => {
  it('typing shows ghost text: inline first line, virt_lines after, linked highlight', async () => {
    s = await start();
    const ev = await suggest(s, 'ihello', ' world(a,\n\tb)');
    expect(ev.data).toMatchObject({ text: ' world(a,\n\tb)', cached: false });
    const marks = await s.lua<any[]>(GHOST);
    expect(marks).toHaveLength(1);
    expect(marks[0]).toMatchObject({ row: 0, col: 5, text: ' world(a,', pos: 'inline', hl: 'ZekeGhostText' });
    expect(marks[0].lines).toEqual(['        b)']); // the tab expanded to 'tabstop'
    expect(await s.lua('return vim.api.nvim_get_hl(0, { name = "ZekeGhostText" }).link')).toBe('Comment');
    const req = await s.lua<any>('return _G.fake.reqs[#_G.fake.reqs].params');
    expect(req).toMatchObject({ prefix: 'hello', suffix: '', variant: 0, prefetch: false, scope: expect.stringMatching(/^buf:/) });
  });

  it('<Tab> accepts: text inserted, cursor after it, one undo removes it', async () => {
    s = await start();
    await s.lua("vim.api.nvim_buf_set_lines(0, 0, -1, false, { 'end' })");
    await suggest(s, 'Oif x', ' then\n  y()');
    const since = s.events.length;
    await s.input('<Tab>');
    await s.waitForEvent('ZekeSuggestionAccepted', { since });
    expect(await lines(s)).toEqual(['if x then', '  y()', 'end']);
    expect(await cursor(s)).toEqual([2, 5]);
    await s.input('Z<Esc>');
    await s.waitForLua("vim.fn.mode() == 'n'");
    expect(await lines(s)).toEqual(['if x then', '  y()Z', 'end']);
    // The accept is its own undo step: one u for what was typed after it, one for the accept.
    await s.input('u');
    await s.waitForLua("vim.api.nvim_buf_get_lines(0, 1, 2, false)[1] == '  y()'");
    await s.input('u');
    await s.waitForLua("vim.api.nvim_buf_get_lines(0, 0, 1, false)[1] == 'if x'");
    expect(await lines(s)).toEqual(['if x', 'end']);
  });

  it('word and line accept take part of it; the rest stays shown without a request', async () => {
    s = await start();
    await suggest(s, 'ilocal ', 'value = compute(x)\nreturn value');
    const n = await primary(s);
    let since = s.events.length;
    await s.input('<M-Right>');
    await s.waitForEvent('ZekeSuggestionAccepted', { since });
    expect(await lines(s)).toEqual(['local value']);
    expect((await s.lua<any[]>(GHOST))[0].text).toBe(' = compute(x)');
    since = s.events.length;
    await s.input('<M-Down>');
    await s.waitForEvent('ZekeSuggestionAccepted', { since });
    expect(await lines(s)).toEqual(['local value = compute(x)']);
    expect(await cursor(s)).toEqual([1, 24]);
    expect((await s.lua<any[]>(GHOST))[0].lines).toEqual(['return value']);
    expect(await primary(s)).toBe(n);
  });

  it('typing what the suggestion predicts shrinks it in place and sends no request', async () => {
    s = await start();
    await suggest(s, 'ix = ', 'foo(bar)');
    const n = await primary(s);
    const id0 = (await s.lua<any[]>(GHOST))[0];
    await s.input('foo(');
    await s.waitForLua("vim.api.nvim_get_current_line() == 'x = foo('");
    const marks = await s.lua<any[]>(GHOST);
    expect(marks).toHaveLength(1);
    expect(marks[0]).toMatchObject({ col: 8, text: 'bar)' });
    expect(id0.text).toBe('foo(bar)');
    expect(await primary(s)).toBe(n);
    // A character it did not predict: the ghost goes, a new request is made.
    await s.lua("_G.fake.reply[0] = 'zz'");
    const since = s.events.length;
    await s.input('q');
    await s.waitForEvent('ZekeSuggestion', { since });
    expect(await primary(s)).toBe(n + 1);
    expect((await s.lua<any[]>(GHOST))[0].text).toBe('zz');
  });

  it('a keystroke cancels the in-flight request before the next is sent; stale answers never render', async () => {
    s = await start();
    await s.lua('_G.fake.hold = true; _G.fake.keep_cancelled = true');
    await s.input('ia');
    await s.waitForLua('#_G.fake.reqs == 1');
    await s.input('b');
    await s.waitForLua('#_G.fake.reqs == 2');
    expect(await s.lua('return _G.fake.cancels')).toEqual([await s.lua('return _G.fake.reqs[1].id')]);
    // The first answer arrives late anyway: dropped.
    await s.lua("_G.fake.answer(1, 'STALE')");
    expect(await s.lua<any[]>(GHOST)).toEqual([]);
    // An answer for the right request, after the cursor moved away: dropped too.
    await s.input('<Left>');
    await s.waitForLua('#_G.fake.reqs == 3');
    await s.lua("_G.fake.answer(2, 'ALSO STALE')");
    expect(await s.lua<any[]>(GHOST)).toEqual([]);
    await s.lua("_G.fake.answer(3, 'fresh')");
    expect((await s.lua<any[]>(GHOST))[0]).toMatchObject({ col: 1, text: 'fresh' });
  });

  it('streamed progress shows as it grows and typing through it sends nothing', async () => {
    s = await start();
    await s.lua('_G.fake.hold = true');
    await s.input('ix');
    await s.waitForLua('#_G.fake.reqs == 1');
    await s.lua("_G.fake.reqs[1].on_progress({ { text = 'y' }, { text = 'yz' } })");
    expect((await s.lua<any[]>(GHOST))[0].text).toBe('yz');
    await s.input('y');
    await s.waitForLua("vim.api.nvim_get_current_line() == 'xy'");
    expect((await s.lua<any[]>(GHOST))[0].text).toBe('z');
    await s.lua("_G.fake.reqs[1].on_progress({ { text = 'yz1' } })");
    expect((await s.lua<any[]>(GHOST))[0].text).toBe('z1');
    const since = s.events.length;
    await s.lua("_G.fake.answer(1, 'yz12')");
    await s.waitForEvent('ZekeSuggestion', { since });
    expect((await s.lua<any[]>(GHOST))[0].text).toBe('z12');
    expect(await primary(s)).toBe(1);
  });

  it('next / prev cycle through alternatives fetched lazily, with a counter', async () => {
    s = await start();
    await s.lua("_G.fake.reply[1] = 'beta'; _G.fake.reply[2] = 'alpha'");
    await suggest(s, 'i', 'alpha');
    let since = s.events.length;
    await s.input('<M-]>');
    await s.waitForEvent('ZekeSuggestion', { since, where: (e) => e.data.index === 2 });
    let marks = await s.lua<any[]>(GHOST);
    expect(marks.map((m) => m.text).sort()).toEqual([' 2/2', 'beta']);
    since = s.events.length;
    await s.input('<M-]>'); // variant 2 repeats variant 0: no more alternatives, wraps around
    await s.waitForLua('require("zeke.completion")._state().index == 1');
    await s.input('<M-[>');
    await s.waitForLua('require("zeke.completion")._state().index == 2');
    expect(await s.lua('return require("zeke.completion")._state().items')).toEqual(['alpha', 'beta']);
    await s.input('<Tab>');
    await s.waitForLua("vim.api.nvim_get_current_line() == 'beta'");
  });

  it('dismiss hides it and nothing comes back until the next edit', async () => {
    s = await start();
    await suggest(s, 'iab', 'cd');
    const n = await primary(s);
    await s.input('<C-]>');
    await s.waitForLua('require("zeke.completion")._state().suppressed');
    expect(await s.lua<any[]>(GHOST)).toEqual([]);
    expect(await primary(s)).toBe(n);
    await suggest(s, 'x', 'yz');
    expect((await s.lua<any[]>(GHOST))[0].text).toBe('yz');
  });

  it('<Tab> with no suggestion inserts a tab (expandtab respected)', async () => {
    s = await start();
    await s.input('ia<Tab>b');
    await s.waitForLua("vim.api.nvim_get_current_line() == 'a\\tb'");
    await s.input('<Esc>:setlocal expandtab shiftwidth=4 softtabstop=4<CR>o<Tab>c');
    await s.waitForLua("vim.api.nvim_get_current_line() == '    c'");
  });

  it("<Tab> with no suggestion runs the user's own <Tab> mapping (Lua callback and expr)", async () => {
    s = await start({}, "vim.keymap.set('i', '<Tab>', function() _G.user_tab = (_G.user_tab or 0) + 1 end)");
    await s.input('i<Tab>');
    await s.waitForLua('_G.user_tab == 1');
    await s.close();
    s = await start({}, `vim.cmd([[inoremap <expr> <Tab> pumvisible() ? "\\<C-n>" : "TAB"]])`);
    await s.input('i<Tab>');
    await s.waitForLua("vim.api.nvim_get_current_line() == 'TAB'");
    // and with a suggestion, <Tab> is ours
    await suggest(s, '!', '?');
    await s.input('<Tab>');
    await s.waitForLua("vim.api.nvim_get_current_line() == 'TAB!?'");
  });

  it('a key set to false is not mapped; <Plug> mappings exist', async () => {
    s = await start({ keymaps: { accept: false } });
    // (Neovim ≥ 0.11 has its own <Tab> for snippets: that one stays.)
    expect(await s.lua("return (vim.fn.maparg('<Tab>', 'i', false, true).desc or ''):find('^zeke') == nil")).toBe(true);
    expect(await s.lua("return vim.fn.maparg('<M-Right>', 'i') ~= ''")).toBe(true);
    expect(await s.lua("return vim.fn.maparg('<Plug>(zeke-accept)', 'i') ~= ''")).toBe(true);
  });

  it('prompt buffers and secret files (.env) get nothing', async () => {
    s = await start();
    await s.lua("vim.bo.buftype = 'prompt'");
    await s.input('ihello<Esc>');
    await s.waitForLua("vim.fn.mode() == 'n'");
    await s.lua(`vim.cmd('enew! | setlocal buftype='); vim.api.nvim_buf_set_name(0, vim.fn.tempname() .. '/.env')`);
    await s.input('iAPI_KEY=<Esc>');
    await s.waitForLua("vim.fn.mode() == 'n' and vim.api.nvim_get_current_line() == 'API_KEY='");
    expect(await s.lua('return #_G.fake.reqs')).toBe(0);
    // allowed on request; a normal file asks
    await s.lua("vim.cmd('enew!')");
    await suggest(s, 'ifoo', 'bar');
  });

  it('slow answers warn once; adaptive debounce stays within its bounds', async () => {
    s = await start({ debounce_ms: 'adaptive' });
    await s.lua(`_G.fake.reply[0] = 'x'
      local r = require('zeke.host').request
      require('zeke.host').request = function(m, p, cb, o)
        return r(m, p, function(e, res) if res then res.slow = { p50_ms = 2000, message = 'completion model is slow' } end cb(e, res) end, o)
      end`);
    await s.input('ia');
    await s.waitForEvent('ZekeSuggestion');
    await s.input('<Esc>ib');
    await s.waitForLua('#_G.fake.reqs >= 2 and require("zeke.completion")._state().shown ~= nil');
    expect(s.notifications.filter((n) => /slow/.test(n.msg))).toHaveLength(1);
    const d = await s.lua<number>('return require("zeke.completion")._state().delay');
    expect(d).toBeGreaterThanOrEqual(15);
    expect(d).toBeLessThanOrEqual(300);
    const calc = await s.lua<number[]>(`local D = require('zeke.completion.debounce')
      local a = D.new('adaptive'); for i = 1, 50 do a:key(i * 100) end; a:latency(200)
      local fast = D.new('adaptive'); for i = 1, 50 do fast:key(i * 20) end; for _ = 1, 20 do fast:latency(2000) end
      return { a:delay(), fast:delay(), D.new(40):delay() }`);
    expect(calc[0]).toBeGreaterThan(100); // > the typing interval: no request mid-word
    expect(calc[1]).toBe(22); // 1.1 · K floor
    expect(calc[2]).toBe(40);
  });
});

// Against the real host and a fake Ollama; needs the engine (src/completion) to answer.
describe('inline completion (real host, fake Ollama)', () => {
  const MODEL = 'fim-coder:1b';
  async function real(reply: string[]) {
    ollama = await createFakeOllama({ models: [{ name: MODEL, capabilities: ['completion', 'insert'] }], reply });
    const x = await startNvim();
    await x.lua(`require('zeke').setup({
      host = { start_delay_ms = -1 }, config_file = false,
      providers = { ollama = { endpoints = { '${ollama.url}' } } },
      aliases = { ['code-fast'] = 'ollama:${MODEL}' },
      completion = { debounce_ms = 0, prefetch = false, other_buffers = false },
    })`);
    return x; // InsertEnter starts the host; the first request waits for it
  }
  const generates = () => ollama!.requests.filter((r) => r.path === '/api/generate' || r.path === '/api/chat').length;

  it('ghost text appears after typing and <Tab> accepts it', async () => {
    s = await real(['world', '()']);
    await s.input('ihello ');
    const ev = await s.waitForEvent('ZekeSuggestion');
    expect(ev.data.text).toBe('world()');
    expect((await s.lua<any[]>(GHOST))[0]).toMatchObject({ text: 'world()', pos: 'inline' });
    await s.input('<Tab>');
    await s.waitForLua("vim.api.nvim_get_current_line() == 'hello world()'");
    expect(await cursor(s)).toEqual([1, 13]);
  });

  it('works below an empty first line (that once hung the host)', async () => {
    s = await real(['world', '()']);
    await s.input('o<Esc>ohello ');
    const ev = await s.waitForEvent('ZekeSuggestion');
    expect(ev.data.text).toBe('world()');
    expect(await s.lua<string[]>('return vim.api.nvim_buf_get_lines(0, 0, -1, false)')).toEqual(['', '', 'hello ']);
    const sent = ollama!.requests.find((r) => r.path === '/api/generate')!.body;
    expect(sent.prompt).toBe('\n\nhello ');
  });

  it('typing through the suggestion sends no request', async () => {
    s = await real(['world', '()']);
    await s.input('ihello ');
    await s.waitForEvent('ZekeSuggestion');
    const n = generates();
    await s.input('wor');
    await s.waitForLua("vim.api.nvim_get_current_line() == 'hello wor'");
    await s.lua("require('zeke').request('ping', nil, function() _G.pinged = true end)");
    await s.waitForLua('_G.pinged');
    expect((await s.lua<any[]>(GHOST))[0].text).toBe('ld()');
    expect(generates()).toBe(n);
  });

  it('a keystroke aborts the in-flight request at the socket', async () => {
    s = await real(['a', 'b', 'c', 'd']);
    ollama!.setFaults({ stallAfterChunks: 1, onlyPaths: ['/api/generate'] });
    await s.input('ifoo');
    await ollama!.waitForStall();
    ollama!.resetFaults();
    await s.input('X');
    await ollama!.waitForDisconnect();
    // The completion request itself was cut at the socket, not some other call.
    const generate = ollama!.requests.filter((r) => r.path === '/api/generate');
    expect(generate[0]!.clientDisconnected).toBe(true);
  });
});
