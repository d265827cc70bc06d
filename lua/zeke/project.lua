-- The project a buffer belongs to: the nearest folder with .git (else the working
-- directory). Model choices and stats are kept per project.
local M = {}

---@param buf? integer
---@return string
function M.root(buf)
  buf = buf or 0
  local ok, root = pcall(vim.fs.root, buf, '.git')
  if ok and root then
    return root
  end
  return vim.fn.getcwd()
end

return M
