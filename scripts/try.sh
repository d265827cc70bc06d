#!/usr/bin/env bash
# `npm run try`: Neovim with this checkout as the only plugin and an isolated config
# (NVIM_APPNAME=zeke-try: its own config, data, state and log folders), talking to the
# default local Ollama at 127.0.0.1:11434 or to what your ~/.config/zeke/zeke.toml says.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build

nvim_bin=""
if command -v nvim >/dev/null 2>&1 && nvim --headless -u NONE -i NONE --cmd 'if has("nvim-0.10") | qa | else | cq | endif' >/dev/null 2>&1; then
  nvim_bin=$(command -v nvim)
else
  echo "zeke: no nvim >= 0.10 on PATH; using a private build (scripts/nvim.sh)" >&2
  nvim_bin=$(bash scripts/nvim.sh path newest)
fi
export ZEKE_ROOT="$root"
exec env NVIM_APPNAME=zeke-try "$nvim_bin" -u "$root/scripts/try/init.lua" "$@"
