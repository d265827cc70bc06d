// Edits with a diff preview from the user's side: :ZekeEdit / :ZekeDiff in a real Neovim, the
// preview read back from extmarks, the buffer from its lines. Most tests replace the host's
// edit.* calls with a controllable fake in Lua (the Lua layer is under test); the last group
// runs the real host and edit service against a fake Ollama.
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

// The fake: edit.propose is held until the test pushes hunks (_G.fake.push) and answers
// (_G.fake.answer); edit.from_text answers one hunk replacing the range; edit.reanchor finds
// each hunk's old lines in the text (nearest to where it was) or marks it conflicting. cancel()
// behaves like the real one (callback once with 'cancelled') and is recorded.
const FAKE = `
  local host = require('zeke.host')
  local orig_request, orig_cancel = host.request, host.cancel
  _G.fake = { reqs = {}, cancels = {} }
  local byid, next_id = {}, 1000000
  local function reanchor(p)
    local lines = vim.split(p.text, '\\n', { plain = true })
    local out = {}
    for _, h in ipairs(p.hunks) do
      local best
      for i = 1, #lines - #h.old_lines + 1 do
        if vim.deep_equal(vim.list_slice(lines, i, i + #h.old_lines - 1), h.old_lines) then
          if not best or math.abs(i - h.start_line) < math.abs(best - h.start_line) then best = i end
        end
      end
      local n = vim.deepcopy(h)
      if best and #h.old_lines > 0 then n.start_line = best; n.end_line = best + #h.old_lines - 1
      else n.conflict = 'its lines were edited' end
      out[#out + 1] = n
    end
    return { hunks = out }
  end
  host.request = function(method, params, cb, o)
    if not method:match('^edit%.') then return orig_request(method, params, cb, o) end
    next_id = next_id + 1
    local r = { id = next_id, method = method, params = params, cb = cb, on_progress = o and o.on_progress }
    table.insert(_G.fake.reqs, r)
    byid[r.id] = r
    if method ~= 'edit.propose' then
      vim.schedule(function()
        if r.done then return end
        r.done = true
        if method == 'edit.reanchor' then return cb(nil, reanchor(params)) end
        local lines = vim.split(params.text, '\\n', { plain = true })
        local a, b = params.range.start_line, params.range.end_line
        cb(nil, { hunks = { { id = 'f1', start_line = a, end_line = b, old_lines = vim.list_slice(lines, a, b),
          new_lines = vim.split(params.replacement, '\\n', { plain = true }), before = {}, after = {} } } })
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
  local function last(m)
    for i = #_G.fake.reqs, 1, -1 do if _G.fake.reqs[i].method == m then return _G.fake.reqs[i] end end
  end
  _G.fake.last = last
  _G.fake.count = function(m) local n = 0; for _, r in ipairs(_G.fake.reqs) do if r.method == m then n = n + 1 end end; return n end
  _G.fake.push = function(hunks) last('edit.propose').on_progress({ { hunks = hunks } }) end
  _G.fake.answer = function(hunks, unanchored)
    local r = last('edit.propose'); r.done = true
    r.cb(nil, { hunks = hunks, unanchored = unanchored or {}, format = 'search-replace',
      route = { ref = 'ollama:coder:7b', ['local'] = true }, cost = { usd = 0.0012 }, duration_ms = 1500 })
  end
`;

async function start(edit: Record<string, unknown> = {}): Promise<Session> {
  const x = await startNvim();
  await x.lua(FAKE);
  await x.lua(`require('zeke').setup({ host = { start_delay_ms = -1 }, config_file = false, edit = ... })`, [edit]);
  return x;
}

const PREVIEW = `
  local ns = vim.api.nvim_get_namespaces()['zeke.edit.preview']
  local out = { hl = {}, virt = {}, labels = {} }
  for _, m in ipairs(ns and vim.api.nvim_buf_get_extmarks(0, ns, 0, -1, { details = true }) or {}) do
    local d = m[4]
    if d.line_hl_group then out.hl[#out.hl + 1] = { row = m[2], group = d.line_hl_group } end
    if d.virt_text then out.labels[#out.labels + 1] = { row = m[2], text = d.virt_text[1][1], group = d.virt_text[1][2] } end
    if d.virt_lines then
      for _, l in ipairs(d.virt_lines) do out.virt[#out.virt + 1] = { row = m[2], text = l[1][1], group = l[1][2] } end
    end
  end
  return out`;

