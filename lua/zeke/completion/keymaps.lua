-- Insert-mode keys. Every key is a <Cmd> mapping that calls Lua: the edit happens in a normal
-- function call, never in an expr mapping (an expr mapping that edits the buffer fails with
-- E565, textlock). When there is nothing to accept, the key does what it did before zeke:
-- the user's own mapping of that key (nvim-cmp, blink, snippets…), captured at setup and
-- replayed, or else the key itself, fed with noremap so 'expandtab' and friends apply.
local M = {}

local DESC = 'zeke: '

---@alias zeke.completion.Action 'accept'|'accept_word'|'accept_line'|'next'|'prev'|'dismiss'|'trigger'

---Action → <Plug> name (defined in plugin/zeke.lua, so they exist before setup()).
M.plugs = {
  accept = '<Plug>(zeke-accept)',
  accept_word = '<Plug>(zeke-accept-word)',
  accept_line = '<Plug>(zeke-accept-line)',
  next = '<Plug>(zeke-next)',
  prev = '<Plug>(zeke-prev)',
  dismiss = '<Plug>(zeke-dismiss)',
  trigger = '<Plug>(zeke-trigger)',
}

---The user's previous global insert mappings, by our lhs (maparg dicts).
---@type table<string, table|false>
local previous = {}
---Action → lhs we mapped.
---@type table<string, string>
local mapped = {}

---Maps the configured keys. A key set to false is not mapped. Safe to call again.
---@param keymaps table<zeke.completion.Action, string|false>
---@param handler fun(action: zeke.completion.Action)
function M.setup(keymaps, handler)
  for action, lhs in pairs(mapped) do
    pcall(vim.keymap.del, 'i', lhs)
    local prev = previous[lhs]
    if prev then
      -- Put the user's mapping back before looking again (setup() called twice).
      pcall(vim.fn.mapset, 'i', false, prev)
    end
    mapped[action] = nil
  end
  previous = {}
  for action in pairs(M.plugs) do
    local lhs = keymaps[action]
    if type(lhs) == 'string' and lhs ~= '' then
      local prev = vim.fn.maparg(lhs, 'i', false, true)
      if prev and prev.lhs and not (prev.desc or ''):find('^' .. DESC) and prev.buffer ~= 1 then
        previous[lhs] = prev
      else
        previous[lhs] = false
      end
      vim.keymap.set('i', lhs, function()
        handler(action)
      end, { desc = DESC .. action:gsub('_', ' '), silent = true })
      mapped[action] = lhs
    end
  end
end

---Does what `action`'s key did before zeke mapped it.
---@param action zeke.completion.Action
function M.fallback(action)
  local lhs = mapped[action]
  if not lhs then
    return -- called through <Plug> with the key unmapped: nothing was there before us
  end
  local prev = previous[lhs]
  if not prev then
    vim.api.nvim_feedkeys(vim.keycode(lhs), 'ni', false)
    return
  end
  local keys
  if prev.callback then
    local ok, res = pcall(prev.callback)
    if not ok then
      return require('zeke.notify').error(('your %s mapping failed: %s'):format(lhs, res))
    end
    if prev.expr ~= 1 then
      return -- it did its job itself
    end
    keys = res
  elseif prev.expr == 1 then
    -- An expr rhs is evaluated as Vimscript; <SID> in it needs the script's context.
    local rhs = prev.rhs:gsub('<SID>', ('<SNR>%d_'):format(prev.sid or 0))
    local ok, res = pcall(vim.fn.eval, rhs)
    if not ok then
      return require('zeke.notify').error(('your %s mapping failed: %s'):format(lhs, res))
    end
    keys = res
  else
    keys = prev.rhs:gsub('<SID>', ('<SNR>%d_'):format(prev.sid or 0))
    keys = vim.keycode(keys)
    local remap = prev.noremap ~= 1 and keys ~= vim.keycode(lhs)
    vim.api.nvim_feedkeys(keys, remap and 'mi' or 'ni', false)
    return
  end
  if type(keys) ~= 'string' or keys == '' then
    return
  end
  if prev.replace_keycodes == 1 then
    keys = vim.keycode(keys)
  end
  -- A result that is our own key again would come back to us: feed it as the plain key.
  local remap = prev.noremap ~= 1 and keys ~= vim.keycode(lhs)
  vim.api.nvim_feedkeys(keys, remap and 'mi' or 'ni', false)
end

return M
