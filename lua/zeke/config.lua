-- Validates setup() options against lua/zeke/schema.lua (generated from the host's schema,
-- so a field gets the same message here as in the host) and fills in defaults.
-- A bad field is reported by name and dropped; the rest of the options still apply.
local M = {}

local schema = require('zeke.schema')

---@class zeke.ConfigIssue
---@field severity 'error'|'warn'
---@field field string
---@field message string
---@field source string

local function json_quote(s)
  local escaped = s:gsub('[%c"\\]', function(c)
    local named = { ['"'] = '\\"', ['\\'] = '\\\\', ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t' }
    return named[c] or string.format('\\u%04x', c:byte())
  end)
  return '"' .. escaped .. '"'
end

local function is_list(v)
  return type(v) == 'table' and (next(v) == nil or vim.islist(v))
end

---Lua's name for a value's type, as a Neovim user would say it.
local function type_name(v)
  if v == nil or v == vim.NIL then
    return 'nil'
  elseif type(v) == 'table' then
    return (next(v) ~= nil and vim.islist(v)) and 'list' or 'table'
  end
  return type(v)
end

local function describe_value(v)
  local t = type_name(v)
  local text = t
  if t == 'string' then
    text = t .. ' ' .. json_quote(v)
  elseif t == 'number' or t == 'boolean' then
    text = t .. ' ' .. tostring(v)
  end
  return text:sub(1, 80)
end

---What a schema node accepts, in a user's words (mirrors src/config/labels.ts).
---@private
function M.expected_label(node)
  if not node then
    return 'valid'
  end
  if node.expected then
    return node.expected
  end
  if node.enum then
    local parts = {}
    for _, v in ipairs(node.enum) do
      parts[#parts + 1] = type(v) == 'string' and json_quote(v) or tostring(v)
    end
    return 'one of ' .. table.concat(parts, ', ')
  end
  if node.const ~= nil then
    return type(node.const) == 'string' and json_quote(node.const) or tostring(node.const)
  end
  if node.anyOf then
    local parts = {}
    for _, b in ipairs(node.anyOf) do
      parts[#parts + 1] = M.expected_label(b)
    end
    return table.concat(parts, ' or ')
  end
  local t = node.type
  if t == 'string' then
    return node.format == 'uri' and 'a URL' or 'a string'
  elseif t == 'integer' then
    if node.minimum and node.minimum >= 0 then
      return 'a whole number ≥ ' .. node.minimum
    end
    return 'a whole number'
  elseif t == 'number' then
    return 'a number'
  elseif t == 'boolean' then
    return 'true or false'
  elseif t == 'array' then
    if node.items then
      return 'a list of ' .. M.expected_label(node.items):gsub('^an? (%w+)', '%1s')
    end
    return 'a list'
  elseif t == 'object' then
    return 'a table'
  end
  return 'valid'
end

local function format_path(path)
  local out = ''
  for _, key in ipairs(path) do
    if type(key) == 'number' then
      out = out .. '[' .. key .. ']'
    else
      out = out .. (out ~= '' and '.' or '') .. key
    end
  end
  return out ~= '' and out or '(top level)'
end

local function append(path, key)
  local p = vim.list_slice(path)
  p[#p + 1] = key
  return p
end

-- Checks a scalar or container against one node. Returns ok; nested problems of tables
-- are added to `issues` by `check` (containers only fail as a whole when the type is wrong).
local function matches_type(node, v)
  local t = node.type
  if node.const ~= nil then
    return v == node.const
  end
  if t == 'string' then
    if type(v) ~= 'string' then
      return false
    end
    if node.format == 'uri' and not v:match('^https?://[^%s]+$') then
      return false
    end
    if node.format == 'url-csv' then
      for item in (v .. ','):gmatch('([^,]*),') do
        if not vim.trim(item):match('^https?://[^%s,]+$') then
          return false
        end
      end
    end
    if node.lua_pattern and not v:match(node.lua_pattern) then
      return false
    end
  elseif t == 'integer' then
    if type(v) ~= 'number' or math.floor(v) ~= v then
      return false
    end
  elseif t == 'number' then
    if type(v) ~= 'number' then
      return false
    end
  elseif t == 'boolean' then
    if type(v) ~= 'boolean' then
      return false
    end
  elseif t == 'array' then
    if not is_list(v) then
      return false
    end
    if node.minItems and #v < node.minItems then
      return false
    end
  elseif t == 'object' then
    if type(v) ~= 'table' or (next(v) ~= nil and vim.islist(v)) then
      return false
    end
  end
  if node.enum and not vim.tbl_contains(node.enum, v) then
    return false
  end
  if type(v) == 'number' then
    if node.minimum and v < node.minimum then
      return false
    end
    if node.exclusiveMinimum and v <= node.exclusiveMinimum then
      return false
    end
  end
  return true
end

local check

-- A union is valid when one branch takes the value with no error. When exactly one branch
-- has the right container type (a list where a list or a string is allowed), its own,
-- more precise problems are reported — as zod does in the host.
local function check_union(node, v, path, issues)
  local typed = {}
  for _, branch in ipairs(node.anyOf) do
    local trial = {}
    local cleaned = check(branch, v, path, trial)
    local has_error = false
    for _, i in ipairs(trial) do
      has_error = has_error or i.severity == 'error'
    end
    if not has_error then
      vim.list_extend(issues, trial)
      return cleaned, true
    end
    if (branch.type == 'array' and is_list(v)) or (branch.type == 'object' and type(v) == 'table' and not is_list(v)) then
      typed[#typed + 1] = trial
    end
  end
  if #typed == 1 then
    vim.list_extend(issues, typed[1])
    return nil, true
  end
  return nil, false
end

---@return any cleaned value (nil when dropped)
check = function(node, v, path, issues)
  local field = format_path(path)
  local function fail()
    issues[#issues + 1] = {
      severity = 'error',
      field = field,
      message = ('`%s` should be %s, got %s'):format(field, M.expected_label(node), describe_value(v)),
      source = 'setup()',
    }
    return nil
  end
  if node.anyOf then
    local cleaned, ok = check_union(node, v, path, issues)
    if not ok then
      return fail()
    end
    return cleaned
  end
  if not matches_type(node, v) then
    return fail()
  end
  if node.type == 'array' then
    if node.items then
      local before = #issues
      for i, item in ipairs(v) do
        check(node.items, item, append(path, i), issues)
      end
      if #issues > before then
        -- Dropping one item would shift the rest; the whole list goes, as in the host.
        return nil
      end
    end
    return v
  end
  if node.type == 'object' then
    local out = {}
    for key, value in pairs(v) do
      local child = node.properties and node.properties[key]
      if not child and type(node.additionalProperties) == 'table' then
        child = node.additionalProperties
      end
      local child_path = append(path, key)
      if child then
        out[key] = check(child, value, child_path, issues)
      else
        local name = format_path(child_path)
        issues[#issues + 1] = {
          severity = 'warn',
          field = name,
          message = ('unknown option `%s` (ignored)'):format(name),
          source = 'setup()',
        }
      end
    end
    return out
  end
  return v
end

---Defaults of every property that has one, recursively.
local function defaults_of(node)
  if node.type ~= 'object' or not node.properties then
    return vim.deepcopy(node.default)
  end
  local out = vim.deepcopy(node.default) or {}
  for key, child in pairs(node.properties) do
    local d = defaults_of(child)
    if d ~= nil then
      out[key] = type(out[key]) == 'table' and type(d) == 'table' and vim.tbl_deep_extend('keep', out[key], d) or d
    end
  end
  return out
end

---@class zeke.Resolved
---@field options table  every option with defaults filled in
---@field user table     the user's valid options, as given (sent to the host to merge with zeke.toml)
---@field issues zeke.ConfigIssue[]

---@param opts table|nil
---@return zeke.Resolved
function M.resolve(opts)
  local issues = {}
  local user = {}
  if opts ~= nil then
    user = check(schema, opts, {}, issues) or {}
  end
  local options = vim.tbl_deep_extend('force', defaults_of(schema), user)
  options.log.file = options.log.file or (vim.fn.stdpath('log') .. '/zeke.log')
  return { options = options, user = user, issues = issues }
end

return M