const lines = (x: Session) => x.lua<string[]>('return vim.api.nvim_buf_get_lines(0, 0, -1, false)');
const setLines = (x: Session, l: string[]) => x.lua('vim.api.nvim_buf_set_lines(0, 0, -1, false, ...)', [l]);

interface Hunk {
  id: string;
  start_line: number;
  end_line: number;
  old_lines: string[];
  new_lines: string[];
  before: string[];
  after: string[];
}
const hunk = (id: string, start: number, old: string[], neu: string[]): Hunk => ({
  id,
  start_line: start,
  end_line: start + old.length - 1,
  old_lines: old,
  new_lines: neu,
  before: [],
  after: [],
});

const SRC = ['a1', 'a2', 'a3', 'b1', 'b2', 'b3', 'c1', 'c2'];
const H1 = hunk('h1', 2, ['a2'], ['A2', 'A2+']);
const H2 = hunk('h2', 5, ['b2'], ['B2']);
const H3 = hunk('h3', 8, ['c2'], ['C2']);

/** :ZekeEdit on SRC, the fake answering H1..H3; resolves when the preview shows them all. */
async function propose(x: Session, hunks: Hunk[] = [H1, H2, H3]) {
  await setLines(x, SRC);
  await x.lua("vim.bo.modified = false; vim.cmd('ZekeEdit make it upper case')");
  await x.waitForLua("_G.fake.count('edit.propose') == 1");
  const since = x.events.length;
  await x.lua('_G.fake.answer(...)', [hunks]);
  await x.waitForEvent('ZekeEditHunks', { since, where: (e) => e.data.count === hunks.length });
}

