-- :ZekeModel — which model each feature (completion, chat, edit) uses, per project.
--   :ZekeModel                      pick the chat model from aliases and discovered models
--   :ZekeModel code-smart           set the chat model
--   :ZekeModel completion=code-fast set another feature's model
--   :ZekeModel completion=          pick for that feature
local host = require('zeke.host')
local notify = require('zeke.notify')
local project = require('zeke.project')

local M = {}

M.FEATURES = { 'chat', 'completion', 'edit' }
local DEFAULT_FEATURE = 'chat'

---The host's model list (aliases + discovered models), or nil when the host is not ready.
local function catalog()
  if host.status().status ~= 'ready' then
    return nil
  end
  local ok, res = pcall(host.call, 'models', { project = project.root() })
  return ok and res or nil
end

---@private Parses "completion=code-fast" / "code-fast" / "completion=".
function M.parse(arg)
  local feature, model = arg:match('^(%a+)=(.*)$')
  if feature then
    return feature, model
  end
  return DEFAULT_FEATURE, arg
end

-- JSON null arrives as vim.NIL; treat it as absent.
local function nn(v)
  if v == vim.NIL then
    return nil
  end
  return v
end

local function describe(item)
  local where = item.local_ and 'local' or 'cloud'
  local price = ''
  if item.price and not item.local_ then
    price = ('  $%.2f/$%.2f per 1M'):format(item.price.input, item.price.output)
  end
  local health = item.healthy == false and '  ✗ unreachable' or (item.available == false and '  (not listed)' or '')
  local target = item.targets and (' → ' .. table.concat(item.targets, ', ')) or ''
  return ('%s%s  [%s]%s%s'):format(item.name, target, where, price, health)
end

local function set(feature, model)
  if not vim.tbl_contains(M.FEATURES, feature) then
    return notify.error(('unknown feature "%s" (one of %s)'):format(feature, table.concat(M.FEATURES, ', ')))
  end
  host.request('model.set', { project = project.root(), feature = feature, model = model }, function(err, res)
    if err then
      return notify.error(err.message)
    end
    notify.info(('%s model → %s%s'):format(feature, res.model, res.resolves_to and (' (' .. res.resolves_to .. ')') or ''))
    vim.api.nvim_exec_autocmds('User', {
      pattern = 'ZekeModelChanged',
      data = { feature = feature, model = res.model, project = res.project },
      modeline = false,
    })
  end)
end

local function pick(feature)
  host.request('models', { project = project.root() }, function(err, res)
    if err then
      return notify.error(err.message)
    end
    local items = {}
    for _, a in ipairs(res.aliases) do
      items[#items + 1] = { name = a.name, targets = nn(a.targets), local_ = nn(a['local']), price = nn(a.price), healthy = nn(a.healthy) }
    end
    for _, m in ipairs(res.discovered) do
      items[#items + 1] = { name = m.ref, local_ = nn(m['local']), price = nn(m.price), healthy = nn(m.healthy), available = nn(m.available) }
    end
    items[#items + 1] = { name = 'auto', local_ = false }
    local current = res.features[feature]
    vim.ui.select(items, {
      prompt = ('%s model (now: %s)'):format(feature, current or '?'),
      format_item = describe,
      kind = 'zeke_model',
    }, function(choice)
      if choice then
        set(feature, choice.name)
      end
    end)
  end)
end

---@param arg string the command argument ('' opens the picker)
function M.command(arg)
  arg = vim.trim(arg or '')
  if arg == '' then
    return pick(DEFAULT_FEATURE)
  end
  local feature, model = M.parse(arg)
  if model == '' then
    return pick(feature)
  end
  set(feature, model)
end

---Command-line completion: features and models (from the running host, else aliases).
function M.complete(arglead)
  local names = {}
  local res = catalog()
  if res then
    for _, a in ipairs(res.aliases) do
      names[#names + 1] = a.name
    end
    for _, m in ipairs(res.discovered) do
      names[#names + 1] = m.ref
    end
  else
    host.start() -- next time the list is there
    for name in pairs((host.options() or {}).aliases or {}) do
      names[#names + 1] = name
    end
  end
  names[#names + 1] = 'auto'
  local prefix = ''
  local feature, partial = arglead:match('^(%a+)=(.*)$')
  if feature then
    prefix = feature .. '='
  else
    partial = arglead
    for _, f in ipairs(M.FEATURES) do
      names[#names + 1] = f .. '='
    end
  end
  local out = {}
  for _, n in ipairs(names) do
    if vim.startswith(n, partial) then
      out[#out + 1] = prefix .. n
    end
  end
  table.sort(out)
  return vim.fn.uniq(out)
end

return M
