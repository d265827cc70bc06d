-- The chat panel: one conversation per project, streamed answers, quick actions on the
-- selection, code blocks to yank or apply. Requests go to the host (chat.send, chat.history,
-- chat.new); the panel only renders.
local host = require('zeke.host')
local notify = require('zeke.notify')
local panel = require('zeke.chat.panel')
local render = require('zeke.chat.render')
local context = require('zeke.chat.context')
local codeblock = require('zeke.chat.codeblock')

local M = {}

M.actions = { explain = true, fix = true, test = true, doc = true }

local ns = vim.api.nvim_create_namespace('zeke.chat.target')

local state = {
  project = nil, ---@type string|nil the project the transcript shows
  session = nil, ---@type string|nil
  loaded = false, -- history rendered for `project`
  current = nil, -- the answer in flight: { id, mark, text, stopped }
  source_win = nil, -- the code window questions are about
  selection = nil, -- zeke.chat.Selection waiting for the next message (:'<,'>ZekeChat)
  target = nil, -- where `ga` applies: the selection of the last question { buf, mark, mode }
  delta = { last = 0, timer = nil },
  generation = 0, -- bumps on new/clear: answers of older conversations are dropped
}

local function opts()
  return (host.options() or {}).chat or {}
end

local function fire(pattern, data)
  vim.schedule(function()
    vim.api.nvim_exec_autocmds('User', { pattern = pattern, data = data, modeline = false })
  end)
end

local function is_code_win(win)
  if not (win and vim.api.nvim_win_is_valid(win)) or panel.owns(win) then
    return false
  end
  return vim.api.nvim_win_get_config(win).relative == ''
end

local function remember_source()
  local win = vim.api.nvim_get_current_win()
  if is_code_win(win) and vim.bo[vim.api.nvim_win_get_buf(win)].buftype == '' then
    state.source_win = win
  end
end

local function source_win()
  if is_code_win(state.source_win) then
    return state.source_win
  end
  for _, win in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
    if is_code_win(win) and vim.bo[vim.api.nvim_win_get_buf(win)].buftype == '' then
      return win
    end
  end
end

local function project()
  local win = source_win()
  return require('zeke.project').root(win and vim.api.nvim_win_get_buf(win) or 0)
end

local function transcript()
  return (panel.buffers())
end