describe('edit preview (Lua layer, fake host calls)', () => {
  it('streams hunks into an inline preview; the buffer is unchanged; route and cost shown', async () => {
    s = await start();
    await setLines(s, SRC);
    await s.lua("vim.bo.modified = false; vim.cmd('2,5ZekeEdit make it upper case')");
    await s.waitForLua("_G.fake.count('edit.propose') == 1");
    const p = await s.lua<any>("return _G.fake.last('edit.propose').params");
    expect(p).toMatchObject({ text: SRC.join('\n'), range: { start_line: 2, end_line: 5 }, instruction: 'make it upper case', scope: expect.stringMatching(/^buf:/) });
    let since = s.events.length;
    await s.lua('_G.fake.push(...)', [[H1]]);
    await s.waitForEvent('ZekeEditHunks', { since, where: (e) => e.data.count === 1 });
    since = s.events.length;
    await s.lua('_G.fake.push(...)', [[H1, H2]]);
    await s.waitForEvent('ZekeEditHunks', { since, where: (e) => e.data.count === 2 });
    since = s.events.length;
    await s.lua('_G.fake.answer(...)', [[H1, H2], [{ reason: 'SEARCH text not found', excerpt: 'zz' }]]);
    await s.waitForEvent('ZekeEditHunks', { since });
    const pv = await s.lua<any>(PREVIEW);
    expect(pv.hl).toEqual([
      { row: 1, group: 'ZekeDiffDelete' },
      { row: 4, group: 'ZekeDiffDelete' },
    ]);
    expect(pv.virt).toEqual([
      { row: 1, text: 'A2', group: 'ZekeDiffAdd' },
      { row: 1, text: 'A2+', group: 'ZekeDiffAdd' },
      { row: 4, text: 'B2', group: 'ZekeDiffAdd' },
    ]);
    expect(pv.labels[0].text).toMatch(/^ \[1\/2\] <leader>ha accept · ollama:coder:7b · local · \$0\.0012/);
    expect(pv.labels[1].text).toBe(' [2/2] <leader>ha accept');
    expect(await lines(s)).toEqual(SRC);
    expect(await s.lua('return vim.bo.modified')).toBe(false);
    expect(await s.lua('return vim.api.nvim_get_hl(0, { name = "ZekeDiffAdd" }).link')).toBe('DiffAdd');
    await s.waitForNotification((n) => n.msg.includes('could not be placed') && n.msg.includes('SEARCH text not found'));
    await s.waitForNotification((n) => n.msg.includes('edit: 2 hunks') && n.msg.includes('$0.0012'));
  });

  it('accept one hunk, reject another: exactly the accepted change; done event', async () => {
    s = await start();
    await propose(s, [H1, H2]);
    await s.lua('vim.api.nvim_win_set_cursor(0, { 2, 0 })');
    await s.lua("vim.cmd('ZekeDiff accept')");
    expect(await lines(s)).toEqual(['a1', 'A2', 'A2+', 'a3', 'b1', 'b2', 'b3', 'c1', 'c2']);
    const since = s.events.length;
    await s.lua("vim.cmd('ZekeDiff next')");
    expect(await s.lua('return vim.api.nvim_win_get_cursor(0)[1]')).toBe(6); // b2 moved down one line
    await s.input('<Space>hr'.replace('<Space>', '\\'));
    const done = await s.waitForEvent('ZekeEditDone', { since });
    expect(done.data).toMatchObject({ accepted: 1, rejected: 1 });
    expect(await lines(s)).toEqual(['a1', 'A2', 'A2+', 'a3', 'b1', 'b2', 'b3', 'c1', 'c2']);
    expect((await s.lua<any>(PREVIEW)).hl).toEqual([]);
    expect(await s.lua("return vim.fn.maparg('\\\\ha', 'n')")).toBe('');
  });

  it('accept_all, then ONE u restores the original', async () => {
    s = await start();
    await propose(s);
    const since = s.events.length;
    await s.input('\\hA');
    await s.waitForEvent('ZekeEditDone', { since });
    expect(await lines(s)).toEqual(['a1', 'A2', 'A2+', 'a3', 'b1', 'B2', 'b3', 'c1', 'C2']);
    await s.input('u');
    await s.waitForLua(`table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\\n') == ${JSON.stringify(SRC.join('\n'))}`);
  });

  it('hunks accepted one by one with keys (cursor moves between) are still one undo step', async () => {
    s = await start();
    await propose(s);
    await s.lua('vim.api.nvim_win_set_cursor(0, { 1, 0 })');
    await s.input(']h\\ha');
    await s.waitForLua("vim.api.nvim_buf_get_lines(0, 1, 2, false)[1] == 'A2'");
    await s.input(']h\\ha');
    await s.waitForLua("vim.api.nvim_buf_get_lines(0, 5, 6, false)[1] == 'B2'");
    await s.input('u');
    await s.waitForLua(`table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\\n') == ${JSON.stringify(SRC.join('\n'))}`);
  });

  it('undoing the edit inside a hunk clears its conflict', async () => {
    s = await start();
    await propose(s);
    await s.lua("vim.api.nvim_win_set_cursor(0, { 5, 0 }); vim.cmd('normal! Axx')");
    await s.waitForLua(`require('zeke.edit').get(0).hunks[2].conflict ~= nil`);
    await s.input('u');
    await s.waitForLua(`require('zeke.edit').get(0).hunks[2].conflict == nil`);
    await s.lua("vim.api.nvim_win_set_cursor(0, { 5, 0 }); vim.cmd('ZekeDiff accept')");
    expect(await lines(s)).toEqual(['a1', 'a2', 'a3', 'b1', 'B2', 'b3', 'c1', 'c2']);
  });

  it('an edit above a pending hunk moves it; it still applies in the right place', async () => {
    s = await start();
    await propose(s);
    const since = s.events.length;
    await s.lua("vim.api.nvim_win_set_cursor(0, { 1, 0 }); vim.cmd('normal! Onew0')");
    await s.waitForEvent('ZekeEditHunks', { since });
    const pv = await s.lua<any>(PREVIEW);
    expect(pv.hl.map((h: any) => h.row)).toEqual([2, 5, 8]);
    await s.lua("vim.cmd('ZekeDiff next'); vim.cmd('ZekeDiff next'); vim.cmd('ZekeDiff accept')");
    expect(await lines(s)).toEqual(['new0', 'a1', 'a2', 'a3', 'b1', 'B2', 'b3', 'c1', 'c2']);
    expect(await s.lua("return _G.fake.count('edit.reanchor')")).toBe(0); // the extmarks sufficed
  });

  it('an edit inside a pending hunk marks it conflicting; accept refuses it', async () => {
    s = await start();
    await propose(s);
    const since = s.events.length;
    await s.lua("vim.api.nvim_win_set_cursor(0, { 5, 0 }); vim.cmd('normal! Axx')");
    await s.waitForEvent('ZekeEditHunks', { since, where: () => true });
    await s.waitForLua("_G.fake.count('edit.reanchor') >= 1");
    await s.waitForLua(`(function() local p = require('zeke.edit').get(0); for _, h in ipairs(p.hunks) do if h.id == 'h2' then return h.conflict ~= nil end end end)()`);
    const pv = await s.lua<any>(PREVIEW);
    expect(pv.hl).toContainEqual({ row: 4, group: 'ZekeDiffConflict' });
    expect(pv.labels.find((l: any) => l.row === 4).text).toMatch(/conflict/);
    await s.lua("vim.api.nvim_win_set_cursor(0, { 5, 0 }); vim.cmd('ZekeDiff accept')");
    await s.waitForNotification((n) => /conflicts with your edits/.test(n.msg));
    expect(await lines(s)).toEqual(['a1', 'a2', 'a3', 'b1', 'b2xx', 'b3', 'c1', 'c2']);
    // the other hunks still apply
    await s.lua("vim.cmd('ZekeDiff accept_all')");
    expect(await lines(s)).toEqual(['a1', 'A2', 'A2+', 'a3', 'b1', 'b2xx', 'b3', 'c1', 'C2']);
  });

  it('a hunk whose lines moved elsewhere is re-anchored by the host and applied there', async () => {
    s = await start();
    await propose(s, [H2]);
    // replace the whole region's surroundings: b2 deleted and typed again two lines up
    await s.lua("vim.api.nvim_buf_set_lines(0, 4, 5, false, {}); vim.api.nvim_buf_set_lines(0, 2, 2, false, { 'b2' })");
    await s.waitForLua("_G.fake.count('edit.reanchor') >= 1");
    await s.waitForLua(`(function() local p = require('zeke.edit').get(0); local h = p.hunks[1]; local r = require('zeke.edit.track').rows(0, h); return r == 2 and not h.conflict end)()`);
    await s.lua("vim.api.nvim_win_set_cursor(0, { 3, 0 }); vim.cmd('ZekeDiff accept')");
    expect(await lines(s)).toEqual(['a1', 'a2', 'B2', 'a3', 'b1', 'b3', 'c1', 'c2']);
  });

  it('cancel while streaming: request cancelled, preview gone, buffer byte-identical', async () => {
    s = await start();
    await setLines(s, SRC);
    await s.lua("vim.bo.modified = false; vim.cmd('ZekeEdit rename')");
    await s.waitForLua("_G.fake.count('edit.propose') == 1");
    let since = s.events.length;
    await s.lua('_G.fake.push(...)', [[H1]]);
    await s.waitForEvent('ZekeEditHunks', { since });
    since = s.events.length;
    await s.input('<C-c>');
    const done = await s.waitForEvent('ZekeEditDone', { since });
    expect(done.data).toMatchObject({ cancelled: true, accepted: 0 });
    expect(await s.lua('return #_G.fake.cancels')).toBe(1);
    expect(await lines(s)).toEqual(SRC);
    expect(await s.lua('return vim.bo.modified')).toBe(false);
    expect((await s.lua<any>(PREVIEW)).virt).toEqual([]);
    expect(await s.lua("return vim.fn.maparg('<C-c>', 'n')")).toBe('');
  });

  it(':ZekeDiff cancel after the answer drops the preview and leaves the buffer', async () => {
    s = await start();
    await propose(s);
    const since = s.events.length;
    await s.lua("vim.cmd('ZekeDiff cancel')");
    await s.waitForEvent('ZekeEditDone', { since });
    expect(await lines(s)).toEqual(SRC);
    expect(await s.lua('return vim.bo.modified')).toBe(false);
  });

  it(':ZekeDiff next / prev move the cursor between hunks (wrapping)', async () => {
    s = await start();
    await propose(s);
    await s.lua('vim.api.nvim_win_set_cursor(0, { 1, 0 })');
    const row = () => s!.lua<number>('return vim.api.nvim_win_get_cursor(0)[1]');
    await s.lua("vim.cmd('ZekeDiff next')");
    expect(await row()).toBe(2);
    await s.input(']h');
    await s.waitForLua('vim.api.nvim_win_get_cursor(0)[1] == 5');
    await s.lua("vim.cmd('ZekeDiff next')");
    expect(await row()).toBe(8);
    await s.lua("vim.cmd('ZekeDiff next')");
    expect(await row()).toBe(2);
    await s.lua("vim.cmd('ZekeDiff prev')");
    expect(await row()).toBe(8);
    await s.input('[h');
    await s.waitForLua('vim.api.nvim_win_get_cursor(0)[1] == 5');
  });

  it('split preview: a scratch buffer with the proposed text in diff mode; apply per hunk', async () => {
    s = await start({ preview: 'split' });
    await propose(s);
    expect(await s.lua('return #vim.api.nvim_tabpage_list_wins(0)')).toBe(2);
    const other = "local w = vim.tbl_filter(function(w) return w ~= vim.api.nvim_get_current_win() end, vim.api.nvim_tabpage_list_wins(0))[1]";
    expect(await s.lua(`${other}; return vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(w), 0, -1, false)`)).toEqual([
      'a1', 'A2', 'A2+', 'a3', 'b1', 'B2', 'b3', 'c1', 'C2',
    ]);
    expect(await s.lua(`${other}; return { vim.wo.diff, vim.wo[w].diff }`)).toEqual([true, true]);
    await s.lua("vim.api.nvim_win_set_cursor(0, { 5, 0 }); vim.cmd('ZekeDiff accept')");
    expect(await lines(s)).toEqual(['a1', 'a2', 'a3', 'b1', 'B2', 'b3', 'c1', 'c2']);
    const since = s.events.length;
    await s.lua("vim.cmd('ZekeDiff reject_all')");
    await s.waitForEvent('ZekeEditDone', { since });
    expect(await s.lua('return #vim.api.nvim_tabpage_list_wins(0)')).toBe(1);
    expect(await s.lua('return vim.wo.diff')).toBe(false);
  });

  it('chat ga opens the preview (edit.from_text) instead of writing', async () => {
    s = await start();
    await setLines(s, ['keep 1', 'old a', 'keep 2']);
    await s.lua(`
      local src = vim.api.nvim_get_current_win()
      local chat = require('zeke.chat.codeblock')
      chat.apply({ 'new a', 'new b' }, src, nil, function(how) _G.how = how end)`);
    await s.waitForLua('_G.how ~= nil');
    expect(await s.lua('return _G.how')).toBe('preview');
    const p = await s.lua<any>("return _G.fake.last('edit.from_text').params");
    expect(p).toMatchObject({ range: { start_line: 1, end_line: 1 }, replacement: 'keep 1\nnew a\nnew b' });
    expect(await lines(s)).toEqual(['keep 1', 'old a', 'keep 2']);
    expect((await s.lua<any>(PREVIEW)).virt.map((v: any) => v.text)).toEqual(['keep 1', 'new a', 'new b']);
    await s.lua("vim.cmd('ZekeDiff accept_all')");
    expect(await lines(s)).toEqual(['keep 1', 'new a', 'new b', 'old a', 'keep 2']);
  });
});

