-- zeke.nvim's public API. Everything a user calls lives here; other modules are internal.
local config = require('zeke.config')
local host = require('zeke.host')
local notify = require('zeke.notify')

local M = {}

local did_setup = false
local augroup = vim.api.nvim_create_augroup('Zeke', { clear = true })

local function report(issues)
  local errors, warnings = {}, {}
  for _, issue in ipairs(issues) do
    if issue.severity == 'error' then
      errors[#errors + 1] = issue.message
    else
      warnings[#warnings + 1] = issue.message
    end
  end
  if #errors > 0 then
    notify.error('invalid setup() options, defaults used instead:\n' .. table.concat(errors, '\n'))
  end
  for _, w in ipairs(warnings) do
    notify.warn(w, { once = 'setup:' .. w })
  end
end

local function start_triggers(options)
  vim.api.nvim_clear_autocmds({ group = augroup })
  vim.api.nvim_create_autocmd('VimLeavePre', { group = augroup, callback = host.stop })
  vim.api.nvim_create_autocmd('InsertEnter', { group = augroup, once = true, callback = host.start })
  local delay = options.host.start_delay_ms
  if delay < 0 then
    return
  end
  local function later()
    vim.defer_fn(host.start, delay)
  end
  if vim.v.vim_did_enter == 1 and #vim.api.nvim_list_uis() > 0 then
    later()
  else
    vim.api.nvim_create_autocmd('UIEnter', { group = augroup, once = true, callback = later })
  end
end

---Configures zeke. Safe to call again: the running host picks up the new options.
---@param opts? table see :help zeke-options
function M.setup(opts)
  if vim.g.zeke_disable then
    return
  end
  local resolved = config.resolve(opts)
  report(resolved.issues)
  host.configure(resolved.options, resolved.user)
  M._issues = resolved.issues
  start_triggers(resolved.options)
  require('zeke.statusline').attach()
  require('zeke.completion').setup(resolved.options.completion)
  require('zeke.chat').setup(resolved.options.chat)
  require('zeke.edit').setup()
  did_setup = true
end

---@private Commands call this so that they work before (or without) setup().
function M._ensure_setup()
  if not did_setup then
    M.setup({})
  end
  return not vim.g.zeke_disable
end

---Restarts the host (:ZekeRestart), forgetting earlier failures.
function M.restart()
  if not M._ensure_setup() then
    return notify.warn('disabled (vim.g.zeke_disable)')
  end
  local group = vim.api.nvim_create_augroup('ZekeRestartReport', { clear = true })
  vim.api.nvim_create_autocmd('User', {
    group = group,
    pattern = { 'ZekeHostReady', 'ZekeHostFailed' },
    once = true,
    callback = function(ev)
      vim.api.nvim_del_augroup_by_id(group)
      if ev.match == 'ZekeHostReady' then
        notify.info(('host restarted (ready in %d ms)'):format(ev.data.ready_ms))
      end
    end,
  })
  host.restart()
end

---Opens the host's log file (:ZekeLog).
function M.open_log()
  M._ensure_setup()
  vim.cmd.split(vim.fn.fnameescape(host.options().log.file))
end

---Sends a request to the host. `cb(err, result)` runs on the main loop; returns an id for
---`cancel(id)`. `opts.on_progress(value)` gets partial results (e.g. the stream parts of
---`generate`). For scripts and integrations: see :help zeke-api.
---@param method string
---@param params table|nil
---@param cb fun(err: {code: string, message: string}|nil, result: any)
---@param opts? { on_progress?: fun(value: any) }
---@return integer
function M.request(method, params, cb, opts)
  M._ensure_setup()
  return host.request(method, params, cb, opts)
end

---Cancels a request started with `request()`.
---@param id integer
function M.cancel(id)
  host.cancel(id)
end

---Switches a feature's model for this project (:ZekeModel). `arg` is "model",
---"feature=model", "feature=" (picker for that feature) or "" (picker for chat).
---@param arg? string
function M.model(arg)
  if not M._ensure_setup() then
    return
  end
  require('zeke.model').command(arg or '')
end

---Statusline component: chat model · last route (local/cloud/escalated/omen) · today's spend.
---@return string
function M.statusline()
  if vim.g.zeke_disable then
    return ''
  end
  return require('zeke.statusline').render()
end

---Shows why the last request of this buffer (or the last one at all) went where it went.
function M.why()
  if not M._ensure_setup() then
    return
  end
  local buf = vim.api.nvim_get_current_buf()
  host.request('why', { scope = 'buf:' .. buf }, function(err, res)
    if err then
      return notify.error(err.message)
    end
    if not res or res == vim.NIL then
      return notify.info('no routed request yet')
    end
    require('zeke.ui.report').show('zeke: why', res.lines)
  end)
end

---Shows spend and routing stats (:ZekeStats).
function M.stats()
  if not M._ensure_setup() then
    return
  end
  host.request('stats', { project = require('zeke.project').root() }, function(err, res)
    if err then
      return notify.error(err.message)
    end
    require('zeke.ui.report').show('zeke: stats', res.lines)
  end)
end

---Whether an inline suggestion is shown: for your own <Tab> logic (e.g. an nvim-cmp or
---blink.cmp mapping that tries zeke first). See :help zeke-completion.
---@return boolean
function M.complete_visible()
  return require('zeke.completion').visible()
end

---Accepts the shown inline suggestion; returns false (doing nothing) when none is shown.
---@return boolean
function M.complete_accept()
  local c = require('zeke.completion')
  if not c.visible() then
    return false
  end
  c.accept()
  return true
end

---Opens or closes the chat panel (:ZekeChat, chat.keymaps.toggle). See :help zeke-chat.
function M.chat_toggle()
  if M._ensure_setup() then
    require('zeke.chat').toggle()
  end
end

---Sends a chat message; `opts.action` ("explain", "fix", "test", "doc") makes it a quick action.
---@param message string
---@param opts? { action?: string }
function M.chat(message, opts)
  if M._ensure_setup() then
    require('zeke.chat').send(message, opts)
  end
end

---Stops the chat answer being streamed (chat.stop_key).
function M.chat_stop()
  require('zeke.chat').stop()
end

---Starts a new chat conversation for the project (:ZekeChat new).
function M.chat_new()
  if M._ensure_setup() then
    require('zeke.chat').new()
  end
end

---Adds a file to the chat context (:ZekeContext add); default the current file.
---@param path? string
function M.context_add(path)
  if M._ensure_setup() then
    require('zeke.chat.contextview').command('add ' .. (path or ''))
  end
end

---State of the host: `status` ("stopped", "starting", "ready", "failed"), `ready_ms`, `failure`.
function M.status()
  return host.status()
end

return M
