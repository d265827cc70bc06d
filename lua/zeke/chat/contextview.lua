-- :ZekeContext: the added files in a float (dd / x remove the one under the cursor), and the
-- host's preview of what would be sent (context.preview: lines, tokens vs budget).
local context = require('zeke.chat.context')

local M = {}

local function lines_for(files, preview)
  local out = { '# Context files (dd / x: remove, q: close)' }
  if #files == 0 then
    out[#out + 1] = '  (none: :ZekeContext add [path])'
  end
  for _, f in ipairs(files) do
    out[#out + 1] = vim.fn.fnamemodify(f, ':~:.')
  end
  out[#out + 1] = ''
  out[#out + 1] = '# Preview'
  for _, l in ipairs(preview) do
    for _, piece in ipairs(vim.split(tostring(l), '\n', { plain = true })) do
      out[#out + 1] = piece
    end
  end
  return out
end

---@param win integer|nil the source window (context as a question from it would have)
function M.show(win)
  local files = context.files()
  local preview = { '(loading…)' }
  local buf, fwin = require('zeke.ui.report').show('zeke: context', lines_for(files, preview))
  vim.bo[buf].filetype = 'markdown'
  local function redraw()
    if not vim.api.nvim_buf_is_valid(buf) then
      return
    end
    files = context.files()
    vim.bo[buf].modifiable = true
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines_for(files, preview))
    vim.bo[buf].modifiable = false
  end
  local function refresh()
    preview = { '(loading…)' }
    redraw()
    require('zeke.host').request('context.preview', {
      project = require('zeke.project').root(win and vim.api.nvim_win_is_valid(win) and vim.api.nvim_win_get_buf(win) or 0),
      context = context.build(win),
    }, function(err, res)
      if err then
        preview = { '> ✗ ' .. (err.message or err.code) }
      else
        preview = vim.deepcopy(type(res) == 'table' and type(res.lines) == 'table' and res.lines or {})
        if type(res) == 'table' and res.tokens then
          preview[#preview + 1] = ('%s / %s tokens'):format(tostring(res.tokens), tostring(res.budget))
        end
      end
      redraw()
      vim.api.nvim_exec_autocmds('User', { pattern = 'ZekeContextPreview', data = { lines = #preview }, modeline = false })
    end)
  end
  local function remove()
    local row = vim.api.nvim_win_get_cursor(fwin)[1]
    local f = files[row - 1]
    if f and row >= 2 then
      context.remove(f)
      refresh()
    end
  end
  for _, key in ipairs({ 'dd', 'x' }) do
    vim.keymap.set('n', key, remove, { buffer = buf, nowait = true, desc = 'zeke: remove from the context' })
  end
  refresh()
  return buf, fwin
end

---:ZekeContext [add [path] | remove path | clear]
function M.command(args, win)
  local words = vim.split(vim.trim(args or ''), '%s+', { trimempty = true })
  local sub = words[1]
  local path = table.concat(vim.list_slice(words, 2), ' ')
  local notify = require('zeke.notify')
  if not sub then
    return M.show(win)
  elseif sub == 'add' then
    if path == '' then
      path = vim.api.nvim_buf_get_name(0)
      if path == '' or vim.bo.buftype ~= '' then
        return notify.warn('this buffer has no file: :ZekeContext add {path}')
      end
    end
    path = vim.fn.expand(path)
    if vim.fn.filereadable(path) ~= 1 and vim.fn.bufnr(path) < 0 then
      return notify.warn('no such file: ' .. path)
    end
    if context.add(path) then
      notify.info('context: added ' .. vim.fn.fnamemodify(path, ':~:.'))
    end
  elseif sub == 'remove' then
    if not context.remove(vim.fn.fnamemodify(vim.fn.expand(path), ':p')) then
      notify.warn('not in the context: ' .. path)
    end
  elseif sub == 'clear' then
    context.clear()
  else
    notify.error('usage: :ZekeContext [add [path] | remove {path} | clear]')
  end
end

function M.complete(arglead, cmdline)
  local words = vim.split(cmdline, '%s+', { trimempty = true })
  local n = #words + (cmdline:match('%s$') and 1 or 0)
  if n <= 2 then
    return vim.tbl_filter(function(s)
      return s:find(arglead, 1, true) == 1
    end, { 'add', 'remove', 'clear' })
  end
  if words[2] == 'remove' then
    return vim.tbl_map(function(f)
      return vim.fn.fnamemodify(f, ':~:.')
    end, context.files())
  end
  return vim.fn.getcompletion(arglead, 'file')
end

return M
