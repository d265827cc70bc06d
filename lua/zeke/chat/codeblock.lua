-- Code blocks of the transcript: find the fenced block under the cursor, yank it, apply it.
local M = {}

---The fenced code block around `row` (1-based) of `buf`: its lines (without fences), or nil.
---@return string[]|nil
function M.at(buf, row)
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  local open
  for i, l in ipairs(lines) do
    if l:match('^%s*```') or l:match('^%s*~~~') then
      if open then
        if row >= open and row <= i then
          return vim.list_slice(lines, open + 1, i - 1)
        end
        open = nil
      else
        open = i
      end
    end
    if not open and i >= row then
      return nil
    end
  end
  if open and row >= open then
    -- still streaming: the block so far
    return vim.list_slice(lines, open + 1, #lines)
  end
end

---Yanks the code block under the cursor to the unnamed register and + when it exists.
---@return string[]|nil
function M.yank(buf, row)
  local block = M.at(buf, row)
  if not block then
    require('zeke.notify').warn('no code block under the cursor')
    return nil
  end
  vim.fn.setreg('"', block, 'l')
  if vim.fn.has('clipboard') == 1 then
    pcall(vim.fn.setreg, '+', block, 'l')
  end
  return block
end

---Applies lines to the source now: replaces the tracked selection when there is one, else
---inserts below the cursor line of `win`. One API call: one undo step; no other text touched.
---@param lines string[]
---@param win integer|nil
---@param target? { buf: integer, ns: integer, mark: integer, mode: string }
---@return boolean
function M.apply_now(lines, win, target)
  if target and vim.api.nvim_buf_is_valid(target.buf) then
    local m = vim.api.nvim_buf_get_extmark_by_id(target.buf, target.ns, target.mark, { details = true })
    if m[1] then
      local srow, scol, erow, ecol = m[1], m[2], m[3].end_row, m[3].end_col
      if target.mode == 'v' then
        vim.api.nvim_buf_set_text(target.buf, srow, scol, erow, ecol, lines)
      else
        vim.api.nvim_buf_set_lines(target.buf, srow, erow + 1, false, lines)
      end
      return true
    end
  end
  if not (win and vim.api.nvim_win_is_valid(win)) then
    require('zeke.notify').warn('no source window to apply to')
    return false
  end
  local buf = vim.api.nvim_win_get_buf(win)
  if not vim.bo[buf].modifiable then
    require('zeke.notify').warn('the source buffer is not modifiable')
    return false
  end
  local row = vim.api.nvim_win_get_cursor(win)[1]
  vim.api.nvim_buf_set_lines(buf, row, row, false, lines)
  return true
end

---Where lines would go, as a whole-line edit: the buffer, its 1-based range and the lines
---replacing it (the tracked selection, else an insertion below the cursor line of `win`).
---@return { buf: integer, range: { start_line: integer, end_line: integer }, replacement: string[] }|nil
function M.plan(lines, win, target)
  if target and vim.api.nvim_buf_is_valid(target.buf) then
    local m = vim.api.nvim_buf_get_extmark_by_id(target.buf, target.ns, target.mark, { details = true })
    if m[1] then
      local srow, scol, erow, ecol = m[1], m[2], m[3].end_row, m[3].end_col
      erow = math.min(erow, vim.api.nvim_buf_line_count(target.buf) - 1)
      local replacement = vim.list_extend({}, lines)
      if target.mode == 'v' then
        local first = vim.api.nvim_buf_get_lines(target.buf, srow, srow + 1, false)[1] or ''
        local last = vim.api.nvim_buf_get_lines(target.buf, erow, erow + 1, false)[1] or ''
        if #replacement == 0 then
          replacement = { '' }
        end
        replacement[1] = first:sub(1, scol) .. replacement[1]
        replacement[#replacement] = replacement[#replacement] .. last:sub(ecol + 1)
      end
      return { buf = target.buf, range = { start_line = srow + 1, end_line = erow + 1 }, replacement = replacement }
    end
  end
  if not (win and vim.api.nvim_win_is_valid(win)) then
    return nil
  end
  local buf = vim.api.nvim_win_get_buf(win)
  local row = vim.api.nvim_win_get_cursor(win)[1]
  local line = vim.api.nvim_buf_get_lines(buf, row - 1, row, false)[1] or ''
  local replacement = { line }
  vim.list_extend(replacement, lines)
  return { buf = buf, range = { start_line = row, end_line = row }, replacement = replacement }
end

---Applies lines to the source through the diff preview (zeke.edit, host edit.from_text): the
---hunks are shown in the source and applied with the edit keys. When the host cannot compute
---them, applies directly (apply_now). `done(how)` runs after: how = 'preview', 'direct' or nil
---(nothing applied).
---@param lines string[]
---@param win integer|nil
---@param target? { buf: integer, ns: integer, mark: integer, mode: string }
---@param done fun(how: string|nil)
function M.apply(lines, win, target, done)
  local plan = M.plan(lines, win, target)
  if not plan then
    require('zeke.notify').warn('no source window to apply to')
    return done(nil)
  end
  if not vim.bo[plan.buf].modifiable then
    require('zeke.notify').warn('the source buffer is not modifiable')
    return done(nil)
  end
  require('zeke.edit').from_text(plan.buf, plan.range, plan.replacement, function(err)
    require('zeke.notify').warn(('no diff preview (%s): applied directly'):format(err.message), { once = 'codeblock:direct' })
    done(M.apply_now(lines, win, target) and 'direct' or nil)
  end, function()
    done('preview')
  end)
end

return M
