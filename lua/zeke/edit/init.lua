-- Edits with a diff preview: :ZekeEdit asks the host for hunks (edit.propose), a chat code
-- block becomes hunks too (edit.from_text); they are shown, never written, until accepted one
-- by one or all at once. One proposal per buffer. Hunk positions follow the user's edits
-- (extmarks, zeke.edit.track); a hunk whose region changed is re-anchored by the host
-- (edit.reanchor) or marked as a conflict, and a conflict is never applied.
local host = require('zeke.host')
local notify = require('zeke.notify')
local track = require('zeke.edit.track')
local preview = require('zeke.edit.preview')

local M = {}

---@type table<integer, table> buf → proposal
local proposals = {}

local augroup = vim.api.nvim_create_augroup('ZekeEdit', { clear = true })

local function fire(pattern, data)
  vim.api.nvim_exec_autocmds('User', { pattern = pattern, data = data, modeline = false })
end

local function opts()
  local o = host.options()
  return (o and o.edit) or { preview = 'inline', keymaps = {} }
end

function M.setup()
  preview.highlights()
  vim.api.nvim_create_autocmd('ColorScheme', { group = augroup, callback = preview.highlights })
end

local function pending(p)
  local out = {}
  for _, h in ipairs(p.hunks) do
    if not h.done then
      out[#out + 1] = h
    end
  end
  local rows = {}
  for _, h in ipairs(out) do
    rows[h] = track.rows(p.buf, h) or math.huge
  end
  table.sort(out, function(a, b)
    return rows[a] < rows[b]
  end)
  return out
end

---The proposal of `buf` (for tests and statuslines), or nil.
function M.get(buf)
  return proposals[buf == 0 and vim.api.nvim_get_current_buf() or buf or vim.api.nvim_get_current_buf()]
end

-- ── keys ────────────────────────────────────────────────────────────────────────────────

local ACTIONS = { 'next', 'prev', 'accept', 'reject', 'accept_all', 'reject_all' }

local function map(p, lhs, fn, desc)
  if not lhs or lhs == '' then
    return
  end
  local old = vim.fn.maparg(lhs, 'n', false, true)
  if old and old.buffer == 1 then
    p.saved_maps[#p.saved_maps + 1] = old
  end
  vim.keymap.set('n', lhs, fn, { buffer = p.buf, nowait = true, desc = 'zeke: ' .. desc })
  p.mapped[#p.mapped + 1] = lhs
end

local function set_keys(p)
  vim.api.nvim_buf_call(p.buf, function()
    for _, action in ipairs(ACTIONS) do
      map(p, p.keys[action], function()
        M.command(action)
      end, 'edit ' .. action:gsub('_', ' '))
    end
    if p.streaming then
      map(p, '<C-c>', function()
        M.cancel()
      end, 'cancel the edit')
    end
  end)
end

local function unset_keys(p)
  if not vim.api.nvim_buf_is_valid(p.buf) then
    return
  end
  vim.api.nvim_buf_call(p.buf, function()
    for _, lhs in ipairs(p.mapped) do
      pcall(vim.keymap.del, 'n', lhs, { buffer = p.buf })
    end
    for _, m in ipairs(p.saved_maps) do
      pcall(vim.fn.mapset, 'n', false, m)
    end
  end)
  p.mapped, p.saved_maps = {}, {}
end

-- ── lifecycle ───────────────────────────────────────────────────────────────────────────

local function redraw(p)
  if proposals[p.buf] ~= p then
    return
  end
  preview.draw(p)
  fire('ZekeEditHunks', { count = #pending(p) })
end

local function finish(p, cancelled)
  if proposals[p.buf] ~= p then
    return
  end
  proposals[p.buf] = nil
  if p.request then
    local id = p.request
    p.request = nil
    host.cancel(id)
  end
  p.streaming = false
  for _, h in ipairs(p.hunks) do
    track.forget(p.buf, h)
  end
  preview.clear(p)
  unset_keys(p)
  pcall(vim.api.nvim_del_augroup_by_id, p.augroup)
  fire('ZekeEditDone', { accepted = p.accepted, rejected = p.rejected, cancelled = cancelled or false })
end

local function maybe_done(p)
  if not p.streaming and #pending(p) == 0 then
    finish(p)
    return true
  end
end

---Adds or updates hunks from the host (relative to the text of `tick`).
local function merge(p, hunks, tick)
  local changed = vim.api.nvim_buf_get_changedtick(p.buf) ~= tick
  for _, nh in ipairs(hunks or {}) do
    local h = p.byid[nh.id]
    if not h then
      h = {
        id = nh.id,
        start_line = nh.start_line,
        end_line = nh.end_line,
        old_lines = nh.old_lines or {},
        new_lines = nh.new_lines or {},
        before = nh.before or {},
        after = nh.after or {},
        conflict = nh.conflict,
      }
      p.byid[h.id] = h
      p.hunks[#p.hunks + 1] = h
      track.place(p.buf, h)
      if changed then
        p.dirty = true -- placed by the sent text's lines: verified (re-anchored) below
      end
    end
  end
end

local reanchor

local function on_changed(p)
  if proposals[p.buf] ~= p then
    return
  end
  local stale = false
  for _, h in ipairs(pending(p)) do
    if h.conflict and h.local_conflict and track.holds(p.buf, h) then
      h.conflict, h.local_conflict = nil, nil -- the user undid the edit that broke it
    elseif not h.conflict and not track.holds(p.buf, h) then
      stale = true
    end
  end
  if stale then
    reanchor(p)
  else
    redraw(p)
  end
end

---Asks the host where the hunks whose region changed are now; marks the ones it cannot place.
---@param then_ fun()|nil runs after the answer (on the same text)
reanchor = function(p, then_)
  local list = {}
  for _, h in ipairs(pending(p)) do
    if not h.conflict then
      list[#list + 1] = track.current(p.buf, h)
    end
  end
  if #list == 0 then
    redraw(p)
    return then_ and then_()
  end
  local tick = vim.api.nvim_buf_get_changedtick(p.buf)
  local text = table.concat(vim.api.nvim_buf_get_lines(p.buf, 0, -1, false), '\n')
  p.reanchoring = (p.reanchoring or 0) + 1
  host.request('edit.reanchor', { text = text, hunks = list }, function(err, res)
    p.reanchoring = p.reanchoring - 1
    if proposals[p.buf] ~= p then
      return
    end
    if vim.api.nvim_buf_get_changedtick(p.buf) ~= tick then
      return on_changed(p) -- the text moved on: ask again about the newest
    end
    local answered = {}
    if not err and res and type(res.hunks) == 'table' then
      for _, nh in ipairs(res.hunks) do
        local h = p.byid[nh.id]
        if h and not h.done then
          answered[h.id] = true
          if nh.conflict and nh.conflict ~= vim.NIL then
            h.conflict = nh.conflict
          else
            h.old_lines = nh.old_lines or h.old_lines
            h.new_lines = nh.new_lines or h.new_lines
            h.before, h.after = nh.before or h.before, nh.after or h.after
            h.start_line, h.end_line = nh.start_line, nh.end_line
            track.place(p.buf, h)
          end
        end
      end
    end
    -- whatever still does not hold its old lines is a conflict: never clobber user text
    for _, h in ipairs(pending(p)) do
      if not h.conflict and not track.holds(p.buf, h) then
        h.conflict = err and ('the text changed (%s)'):format(err.message) or 'the text under it changed'
      end
      if h.conflict and track.rows(p.buf, h) then
        h.local_conflict = true
      end
    end
    redraw(p)
    if then_ then
      then_()
    end
  end)
end

local function new_proposal(buf, kind)
  if proposals[buf] then
    notify.warn('an edit is already pending in this buffer: :ZekeDiff accept_all / reject_all / cancel')
    return nil
  end
  local o = opts()
  local keys = {}
  for _, a in ipairs(ACTIONS) do
    local k = o.keymaps and o.keymaps[a]
    keys[a] = (k and k ~= '' and k) or nil
  end
  local p = {
    buf = buf,
    kind = kind,
    mode = o.preview == 'split' and 'split' or 'inline',
    keys = keys,
    hunks = {},
    byid = {},
    accepted = 0,
    rejected = 0,
    mapped = {},
    saved_maps = {},
    pending = pending,
    tick = vim.api.nvim_buf_get_changedtick(buf),
  }
  proposals[buf] = p
  p.augroup = vim.api.nvim_create_augroup('ZekeEdit' .. buf, { clear = true })
  vim.api.nvim_create_autocmd({ 'TextChanged', 'TextChangedI' }, {
    group = p.augroup,
    buffer = buf,
    callback = function()
      if p.applying then
        return
      end
      on_changed(p)
    end,
  })
  vim.api.nvim_create_autocmd('BufWipeout', {
    group = p.augroup,
    buffer = buf,
    callback = function()
      finish(p, true)
    end,
  })
  return p
end

local function buffer_text(buf)
  return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
end

local function summary(res)
  local line = require('zeke.chat.render').header(res):gsub('^## zeke · ?', '')
  return line ~= '## zeke' and line or nil
end

---:[range]ZekeEdit {instruction}
---@param instruction string
---@param range? { line1: integer, line2: integer }
function M.propose(instruction, range)
  instruction = vim.trim(instruction or '')
  if instruction == '' then
    return notify.warn('usage: :[range]ZekeEdit {instruction}')
  end
  local buf = vim.api.nvim_get_current_buf()
  if not vim.bo[buf].modifiable then
    return notify.warn('the buffer is not modifiable')
  end
  local p = new_proposal(buf, 'propose')
  if not p then
    return
  end
  p.streaming = true
  set_keys(p)
  local tick = p.tick
  local params = {
    project = require('zeke.project').root(buf),
    path = vim.api.nvim_buf_get_name(buf) ~= '' and vim.api.nvim_buf_get_name(buf) or nil,
    filetype = vim.bo[buf].filetype,
    text = buffer_text(buf),
    range = range and { start_line = range.line1, end_line = range.line2 } or nil,
    instruction = instruction,
    scope = 'buf:' .. buf,
  }
  p.request = host.request('edit.propose', params, function(err, res)
    p.request = nil
    if proposals[buf] ~= p then
      return
    end
    p.streaming = false
    -- <C-c> was only for the stream
    pcall(vim.keymap.del, 'n', '<C-c>', { buffer = buf })
    if err then
      if err.code ~= 'cancelled' then
        notify.error('edit failed: ' .. err.message)
      end
      return finish(p, err.code == 'cancelled')
    end
    merge(p, res.hunks, tick)
    p.summary = summary(res)
    local unanchored = type(res.unanchored) == 'table' and res.unanchored or {}
    if #unanchored > 0 then
      local why = {}
      for _, u in ipairs(unanchored) do
        why[#why + 1] = '- ' .. tostring(u.reason) .. (u.excerpt and u.excerpt ~= '' and (': ' .. vim.split(u.excerpt, '\n')[1]) or '')
      end
      notify.warn(('%d proposed edit(s) could not be placed:\n%s'):format(#unanchored, table.concat(why, '\n')))
    end
    local n = #pending(p)
    notify.info(('edit: %d hunk%s%s'):format(n, n == 1 and '' or 's', p.summary and (' · ' .. p.summary) or ''))
    if maybe_done(p) then
      return
    end
    if p.dirty then
      p.dirty = false
      on_changed(p)
    else
      redraw(p)
    end
  end, {
    on_progress = function(values)
      if proposals[buf] ~= p or not p.streaming then
        return
      end
      local last = type(values) == 'table' and values[#values]
      if last and last.hunks then
        merge(p, last.hunks, tick)
        if p.dirty then
          p.dirty = false
          on_changed(p)
        else
          redraw(p)
        end
      end
    end,
  })
  redraw(p)
end

---Shows the hunks turning lines `range` of `buf` into `replacement` (a chat code block).
---`fallback()` runs instead when the host cannot compute them.
---@param buf integer
---@param range { start_line: integer, end_line: integer }|nil
---@param replacement string[]
---@param fallback? fun(err: table)
---@param shown? fun() runs once the preview is shown
function M.from_text(buf, range, replacement, fallback, shown)
  if proposals[buf] then
    return notify.warn('an edit is already pending in that buffer: :ZekeDiff accept_all / reject_all / cancel')
  end
  local tick = vim.api.nvim_buf_get_changedtick(buf)
  host.request('edit.from_text', { text = buffer_text(buf), range = range, replacement = table.concat(replacement, '\n') }, function(err, res)
    if err then
      if fallback then
        return fallback(err)
      end
      return notify.error('cannot preview the edit: ' .. err.message)
    end
    local p = new_proposal(buf, 'from_text')
    if not p then
      return
    end
    p.tick = tick
    set_keys(p)
    merge(p, res.hunks, tick)
    if #p.hunks == 0 then
      notify.info('nothing to change: the code is already there')
    end
    if maybe_done(p) then
      return shown and shown()
    end
    if p.dirty then
      p.dirty = false
      on_changed(p)
    else
      redraw(p)
    end
    local win = vim.fn.bufwinid(buf)
    local first = pending(p)[1]
    if win ~= -1 and first then
      local srow = track.rows(buf, first)
      vim.api.nvim_win_set_cursor(win, { math.max(1, math.min(srow + 1, vim.api.nvim_buf_line_count(buf))), 0 })
    end
    if shown then
      shown()
    end
  end)
end

-- ── hunk actions ────────────────────────────────────────────────────────────────────────

---The hunk under the cursor, else the next one below, else the last one above.
local function at_cursor(p)
  local row = vim.api.nvim_win_get_cursor(0)[1] - 1
  local list = pending(p)
  local below, above
  for _, h in ipairs(list) do
    local srow, erow = track.rows(p.buf, h)
    if srow then
      local last = math.max(erow - 1, srow)
      if row >= (erow == srow and srow - 1 or srow) and row <= last then
        return h
      end
      if srow > row and not below then
        below = h
      end
      if last < row then
        above = h
      end
    end
  end
  return below or above
end

local function index_of(p, h)
  for i, x in ipairs(pending(p)) do
    if x == h then
      return i
    end
  end
end

---Writes one hunk at its tracked position (must hold). Joins the proposal's undo block when
---nothing else changed the buffer since the previous hunk was applied.
local function write(p, h)
  local srow, erow = track.rows(p.buf, h)
  p.applying = true
  local ok, e = pcall(vim.api.nvim_buf_call, p.buf, function()
    if p.undo_tick and p.undo_tick == vim.api.nvim_buf_get_changedtick(p.buf) then
      pcall(vim.cmd, 'undojoin')
    end
    vim.api.nvim_buf_set_lines(p.buf, srow, erow, false, h.new_lines)
  end)
  p.applying = false
  if not ok then
    notify.error('could not apply the hunk: ' .. tostring(e))
    return false
  end
  p.undo_tick = vim.api.nvim_buf_get_changedtick(p.buf)
  h.done = 'accepted'
  p.accepted = p.accepted + 1
  track.forget(p.buf, h)
  return true
end

local function refuse(p, h)
  notify.warn(('hunk %d conflicts with your edits (%s): not applied; reject it or edit by hand'):format(index_of(p, h) or 0, h.conflict))
end

---Accepts one hunk: applied only where the buffer still has its old lines (re-anchored first
---when it does not). `done(ok)` runs after.
local function accept(p, h, done)
  done = done or function() end
  if h.conflict then
    refuse(p, h)
    return done(false)
  end
  if track.holds(p.buf, h) then
    local ok = write(p, h)
    return done(ok)
  end
  reanchor(p, function()
    if h.done then
      return done(false)
    end
    if h.conflict or not track.holds(p.buf, h) then
      h.conflict = h.conflict or 'the text under it changed'
      refuse(p, h)
      return done(false)
    end
    done(write(p, h))
  end)
end

local function after_action(p)
  if not maybe_done(p) then
    redraw(p)
  end
end

-- The pending proposal of `buf` and the hunk under the cursor (else the next), or a warning.
local function target(buf, verb)
  local p = M.get(buf)
  if not p then
    return notify.warn('no pending edit in this buffer')
  end
  local h = at_cursor(p)
  if not h then
    return notify.warn('no hunk to ' .. verb)
  end
  return p, h
end

function M.accept(buf)
  local p, h = target(buf, 'accept')
  if not h then
    return
  end
  accept(p, h, function()
    after_action(p)
  end)
end

function M.reject(buf)
  local p, h = target(buf, 'reject')
  if not h then
    return
  end
  h.done = 'rejected'
  p.rejected = p.rejected + 1
  track.forget(p.buf, h)
  after_action(p)
end

function M.accept_all(buf)
  local p = M.get(buf)
  if not p then
    return notify.warn('no pending edit in this buffer')
  end
  local list = pending(p)
  local refused = 0
  local function step(i)
    if proposals[p.buf] ~= p then
      return
    end
    local h = list[i]
    if not h then
      if refused > 0 then
        redraw(p)
      end
      return after_action(p)
    end
    if h.done then
      return step(i + 1)
    end
    accept(p, h, function(ok)
      if not ok then
        refused = refused + 1
      end
      step(i + 1)
    end)
  end
  step(1)
end

function M.reject_all(buf)
  local p = M.get(buf)
  if not p then
    return notify.warn('no pending edit in this buffer')
  end
  for _, h in ipairs(pending(p)) do
    h.done = 'rejected'
    p.rejected = p.rejected + 1
    track.forget(p.buf, h)
  end
  if p.streaming then
    return M.cancel(buf)
  end
  after_action(p)
end

local function jump(p, dir)
  local row = vim.api.nvim_win_get_cursor(0)[1] - 1
  local list = pending(p)
  local target
  for i = dir > 0 and 1 or #list, dir > 0 and #list or 1, dir do
    local srow = track.rows(p.buf, list[i])
    if srow and ((dir > 0 and srow > row) or (dir < 0 and srow < row)) then
      target = srow
      break
    end
  end
  if not target and #list > 0 then
    target = track.rows(p.buf, list[dir > 0 and 1 or #list]) -- wrap around
  end
  if target then
    vim.api.nvim_win_set_cursor(0, { math.max(1, math.min(target + 1, vim.api.nvim_buf_line_count(p.buf))), 0 })
  end
end

function M.next(buf)
  local p = M.get(buf)
  if p then
    jump(p, 1)
  end
end

function M.prev(buf)
  local p = M.get(buf)
  if p then
    jump(p, -1)
  end
end

---Stops the request and drops the preview: the buffer is left as it is.
function M.cancel(buf)
  local p = M.get(buf)
  if not p then
    return notify.warn('no pending edit in this buffer')
  end
  finish(p, true)
end

local COMMANDS = {
  accept = M.accept,
  reject = M.reject,
  accept_all = M.accept_all,
  reject_all = M.reject_all,
  next = M.next,
  prev = M.prev,
  cancel = M.cancel,
}

M.subcommands = { 'accept', 'reject', 'accept_all', 'reject_all', 'next', 'prev', 'cancel' }

---:ZekeDiff {action}
function M.command(action)
  local fn = COMMANDS[vim.trim(action or '')]
  if not fn then
    return notify.warn('usage: :ZekeDiff ' .. table.concat(M.subcommands, ' | '))
  end
  fn(vim.api.nvim_get_current_buf())
end

return M
