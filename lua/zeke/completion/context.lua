-- What a `complete` request carries: the text around the cursor and snippets of other buffers.
local gate = require('zeke.completion.gate')

local M = {}

local SNIPPET_LINES = 40
local MAX_SNIPPETS = 3

---Text before and after the cursor. `row` is 0-based, `col` a 0-based byte column.
---@param buf integer
---@param row integer
---@param col integer
---@param before integer lines before the cursor line
---@param after integer lines after the cursor line
---@return string prefix, string suffix
function M.around(buf, row, col, before, after)
  local count = vim.api.nvim_buf_line_count(buf)
  local first = math.max(0, row - before)
  local last = math.min(count, row + after + 1)
  local lines = vim.api.nvim_buf_get_lines(buf, first, last, false)
  local cur = lines[row - first + 1] or ''
  local pre = vim.list_slice(lines, 1, row - first)
  pre[#pre + 1] = cur:sub(1, col)
  local suf = { cur:sub(col + 1) }
  vim.list_extend(suf, lines, row - first + 2)
  return table.concat(pre, '\n'), table.concat(suf, '\n')
end

---Snippets (≈40 lines around where the cursor last was) of other listed, loaded buffers with
---the same filetype, most recently used first; never secret files.
---@param buf integer
---@param opts table resolved `completion` options
---@return { path: string, text: string }[]
function M.other_buffers(buf, opts)
  local ft = vim.bo[buf].filetype
  if ft == '' then
    return {}
  end
  local infos = vim.fn.getbufinfo({ buflisted = 1, bufloaded = 1 })
  table.sort(infos, function(a, b)
    return a.lastused > b.lastused
  end)
  local out = {}
  for _, info in ipairs(infos) do
    local b = info.bufnr
    if b ~= buf and info.name ~= '' and vim.bo[b].filetype == ft and vim.bo[b].buftype == '' then
      if opts.allow_secret_files or not gate.is_secret(info.name, opts.secret_files) then
        local row = (info.lnum or 1) - 1
        local first = math.max(0, row - SNIPPET_LINES / 2)
        local lines = vim.api.nvim_buf_get_lines(b, first, first + SNIPPET_LINES, false)
        if #lines > 0 then
          out[#out + 1] = { path = info.name, text = table.concat(lines, '\n') }
        end
        if #out >= MAX_SNIPPETS then
          break
        end
      end
    end
  end
  return out
end

return M
