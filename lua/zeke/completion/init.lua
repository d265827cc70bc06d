-- Inline completion (ghost text): when to ask, what to keep, what to show, what a key does.
--
-- One suggestion "anchor" at a time: the position a request was made for, its suggestions
-- (variant 0 first, alternatives appended as the user cycles) and whether it still streams.
-- Every edit or cursor move either stays inside the anchor's suggestion (the user typed what
-- it predicted: shrink it, no request — "typeahead") or drops the anchor, cancelling its
-- request at the socket, and schedules a new one after the debounce.
local host = require('zeke.host')
local ghost = require('zeke.completion.ghost')
local gate = require('zeke.completion.gate')
local context = require('zeke.completion.context')
local keymaps = require('zeke.completion.keymaps')
local debounce = require('zeke.completion.debounce')
local notify = require('zeke.notify')

local M = {}

---@class zeke.completion.Anchor
---@field buf integer
---@field row integer 0-based
---@field col integer 0-based byte column
---@field before string the line before the anchor when asked (it must not change)
---@field after string the line after the anchor when asked
---@field params table the request's params (for variants and prefetch)
---@field items string[] suggestions: variant k at items[k+1]
---@field index integer the one shown
---@field cached boolean
---@field req_id? integer the primary request, while it streams
---@field variant_id? integer a variant request in flight
---@field exhausted? boolean no further distinct variants
---@field announced? boolean ZekeSuggestion fired

---@type table resolved `completion` options
local opts
local enabled = true
local augroup = vim.api.nvim_create_augroup('ZekeCompletion', { clear = true })
local deb = debounce.new('adaptive')
local timer ---@type uv.uv_timer_t?

local S = {
  anchor = nil, ---@type zeke.completion.Anchor?
  seen = nil, ---@type { buf: integer, tick: integer, row: integer, col: integer }?
  suppressed = false, -- dismissed: nothing until the next edit
  prefetch_id = nil, ---@type integer?
  requests = 0, -- complete requests sent (tests count them)
}

-- Errors the host already tells about (or that mean nothing went wrong).
local QUIET = { cancelled = true, host_unavailable = true, host_exited = true, disabled = true }

local function fire(pattern, data)
  vim.api.nvim_exec_autocmds('User', { pattern = pattern, data = data, modeline = false })
end

local function in_insert()
  return vim.fn.mode():sub(1, 1) == 'i'
end

local function cursor()
  local pos = vim.api.nvim_win_get_cursor(0)
  return pos[1] - 1, pos[2]
end

local function cancel_anchor(a)
  for _, key in ipairs({ 'req_id', 'variant_id' }) do
    local id = a[key]
    if id then
      a[key] = nil -- first, so the `cancelled` callback that cancel() runs is ignored
      host.cancel(id)
    end
  end
end

---Forgets the suggestion: cancels its requests and clears the ghost text.
local function drop()
  local a = S.anchor
  if a then
    S.anchor = nil
    cancel_anchor(a)
    ghost.clear(a.buf)
  end
end

local function stop_timer()
  if timer then
    timer:stop()
  end
end

