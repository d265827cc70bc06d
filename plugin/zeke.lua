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