// Against the real host (edit service) and a fake Ollama answering with a SEARCH/REPLACE block.
describe('edit preview (real host, fake Ollama)', () => {
  const MODEL = 'coder:7b';
  async function real(reply: string | string[]) {
    ollama = await createFakeOllama({ models: [{ name: MODEL }], reply } as any);
    const x = await startNvim();
    await x.lua(`require('zeke').setup({
      host = { start_delay_ms = -1 }, config_file = false,
      providers = { ollama = { endpoints = { '${ollama.url}' } } },
      aliases = { ['code-fast'] = 'ollama:${MODEL}' },
      models = { edit = 'code-fast' },
    })`);
    return x;
  }
  const REPLY = '<<<<<<< SEARCH\nb2\n=======\nB2\n>>>>>>> REPLACE\n';

  it(':ZekeEdit shows the hunk; the buffer is unchanged; accept applies it; one u undoes', async () => {
    s = await real(REPLY);
    await setLines(s, SRC);
    let since = s.events.length;
    await s.lua("vim.cmd('ZekeEdit make b2 upper case')");
    await s.waitForEvent('ZekeEditHunks', { since, where: (e) => e.data.count === 1, timeoutMs: 30_000 });
    await s.waitForNotification((n) => n.msg.includes('edit: 1 hunk'), 30_000);
    expect(await lines(s)).toEqual(SRC);
    const pv = await s.lua<any>(PREVIEW);
    expect(pv.hl).toEqual([{ row: 4, group: 'ZekeDiffDelete' }]);
    expect(pv.virt).toEqual([{ row: 4, text: 'B2', group: 'ZekeDiffAdd' }]);
    since = s.events.length;
    await s.lua("vim.api.nvim_win_set_cursor(0, { 5, 0 }); vim.cmd('ZekeDiff accept_all')");
    await s.waitForEvent('ZekeEditDone', { since });
    expect(await lines(s)).toEqual(['a1', 'a2', 'a3', 'b1', 'B2', 'b3', 'c1', 'c2']);
    await s.input('u');
    await s.waitForLua(`vim.api.nvim_buf_get_lines(0, 4, 5, false)[1] == 'b2'`);
  });

  it('an edit above the pending hunk: it moves and applies; an edit inside: conflict', async () => {
    s = await real(REPLY);
    await setLines(s, SRC);
    let since = s.events.length;
    await s.lua("vim.cmd('ZekeEdit make b2 upper case')");
    await s.waitForNotification((n) => n.msg.includes('edit: 1 hunk'), 30_000);
    since = s.events.length;
    await s.lua("vim.api.nvim_buf_set_lines(0, 0, 0, false, { 'top' })");
    await s.waitForEvent('ZekeEditHunks', { since });
    await s.lua("vim.api.nvim_win_set_cursor(0, { 6, 0 }); vim.cmd('normal! Ax')");
    await s.waitForLua(`require('zeke.edit').get(0).hunks[1].conflict ~= nil`, 15_000);
    await s.lua("vim.cmd('ZekeDiff accept')");
    await s.waitForNotification((n) => /conflicts with your edits/.test(n.msg));
    expect(await lines(s)).toEqual(['top', ...SRC.slice(0, 4), 'b2x', ...SRC.slice(5)]);
  });

  it('chat ga goes through edit.from_text: a preview, not a write', async () => {
    s = await real(REPLY);
    await setLines(s, ['x', 'y']);
    await s.lua(`require('zeke.chat.codeblock').apply({ 'z' }, vim.api.nvim_get_current_win(), nil, function(how) _G.how = how end)`);
    await s.waitForLua('_G.how ~= nil', 30_000);
    expect(await s.lua('return _G.how')).toBe('preview');
    expect(await lines(s)).toEqual(['x', 'y']);
    await s.lua("vim.cmd('ZekeDiff accept_all')");
    expect(await lines(s)).toEqual(['x', 'z', 'y']);
  });
});
