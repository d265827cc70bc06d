-- Runs inside a headless Neovim started by bench/completion.mjs with
-- `-c 'luafile bench/completion-bench.lua'`: the editor's own main loop runs (unlike `-l`), so keys
-- fed with nvim_input() from a vim.uv timer take the real input path (on_key, insert-mode
-- insertion, TextChangedI/CursorMovedI, the plugin's autocmds). One phase per run; settings in
-- $ZEKE_BENCH_CONFIG, results as JSON to cfg.out, then :qa!.
--
-- Nothing in lua/zeke is changed; it is observed from the outside:
--   vim.on_key                           timestamp of every typed key (when Neovim takes it)
--   completion._on_edit (wrapped)        synchronous time of the plugin's TextChangedI /
--                                        CursorMovedI handler, the debounce it chose
--   zeke.host.request / cancel (wrapped) every `complete` request: sent, first progress/answer,
--                                        cached, cancelled
--   completion.ghost.show (wrapped)      when ghost text was drawn, and whether from a request's
--                                        answer or from typeahead (inside the key's handler)
--   a vim.uv prepare handle              the first time the main loop is about to poll after a key
-- All times are vim.uv.hrtime() (CLOCK_MONOTONIC ns), the clock the fake server worker uses too.
local cfg = vim.json.decode(vim.env.ZEKE_BENCH_CONFIG)
vim.opt.rtp:prepend(cfg.root)
local uv = vim.uv or vim.loop

local out = { keys = {}, reqs = {}, phase = cfg.phase }
local recording = false

local function finish(err)
  if err then
    out.error = tostring(err)
  end
  pcall(function()
    require('zeke.host').stop()
    vim.wait(3000, function()
      return require('zeke.host').status().status == 'stopped'
    end)
  end)
  local f = assert(io.open(cfg.out, 'w'))
  f:write(vim.json.encode(out))
  f:close()
  vim.cmd('qa!')
end

---CPU time (ns) of a process, all threads: the sum of /proc/<pid>/task/*/schedstat run times;
---utime+stime from /proc/<pid>/stat (10 ms ticks) when schedstat is not there.
local function cpu_ns(pid)
  local dir = '/proc/' .. pid .. '/task'
  local h = uv.fs_scandir(dir)
  local total, ok = 0, false
  while h do
    local name = uv.fs_scandir_next(h)
    if not name then
      break
    end
    local f = io.open(dir .. '/' .. name .. '/schedstat', 'r')
    if f then
      local run = tonumber((f:read('*l') or ''):match('^(%d+)'))
      f:close()
      if run then
        total, ok = total + run, true
      end
    end
  end
  if ok then
    return total
  end
  local f = io.open('/proc/' .. pid .. '/stat', 'r')
  if not f then
    return nil
  end
  local s = f:read('*a')
  f:close()
  local rest = s:match('%) (.*)$')
  local fields = vim.split(rest, ' ')
  return (tonumber(fields[12]) + tonumber(fields[13])) * 1e7 -- fields 14, 15 of stat; 100 Hz
end

-- main() runs in a coroutine once the editor's main loop runs (keys are only executed there).
local function sleep(ms)
  local co = coroutine.running()
  vim.defer_fn(function()
    coroutine.resume(co)
  end, ms)
  coroutine.yield()
end
local function wait_until(cond, timeout_ms)
  local t0 = uv.hrtime()
  while not cond() do
    if (uv.hrtime() - t0) / 1e6 > timeout_ms then
      return false
    end
    sleep(5)
  end
  return true
end

local function main()
  vim.o.autoindent = false
  vim.o.smartindent = false
  vim.o.cindent = false
  vim.o.indentexpr = ''
  vim.o.swapfile = false
  local zeke = require('zeke')
  local host = require('zeke.host')
  zeke.setup({
    host = { start_delay_ms = -1 },
    config_file = false,
    providers = { ollama = { endpoints = { cfg.url } } },
    aliases = { ['code-fast'] = 'ollama:' .. cfg.model },
    completion = { debounce_ms = cfg.debounce, other_buffers = false },
  })
  if #(zeke._issues or {}) > 0 then
    error('setup() reported issues: ' .. vim.inspect(zeke._issues), 0)
  end
  vim.cmd('edit ' .. vim.fn.fnameescape(cfg.file))
  vim.bo.filetype = 'typescript'
  vim.bo.autoindent, vim.bo.smartindent, vim.bo.cindent, vim.bo.indentexpr = false, false, false, ''

  local C = require('zeke.completion')
  local ghost = require('zeke.completion.ghost')
  local keys, reqs, byid = out.keys, out.reqs, {}
  local cur_key ---@type table?
  local in_cb ---@type table? the request whose callback is running
  local edit_render ---@type integer? ghost drawn inside the key's own handler (typeahead)
  local in_edit = false
  local want_poll = false

  vim.on_key(function()
    if not recording then
      return
    end
    cur_key = { t = uv.hrtime(), edit_ns = 0, edits = 0, reqs_before = #reqs }
    keys[#keys + 1] = cur_key
  end)
  local prep = uv.new_prepare()
  prep:start(function()
    if want_poll and cur_key then
      want_poll = false
      cur_key.t_poll = uv.hrtime()
    end
  end)

  local orig_edit = C._on_edit
  C._on_edit = function(...)
    if in_cb or not recording or not cur_key then
      return orig_edit(...) -- refresh() of an answer calls it too: not keystroke work
    end
    in_edit, edit_render = true, nil
    local t0 = uv.hrtime()
    orig_edit(...)
    local t1 = uv.hrtime()
    in_edit = false
    want_poll = true -- the first poll after the last handler ends the key's synchronous work
    cur_key.edit_ns = cur_key.edit_ns + (t1 - t0)
    cur_key.edits = cur_key.edits + 1
    cur_key.t_edit_end = t1
    if edit_render then
      cur_key.t_render = edit_render
    end
    if cur_key.edits == 1 then
      cur_key.delay = C._state().delay -- the debounce schedule() just used (deb:key() ran)
    end
  end

  local orig_show = ghost.show
  ghost.show = function(buf, row, col, text, counter)
    orig_show(buf, row, col, text, counter)
    local t = uv.hrtime()
    if text == '' then
      return
    end
    if in_cb then
      in_cb.t_ghost = in_cb.t_ghost or t
    elseif in_edit then
      edit_render = t
    end
  end

  local orig_request, orig_cancel = host.request, host.cancel
  host.request = function(method, params, cb, o)
    if method ~= 'complete' or not recording then
      return orig_request(method, params, cb, o)
    end
    local r = { t_sent = uv.hrtime(), prefix = params.prefix, prefetch = params.prefetch, key = #keys }
    reqs[#reqs + 1] = r
    local function wrapped(err, res)
      r.t_done = uv.hrtime()
      r.t_first = r.t_first or r.t_done
      if err then
        r.err = err.code
      else
        r.cached, r.ttfb_ms, r.duration_ms, r.text = res.cached == true, res.ttfb_ms, res.duration_ms, res.text
      end
      local prev = in_cb
      in_cb = r
      cb(err, res)
      in_cb = prev
    end
    local o2 = o
    if o and o.on_progress then
      o2 = vim.tbl_extend('force', o, {
        on_progress = function(list)
          r.t_first = r.t_first or uv.hrtime()
          local prev = in_cb
          in_cb = r
          o.on_progress(list)
          in_cb = prev
        end,
      })
    end
    local id = orig_request(method, params, wrapped, o2)
    r.id = id
    byid[id] = r
    return id
  end
  host.cancel = function(id)
    local r = byid[id]
    if r and not r.t_done and not r.t_cancel then
      r.t_cancel = uv.hrtime()
      r.cancel_key = #keys
    end
    return orig_cancel(id)
  end

  -- Warm-up (not recorded): host start, model list, one suggestion end to end.
  host.start()
  if not wait_until(function()
    return host.status().status == 'ready'
  end, 10000) then
    error('host did not become ready: ' .. vim.inspect(host.status()), 0)
  end
  out.host_pid = host.status().info.pid
  vim.api.nvim_buf_set_lines(0, 0, -1, false, { 'const first = ' })
  vim.api.nvim_input('A')
  sleep(50)
  local warm = false
  local au = vim.api.nvim_create_autocmd('User', {
    pattern = 'ZekeSuggestion',
    callback = function()
      warm = true
    end,
  })
  C.trigger()
  wait_until(function()
    return warm or cfg.phase == 'abort'
  end, 5000)
  vim.api.nvim_del_autocmd(au)
  out.warm = warm
  out.warm_state = C._state()

  -- The typing: one key per timer tick, the gaps fixed in advance (deterministic jitter).
  local text = cfg.text
  local seq, gaps = {}, {}
  local seed = 12345
  local function rand() -- LCG in [0, 1)
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed / 2147483648
  end
  for i = 1, #text do
    local ch = text:sub(i, i)
    seq[i] = ch == '\n' and '<CR>' or ch == '<' and '<lt>' or ch
    local g = cfg.gap_ms * (1 - cfg.jitter + 2 * cfg.jitter * rand())
    if i > 1 and text:sub(i - 1, i - 1) == '\n' then
      g = g + cfg.line_pause_ms
    end
    gaps[i] = math.floor(g + 0.5)
  end
  vim.api.nvim_input('<Esc>')
  sleep(100)
  vim.api.nvim_buf_set_lines(0, 0, -1, false, {})
  vim.api.nvim_input('i')
  sleep(200)
  if vim.fn.mode() ~= 'i' then
    error('not in insert mode before typing: ' .. vim.fn.mode(), 0)
  end

  out.cpu0 = { nvim = cpu_ns(vim.fn.getpid()), host = cpu_ns(out.host_pid), t = uv.hrtime() }
  recording = true
  local i = 0
  local timer = uv.new_timer()
  local function tick()
    i = i + 1
    if i > #seq then
      timer:close()
      -- Wait for the last suggestion, then collect.
      vim.defer_fn(function()
        recording = false
        out.cpu1 = { nvim = cpu_ns(vim.fn.getpid()), host = cpu_ns(out.host_pid), t = uv.hrtime() }
        out.typed = #seq
        out.buffer = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
        out.requests_total = C._state().requests
        prep:stop()
        prep:close()
        finish()
      end, cfg.tail_ms)
      return
    end
    vim.api.nvim_input(seq[i])
    timer:start(gaps[i + 1] or 0, 0, tick)
  end
  timer:start(gaps[1], 0, tick)
end

vim.schedule(function()
  coroutine.wrap(function()
    local ok, err = xpcall(main, debug.traceback)
    if not ok then
      finish(err)
    end
  end)()
end)
