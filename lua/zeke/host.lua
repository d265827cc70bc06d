-- The host process: started lazily, never waited on, calls queued until it is ready,
-- restarted with backoff when it dies (one message per series of crashes, not a storm),
-- stopped with Neovim. Two transports: "job" (we spawn `node dist/host.mjs`, default) and
-- "rplugin" (Neovim's node provider runs rplugin/node/zeke).
local protocol = require('zeke.protocol')
local notify = require('zeke.notify')

local M = {}

local uv = vim.uv or vim.loop

---@class zeke.HostError
---@field code string
---@field message string

---@alias zeke.Callback fun(err: zeke.HostError|nil, result: any)

local state = {
  status = 'stopped', ---@type 'stopped'|'starting'|'ready'|'failed'
  chan = nil, ---@type integer|nil
  generation = 0, -- bumps on every spawn; exits of older processes are ignored
  stopping = false,
  queue = {}, -- { id, method, params } not yet sent (host starting)
  pending = {}, -- id → { cb, method }
  next_id = 0,
  restarts = 0,
  restart_timer = nil,
  stderr = {}, -- last lines the host wrote to stderr
  info = nil, -- initialize result
  spawned_at = nil,
  ready_ms = nil,
  failure = nil, -- why the host cannot run, for :checkhealth
}

---@type table resolved options (see zeke.config)
local options
---@type table the user's own options, sent to the host to merge with zeke.toml
local user_options = {}

local function fire(pattern, data)
  vim.schedule(function()
    vim.api.nvim_exec_autocmds('User', { pattern = pattern, data = data, modeline = false })
  end)
end

---Folder of the plugin checkout (the one holding lua/, dist/, package.json).
function M.root()
  local source = debug.getinfo(1, 'S').source:sub(2)
  return vim.fn.fnamemodify(source, ':p:h:h:h')
end

function M.entry()
  return M.root() .. '/dist/host.mjs'
end

---@param resolved table options from zeke.config.resolve
---@param user table the user's validated options
function M.configure(resolved, user)
  options = resolved
  user_options = user
  if state.status == 'ready' then
    -- Re-initialize the running host with the new options.
    M.request('initialize', M.initialize_params(), function(err, result)
      if not err then
        state.info = result
      end
    end)
  end
end

function M.options()
  return options
end

---@private
function M.initialize_params()
  return {
    client = { name = 'zeke.nvim', version = tostring(vim.version()) },
    options = user_options,
    log_file = options.log.file,
    log_level = options.log.level,
    data_dir = vim.fn.stdpath('data'),
  }
end

local function finish(id, err, result)
  local entry = state.pending[id]
  if not entry then
    return -- cancelled, or answered already
  end
  state.pending[id] = nil
  local ok, e = pcall(entry.cb, err, result)
  if not ok then
    notify.error(('callback for %s failed: %s'):format(entry.method, e))
  end
end

local function fail_all(err)
  local ids = vim.tbl_keys(state.pending)
  table.sort(ids)
  state.queue = {}
  for _, id in ipairs(ids) do
    finish(id, err, nil)
  end
end

local function send(id, method, params)
  if options.host.transport == 'rplugin' then
    vim.fn.ZekeRequest(id, method, params)
  else
    vim.rpcnotify(state.chan, protocol.REQUEST, id, method, params)
  end
end

local function flush_queue()
  local queue = state.queue
  state.queue = {}
  for _, item in ipairs(queue) do
    send(item.id, item.method, item.params)
  end
end

local function stderr_tail()
  for i = #state.stderr, 1, -1 do
    local line = vim.trim(state.stderr[i])
    if line ~= '' then
      return line
    end
  end
end

local function log_line(msg)
  local file = options and options.log.file
  if not file then
    return
  end
  vim.fn.mkdir(vim.fn.fnamemodify(file, ':h'), 'p')
  local fd = io.open(file, 'a')
  if fd then
    fd:write(os.date('!%Y-%m-%dT%H:%M:%SZ'), ' INFO  [nvim] ', msg, '\n')
    fd:close()
  end
end

local function set_failed(reason)
  state.status = 'failed'
  state.failure = reason
  fail_all({ code = 'host_unavailable', message = reason })
  fire('ZekeHostFailed', { reason = reason })
end

local function on_ready(result)
  state.status = 'ready'
  state.info = result
  state.ready_ms = (uv.hrtime() - state.spawned_at) / 1e6
  state.failure = nil
  log_line(('host ready in %.1f ms (pid %s)'):format(state.ready_ms, tostring(result.pid)))
  -- zeke.toml problems are news to the user; setup() problems were told by setup().
  local lines = {}
  for _, issue in ipairs(result.config_issues or {}) do
    if issue.source ~= 'setup()' then
      lines[#lines + 1] = ('%s (%s)'):format(issue.message, issue.source)
    end
  end
  if #lines > 0 then
    notify.warn('config problems, the rest of the config is in use:\n' .. table.concat(lines, '\n'), { once = 'toml-issues' })
  end
  flush_queue()
  local generation = state.generation
  -- A host that stayed up a minute has recovered: the next crash starts a new series.
  vim.defer_fn(function()
    if state.generation == generation and state.status == 'ready' then
      state.restarts = 0
    end
  end, 60000)
  fire('ZekeHostReady', { ready_ms = state.ready_ms, pid = result.pid, version = result.version })
end

local schedule_restart

local function on_exit(generation, code)
  if generation ~= state.generation then
    return
  end
  state.chan = nil
  if state.stopping then
    state.stopping = false
    state.status = 'stopped'
    fail_all({ code = 'cancelled', message = 'zeke host stopped' })
    return
  end
  local tail = stderr_tail()
  if code == protocol.EXIT_NODE_TOO_OLD then
    local reason = tail or ('Node.js at `%s` is too old: zeke needs >= 20.18.1'):format(options.host.node)
    notify.error(reason, { once = 'node-too-old' })
    set_failed(reason)
    return
  end
  local reason = ('zeke host exited (code %d)%s'):format(code, tail and (': ' .. tail) or '')
  log_line(reason)
  state.restarts = state.restarts + 1
  fail_all({ code = 'host_exited', message = reason })
  if state.restarts > options.host.max_restarts then
    local msg = ('%s. It crashed %d times in a row; giving up. See %s; :ZekeRestart to try again.'):format(
      reason,
      state.restarts,
      options.log.file
    )
    notify.error(msg, { once = 'host-gave-up' })
    set_failed(msg)
    return
  end
  notify.warn(reason .. '; restarting.', { once = 'host-crash-series' })
  fire('ZekeHostExit', { code = code, restarting = true, attempt = state.restarts })
  schedule_restart()
end

schedule_restart = function()
  state.status = 'stopped'
  local delay = math.min(500 * 2 ^ (state.restarts - 1), 30000)
  if state.restart_timer then
    state.restart_timer:stop()
    state.restart_timer:close()
  end
  state.restart_timer = uv.new_timer()
  state.restart_timer:start(delay, 0, function()
    state.restart_timer:close()
    state.restart_timer = nil
    vim.schedule(function()
      if state.status == 'stopped' then
        M.start()
      end
    end)
  end)
end

-- The host runs from dist/; without it nothing can start, whatever the transport.
local function ensure_built(file)
  if uv.fs_stat(file) then
    return true
  end
  local reason = ('the host is not built (%s is missing): run `npm ci && npm run build` in %s, or :Lazy build zeke.nvim'):format(
    file,
    M.root()
  )
  notify.error(reason, { once = 'not-built' })
  set_failed(reason)
  return false
end

local function spawn_job()
  local entry = M.entry()
  if not ensure_built(entry) then
    return
  end
  local node = options.host.node
  if vim.fn.executable(node) ~= 1 then
    local reason = ('Node.js was not found (`%s` is not executable). zeke needs Node.js >= 20.18.1: install it, or set host.node in setup().'):format(
      node
    )
    notify.error(reason, { once = 'node-missing' })
    return set_failed(reason)
  end
  state.generation = state.generation + 1
  local generation = state.generation
  state.stderr = {}
  state.spawned_at = uv.hrtime()
  local ok, chan = pcall(vim.fn.jobstart, { node, entry, '--log-file', options.log.file }, {
    rpc = true,
    on_exit = function(_, code)
      on_exit(generation, code)
    end,
    on_stderr = function(_, lines)
      for _, line in ipairs(lines) do
        if line ~= '' then
          table.insert(state.stderr, line)
          if #state.stderr > 20 then
            table.remove(state.stderr, 1)
          end
        end
      end
    end,
  })
  if not ok or chan <= 0 then
    local reason = ('could not start `%s %s`: %s'):format(node, entry, ok and ('jobstart returned ' .. chan) or chan)
    notify.error(reason, { once = 'spawn-failed' })
    return set_failed(reason)
  end
  state.chan = chan
  state.status = 'starting'
  M._send_initialize()
end

local function start_rplugin()
  if not ensure_built(M.root() .. '/dist/rplugin.cjs') then
    return
  end
  -- The manifest :UpdateRemotePlugins writes defines ZekeRequest lazily (a FuncUndefined
  -- autocmd until its first call), so exists('*ZekeRequest') is 0 right after startup.
  if vim.fn.exists('*ZekeRequest') ~= 1 and vim.fn.exists('#FuncUndefined#ZekeRequest') ~= 1 then
    local reason = 'transport = "rplugin" needs Neovim\'s node provider and :UpdateRemotePlugins (then restart Neovim); see :checkhealth provider'
    notify.error(reason, { once = 'rplugin-missing' })
    return set_failed(reason)
  end
  state.generation = state.generation + 1
  state.spawned_at = uv.hrtime()
  state.status = 'starting'
  -- The first call starts the node provider; if it cannot (node not on PATH, bad
  -- g:node_host_prog), the call raises a Vim error: fail clearly instead of hanging.
  local ok, err = pcall(M._send_initialize)
  if not ok then
    local reason = ('the node provider could not run rplugin/node/zeke: %s; see :checkhealth provider'):format(
      vim.trim(tostring(err))
    )
    notify.error(reason, { once = 'rplugin-failed' })
    set_failed(reason)
  end
end

---@private
function M._send_initialize()
  state.next_id = state.next_id + 1
  local id = state.next_id
  state.pending[id] = {
    method = 'initialize',
    cb = function(err, result)
      if err then
        if err.code == 'host_exited' or err.code == 'cancelled' or err.code == 'host_unavailable' then
          return -- the exit handler tells the user and restarts
        end
        set_failed('host initialize failed: ' .. err.message)
        notify.error(state.failure, { once = 'init-failed' })
        return
      end
      on_ready(result)
    end,
  }
  send(id, 'initialize', M.initialize_params())
end

---Starts the host if it is not running. Returns at once.
function M.start()
  if vim.g.zeke_disable or not options then
    return
  end
  if state.status == 'starting' or state.status == 'ready' then
    return
  end
  if options.host.transport == 'rplugin' then
    start_rplugin()
  else
    spawn_job()
  end
end

---Stops the host; pending calls end with a `cancelled` error.
function M.stop()
  if state.restart_timer then
    state.restart_timer:stop()
    state.restart_timer:close()
    state.restart_timer = nil
  end
  if state.chan then
    state.stopping = true
    vim.fn.jobstop(state.chan)
  else
    state.status = 'stopped'
    fail_all({ code = 'cancelled', message = 'zeke host stopped' })
  end
end

---Stops (if running) and starts again, forgetting earlier failures.
function M.restart()
  local was = state.chan
  M.stop()
  state.restarts = 0
  state.failure = nil
  notify.reset()
  if was then
    -- Wait for the exit of the old process so its on_exit does not race the new one.
    local generation = state.generation
    local timer = uv.new_timer()
    local waited = 0
    timer:start(10, 10, function()
      waited = waited + 10
      if state.status == 'stopped' or waited > 2000 or state.generation ~= generation then
        timer:stop()
        timer:close()
        vim.schedule(function()
          state.status = 'stopped'
          state.stopping = false
          M.start()
        end)
      end
    end)
  else
    state.status = 'stopped'
    M.start()
  end
end

---Sends a request; `cb(err, result)` runs later on the main loop. Starts the host if needed.
---`opts.on_progress(value)` receives partial results (stream parts, in frame-sized batches)
---until the answer; never after it, never after cancel().
---@param method string
---@param params table|nil
---@param cb zeke.Callback
---@param opts? { on_progress?: fun(value: any) }
---@return integer id usable with cancel()
function M.request(method, params, cb, opts)
  state.next_id = state.next_id + 1
  local id = state.next_id
  params = params or vim.empty_dict()
  if vim.g.zeke_disable then
    vim.schedule(function()
      cb({ code = 'disabled', message = 'zeke is disabled (vim.g.zeke_disable)' }, nil)
    end)
    return id
  end
  state.pending[id] = { cb = cb, method = method, on_progress = opts and opts.on_progress }
  if state.status == 'ready' then
    send(id, method, params)
  elseif state.status == 'failed' then
    local reason = state.failure or 'zeke host is not available'
    vim.schedule(function()
      finish(id, { code = 'host_unavailable', message = reason }, nil)
    end)
  else
    table.insert(state.queue, { id = id, method = method, params = params })
    M.start()
  end
  return id
end

---Cancels a request: its callback runs now with a `cancelled` error and never again.
function M.cancel(id)
  if not state.pending[id] then
    return
  end
  for i, item in ipairs(state.queue) do
    if item.id == id then
      table.remove(state.queue, i)
      break
    end
  end
  if state.status == 'ready' then
    if options.host.transport == 'rplugin' then
      vim.fn.ZekeCancel(id)
    elseif state.chan then
      vim.rpcnotify(state.chan, protocol.CANCEL, id)
    end
  end
  finish(id, { code = 'cancelled', message = 'cancelled' }, nil)
end

---Synchronous call for instant methods (answered from the host's memory). Errors when the
---host is not ready: never waits for it to start.
function M.call(method, params)
  assert(protocol.methods[method] and protocol.methods[method].instant, method .. ' is not an instant method')
  if state.status ~= 'ready' then
    error('zeke host is not ready (' .. state.status .. ')', 0)
  end
  if options.host.transport == 'rplugin' then
    return vim.fn.ZekeCall(method, params or vim.empty_dict())
  end
  return vim.rpcrequest(state.chan, protocol.CALL, method, params or vim.empty_dict())
end

---A snapshot for :checkhealth, the statusline and tests.
function M.status()
  return {
    status = state.status,
    chan = state.chan,
    info = state.info,
    ready_ms = state.ready_ms,
    restarts = state.restarts,
    failure = state.failure,
    pending = vim.tbl_count(state.pending),
    queued = #state.queue,
  }
end

local function clean(v)
  if v == vim.NIL then
    return nil
  end
  return v
end

---@private Called by the host (nvim_exec_lua notification) with each answer.
function M._on_response(id, err, result)
  finish(id, clean(err), clean(result))
end

---@private Called by the host with partial results of request `id`.
function M._on_progress(id, value)
  local entry = state.pending[id]
  if entry and entry.on_progress then
    local ok, e = pcall(entry.on_progress, value)
    if not ok then
      notify.error(('progress handler for %s failed: %s'):format(entry.method, e))
    end
  end
end

---@private Called by the host for unsolicited events.
function M._on_event(event, payload)
  fire('Zeke' .. event:gsub('^%l', string.upper):gsub('%-(%l)', string.upper), clean(payload))
end

return M
