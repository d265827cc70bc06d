-- :checkhealth zeke — the truth about the user's setup: Neovim, Node, the host and its round
-- trip, config problems, every configured provider (reachable? key set? — never the key),
-- Ollama endpoints with their models, the log file. Health checks are synchronous by
-- Neovim's design; waits here are bounded and nothing else in zeke waits.
local M = {}

local function version_at_least(v, min)
  for i = 1, 3 do
    if (v[i] or 0) ~= min[i] then
      return (v[i] or 0) > min[i]
    end
  end
  return true
end

local function parse_version(text)
  local a, b, c = (text or ''):match('v?(%d+)%.(%d+)%.(%d+)')
  if not a then
    return nil
  end
  return { tonumber(a), tonumber(b), tonumber(c) }
end

local function check_neovim()
  local v = vim.version()
  local text = tostring(v)
  if vim.fn.has('nvim-0.10') == 1 then
    vim.health.ok('Neovim ' .. text)
  else
    vim.health.error('Neovim ' .. text .. ' is too old', { 'zeke.nvim needs Neovim >= 0.10' })
  end
end

local function check_node(options)
  local node = options.host.node
  local path = vim.fn.exepath(node)
  if path == '' then
    vim.health.error(('Node.js not found: `%s` is not executable'):format(node), {
      'Install Node.js >= 20.18.1, or set host.node in setup() to its path',
    })
    return
  end
  local out = vim.fn.system({ path, '--version' })
  local v = parse_version(out)
  if v and version_at_least(v, { 20, 18, 1 }) then
    vim.health.ok(('Node.js %s (%s)'):format(vim.trim(out), path))
  else
    vim.health.error(('Node.js %s at %s is too old'):format(vim.trim(out), path), { 'zeke needs Node.js >= 20.18.1' })
  end
end

local function wait_ready(host, ms)
  host.start()
  vim.wait(ms, function()
    local s = host.status().status
    return s == 'ready' or s == 'failed'
  end, 10)
  return host.status()
end

local function check_host(host)
  local entry = host.entry()
  if vim.uv.fs_stat(entry) then
    vim.health.ok('host built: ' .. entry)
  else
    vim.health.error('host not built: ' .. entry .. ' is missing', {
      ('run `npm ci && npm run build` in %s (lazy.nvim: :Lazy build zeke.nvim)'):format(host.root()),
    })
    return false
  end
  local status = wait_ready(host, 5000)
  if status.status ~= 'ready' then
    vim.health.error('host is not running: ' .. (status.failure or status.status))
    return false
  end
  -- Round trip through the real channel: median of a few pings.
  local samples = {}
  for _ = 1, 7 do
    local t0 = vim.uv.hrtime()
    local ok = pcall(host.call, 'ping', {})
    if ok then
      samples[#samples + 1] = (vim.uv.hrtime() - t0) / 1e6
    end
  end
  table.sort(samples)
  local info = status.info or {}
  local rtt = samples[math.ceil(#samples / 2)]
  vim.health.ok(
    ('host running: zeke %s, pid %s, Node %s, started in %.0f ms, round trip %s'):format(
      info.version or '?',
      tostring(info.pid),
      info.node_version or '?',
      status.ready_ms or 0,
      rtt and ('%.2f ms'):format(rtt) or 'n/a'
    )
  )
  if status.restarts > 0 then
    vim.health.warn(('host restarted %d time(s) after crashes; see the log'):format(status.restarts))
  end
  return true
end

local function request_sync(host, method, params, timeout)
  local done, err, result = false, nil, nil
  host.request(method, params, function(e, r)
    done, err, result = true, e, r
  end)
  vim.wait(timeout, function()
    return done
  end, 10)
  if not done then
    return { code = 'timeout', message = ('no answer from the host within %d ms'):format(timeout) }, nil
  end
  return err, result
end

local function nonnil(v)
  if v == vim.NIL then
    return nil
  end
  return v
end

local function report_config(zeke, report)
  local issues = {}
  -- setup() problems are known on the Lua side already; zeke.toml ones come from the host.
  for _, issue in ipairs(zeke._issues or {}) do
    issues[#issues + 1] = issue
  end
  if report then
    for _, issue in ipairs(report.config.issues or {}) do
      if issue.source ~= 'setup()' then
        issues[#issues + 1] = issue
      end
    end
    local toml = nonnil(report.config.toml_path)
    if not toml then
      vim.health.info('zeke.toml: not read (config_file = false)')
    elseif report.config.toml_found then
      vim.health.ok('zeke.toml: ' .. toml)
    else
      vim.health.info('zeke.toml: none at ' .. toml .. ' (optional)')
    end
  end
  if #issues == 0 then
    vim.health.ok('config: no problems')
  end
  for _, issue in ipairs(issues) do
    local text = ('%s (%s)'):format(issue.message, issue.source)
    if issue.severity == 'error' then
      vim.health.error(text)
    else
      vim.health.warn(text)
    end
  end
end

local function report_probe(label, probe, extra_ok)
  local text = ('%s %s: %s (%d ms)'):format(label, probe.url, probe.message, probe.latency_ms)
  if probe.ok then
    vim.health.ok(text)
    if extra_ok then
      extra_ok(probe)
    end
  else
    vim.health.warn(text)
  end
end

local function list_models(probe)
  local models = nonnil(probe.models)
  if models and #models > 0 then
    local shown = vim.list_slice(models, 1, 30)
    local more = #models > 30 and (' … and %d more'):format(#models - 30) or ''
    vim.health.info('models: ' .. table.concat(shown, ', ') .. more)
  end
end

local function report_providers(report)
  local api = report.api
  local base = nonnil(api.base_url)
  if base then
    vim.health.info(('api: mode %s, base_url %s, key %s'):format(api.mode, base, api.key))
    if nonnil(api.probe) then
      report_probe('OMEN', api.probe)
    end
  else
    vim.health.info('api: mode ' .. api.mode .. ' (no OMEN / LiteLLM base_url)')
  end
  local stats = nonnil(report.stats)
  if stats and stats.kind == 'sqlite' then
    vim.health.ok('stats and budget ledger: ' .. stats.file)
  elseif stats then
    vim.health.warn('stats and budgets are kept in memory only: ' .. stats.reason, {
      'routing still works; spend caps count only this session',
    })
  end
  for _, p in ipairs(report.providers) do
    local head = ('provider %s (%s)'):format(p.name, p.kind)
    if not p.enabled then
      vim.health.info(head .. ': disabled')
    else
      if p.needs_key then
        head = head .. ', key ' .. p.key
      end
      vim.health.info(head)
      for _, probe in ipairs(p.probes) do
        report_probe(p.kind == 'ollama' and 'endpoint' or 'address', probe, list_models)
      end
    end
  end
end

function M.check()
  local zeke = require('zeke')
  local host = require('zeke.host')
  vim.health.start('zeke.nvim')
  if vim.g.zeke_disable then
    vim.health.warn('zeke is disabled (vim.g.zeke_disable = true)')
    return
  end
  zeke._ensure_setup()
  local options = host.options()
  check_neovim()
  check_node(options)
  vim.health.info('log file: ' .. options.log.file)
  local running = check_host(host)

  vim.health.start('zeke.nvim: config')
  local report
  if running then
    local err, result = request_sync(host, 'health', { timeout_ms = 3000 }, 8000)
    if err then
      vim.health.error('health request failed: ' .. err.message)
    else
      report = result
    end
  end
  report_config(zeke, report)

  if report then
    vim.health.start('zeke.nvim: providers')
    report_providers(report)
  end
end

return M
