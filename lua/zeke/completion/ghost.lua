-- Draws a suggestion as ghost text at the cursor: the first line as inline virtual text (it
-- pushes the text after the cursor right instead of hiding it, unlike 'overlay'), the other
-- lines as virtual lines below. Updates reuse the same extmark id, so the old text is replaced
-- in one redraw: no clear-then-draw flicker while the user types through a suggestion.
local M = {}

M.ns = vim.api.nvim_create_namespace('zeke.completion.ghost')

---@type table<integer, { id: integer, counter?: integer, text: string }>
local shown = {}

---Highlight groups linked to standard ones; `default` so a colorscheme's own definition wins.
function M.highlights()
  vim.api.nvim_set_hl(0, 'ZekeGhostText', { link = 'Comment', default = true })
  vim.api.nvim_set_hl(0, 'ZekeGhostTextCounter', { link = 'DiagnosticHint', default = true })
end

---Virtual text shows a tab as a single cell, so tabs are expanded to spaces the way the buffer
---would show them, starting at display column `vcol`.
---@param s string
---@param vcol integer
---@param ts integer
---@return string
function M.expand_tabs(s, vcol, ts)
  if not s:find('\t', 1, true) then
    return s
  end
  ts = ts > 0 and ts or 8
  local out, w = {}, vcol
  for ch in s:gmatch('[%z\1-\127\194-\244][\128-\191]*') do
    if ch == '\t' then
      local n = ts - (w % ts)
      out[#out + 1] = string.rep(' ', n)
      w = w + n
    else
      out[#out + 1] = ch
      w = w + vim.fn.strdisplaywidth(ch)
    end
  end
  return table.concat(out)
end

---Shows `text` at (row, col) (0-based, byte column) of `buf`; `counter` e.g. "2/3".
---@param buf integer
---@param row integer
---@param col integer
---@param text string
---@param counter? string
function M.show(buf, row, col, text, counter)
  if text == '' then
    return M.clear(buf)
  end
  local lines = vim.split(text, '\n', { plain = true })
  local ts = vim.bo[buf].tabstop
  local line = vim.api.nvim_buf_get_lines(buf, row, row + 1, false)[1] or ''
  col = math.min(col, #line)
  local first = M.expand_tabs(lines[1], vim.fn.strdisplaywidth(line:sub(1, col)), ts)
  local opts = {
    id = shown[buf] and shown[buf].id or nil,
    hl_mode = 'combine',
    priority = 65535,
  }
  if first ~= '' then
    opts.virt_text = { { first, 'ZekeGhostText' } }
    opts.virt_text_pos = 'inline'
  end
  if #lines > 1 then
    local vl = {}
    for i = 2, #lines do
      vl[#vl + 1] = { { M.expand_tabs(lines[i], 0, ts), 'ZekeGhostText' } }
    end
    opts.virt_lines = vl
  end
  if shown[buf] and ((first == '') ~= (shown[buf].first == '')) then
    -- An extmark cannot drop virt_text_pos on update; replace it instead (rare: only when the
    -- first line becomes empty or non-empty).
    vim.api.nvim_buf_del_extmark(buf, M.ns, shown[buf].id)
    opts.id = nil
  end
  local id = vim.api.nvim_buf_set_extmark(buf, M.ns, row, col, opts)
  local entry = { id = id, text = text, first = first, counter = shown[buf] and shown[buf].counter }
  if counter then
    entry.counter = vim.api.nvim_buf_set_extmark(buf, M.ns, row, 0, {
      id = entry.counter,
      virt_text = { { ' ' .. counter, 'ZekeGhostTextCounter' } },
      virt_text_pos = 'eol',
    })
  elseif entry.counter then
    vim.api.nvim_buf_del_extmark(buf, M.ns, entry.counter)
    entry.counter = nil
  end
  shown[buf] = entry
end

---@param buf integer
function M.clear(buf)
  if shown[buf] then
    shown[buf] = nil
    if vim.api.nvim_buf_is_valid(buf) then
      vim.api.nvim_buf_clear_namespace(buf, M.ns, 0, -1)
    end
  end
end

---The text shown in `buf`, or nil.
---@param buf integer
---@return string|nil
function M.text(buf)
  return shown[buf] and shown[buf].text
end

return M
