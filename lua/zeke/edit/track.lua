-- Where each pending hunk is now: one extmark per hunk spanning its old lines (rows
-- [start, end) with end exclusive; start == end for a pure insertion), so edits elsewhere in the
-- buffer move it. A hunk "holds" when the buffer still has its old lines there.
local M = {}

M.ns = vim.api.nvim_create_namespace('zeke.edit.track')

---Tracks `hunk` (1-based start_line/end_line of the current text) in `buf`; sets hunk.mark.
function M.place(buf, hunk)
  local count = vim.api.nvim_buf_line_count(buf)
  local srow = math.max(0, math.min(hunk.start_line - 1, count))
  local erow = math.max(srow, math.min(hunk.end_line, count))
  if srow >= count then
    -- an insertion after the last line: (count, 0) cannot hold a mark; follow the last line
    hunk.at_eof = true
    srow, erow = count - 1, count - 1
  else
    hunk.at_eof = nil
  end
  hunk.mark = vim.api.nvim_buf_set_extmark(buf, M.ns, srow, 0, {
    id = hunk.mark,
    end_row = erow,
    end_col = 0,
    right_gravity = true,
    end_right_gravity = false,
  })
end

---The current rows of a hunk: srow (0-based first old line) and erow (exclusive).
---@return integer|nil srow, integer|nil erow
function M.rows(buf, hunk)
  if not hunk.mark then
    return nil
  end
  local m = vim.api.nvim_buf_get_extmark_by_id(buf, M.ns, hunk.mark, { details = true })
  if not m[1] then
    return nil
  end
  if hunk.at_eof then
    local count = vim.api.nvim_buf_line_count(buf)
    return count, count
  end
  local srow, erow = m[1], m[3].end_row
  if m[3].end_col > 0 then
    erow = erow + 1
  end
  return srow, math.max(srow, erow)
end

---Whether the buffer still has the hunk's old lines at its tracked position.
---@return boolean holds, integer|nil srow, integer|nil erow
function M.holds(buf, hunk)
  local srow, erow = M.rows(buf, hunk)
  if not srow then
    return false
  end
  if erow - srow ~= #hunk.old_lines then
    return false, srow, erow
  end
  local now = vim.api.nvim_buf_get_lines(buf, srow, erow, false)
  if not vim.deep_equal(now, hunk.old_lines) then
    return false, srow, erow
  end
  if #hunk.old_lines == 0 then
    -- a pure insertion: the line above must still be the context it was anchored after
    local before = hunk.before or {}
    if #before > 0 and srow > 0 then
      local above = vim.api.nvim_buf_get_lines(buf, srow - 1, srow, false)[1]
      if above ~= before[#before] then
        return false, srow, erow
      end
    end
  end
  return true, srow, erow
end

---The hunk with its tracked position as 1-based lines (for edit.reanchor).
function M.current(buf, hunk)
  local srow, erow = M.rows(buf, hunk)
  local out = {
    id = hunk.id,
    start_line = hunk.start_line,
    end_line = hunk.end_line,
    old_lines = hunk.old_lines,
    new_lines = hunk.new_lines,
    before = hunk.before or {},
    after = hunk.after or {},
  }
  if srow then
    out.start_line = srow + 1
    out.end_line = srow + #hunk.old_lines
  end
  return out
end

function M.forget(buf, hunk)
  if hunk.mark and vim.api.nvim_buf_is_valid(buf) then
    pcall(vim.api.nvim_buf_del_extmark, buf, M.ns, hunk.mark)
  end
  hunk.mark = nil
end

return M
