-- A statusline component: the chat model, where the last request went (local / cloud /
-- escalated / via OMEN) and today's cloud spend. Cheap: it reads a cache that host events
-- (User ZekeRoute) and :ZekeModel (User ZekeModelChanged) keep current.
local M = {}

local state = { model = nil, route = nil, spend_today = nil, fetched = false }

local function redraw()
  vim.schedule(function()
    vim.cmd('redrawstatus')
  end)
end

---@private
function M.attach()
  local group = vim.api.nvim_create_augroup('ZekeStatusline', { clear = true })
  vim.api.nvim_create_autocmd('User', {
    group = group,
    pattern = 'ZekeRoute',
    callback = function(ev)
      local d = ev.data or {}
      state.route = d.escalated and 'escalated' or (d.via_omen and 'omen' or (d['local'] and 'local' or 'cloud'))
      state.spend_today = d.spend_today_usd
      if d.feature == 'chat' then
        state.model = d.requested
      end
      redraw()
    end,
  })
  vim.api.nvim_create_autocmd('User', {
    group = group,
    pattern = 'ZekeModelChanged',
    callback = function(ev)
      if ev.data and ev.data.feature == 'chat' then
        state.model = ev.data.model
        redraw()
      end
    end,
  })
  vim.api.nvim_create_autocmd('User', {
    group = group,
    pattern = 'ZekeHostReady',
    callback = function()
      state.fetched = false -- a restarted host: ask again on the next render
    end,
  })
end

-- Asked once, on the first render with a ready host: users without the component never
-- make the host load its routing code and stats database at start-up.
local function fetch_once()
  if state.fetched then
    return
  end
  state.fetched = true
  require('zeke.host').request('models', { project = require('zeke.project').root() }, function(err, res)
    if not err then
      state.model = state.model or res.features.chat
      state.spend_today = state.spend_today or res.spend_today_usd
      redraw()
    end
  end)
end

---@return string e.g. "zeke code-smart · local · $0.12"
function M.render()
  local status = require('zeke.host').status().status
  if status == 'failed' then
    return 'zeke ✗'
  end
  if status == 'ready' then
    fetch_once()
  end
  local parts = { 'zeke ' .. (state.model or '…') }
  if state.route then
    parts[#parts + 1] = state.route
  end
  if state.spend_today then
    parts[#parts + 1] = ('$%.2f'):format(state.spend_today)
  end
  return table.concat(parts, ' · ')
end

return M
