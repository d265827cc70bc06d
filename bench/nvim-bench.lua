-- Runs inside a headless Neovim (bench/nvim.mjs starts it with -l) with the real Lua layer and
-- the real job host. Settings come as JSON in $ZEKE_BENCH_CONFIG; the results go to stdout as
-- one line `ZEKE_BENCH_JSON {...}` (nothing else is written to stdout).
local cfg = vim.json.decode(vim.env.ZEKE_BENCH_CONFIG)
vim.opt.rtp:prepend(cfg.root)

local uv = vim.uv or vim.loop
local zeke = require('zeke')
local host = require('zeke.host')

local function ms_since(t0)
  return (uv.hrtime() - t0) / 1e6
end

local function epoch_ms()
  local s, us = uv.gettimeofday()
  return s * 1000 + us / 1000
end

local function memory_of(pid)
  local f = io.open('/proc/' .. pid .. '/status', 'r')
  if not f then
    return nil
  end
  local text = f:read('*a')
  f:close()
  local function kb(key)
    return tonumber(text:match(key .. ':%s+(%d+) kB'))
  end
  return { rss_mb = kb('VmRSS') / 1024, hwm_mb = kb('VmHWM') / 1024 }
end

---Waits for the host; returns its status and the wall-clock time (epoch ms) at which this loop
---first saw it ready: vim.wait checks after each event it processes, so that is right after
---the initialize answer's nvim_exec_lua notification ran on_ready.
local function wait_ready()
  local seen
  local ok = vim.wait(5000, function()
    local s = host.status().status
    if s == 'ready' then
      seen = epoch_ms()
    end
    return s == 'ready' or s == 'failed'
  end)
  local st = host.status()
  if not ok or st.status ~= 'ready' then
    error('host did not become ready: ' .. vim.inspect(st), 0)
  end
  return st, seen
end

local function stop()
  host.stop()
  if not vim.wait(5000, function()
    return host.status().status == 'stopped'
  end) then
    error('host did not stop: ' .. vim.inspect(host.status()), 0)
  end
end

---One cold start: start() → ready → stop(). Returns ready_ms (measured by host.lua from jobstart
---to the initialize answer), how long start() itself blocked the main loop, and more.
local function one_start()
  local epoch0 = epoch_ms()
  local t0 = uv.hrtime()
  host.start()
  local block_ms = ms_since(t0)
  local st, seen = wait_ready()
  local out = { ready_ms = st.ready_ms, block_ms = block_ms, pid = st.info.pid, start_epoch = epoch0, seen_epoch = seen }
  stop()
  return out
end

local function main()
  zeke.setup({ host = { start_delay_ms = -1 }, config_file = false })
  if #(zeke._issues or {}) > 0 then
    error('setup() reported issues: ' .. vim.inspect(zeke._issues), 0)
  end
  local result = { nvim = tostring(vim.version()), node = nil }

  -- 1. spawn → ready, N cold starts (after one warm-up start).
  one_start()
  result.starts = {}
  for i = 1, cfg.spawns do
    result.starts[i] = one_start()
  end

  -- 2. One host for the round trips; memory once it is idle.
  host.start()
  local st = wait_ready()
  local pid = st.info.pid
  result.node = st.info.node_version
  vim.wait(cfg.settle_ms, function()
    return false
  end)
  result.rss_idle = memory_of(pid)

  -- 3. Synchronous instant call: vim.rpcrequest blocks the main loop until the answer.
  local params = vim.empty_dict()
  for _ = 1, cfg.warmup do
    host.call('ping', params)
  end
  result.call_ms = {}
  for i = 1, cfg.calls do
    local t0 = uv.hrtime()
    local r = host.call('ping', params)
    result.call_ms[i] = ms_since(t0)
    if i == 1 and not (type(r) == 'table' and r.pong == true) then
      error('unexpected ping answer: ' .. vim.inspect(r), 0)
    end
  end

  -- 4. Async request: zeke_request notification out, nvim_exec_lua notification back, callback
  -- run by the main loop. `cb_ms` is send → callback (what a plugin feature sees); `wait_ms`
  -- is send → vim.wait() returning. vim.wait(…, 0) re-checks its condition after every event
  -- it processes (no sleep between checks), so it adds only the condition check, a few µs:
  -- wait_ms − cb_ms shows it.
  local function async_round()
    local done, err_seen, t_cb = false, nil, nil
    local t0 = uv.hrtime()
    zeke.request('ping', nil, function(err)
      t_cb = uv.hrtime()
      err_seen = err
      done = true
    end)
    if not vim.wait(1000, function()
      return done
    end, 0) then
      error('async ping: no answer in 1 s', 0)
    end
    local wait_ms = ms_since(t0)
    if err_seen then
      error('async ping failed: ' .. vim.inspect(err_seen), 0)
    end
    return (t_cb - t0) / 1e6, wait_ms
  end
  for _ = 1, math.min(cfg.warmup, 50) do
    async_round()
  end
  result.request_cb_ms, result.request_wait_ms = {}, {}
  for i = 1, cfg.asyncs do
    result.request_cb_ms[i], result.request_wait_ms[i] = async_round()
  end

  result.rss_after = memory_of(pid)
  result.pings_total = cfg.warmup + cfg.calls + math.min(cfg.warmup, 50) + cfg.asyncs
  stop()

  -- 5. Breakdown runs with bench/probe.cjs preloaded through NODE_OPTIONS (jobstart passes
  -- vim.env on); the node side reads the probe files.
  vim.env.NODE_OPTIONS = '--require "' .. cfg.probe_file .. '"'
  vim.env.ZEKE_BENCH_PROBE_DIR = cfg.probe_dir
  result.probes = {}
  for i = 1, cfg.probes do
    result.probes[i] = one_start()
  end
  vim.env.NODE_OPTIONS = nil
  vim.env.ZEKE_BENCH_PROBE_DIR = nil
  return result
end

local ok, res = xpcall(main, debug.traceback)
if host.status().chan then
  pcall(stop)
end
if not ok then
  io.stdout:write('ZEKE_BENCH_JSON ', vim.json.encode({ error = tostring(res) }), '\n')
  io.stdout:flush()
  vim.cmd('cquit 1')
end
io.stdout:write('ZEKE_BENCH_JSON ', vim.json.encode(res), '\n')
io.stdout:flush()
