-- The transcript: a markdown buffer only zeke writes to. Streaming appends at the end (one
-- nvim_buf_set_text per batch, never a full re-render); windows showing the end follow it.
local M = {}

local ns = vim.api.nvim_create_namespace('zeke.chat.transcript')

local function windows(buf)
  return vim.fn.win_findbuf(buf)
end

---Runs `fn` with the buffer writable; windows that showed the last line keep showing it.
local function write(buf, fn)
  local follow = {}
  local last = vim.api.nvim_buf_line_count(buf)
  for _, win in ipairs(windows(buf)) do
    if vim.api.nvim_win_get_cursor(win)[1] >= last then
      follow[#follow + 1] = win
    end
  end
  vim.bo[buf].modifiable = true
  local ok, err = pcall(fn)
  vim.bo[buf].modifiable = false
  vim.bo[buf].modified = false
  local n = vim.api.nvim_buf_line_count(buf)
  for _, win in ipairs(follow) do
    if vim.api.nvim_win_is_valid(win) then
      vim.api.nvim_win_set_cursor(win, { n, 0 })
    end
  end
  if not ok then
    error(err)
  end
end

local function is_empty(buf)
  return vim.api.nvim_buf_line_count(buf) == 1 and vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1] == ''
end

---Appends whole lines (each without newlines) after a blank separator line.
---@param buf integer
---@param lines string[]
function M.lines(buf, lines)
  write(buf, function()
    if is_empty(buf) then
      vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
    else
      local out = { '' }
      vim.list_extend(out, lines)
      vim.api.nvim_buf_set_lines(buf, -1, -1, false, out)
    end
  end)
end

---Appends raw text (may contain newlines) at the very end of the buffer.
---@param buf integer
---@param text string
function M.append(buf, text)
  if text == '' then
    return
  end
  write(buf, function()
    local row = vim.api.nvim_buf_line_count(buf) - 1
    local col = #(vim.api.nvim_buf_get_lines(buf, row, row + 1, false)[1] or '')
    vim.api.nvim_buf_set_text(buf, row, col, row, col, vim.split(text, '\n', { plain = true }))
  end)
end

function M.clear(buf)
  write(buf, function()
    vim.api.nvim_buf_clear_namespace(buf, ns, 0, -1)
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, {})
  end)
end

local function split(text)
  return vim.split(text or '', '\n', { plain = true })
end

function M.user(buf, message, action)
  local head = '## You'
  if action then
    head = head .. ' · /' .. action
  end
  local lines = { head, '' }
  if message and message ~= '' then
    vim.list_extend(lines, split(message))
  end
  M.lines(buf, lines)
end

---Starts an answer: its header line (a mark, rewritten when the answer ends) and an empty line
---the deltas go to. Returns the mark id.
function M.start_answer(buf)
  M.lines(buf, { '## zeke · …', '' })
  local row = vim.api.nvim_buf_line_count(buf) - 2
  return vim.api.nvim_buf_set_extmark(buf, ns, row, 0, {})
end

local function num(n)
  return type(n) == 'number' and n or nil
end

---The header of an answer: model/ref, local/cloud (via OMEN), tokens, cost, time.
---@param res table chat.send answer (or a history turn's meta)
---@return string
function M.header(res)
  local parts = { '## zeke' }
  local route = type(res.route) == 'table' and res.route or {}
  if route.ref then
    parts[#parts + 1] = route.ref
  end
  if route['local'] ~= nil then
    local where = route['local'] and 'local' or 'cloud'
    if route.via_omen then
      where = where .. ' via OMEN'
    end
    if route.escalated then
      where = where .. ' (escalated)'
    end
    parts[#parts + 1] = where
  end
  local usage = type(res.usage) == 'table' and res.usage or {}
  if num(usage.inputTokens) or num(usage.outputTokens) then
    parts[#parts + 1] = ('%s→%s tok'):format(num(usage.inputTokens) or '?', num(usage.outputTokens) or '?')
  end
  local cost = type(res.cost) == 'table' and num(res.cost.usd)
  if cost then
    parts[#parts + 1] = ('$%.4f'):format(cost)
  end
  if num(res.duration_ms) then
    parts[#parts + 1] = ('%.1fs'):format(res.duration_ms / 1000)
  end
  return table.concat(parts, ' · ')
end

---Rewrites the header line of an answer (a single line: no newline in it).
function M.set_header(buf, mark, line)
  local pos = vim.api.nvim_buf_get_extmark_by_id(buf, ns, mark, {})
  if not pos[1] then
    return
  end
  write(buf, function()
    vim.api.nvim_buf_set_lines(buf, pos[1], pos[1] + 1, false, { line })
  end)
end

---An error as a readable quote block.
function M.error(buf, message)
  local lines = {}
  for i, l in ipairs(split(message)) do
    lines[#lines + 1] = (i == 1 and '> ✗ ' or '> ') .. l
  end
  M.lines(buf, lines)
end

---A finished turn from history.
function M.turn(buf, turn)
  if turn.role == 'user' then
    M.user(buf, turn.content, type(turn.meta) == 'table' and turn.meta.action or nil)
  else
    local meta = type(turn.meta) == 'table' and turn.meta or {}
    local lines = { M.header(meta), '' }
    vim.list_extend(lines, split(turn.content))
    M.lines(buf, lines)
  end
end

return M
