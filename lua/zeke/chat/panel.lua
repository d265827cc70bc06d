-- The chat panel's windows: the transcript (markdown, read-only) with the input below it, in
-- a split (right, left, bottom) or a float. The buffers outlive the windows.
local M = {}

local state = { transcript = nil, input = nil, twin = nil, iwin = nil }

local function scratch(name, ft)
  local buf = vim.api.nvim_create_buf(false, true)
  vim.bo[buf].buftype = 'nofile'
  vim.bo[buf].bufhidden = 'hide'
  vim.bo[buf].swapfile = false
  pcall(vim.api.nvim_buf_set_name, buf, name)
  vim.bo[buf].filetype = ft
  return buf
end

---@return integer transcript, integer input, boolean created
function M.buffers()
  local created = false
  if not (state.transcript and vim.api.nvim_buf_is_valid(state.transcript)) then
    state.transcript = scratch('zeke://chat', 'markdown')
    vim.bo[state.transcript].modifiable = false
    created = true
  end
  if not (state.input and vim.api.nvim_buf_is_valid(state.input)) then
    state.input = scratch('zeke://chat-input', 'markdown')
    created = true
  end
  return state.transcript, state.input, created
end

local function valid(win)
  return win and vim.api.nvim_win_is_valid(win)
end

function M.is_open()
  return valid(state.twin) or valid(state.iwin)
end

function M.windows()
  return valid(state.twin) and state.twin or nil, valid(state.iwin) and state.iwin or nil
end

---Whether a window belongs to the panel.
function M.owns(win)
  return win ~= nil and (win == state.twin or win == state.iwin)
end

local function size(spec, total)
  if spec < 1 then
    return math.max(10, math.floor(total * spec))
  end
  return math.floor(spec)
end

local function winopts(win)
  vim.wo[win].wrap = true
  vim.wo[win].linebreak = true
  vim.wo[win].number = false
  vim.wo[win].relativenumber = false
  vim.wo[win].signcolumn = 'no'
  vim.wo[win].winfixwidth = true
end

---Opens the panel (focus goes to the input).
---@param opts { layout: string, size: number }
function M.open(opts)
  local transcript, input = M.buffers()
  if M.is_open() then
    if valid(state.iwin) then
      vim.api.nvim_set_current_win(state.iwin)
    end
    return
  end
  local layout = opts.layout or 'right'
  local input_height = 5
  if layout == 'float' then
    local width = size(opts.size or 0.4, vim.o.columns)
    if (opts.size or 0.4) < 1 then
      width = math.floor(vim.o.columns * math.max(opts.size, 0.6))
    end
    width = math.min(width, vim.o.columns - 4)
    local height = math.max(6, math.floor(vim.o.lines * 0.8) - input_height - 2)
    local row = math.max(0, math.floor((vim.o.lines - height - input_height - 4) / 2))
    local col = math.floor((vim.o.columns - width) / 2)
    state.twin = vim.api.nvim_open_win(transcript, false, {
      relative = 'editor', width = width, height = height, row = row, col = col,
      border = 'rounded', title = ' zeke chat ', title_pos = 'center', style = 'minimal',
    })
    state.iwin = vim.api.nvim_open_win(input, true, {
      relative = 'editor', width = width, height = input_height, row = row + height + 2, col = col,
      border = 'rounded', style = 'minimal',
    })
  else
    local cmd = ({ right = 'botright vsplit', left = 'topleft vsplit', bottom = 'botright split' })[layout] or 'botright vsplit'
    vim.cmd(cmd)
    state.twin = vim.api.nvim_get_current_win()
    vim.api.nvim_win_set_buf(state.twin, transcript)
    vim.cmd('belowright split')
    state.iwin = vim.api.nvim_get_current_win()
    vim.api.nvim_win_set_buf(state.iwin, input)
    vim.api.nvim_win_set_height(state.iwin, input_height)
    vim.wo[state.iwin].winfixheight = true
    if layout == 'bottom' then
      vim.api.nvim_win_set_height(state.twin, size(opts.size or 0.4, vim.o.lines))
    else
      vim.api.nvim_win_set_width(state.twin, size(opts.size or 0.4, vim.o.columns))
    end
  end
  winopts(state.twin)
  winopts(state.iwin)
  local n = vim.api.nvim_buf_line_count(transcript)
  vim.api.nvim_win_set_cursor(state.twin, { n, 0 })
end

---Closes the panel's windows (the buffers and any request in flight stay).
function M.close()
  for _, win in ipairs({ state.iwin, state.twin }) do
    if valid(win) then
      if #vim.api.nvim_tabpage_list_wins(0) > 1 or vim.api.nvim_win_get_config(win).relative ~= '' then
        pcall(vim.api.nvim_win_close, win, true)
      end
    end
  end
  state.twin, state.iwin = nil, nil
end

return M
