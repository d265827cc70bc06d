-- Build step run by lazy.nvim after install and update (lazy runs a plugin's build.lua by
-- itself). Checks Node.js >= 20.18.1, then installs the npm dependencies and bundles the host
-- into dist/ — only when dist/ is missing or was built from another commit. Progress is
-- reported with coroutine.yield, as lazy.nvim expects; outside lazy it just runs.
local root = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h')
local node = vim.g.zeke_node or 'node'
local in_coroutine = coroutine.running() ~= nil

local function progress(msg)
  if in_coroutine then
    coroutine.yield(msg)
  else
    print('zeke build: ' .. msg)
  end
end

-- Runs a command in the plugin folder without blocking Neovim while it runs.
local function run(cmd)
  local done, result = false, nil
  vim.system(cmd, { cwd = root, text = true }, function(r)
    result, done = r, true
  end)
  while not done do
    if in_coroutine then
      coroutine.yield()
    else
      vim.wait(50, function()
        return done
      end)
    end
  end
  if result.code ~= 0 then
    error(('`%s` failed (exit %d):\n%s%s'):format(table.concat(cmd, ' '), result.code, result.stdout or '', result.stderr or ''))
  end
  return vim.trim(result.stdout or '')
end

if vim.fn.executable(node) ~= 1 then
  error('zeke.nvim needs Node.js >= 20.18.1 on PATH (or vim.g.zeke_node set to its path); `' .. node .. '` was not found')
end
local version = run({ node, '--version' })
local major, minor, patch = version:match('v(%d+)%.(%d+)%.(%d+)')
major, minor, patch = tonumber(major), tonumber(minor), tonumber(patch)
if not major or major < 20 or (major == 20 and (minor < 18 or (minor == 18 and patch < 1))) then
  error(('zeke.nvim needs Node.js >= 20.18.1, found %s at %s'):format(version, vim.fn.exepath(node)))
end

local stamp_file = root .. '/dist/.built-from'
local head = vim.fn.isdirectory(root .. '/.git') == 1 and run({ 'git', 'rev-parse', 'HEAD' }) or 'unknown'
local built_from = vim.fn.filereadable(stamp_file) == 1 and vim.fn.readfile(stamp_file)[1] or nil
if vim.uv.fs_stat(root .. '/dist/host.mjs') and built_from == head and head ~= 'unknown' then
  progress('host already built for ' .. head:sub(1, 8))
  return
end

progress('installing npm dependencies (Node ' .. version .. ')')
run({ 'npm', 'ci', '--no-audit', '--no-fund' })
progress('bundling the host')
run({ 'npm', 'run', 'build' })
vim.fn.writefile({ head }, stamp_file)
progress('done')
