-- Runs inside a headless Neovim for bench/chat.mjs: opens the chat, sends one message whose
-- answer is long, and while it streams types a key every 10 ms into a scratch buffer,
-- recording how long each key waits for Neovim's main loop (timer fired → key handled).
-- Writes one JSON object to cfg.out.
local cfg = vim.json.decode(vim.env.ZEKE_BENCH_CONFIG)
vim.opt.rtp:prepend(cfg.root)
vim.cmd('runtime! plugin/zeke.lua')
local uv = vim.uv
local out = { deltas = 0, keys = {}, chars = 0 }

local function finish(err)
  if err then
    out.error = err
  end
  local f = io.open(cfg.out, 'w')
  f:write(vim.json.encode(out))
  f:close()
  vim.cmd('qa!')
end

require('zeke').setup({
  host = { start_delay_ms = -1 },
  config_file = false,
  providers = { ollama = { endpoints = { cfg.url } } },
  aliases = { ['code-fast'] = 'ollama:' .. cfg.model },
  models = { chat = 'code-fast' },
  routing = { escalate_ttfb_ms = 60000 },
  completion = { enabled = false },
  chat = { history = false },
})

local pending_key -- hrtime when the timer asked for the key
vim.on_key(function()
  if pending_key then
    table.insert(out.keys, (uv.hrtime() - pending_key) / 1e6)
    pending_key = nil
  end
end)

local typer
vim.api.nvim_create_autocmd('User', {
  pattern = 'ZekeChatDelta',
  callback = function(ev)
    out.deltas = out.deltas + 1
    if not out.t_first then
      out.t_first = uv.hrtime()
      -- Type into a scratch window while the answer streams.
      vim.cmd('botright new')
      vim.cmd('startinsert')
      typer = uv.new_timer()
      typer:start(10, 10, function()
        if pending_key == nil then
          pending_key = uv.hrtime()
          vim.api.nvim_input('x')
        end
      end)
    end
  end,
})

vim.api.nvim_create_autocmd('User', {
  pattern = 'ZekeChatAnswer',
  callback = function(ev)
    out.t_end = uv.hrtime()
    if typer then
      typer:stop()
      typer:close()
    end
    local d = ev.data or {}
    out.chars = d.text and #d.text or 0
    out.stopped = d.stopped
    out.answer_error = d.error
    vim.schedule(function()
      finish(nil)
    end)
  end,
})

vim.defer_fn(function()
  finish('no answer within 30 s')
end, 30000)

require('zeke.host').start()
vim.api.nvim_create_autocmd('User', {
  pattern = 'ZekeHostReady',
  once = true,
  callback = function()
    local ok, err = pcall(vim.cmd, 'ZekeChat ' .. cfg.message)
    if not ok then
      finish('ZekeChat failed: ' .. tostring(err))
    end
  end,
})
