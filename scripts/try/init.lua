-- Init for `npm run try`: this checkout as the only plugin, default options (edit here to
-- try others). zeke.toml is still read from $XDG_CONFIG_HOME/zeke/zeke.toml.
vim.g.mapleader = ' '
vim.opt.rtp:prepend(vim.env.ZEKE_ROOT)
vim.cmd('runtime! plugin/zeke.lua')
require('zeke').setup({
  log = { level = 'debug' },
})
vim.api.nvim_create_autocmd('User', {
  pattern = 'ZekeHostReady',
  once = true,
  callback = function(ev)
    vim.notify(
      ('zeke: host ready in %d ms. Try :checkhealth zeke (log: :ZekeLog)'):format(ev.data.ready_ms),
      vim.log.levels.INFO
    )
  end,
})
