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
