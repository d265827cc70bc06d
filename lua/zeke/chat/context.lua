-- What the editor sends as context with a chat turn: path, filetype, the selection (or the
-- cursor region), diagnostics in that range, and the files added with :ZekeContext add.
-- Other open buffers are not sent.
local M = {}

local files = {} ---@type string[] added with :ZekeContext add (absolute paths)

local severities = { 'error', 'warn', 'info', 'hint' }

---@class zeke.chat.Selection
---@field buf integer
---@field text string
---@field start_line integer 1-based
---@field end_line integer 1-based, inclusive
---@field start_col integer 0-based byte column
---@field end_col integer 0-based byte column, exclusive
---@field mode string 'v'|'V'|block

---The selection from marks '< '> (visual mode already left) or from a line range.
---@param buf integer
---@param mode string 'v', 'V' or "\22"
---@param line1 integer
---@param line2 integer
---@param col1? integer 0-based byte column (charwise only)
---@param col2? integer 0-based byte column of the last character (charwise only)
---@return zeke.chat.Selection
function M.selection(buf, mode, line1, line2, col1, col2)
  if mode == 'v' and col1 and col2 then
    local last = vim.api.nvim_buf_get_lines(buf, line2 - 1, line2, false)[1] or ''
    -- the end column points at the start of the last character: take the whole character
    local char = vim.fn.strpart(last, col2, 1, true)
    local end_col = math.min(#last, col2 + math.max(#char, 1))
    if col2 >= #last then
      end_col = #last
    end
    local text = table.concat(vim.api.nvim_buf_get_text(buf, line1 - 1, col1, line2 - 1, end_col, {}), '\n')
    return { buf = buf, text = text, start_line = line1, end_line = line2, start_col = col1, end_col = end_col, mode = 'v' }
  end
  local lines = vim.api.nvim_buf_get_lines(buf, line1 - 1, line2, false)
  local last = lines[#lines] or ''
  return { buf = buf, text = table.concat(lines, '\n'), start_line = line1, end_line = line2, start_col = 0, end_col = #last, mode = 'V' }
end

---The selection of the visual mode the user is in (called from a <Cmd> mapping); leaves it.
---@return zeke.chat.Selection
function M.visual()
  local mode = vim.fn.mode()
  vim.cmd('normal! \27') -- leave visual mode: sets '< and '>
  local buf = vim.api.nvim_get_current_buf()
  local s, e = vim.api.nvim_buf_get_mark(buf, '<'), vim.api.nvim_buf_get_mark(buf, '>')
  if mode == 'v' then
    return M.selection(buf, 'v', s[1], e[1], s[2], e[2])
  end
  return M.selection(buf, 'V', s[1], e[1])
end

local function diagnostics(buf, first, last)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local line = d.lnum + 1
    if line >= first and line <= last then
      out[#out + 1] = { line = line, severity = severities[d.severity] or 'info', message = d.message, source = d.source }
    end
  end
  table.sort(out, function(a, b)
    return a.line < b.line
  end)
  return out
end

local function file_entry(path)
  local buf = vim.fn.bufnr(path)
  if buf > 0 and vim.api.nvim_buf_is_loaded(buf) and vim.bo[buf].modified then
    return { path = path, text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n') }
  end
  return { path = path }
end

---@param win integer the source window
---@param sel? zeke.chat.Selection
---@return table context as chat.send / context.preview take it
function M.build(win, sel)
  local opts = (require('zeke.host').options() or {}).context or {}
  local around = opts.lines_around or 40
  local ctx = { diagnostics = {}, files = {}, buffers = {} }
  if win and vim.api.nvim_win_is_valid(win) then
    local buf = vim.api.nvim_win_get_buf(win)
    if vim.bo[buf].buftype == '' then
      local name = vim.api.nvim_buf_get_name(buf)
      if name ~= '' then
        ctx.path = name
      end
      ctx.filetype = vim.bo[buf].filetype
      local first, last
      if sel and sel.buf == buf then
        ctx.selection = { text = sel.text, start_line = sel.start_line, end_line = sel.end_line }
        first, last = sel.start_line, sel.end_line
      else
        local pos = vim.api.nvim_win_get_cursor(win)
        local row, col = pos[1], pos[2]
        local n = vim.api.nvim_buf_line_count(buf)
        first, last = math.max(1, row - around), math.min(n, row + around)
        local before = vim.api.nvim_buf_get_text(buf, first - 1, 0, row - 1, col, {})
        local cur = vim.api.nvim_buf_get_lines(buf, row - 1, row, false)[1] or ''
        local after = vim.api.nvim_buf_get_text(buf, row - 1, math.min(col, #cur), last - 1, #(vim.api.nvim_buf_get_lines(buf, last - 1, last, false)[1] or ''), {})
        ctx.cursor = { line = row, before = table.concat(before, '\n'), after = table.concat(after, '\n') }
      end
      if opts.diagnostics ~= false then
        ctx.diagnostics = diagnostics(buf, first, last)
      end
    end
  end
  for _, path in ipairs(files) do
    ctx.files[#ctx.files + 1] = file_entry(path)
  end
  return ctx
end

---@param path string
---@return boolean added (false when already there)
function M.add(path)
  path = vim.fn.fnamemodify(path, ':p')
  for _, p in ipairs(files) do
    if p == path then
      return false
    end
  end
  files[#files + 1] = path
  return true
end

function M.remove(path)
  for i, p in ipairs(files) do
    if p == path then
      table.remove(files, i)
      return true
    end
  end
  return false
end

function M.clear()
  files = {}
end

---@return string[]
function M.files()
  return vim.deepcopy(files)
end

return M
