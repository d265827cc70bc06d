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
