#!/usr/bin/env bash
# The whole test suite, as CI and the README run it (`npm ci && npm test`): build, type
# check, unit tests, then the end-to-end tests in a real headless Neovim on every version
# of `scripts/nvim.sh versions` (fetched into a cache on first use). Every stage runs even
# when an earlier one fails; the last line is the total: "tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
results=.cache/test-results
rm -rf "$results" && mkdir -p "$results"
status=0

step() { printf '\n=== %s\n' "$*" >&2; }

step "build"
npm run --silent build || exit 1

step "type check"
npx tsc --noEmit || status=1

step "unit tests"
npx vitest run --project unit --reporter=default --reporter=json --outputFile="$results/unit.json" || status=1

for version in $(bash scripts/nvim.sh versions); do
  step "end-to-end tests, Neovim $version"
  if ! nvim_bin=$(bash scripts/nvim.sh path "$version"); then
    echo "could not provide Neovim $version (see above)" >&2
    status=1
    continue
  fi
  "$nvim_bin" --version | head -n 1 >&2
  ZEKE_NVIM="$nvim_bin" npx vitest run --project e2e --reporter=default --reporter=json --outputFile="$results/e2e-$version.json" || status=1
done

node scripts/test-summary.mjs "$results"/*.json || status=1
exit $status
