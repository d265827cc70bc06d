-- Test init: the checkout on the runtimepath, and every zeke User event and notification
-- forwarded to the test process on its channel (g:zeke_test_channel, set by the harness).
local root = vim.env.ZEKE_ROOT
vim.opt.rtp:prepend(root)
vim.opt.swapfile = false
vim.opt.shortmess:append('I')
vim.cmd('runtime! plugin/zeke.lua')

local function forward(event, ...)
  if vim.g.zeke_test_channel then
    vim.rpcnotify(vim.g.zeke_test_channel, event, ...)
  end
end

vim.api.nvim_create_autocmd('User', {
  pattern = 'Zeke*',
  callback = function(ev)
    forward('zeke_test_user', ev.match, ev.data or vim.NIL)
  end,
})

local original_notify = vim.notify
vim.notify = function(msg, level, opts)
  forward('zeke_test_notify', msg, level or vim.log.levels.INFO)
  return original_notify(msg, level, opts)
end
