-- Draws a proposal. Inline: the old lines of each hunk highlighted (ZekeDiffDelete), the new
-- lines as virtual lines below them (ZekeDiffAdd), a label per hunk at the end of its first
-- line; a conflicting hunk in ZekeDiffConflict. Split: a scratch buffer with the proposed text
-- beside the source, :diffthis in both. Nothing here changes the source buffer's text.
local track = require('zeke.edit.track')

local M = {}

M.ns = vim.api.nvim_create_namespace('zeke.edit.preview')

function M.highlights()
  vim.api.nvim_set_hl(0, 'ZekeDiffDelete', { link = 'DiffDelete', default = true })
  vim.api.nvim_set_hl(0, 'ZekeDiffAdd', { link = 'DiffAdd', default = true })
  vim.api.nvim_set_hl(0, 'ZekeDiffConflict', { link = 'DiagnosticError', default = true })
  vim.api.nvim_set_hl(0, 'ZekeDiffLabel', { link = 'DiagnosticHint', default = true })
end

local function expand(s, ts)
  return require('zeke.completion.ghost').expand_tabs(s, 0, ts)
end

---@param p table the proposal (zeke.edit)
function M.inline(p)
  local buf = p.buf
  vim.api.nvim_buf_clear_namespace(buf, M.ns, 0, -1)
  local ts = vim.bo[buf].tabstop
  local count = vim.api.nvim_buf_line_count(buf)
  local pending = p.pending(p)
  local accept_key = p.keys.accept or ':ZekeDiff accept'
  for i, h in ipairs(pending) do
    local srow, erow = track.rows(buf, h)
    if srow then
      local conflict = h.conflict ~= nil
      local old_hl = conflict and 'ZekeDiffConflict' or 'ZekeDiffDelete'
      for r = srow, erow - 1 do
        vim.api.nvim_buf_set_extmark(buf, M.ns, r, 0, { line_hl_group = old_hl, priority = 4096 })
      end
      local label
      if conflict then
        label = ('[%d/%d] conflict: %s'):format(i, #pending, h.conflict)
      else
        label = ('[%d/%d] %s accept'):format(i, #pending, accept_key)
      end
      if i == 1 and p.summary then
        label = label .. ' · ' .. p.summary
      end
      local vl = {}
      for _, l in ipairs(h.new_lines) do
        vl[#vl + 1] = { { expand(l, ts), conflict and 'ZekeDiffConflict' or 'ZekeDiffAdd' } }
      end
      local label_chunk = { { ' ' .. label, conflict and 'ZekeDiffConflict' or 'ZekeDiffLabel' } }
      if erow > srow then
        vim.api.nvim_buf_set_extmark(buf, M.ns, srow, 0, { virt_text = label_chunk, virt_text_pos = 'eol' })
        if #vl > 0 then
          vim.api.nvim_buf_set_extmark(buf, M.ns, erow - 1, 0, { virt_lines = vl })
        end
      else
        -- a pure insertion before row srow: lines shown below the line above (or above the first)
        table.insert(vl, 1, label_chunk)
        if srow == 0 then
          vim.api.nvim_buf_set_extmark(buf, M.ns, 0, 0, { virt_lines = vl, virt_lines_above = true })
        else
          vim.api.nvim_buf_set_extmark(buf, M.ns, math.min(srow, count) - 1, 0, { virt_lines = vl })
        end
      end
    end
  end
end

---The source text with every pending, non-conflicting hunk applied (for the split view).
local function proposed(p)
  local lines = vim.api.nvim_buf_get_lines(p.buf, 0, -1, false)
  local list = {}
  for _, h in ipairs(p.pending(p)) do
    local srow, erow = track.rows(p.buf, h)
    if srow and not h.conflict then
      list[#list + 1] = { srow = srow, erow = erow, new = h.new_lines }
    end
  end
  table.sort(list, function(a, b)
    return a.srow > b.srow
  end)
  for _, e in ipairs(list) do
    for _ = e.srow + 1, e.erow do
      table.remove(lines, e.srow + 1)
    end
    for k, l in ipairs(e.new) do
      table.insert(lines, e.srow + k, l)
    end
  end
  return lines
end

function M.split(p)
  M.inline(p) -- labels and conflicts stay visible in the source
  local src_win = vim.fn.bufwinid(p.buf)
  if not p.split_buf or not vim.api.nvim_buf_is_valid(p.split_buf) then
    p.split_buf = vim.api.nvim_create_buf(false, true)
    vim.bo[p.split_buf].bufhidden = 'wipe'
    vim.bo[p.split_buf].filetype = vim.bo[p.buf].filetype
    pcall(vim.api.nvim_buf_set_name, p.split_buf, ('zeke://edit/%d'):format(p.buf))
  end
  vim.bo[p.split_buf].modifiable = true
  vim.api.nvim_buf_set_lines(p.split_buf, 0, -1, false, proposed(p))
  vim.bo[p.split_buf].modifiable = false
  if src_win ~= -1 and (not p.split_win or not vim.api.nvim_win_is_valid(p.split_win)) then
    local cur = vim.api.nvim_get_current_win()
    p.split_win = vim.api.nvim_open_win(p.split_buf, false, { split = 'right', win = src_win })
    vim.api.nvim_win_call(src_win, function()
      vim.cmd('diffthis')
    end)
    vim.api.nvim_win_call(p.split_win, function()
      vim.cmd('diffthis')
    end)
    vim.api.nvim_set_current_win(cur)
  elseif p.split_win and vim.api.nvim_win_is_valid(p.split_win) then
    vim.api.nvim_win_call(p.split_win, function()
      vim.cmd('diffupdate')
    end)
  end
end

function M.draw(p)
  if p.mode == 'split' then
    M.split(p)
  else
    M.inline(p)
  end
end

function M.clear(p)
  if vim.api.nvim_buf_is_valid(p.buf) then
    vim.api.nvim_buf_clear_namespace(p.buf, M.ns, 0, -1)
  end
  if p.split_win and vim.api.nvim_win_is_valid(p.split_win) then
    pcall(vim.api.nvim_win_close, p.split_win, true)
    local src_win = vim.fn.bufwinid(p.buf)
    if src_win ~= -1 then
      vim.api.nvim_win_call(src_win, function()
        vim.cmd('diffoff')
      end)
    end
  end
  p.split_win = nil
end

return M
