-- Whether a buffer may get suggestions at all, and whether one may be shown right now.
-- Cheap checks first: this runs on every keystroke.
local M = {}

---@type table<string, vim.regex>
local compiled = {}

---@param pattern string a glob, matched against the file name (or the whole path if it has a /)
local function regex(pattern)
  local re = compiled[pattern]
  if not re then
    local ok, r = pcall(vim.regex, vim.fn.glob2regpat(pattern))
    re = ok and r or false
    compiled[pattern] = re
  end
  return re or nil
end

---Whether `path` matches one of the secret patterns (.env, keys…): never sent to a model.
---@param path string
---@param patterns string[]
---@return boolean
function M.is_secret(path, patterns)
  if path == '' then
    return false
  end
  local name = vim.fs.basename(path)
  for _, p in ipairs(patterns or {}) do
    local re = regex(p)
    if re then
      local subject = p:find('/', 1, true) and path or name
      if re:match_str(subject) then
        return true
      end
    end
  end
  return false
end

---Whether filetype `ft` is on per the `filetypes` option ("*" is the default, else on).
---@param ft string
---@param filetypes table<string, boolean>
function M.filetype_on(ft, filetypes)
  filetypes = filetypes or {}
  local v = filetypes[ft]
  if v == nil then
    v = filetypes['*']
  end
  return v ~= false
end

---Why `buf` gets no suggestions, or nil when it may. Per-buffer facts only (not the menu).
---@param buf integer
---@param opts table resolved `completion` options
---@return string|nil reason
function M.blocked(buf, opts)
  if vim.g.zeke_disable or vim.b[buf].zeke_disable then
    return 'disabled'
  end
  local bt = vim.bo[buf].buftype
  -- prompt (chat input), terminal, nofile (scratch/UI), help, quickfix: not code the user writes.
  if bt ~= '' and bt ~= 'acwrite' then
    return 'buftype'
  end
  if not vim.bo[buf].modifiable then
    return 'readonly'
  end
  if not M.filetype_on(vim.bo[buf].filetype, opts.filetypes) then
    return 'filetype'
  end
  if not opts.allow_secret_files and M.is_secret(vim.api.nvim_buf_get_name(buf), opts.secret_files) then
    return 'secret'
  end
  local lines = vim.api.nvim_buf_line_count(buf)
  if vim.api.nvim_buf_get_offset(buf, lines) > opts.max_file_kb * 1024 then
    return 'size'
  end
  return nil
end

---Whether a completion menu is open: built-in, nvim-cmp or blink.cmp. Only looks at plugins
---that are already loaded, and never lets their errors reach the keystroke path.
---@return boolean
function M.menu_open()
  if vim.fn.pumvisible() == 1 then
    return true
  end
  local cmp = package.loaded['cmp']
  if cmp and type(cmp.visible) == 'function' then
    local ok, v = pcall(cmp.visible)
    if ok and v then
      return true
    end
  end
  local blink = package.loaded['blink.cmp']
  if blink then
    for _, fn in ipairs({ 'is_menu_visible', 'is_visible' }) do
      if type(blink[fn]) == 'function' then
        local ok, v = pcall(blink[fn])
        if ok and v then
          return true
        end
        break
      end
    end
  end
  return false
end

return M