---What the user typed since the anchor, if it is all still predicted by the shown suggestion
---(or nil: the suggestion no longer applies).
---@param a zeke.completion.Anchor
---@return string|nil typed
local function typed_since(a)
  if vim.api.nvim_get_current_buf() ~= a.buf then
    return nil
  end
  local row, col = cursor()
  if row < a.row or (row == a.row and col < a.col) then
    return nil
  end
  local line = vim.api.nvim_buf_get_lines(a.buf, a.row, a.row + 1, false)[1] or ''
  if line:sub(1, a.col) ~= a.before then
    return nil
  end
  local typed = table.concat(vim.api.nvim_buf_get_text(a.buf, a.row, a.col, row, col, {}), '\n')
  if row == a.row and line:sub(col + 1) ~= a.after then
    return nil -- text after the cursor changed (e.g. <Del>): not what was asked for
  end
  local text = a.items[a.index] or ''
  if text:sub(1, #typed) ~= typed then
    return nil
  end
  return typed
end

---Draws the anchor's current suggestion minus what was typed, at the cursor.
---@param a zeke.completion.Anchor
---@param typed string
local function render(a, typed)
  local text = a.items[a.index] or ''
  if opts.hide_with_menu and gate.menu_open() then
    return ghost.clear(a.buf)
  end
  local counter = (#a.items > 1 or a.variant_id) and ('%d/%d'):format(a.index, #a.items) or nil
  local row, col = cursor()
  ghost.show(a.buf, row, col, text:sub(#typed + 1), counter)
end

local ask -- forward

---Schedules a request after the debounce (or at once with 0).
local function schedule()
  stop_timer()
  local delay = deb:delay()
  if delay <= 0 then
    return ask()
  end
  timer = timer or vim.uv.new_timer()
  timer:start(delay, 0, vim.schedule_wrap(function()
    if in_insert() and not S.anchor then
      ask()
    end
  end))
end

---Handles an edit or cursor move in insert mode (TextChangedI, CursorMovedI, accept).
function M._on_edit()
  if not (enabled and opts and opts.enabled) then
    return
  end
  local buf = vim.api.nvim_get_current_buf()
  local row, col = cursor()
  local tick = vim.api.nvim_buf_get_changedtick(buf)
  local seen = S.seen
  if seen and seen.buf == buf and seen.tick == tick and seen.row == row and seen.col == col then
    return -- both events fire for one keystroke; the first did the work
  end
  local edited = not seen or seen.buf ~= buf or seen.tick ~= tick
  S.seen = { buf = buf, tick = tick, row = row, col = col }
  if edited then
    deb:key()
    S.suppressed = false
  end
  local a = S.anchor
  if a then
    local typed = typed_since(a)
    local text = a.items[a.index] or ''
    if typed and (#typed < #text or a.req_id) then
      return render(a, typed) -- typeahead: no request
    end
  end
  drop()
  stop_timer()
  if S.suppressed or not opts.auto_trigger then
    return
  end
  if gate.blocked(buf, opts) then
    return
  end
  schedule()
end

local function on_error(err)
  if not QUIET[err.code] then
    notify.warn('completion: ' .. (err.message or err.code), { once = 'completion:' .. tostring(err.code) })
  end
end

local function prefetch(a)
  if not opts.prefetch then
    return
  end
  if S.prefetch_id then
    host.cancel(S.prefetch_id) -- one speculative request at a time
  end
  local p = vim.deepcopy(a.params)
  p.prefix = p.prefix .. a.items[1]
  p.prefetch = true
  p.variant = 0
  local id
  id = host.request('complete', p, function()
    if S.prefetch_id == id then
      S.prefetch_id = nil
    end
  end)
  S.prefetch_id = id
end

---The answer or a progress update for anchor `a` arrived: show it if it still applies.
---@param a zeke.completion.Anchor
local function refresh(a)
  -- An edit may not have been seen yet (its autocmd comes after pending typeahead).
  M._on_edit()
  if S.anchor ~= a then
    return -- stale: never rendered
  end
  local typed = typed_since(a)
  if not typed then
    return drop()
  end
  render(a, typed)
end

---@param list any progress values ({ text } or a list of them)
local function last_text(list)
  if type(list) ~= 'table' then
    return nil
  end
  if type(list.text) == 'string' then
    return list.text
  end
  local last = list[#list]
  return type(last) == 'table' and type(last.text) == 'string' and last.text or nil
end

---Asks for a suggestion at the cursor now.
function ask()
  stop_timer()
  local buf = vim.api.nvim_get_current_buf()
  if not (enabled and opts and opts.enabled) or not in_insert() or gate.blocked(buf, opts) then
    return
  end
  if opts.hide_with_menu and gate.menu_open() then
    return
  end
  drop()
  local row, col = cursor()
  local line = vim.api.nvim_buf_get_lines(buf, row, row + 1, false)[1] or ''
  local prefix, suffix = context.around(buf, row, col, opts.lines_before, opts.lines_after)
  local path = vim.api.nvim_buf_get_name(buf)
  local params = {
    scope = 'buf:' .. buf,
    project = require('zeke.project').root(buf),
    filetype = vim.bo[buf].filetype,
    path = path ~= '' and path or nil,
    prefix = prefix,
    suffix = suffix,
    context = opts.other_buffers and context.other_buffers(buf, opts) or {},
    max_tokens = opts.max_tokens,
    variant = 0,
    prefetch = false,
  }
  if #params.context == 0 then
    params.context = nil -- the host defaults it; an empty Lua table would be sent as a map
  end
  ---@type zeke.completion.Anchor
  local a = {
    buf = buf,
    row = row,
    col = col,
    before = line:sub(1, col),
    after = line:sub(col + 1),
    params = params,
    items = { '' },
    index = 1,
    cached = false,
  }
  S.anchor = a
  S.requests = S.requests + 1
  local id
  id = host.request('complete', params, function(err, res)
    if a.req_id ~= id then
      return -- cancelled by us, or superseded
    end
    a.req_id = nil
    if err then
      on_error(err)
      if S.anchor == a then
        drop()
      end
      return
    end
    if not res.cached then
      deb:latency(res.ttfb_ms or res.duration_ms)
    end
    if type(res.slow) == 'table' and res.slow.message then
      notify.warn(res.slow.message, { once = 'completion:slow' })
    end
    a.items[1] = res.text or ''
    a.cached = res.cached == true
    if S.anchor ~= a then
      return
    end
    if a.items[1] == '' then
      return drop()
    end
    refresh(a)
    if S.anchor == a and ghost.text(a.buf) then
      a.announced = true
      fire('ZekeSuggestion', { text = a.items[1], cached = a.cached })
      prefetch(a)
    end
  end, {
    on_progress = function(list)
      local text = last_text(list)
      if text and a.req_id == id and S.anchor == a then
        a.items[1] = text
        refresh(a)
      end
    end,
  })
  a.req_id = id
end

---Inserts `text` at the cursor as one undo step and puts the cursor after it.
---@param text string
local function insert(text)
  local buf = vim.api.nvim_get_current_buf()
  local row, col = cursor()
  local lines = vim.split(text, '\n', { plain = true })
  -- Setting 'undolevels' (even to itself) closes the undo block: the accept is its own step.
  vim.go.undolevels = vim.go.undolevels
  vim.api.nvim_buf_set_text(buf, row, col, row, col, lines)
  local end_row = row + #lines - 1
  local end_col = (#lines == 1 and col or 0) + #lines[#lines]
  vim.api.nvim_win_set_cursor(0, { end_row + 1, end_col })
  vim.go.undolevels = vim.go.undolevels
end

---The part of `rest` a partial accept takes.
---@param rest string
---@param kind 'word'|'line'
---@return string
function M._piece(rest, kind)
  if kind == 'line' then
    local nl = rest:find('\n', 1, true)
    if nl == 1 then
      local nl2 = rest:find('\n', 2, true)
      return nl2 and rest:sub(1, nl2 - 1) or rest
    end
    return nl and rest:sub(1, nl - 1) or rest
  end
  return rest:match('^[ \t]*[%w_]+')
    or rest:match('^[ \t]*[^%w_%s]+')
    or rest:match('^\n[ \t]*')
    or rest:match('^%s+')
    or rest:sub(1, 1)
end

---@param kind 'all'|'word'|'line'
---@param action zeke.completion.Action
local function accept(kind, action)
  local a = S.anchor
  local typed = a and ghost.text(a.buf) and typed_since(a)
  local rest = typed and (a.items[a.index] or ''):sub(#typed + 1) or ''
  if rest == '' then
    return keymaps.fallback(action)
  end
  local piece = kind == 'all' and rest or M._piece(rest, kind)
  if kind == 'all' then
    cancel_anchor(a) -- the stream is of no use once all of it is in the buffer
  end
  insert(piece)
  M._on_edit() -- typeahead keeps the rest shown (partial) or asks again (all)
  fire('ZekeSuggestionAccepted', { text = piece, kind = kind })
end

---Accepts the whole suggestion; with none shown, the key does what it did before zeke.
function M.accept()
  accept('all', 'accept')
end

---Accepts up to the next word boundary.
function M.accept_word()
  accept('word', 'accept_word')
end

---Accepts the rest of the suggestion's current line.
function M.accept_line()
  accept('line', 'accept_line')
end

---@param step 1|-1
local function cycle(step)
  local a = S.anchor
  local typed = a and typed_since(a)
  if not a or not typed or a.req_id then
    if not a then
      M.trigger()
    end
    return
  end
  local want = a.index + step
  if want >= 1 and want <= #a.items then
    a.index = want
  elseif a.exhausted or #a.items > 8 or step < 0 and #a.items > 1 then
    a.index = (want - 1) % #a.items + 1
  elseif not a.variant_id then
    -- Alternatives are fetched lazily, one per press, and kept for cycling back.
    local p = vim.deepcopy(a.params)
    p.variant = #a.items
    S.requests = S.requests + 1
    local id
    id = host.request('complete', p, function(err, res)
      if a.variant_id ~= id then
        return
      end
      a.variant_id = nil
      if err then
        return on_error(err)
      end
      local text = res.text or ''
      if text == '' or vim.tbl_contains(a.items, text) then
        a.exhausted = true -- nothing new: wrap around to the first
        a.index = step > 0 and (a.index % #a.items) + 1 or a.index
      else
        a.items[#a.items + 1] = text
        a.index = #a.items
      end
      if S.anchor == a then
        local t = typed_since(a)
        if t then
          render(a, t)
          fire('ZekeSuggestion', { text = a.items[a.index], cached = res.cached == true, index = a.index })
        end
      end
    end)
    a.variant_id = id
    return render(a, typed)
  else
    return
  end
  local t = typed_since(a)
  if t then
    render(a, t)
    fire('ZekeSuggestion', { text = a.items[a.index], cached = a.cached, index = a.index })
  else
    ghost.clear(a.buf) -- this alternative does not start with what was typed
  end
end

---Shows the next suggestion (fetching alternatives as needed).
function M.next()
  cycle(1)
end

---Shows the previous suggestion.
function M.prev()
  cycle(-1)
end

---Hides the suggestion; nothing more until the next edit. With none shown, the key's own job.
function M.dismiss()
  if not S.anchor then
    return keymaps.fallback('dismiss')
  end
  drop()
  stop_timer()
  S.suppressed = true
end

---Asks for a suggestion now (also with auto_trigger off).
function M.trigger()
  S.suppressed = false
  local buf = vim.api.nvim_get_current_buf()
  local row, col = cursor()
  S.seen = { buf = buf, tick = vim.api.nvim_buf_get_changedtick(buf), row = row, col = col }
  ask()
end

---Whether a suggestion is shown (for a <Tab> mapping of your own, e.g. in nvim-cmp).
---@return boolean
function M.visible()
  return S.anchor ~= nil and ghost.text(S.anchor.buf) ~= nil
end

---Turns inline completion on or off for the session (:ZekeComplete); nil toggles.
---@param on? boolean
---@return boolean enabled
function M.enable(on)
  if on == nil then
    on = not enabled
  end
  enabled = on
  if not on then
    drop()
    stop_timer()
  end
  return enabled
end

---@private A snapshot for tests.
function M._state()
  local a = S.anchor
  return {
    requests = S.requests,
    delay = deb:delay(),
    suppressed = S.suppressed,
    shown = a and ghost.text(a.buf) or nil,
    items = a and a.items or nil,
    index = a and a.index or nil,
    streaming = a and a.req_id ~= nil or false,
  }
end

local function on_leave()
  drop()
  stop_timer()
  S.seen = nil
  S.suppressed = false
end

local handlers = {
  accept = M.accept,
  accept_word = M.accept_word,
  accept_line = M.accept_line,
  next = M.next,
  prev = M.prev,
  dismiss = M.dismiss,
  trigger = M.trigger,
}

---@param action zeke.completion.Action
function M.run(action)
  handlers[action]()
end

---Called by require('zeke').setup(): options, keys, autocommands. Safe to call again.
---@param options table resolved `completion` options
function M.setup(options)
  opts = options
  deb = debounce.new(options.debounce_ms)
  ghost.highlights()
  vim.api.nvim_clear_autocmds({ group = augroup })
  on_leave()
  keymaps.setup(options.enabled and options.keymaps or {}, M.run)
  if not options.enabled then
    return
  end
  local au = function(ev, cb, pattern)
    vim.api.nvim_create_autocmd(ev, { group = augroup, pattern = pattern, callback = cb })
  end
  au('ColorScheme', ghost.highlights)
  au({ 'TextChangedI', 'CursorMovedI', 'TextChangedP' }, function()
    M._on_edit()
  end)
  au('InsertEnter', function()
    S.seen = nil
    vim.schedule(function() -- the cursor is in its insert position after InsertEnter
      if in_insert() then
        M._on_edit()
      end
    end)
  end)
  au({ 'InsertLeave', 'BufLeave' }, on_leave)
  -- Completion menus: hide while open, show again when closed.
  au('CompleteChanged', function()
    if opts.hide_with_menu and S.anchor then
      ghost.clear(S.anchor.buf)
    end
  end)
  au('CompleteDone', function()
    vim.schedule(function()
      local a = S.anchor
      local typed = a and in_insert() and typed_since(a)
      if typed then
        render(a, typed)
      end
    end)
  end)
  au('User', function(ev)
    local a = S.anchor
    if not (a and opts.hide_with_menu) then
      return
    end
    if ev.match == 'BlinkCmpMenuOpen' then
      ghost.clear(a.buf)
    else
      vim.schedule(function()
        local typed = in_insert() and typed_since(a)
        if typed and S.anchor == a then
          render(a, typed)
        end
      end)
    end
  end, { 'BlinkCmpMenuOpen', 'BlinkCmpMenuClose' })
end

return M
