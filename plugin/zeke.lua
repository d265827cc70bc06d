-- Commands exist as soon as the plugin is on the runtimepath; the first one used runs
-- setup({}) when the user has not called setup() yet. Nothing starts until then.
if vim.g.loaded_zeke then
  return
end
vim.g.loaded_zeke = true

if vim.fn.has('nvim-0.10') ~= 1 then
  vim.notify('zeke.nvim needs Neovim >= 0.10', vim.log.levels.ERROR, { title = 'zeke' })
  return
end

vim.api.nvim_create_user_command('ZekeRestart', function()
  require('zeke').restart()
end, { desc = 'zeke: restart the host process' })

vim.api.nvim_create_user_command('ZekeLog', function()
  require('zeke').open_log()
end, { desc = "zeke: open the host's log file" })

vim.api.nvim_create_user_command('ZekeModel', function(opts)
  require('zeke').model(opts.args)
end, {
  nargs = '?',
  complete = function(arglead)
    return require('zeke.model').complete(arglead)
  end,
  desc = 'zeke: switch the model of a feature (chat by default) for this project',
})

vim.api.nvim_create_user_command('ZekeWhy', function()
  require('zeke').why()
end, { desc = 'zeke: why the last request went where it went' })

vim.api.nvim_create_user_command('ZekeStats', function()
  require('zeke').stats()
end, { desc = 'zeke: spend and routing statistics' })

-- Inline completion: <Plug> mappings for your own keys (see :help zeke-completion).
for action, name in pairs({
  accept = 'accept',
  accept_word = 'accept-word',
  accept_line = 'accept-line',
  next = 'next',
  prev = 'prev',
  dismiss = 'dismiss',
  trigger = 'trigger',
}) do
  vim.keymap.set('i', ('<Plug>(zeke-%s)'):format(name), function()
    require('zeke')._ensure_setup()
    require('zeke.completion').run(action)
  end, { desc = 'zeke: ' .. name:gsub('-', ' ') })
end

vim.api.nvim_create_user_command('ZekeComplete', function(opts)
  local arg = opts.args
  require('zeke')._ensure_setup()
  local on = require('zeke.completion').enable(arg == 'on' or (arg ~= 'off' and nil))
  vim.notify('zeke: inline completion ' .. (on and 'on' or 'off'), vim.log.levels.INFO, { title = 'zeke' })
end, {
  nargs = '?',
  complete = function()
    return { 'on', 'off', 'toggle' }
  end,
  desc = 'zeke: inline completion on / off / toggle',
})

-- Chat (see :help zeke-chat). `range = true`: `:'<,'>ZekeChat` and `:'<,'>Zeke explain` from
-- visual mode take the selection instead of failing with E481.
vim.api.nvim_create_user_command('ZekeChat', function(opts)
  if not require('zeke')._ensure_setup() then
    return
  end
  require('zeke.chat').command(opts.args, opts.range > 0 and { line1 = opts.line1, line2 = opts.line2 } or nil)
end, {
  nargs = '*',
  range = true,
  complete = function(arglead)
    return vim.tbl_filter(function(s)
      return s:find(arglead, 1, true) == 1
    end, { 'new', '/explain', '/fix', '/test', '/doc' })
  end,
  desc = 'zeke: toggle the chat, send a message (the range goes as context), or `new`',
})

vim.api.nvim_create_user_command('Zeke', function(opts)
  if not require('zeke')._ensure_setup() then
    return
  end
  local action, rest = opts.args:match('^%s*(%S+)%s*(.-)%s*$')
  require('zeke.chat').action(action or '', {
    range = opts.range > 0 and { line1 = opts.line1, line2 = opts.line2 } or nil,
    message = rest,
  })
end, {
  nargs = '+',
  range = true,
  complete = function(arglead)
    return vim.tbl_filter(function(s)
      return s:find(arglead, 1, true) == 1
    end, { 'explain', 'fix', 'test', 'doc' })
  end,
  desc = 'zeke: a quick action (explain, fix, test, doc) on the range or the cursor region',
})

vim.api.nvim_create_user_command('ZekeContext', function(opts)
  if not require('zeke')._ensure_setup() then
    return
  end
  require('zeke.chat.contextview').command(opts.args, vim.api.nvim_get_current_win())
end, {
  nargs = '*',
  complete = function(arglead, cmdline)
    return require('zeke.chat.contextview').complete(arglead, cmdline)
  end,
  desc = 'zeke: chat context files (add [path], remove, clear; no argument: list and preview)',
})

-- Edits with a diff preview (see :help zeke-edit). Without a range: the whole buffer.
vim.api.nvim_create_user_command('ZekeEdit', function(opts)
  if not require('zeke')._ensure_setup() then
    return
  end
  require('zeke.edit').propose(opts.args, opts.range > 0 and { line1 = opts.line1, line2 = opts.line2 } or nil)
end, { nargs = '+', range = true, desc = 'zeke: propose an edit of the range (or buffer) from an instruction' })

vim.api.nvim_create_user_command('ZekeDiff', function(opts)
  if not require('zeke')._ensure_setup() then
    return
  end
  require('zeke.edit').command(opts.args)
end, {
  nargs = 1,
  complete = function(arglead)
    return vim.tbl_filter(function(s)
      return s:find(arglead, 1, true) == 1
    end, { 'accept', 'reject', 'accept_all', 'reject_all', 'next', 'prev', 'cancel' })
  end,
  desc = 'zeke: act on the pending edit (accept, reject, accept_all, reject_all, next, prev, cancel)',
})
