-- The one way zeke talks to the user: titled, safe from fast events (rescheduled), and
-- able to say a thing once per session instead of a storm.
local M = {}

local said = {}

---@param msg string
---@param level? integer vim.log.levels.*
---@param opts? { once?: string }
function M.notify(msg, level, opts)
  if opts and opts.once then
    if said[opts.once] then
      return
    end
    said[opts.once] = true
  end
  local function show()
    vim.notify(msg, level or vim.log.levels.INFO, { title = 'zeke' })
  end
  if vim.in_fast_event() then
    vim.schedule(show)
  else
    show()
  end
end

function M.info(msg, opts)
  M.notify('zeke: ' .. msg, vim.log.levels.INFO, opts)
end

function M.warn(msg, opts)
  M.notify('zeke: ' .. msg, vim.log.levels.WARN, opts)
end

function M.error(msg, opts)
  M.notify('zeke: ' .. msg, vim.log.levels.ERROR, opts)
end

---Forget what was said (used by :ZekeRestart so a new failure is told again).
---@private
function M.reset(prefix)
  for key in pairs(said) do
    if not prefix or key:sub(1, #prefix) == prefix then
      said[key] = nil
    end
  end
end

return M