-- ZekeChatDelta: at most one per 30 ms, the last one always fired (trailing edge).
local function delta_event()
  local d = state.delta
  local now = vim.uv.now()
  local function emit()
    d.last = vim.uv.now()
    local cur = state.current
    fire('ZekeChatDelta', { chars = cur and #cur.text or 0 })
  end
  if now - d.last >= 30 then
    emit()
  elseif not d.timer then
    d.timer = vim.defer_fn(function()
      d.timer = nil
      emit()
    end, 30 - (now - d.last))
  end
end

local function on_batch(cur, batch)
  if state.current ~= cur or cur.stopped then
    return
  end
  local parts = {}
  for _, part in ipairs(type(batch) == 'table' and (batch.type and { batch } or batch) or {}) do
    if type(part) == 'table' and part.type == 'text-delta' and type(part.text) == 'string' then
      parts[#parts + 1] = part.text
    end
  end
  local text = table.concat(parts)
  if text == '' then
    return
  end
  cur.text = cur.text .. text
  render.append(transcript(), text)
  delta_event()
end

local function finish(cur, data)
  if state.current == cur then
    state.current = nil
  end
  fire('ZekeChatAnswer', data)
end

local function on_answer(cur, err, res)
  if cur.done then
    return
  end
  cur.done = true
  if cur.generation ~= state.generation then
    return finish(cur, { text = cur.text, stopped = cur.stopped or false, error = err and err.message or nil })
  end
  local buf = transcript()
  if err then
    if err.code == 'cancelled' or cur.stopped then
      cur.stopped = true
      render.set_header(buf, cur.mark, '## zeke · (stopped)')
      render.lines(buf, { '_(stopped)_' })
      return finish(cur, { text = cur.text, stopped = true })
    end
    render.set_header(buf, cur.mark, '## zeke · error')
    render.error(buf, err.message or tostring(err.code))
    return finish(cur, { text = cur.text, stopped = false, error = err.message or err.code })
  end
  res = type(res) == 'table' and res or {}
  if type(res.session) == 'string' then
    state.session = res.session
  end
  -- The answer is the reference: deltas lost on the way are appended now.
  if type(res.text) == 'string' and #res.text > #cur.text and res.text:sub(1, #cur.text) == cur.text then
    render.append(buf, res.text:sub(#cur.text + 1))
    cur.text = res.text
  end
  render.set_header(buf, cur.mark, render.header(res))
  finish(cur, { text = cur.text, stopped = false })
end

---Loads and renders the project's conversation the first time the panel shows it.
local function load_history(cb)
  local root = project()
  if state.loaded and state.project == root then
    return cb and cb()
  end
  state.project = root
  state.loaded = true
  render.clear(transcript())
  if opts().history == false then
    return cb and cb()
  end
  local generation = state.generation
  local mine = {} -- sends made meanwhile wait for the history (so it stays above them)
  state.loading = mine
  local function release()
    if state.loading ~= mine then
      return -- dropped by new(), or another load took over
    end
    local queued = mine
    state.loading = nil
    for _, fn in ipairs(queued) do
      fn()
    end
  end
  host.request('chat.history', { project = root }, function(err, res)
    if generation ~= state.generation or state.project ~= root then
      return release()
    end
    if err then
      if err.code ~= 'cancelled' then
        render.error(transcript(), 'history: ' .. (err.message or err.code))
      end
    elseif type(res) == 'table' then
      state.session = type(res.session) == 'string' and res.session or state.session
      local buf = transcript()
      for _, turn in ipairs(type(res.turns) == 'table' and res.turns or {}) do
        render.turn(buf, turn)
      end
    end
    release()
    fire('ZekeChatHistory', { turns = type(res) == 'table' and type(res.turns) == 'table' and #res.turns or 0 })
    if cb then
      cb()
    end
  end)
end

local function set_keymaps(tbuf, ibuf)
  local o = opts()
  local function map(buf, modes, lhs, fn, desc)
    if lhs and lhs ~= '' then
      vim.keymap.set(modes, lhs, fn, { buffer = buf, nowait = true, desc = 'zeke: ' .. desc })
    end
  end
  map(ibuf, 'n', '<CR>', function()
    M.submit()
  end, 'send')
  map(ibuf, 'i', o.send_key or '<C-s>', function()
    M.submit()
  end, 'send')
  for _, buf in ipairs({ tbuf, ibuf }) do
    map(buf, { 'n', 'i' }, o.stop_key or '<C-c>', function()
      M.stop()
    end, 'stop the answer')
    map(buf, 'n', 'q', function()
      M.close()
    end, 'close the chat')
  end
  map(tbuf, 'n', 'yc', function()
    M.yank_code()
  end, 'yank the code block')
  map(tbuf, 'n', 'ga', function()
    M.apply_code()
  end, 'apply the code block to the source')
end

---Opens the panel (loads history the first time for the project).
function M.open()
  remember_source()
  local tbuf, ibuf, created = panel.buffers()
  if created then
    set_keymaps(tbuf, ibuf)
  end
  local o = opts()
  panel.open({ layout = o.layout, size = o.size })
  load_history()
end

function M.close()
  panel.close()
  if is_code_win(state.source_win) then
    vim.api.nvim_set_current_win(state.source_win)
  end
end

function M.toggle()
  if panel.is_open() then
    M.close()
  else
    M.open()
  end
end

local function track(sel)
  if state.target then
    pcall(vim.api.nvim_buf_del_extmark, state.target.buf, ns, state.target.mark)
    state.target = nil
  end
  if not sel then
    return
  end
  local end_row = sel.end_line - 1
  local mark = vim.api.nvim_buf_set_extmark(sel.buf, ns, sel.start_line - 1, sel.start_col, {
    end_row = end_row,
    end_col = sel.end_col,
    right_gravity = false,
    end_right_gravity = true,
  })
  state.target = { buf = sel.buf, ns = ns, mark = mark, mode = sel.mode }
end

---Sends a message (a quick action when `action` is set) with the context of the source window.
---@param message string
---@param o? { action?: string, selection?: zeke.chat.Selection }
function M.send(message, o)
  o = o or {}
  if not panel.is_open() then
    M.open()
  end
  if state.loading then
    table.insert(state.loading, function()
      M.send(message, o)
    end)
    return
  end
  if state.current then
    return notify.warn('an answer is still streaming: stop it first (' .. (opts().stop_key or '<C-c>') .. ')')
  end
  local sel = o.selection or state.selection
  state.selection = nil
  local win = source_win()
  local ctx = context.build(win, sel)
  track(sel)
  local root = project()
  local buf = transcript()
  local cur = { text = '', generation = state.generation }
  state.current = cur
  render.user(buf, message, o.action)
  cur.mark = render.start_answer(buf)
  local params = {
    project = root,
    session = state.session,
    message = message or '',
    action = o.action,
    context = ctx,
    scope = 'chat:' .. (state.session or root),
  }
  fire('ZekeChatSend', { action = o.action, message = message })
  cur.id = host.request('chat.send', params, function(err, res)
    on_answer(cur, err, res)
  end, {
    on_progress = function(batch)
      on_batch(cur, batch)
    end,
  })
end

---Parses what the user typed: "/explain more words" is a quick action.
---@return string message, string|nil action
function M.parse(text)
  local cmd, rest = text:match('^%s*/(%a+)%s*(.-)%s*$')
  if cmd and M.actions[cmd] then
    return rest, cmd
  end
  return vim.trim(text), nil
end

---Sends what is in the input buffer and empties it.
function M.submit()
  local _, ibuf = panel.buffers()
  local text = table.concat(vim.api.nvim_buf_get_lines(ibuf, 0, -1, false), '\n')
  local message, action = M.parse(text)
  if message == '' and not action then
    return
  end
  if state.current then
    return notify.warn('an answer is still streaming: stop it first (' .. (opts().stop_key or '<C-c>') .. ')')
  end
  vim.api.nvim_buf_set_lines(ibuf, 0, -1, false, {})
  M.send(message, { action = action })
end

---Stops the answer in flight; what arrived stays, marked "(stopped)".
function M.stop()
  local cur = state.current
  if not cur or cur.done then
    return
  end
  cur.stopped = true
  host.cancel(cur.id)
  if not cur.done then -- a cancel that did not call back
    on_answer(cur, { code = 'cancelled', message = 'cancelled' })
  end
end

---Starts a new conversation for the project (chat.new) and clears the transcript.
function M.new()
  if state.current then
    M.stop()
  end
  state.generation = state.generation + 1
  state.loading = nil
  state.session = nil
  state.project = project()
  state.loaded = true
  track(nil)
  render.clear(transcript())
  local generation = state.generation
  host.request('chat.new', { project = state.project }, function(err, res)
    if generation ~= state.generation then
      return
    end
    if err then
      return render.error(transcript(), err.message or err.code)
    end
    state.session = type(res) == 'table' and res.session or nil
    fire('ZekeChatNew', { session = state.session })
  end)
end

---:ZekeChat [new | message], with a range: the selection goes with the message.
---@param args string
---@param range? { line1: integer, line2: integer }
function M.command(args, range)
  remember_source()
  args = vim.trim(args or '')
  if args == 'new' then
    if not panel.is_open() then
      M.open()
    end
    return M.new()
  end
  local sel
  if range then
    sel = M.range_selection(range.line1, range.line2)
  end
  if args == '' then
    state.selection = sel or state.selection
    if sel then
      return M.open()
    end
    return M.toggle()
  end
  local message, action = M.parse(args)
  M.send(message, { action = action, selection = sel })
end

---The selection for a command range: the exact charwise visual selection when the range is
---the last visual one ('<,'> of `v` mode), else whole lines.
function M.range_selection(line1, line2)
  local buf = vim.api.nvim_get_current_buf()
  local s, e = vim.api.nvim_buf_get_mark(buf, '<'), vim.api.nvim_buf_get_mark(buf, '>')
  if vim.fn.visualmode() == 'v' and s[1] == line1 and e[1] == line2 then
    return context.selection(buf, 'v', line1, line2, s[2], e[2])
  end
  return context.selection(buf, 'V', line1, line2)
end

---A quick action on the selection (`visual`), a range, or the cursor region.
---@param action string explain|fix|test|doc
---@param o? { visual?: boolean, range?: { line1: integer, line2: integer }, message?: string }
function M.action(action, o)
  o = o or {}
  if not M.actions[action] then
    return notify.error(('unknown action %q (explain, fix, test, doc)'):format(tostring(action)))
  end
  local sel
  if o.visual then
    sel = context.visual()
  elseif o.range then
    sel = M.range_selection(o.range.line1, o.range.line2)
  end
  remember_source()
  M.send(o.message or '', { action = action, selection = sel })
end

local function transcript_row()
  local twin = panel.windows()
  local win = vim.api.nvim_get_current_win()
  if vim.api.nvim_win_get_buf(win) ~= transcript() then
    win = twin
  end
  return win and vim.api.nvim_win_get_cursor(win)[1] or vim.api.nvim_buf_line_count(transcript())
end

---Yanks the code block under the transcript cursor.
function M.yank_code()
  local lines = codeblock.yank(transcript(), transcript_row())
  if lines then
    fire('ZekeChatYank', { lines = #lines })
  end
  return lines
end

---Applies the code block under the transcript cursor to the source buffer (one undo step).
function M.apply_code()
  local lines = codeblock.at(transcript(), transcript_row())
  if not lines then
    return notify.warn('no code block under the cursor')
  end
  codeblock.apply(lines, source_win(), state.target, function(how)
    if how then
      track(nil)
      fire('ZekeChatApplied', { lines = #lines, preview = how == 'preview' })
    end
  end)
end

---Opens the panel with the visual selection as the context of the next message.
function M.with_selection()
  local sel = context.visual()
  remember_source()
  state.selection = sel
  M.open()
end

---@private for tests and :checkhealth
function M._state()
  return state
end

---Mappings from chat.keymaps (toggle, and explain/fix/test/doc in normal and visual mode).
function M.setup(o)
  o = o or {}
  local keys = o.keymaps or {}
  if keys.toggle then
    vim.keymap.set('n', keys.toggle, function()
      require('zeke.chat').toggle()
    end, { desc = 'zeke: toggle the chat' })
    vim.keymap.set('x', keys.toggle, "<Cmd>lua require('zeke.chat').with_selection()<CR>", {
      desc = 'zeke: open the chat with the selection as context',
    })
  end
  for action in pairs(M.actions) do
    local lhs = keys[action]
    if lhs then
      vim.keymap.set('n', lhs, function()
        require('zeke.chat').action(action)
      end, { desc = 'zeke: ' .. action })
      -- <Cmd>: no range inserted, so no E481; the selection is read while still in visual mode
      vim.keymap.set('x', lhs, ("<Cmd>lua require('zeke.chat').action(%q, { visual = true })<CR>"):format(action), {
        desc = 'zeke: ' .. action .. ' the selection',
      })
    end
  end
end

return M
