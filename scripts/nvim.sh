#!/usr/bin/env bash
# scripts/nvim.sh: private Neovim builds for the end-to-end tests.
#
#   bash scripts/nvim.sh path <version>   print the absolute path of an nvim for
#                                         <version> (0.10 | 0.12 | min | newest),
#                                         fetching it into the cache if needed
#   bash scripts/nvim.sh versions         the versions the e2e suite runs on
#   bash scripts/nvim.sh install [<v>...] fetch versions (default: all) up front
#   bash scripts/nvim.sh help
#
# Only `path` prints to stdout (the path, nothing else); progress goes to stderr.
#
# How: if an `nvim` on PATH already is the requested major.minor, its path is
# printed. Otherwise Debian's own neovim build for that version is taken from a
# newer Debian suite (0.10 from trixie, 0.12 from forky or sid today: the
# suite is looked up, not hard-coded) with a PRIVATE apt state under the cache
# folder: /etc/apt, the dpkg database and the installed system are never
# touched, and root is not needed. The private package lists are refreshed once
# per run that has something to fetch, and deleted at its end. The .debs of
# neovim, its runtime and its whole library closure (libc6 included) are
# unpacked into <cache>/<version>/root. The nvim binary is then pointed at that
# folder's own dynamic loader and libraries (ELF interpreter + RPATH, set with
# Debian's patchelf run through the private loader), so v:progpath, the
# runtime and the bundled tree-sitter parsers resolve inside the folder while
# the processes nvim spawns (node, git, sh) keep using the system's libc: no
# LD_LIBRARY_PATH is exported. Should patchelf fail, the wrapper falls back to
# running nvim through `<ld.so> --library-path <libdir>` (then v:progpath is
# the loader).
#
# The result is <cache>/<version>/bin/nvim, a small wrapper script that sets
# VIMRUNTIME and execs the private nvim with "$@". <cache>/<version>/.complete
# marks a finished install (and records the exact version); anything without
# it is redone. Installs run under a lock, so parallel runs are safe.
#
# Environment:
#   ZEKE_NVIM_CACHE      cache folder (default ${XDG_CACHE_HOME:-~/.cache}/zeke.nvim/nvim)
#   ZEKE_NVIM_NO_SYSTEM  set to 1 to ignore an nvim on PATH and always use the cache
#   ZEKE_NVIM_SUITES     Debian suites to look in, in order of preference
#                        (default "trixie forky sid")
#   ZEKE_NVIM_MIRROR     Debian mirror (default http://deb.debian.org/debian)
#   ZEKE_NVIM_NO_PATCHELF set to 1 to use the loader wrapper instead of patching
set -Eeuo pipefail
trap 'printf "%s: error: command failed (line %s): %s\n" "${BASH_SOURCE[0]##*/}" "$LINENO" "$BASH_COMMAND" >&2' ERR

E2E_VERSIONS=(0.10 0.12)
MIN_VERSION=0.10
NEWEST_VERSION=0.12

CACHE=${ZEKE_NVIM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/zeke.nvim/nvim}
SUITES=${ZEKE_NVIM_SUITES:-trixie forky sid}
MIRROR=${ZEKE_NVIM_MIRROR:-http://deb.debian.org/debian}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
SELF=${BASH_SOURCE[0]##*/}

log() { printf '%s: %s\n' "$SELF" "$*" >&2; }
die() { printf '%s: error: %s\n' "$SELF" "$*" >&2; exit 1; }

manual_help() {
  cat >&2 <<EOF
$SELF: error: cannot fetch a private Neovim $1: $2
$SELF: this script fetches Neovim from Debian's package archive and needs apt-get
$SELF: and dpkg-deb (a Debian or Ubuntu machine). Otherwise install Neovim >= $MIN_VERSION
$SELF: yourself (your distribution's package, or a release build from the Neovim
$SELF: project) so that \`nvim --version\` on PATH says v$1.x, and run again.
EOF
  exit 1
}

usage() {
  sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
}

# 0.10 / v0.10 / 0.10.4 / min / newest -> major.minor
normalize_version() {
  local v=$1
  case $v in
    min | minimum | oldest) v=$MIN_VERSION ;;
    newest | latest | max) v=$NEWEST_VERSION ;;
  esac
  v=${v#v}
  if [[ $v =~ ^([0-9]+)\.([0-9]+)(\.[0-9]+)?$ ]]; then
    printf '%s.%s\n' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
  else
    die "unknown Neovim version '$1' (use one of: ${E2E_VERSIONS[*]} min newest)"
  fi
}

# Prints the absolute path of an nvim on PATH that is version $1, if any.
system_nvim() {
  local want=$1 p have
  [[ ${ZEKE_NVIM_NO_SYSTEM:-} == 1 ]] && return 1
  p=$(command -v nvim 2>/dev/null) || return 1
  [[ -x $p ]] || return 1
  have=$(timeout 20 "$p" --version </dev/null 2>/dev/null |
    sed -n '1s/^NVIM v\([0-9]*\.[0-9]*\).*/\1/p') || true
  [[ $have == "$want" ]] || return 1
  [[ $p == /* ]] || p="$(cd "$(dirname "$p")" && pwd)/${p##*/}"
  printf '%s\n' "$p"
}

is_cached() { [[ -f $CACHE/$1/.complete && -x $CACHE/$1/bin/nvim ]]; }

# ---- private apt state ------------------------------------------------------

APT_DIR=$CACHE/.apt
APT_OPTS=()
APT_UPDATED=0

apt_setup() {
  local ver=$1 s
  command -v apt-get >/dev/null 2>&1 || manual_help "$ver" "apt-get not found"
  command -v apt-cache >/dev/null 2>&1 || manual_help "$ver" "apt-cache not found"
  command -v dpkg-deb >/dev/null 2>&1 || manual_help "$ver" "dpkg-deb not found"
  [[ -r $KEYRING ]] || manual_help "$ver" "$KEYRING is missing (package debian-archive-keyring)"
  mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial" "$APT_DIR/state" \
    "$APT_DIR/sources.list.d" "$APT_DIR/preferences.d" ||
    manual_help "$ver" "cannot write to $APT_DIR"
  : >"$APT_DIR/status"
  : >"$APT_DIR/sources.list"
  for s in $SUITES; do
    printf 'deb [signed-by=%s] %s %s main\n' "$KEYRING" "$MIRROR" "$s" >>"$APT_DIR/sources.list"
  done
  APT_OPTS=(
    -o "Dir::Etc::SourceList=$APT_DIR/sources.list"
    -o "Dir::Etc::SourceParts=$APT_DIR/sources.list.d"
    -o "Dir::Etc::Preferences=$APT_DIR/preferences"
    -o "Dir::Etc::PreferencesParts=$APT_DIR/preferences.d"
    -o "Dir::State=$APT_DIR/state"
    -o "Dir::State::Lists=$APT_DIR/lists"
    -o "Dir::State::status=$APT_DIR/status"
    -o "Dir::Cache=$APT_DIR/cache"
    -o "Acquire::Languages=none"
    -o "Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false"
  )
  # As root apt hands downloads to the _apt user, who cannot write into a cache
  # under /root; the files are signed and checked either way.
  if [[ $(id -u) == 0 ]]; then APT_OPTS+=(-o "APT::Sandbox::User=root"); fi
}

apt_update_once() {
  local ver=$1 t0=$SECONDS
  ((APT_UPDATED)) && return 0
  [[ ${#APT_OPTS[@]} -gt 0 ]] || apt_setup "$ver"
  log "updating the private package lists ($SUITES) ..."
  DEBIAN_FRONTEND=noninteractive apt-get -q "${APT_OPTS[@]}" update </dev/null >&2 ||
    manual_help "$ver" "apt-get update of the private package lists failed (see above)"
  APT_UPDATED=1
  log "package lists ready in $((SECONDS - t0)) s"
}

# Prints the first suite of $SUITES whose neovim is version $1 (major.minor).
suite_for_version() {
  local want=$1 s v
  for s in $SUITES; do
    v=$(apt-cache "${APT_OPTS[@]}" madison neovim 2>/dev/null |
      awk -F'|' -v s="$s" '{ gsub(/ /, "", $2); split($3, a, " "); split(a[2], b, "/");
                             if (b[1] == s) { print $2; exit } }')
    [[ -n $v ]] || continue
    v=${v#*:}
    if [[ ${v%%-*} == "$want" || ${v%%-*} == "$want".* ]]; then
      printf '%s\n' "$s"
      return 0
    fi
  done
  return 1
}

available_versions() {
  apt-cache "${APT_OPTS[@]}" madison neovim 2>/dev/null |
    awk -F'|' '{ gsub(/ /, "", $2); sub(/^[0-9]+:/, "", $2); split($3, a, " "); print $2 " (" a[2] ")" }' |
    paste -sd, - | sed 's/,/, /g'
}

# ---- install ----------------------------------------------------------------

TMP_DIR=
cleanup() {
  [[ -n $TMP_DIR && -d $TMP_DIR ]] && rm -rf "$TMP_DIR"
  # The private package lists (~60 MB) are only needed while fetching, and a
  # fetch always refreshes them: do not keep them in the cache.
  [[ ${#APT_OPTS[@]} -gt 0 ]] && rm -rf "$APT_DIR"
  return 0
}
trap cleanup EXIT

write_wrapper() { # <final dir> <mode: elf|loader> <nvim version> <debian version> <suite>
  local dir=$1 mode=$2 nv=$3 dv=$4 suite=$5 root=$1/root ld libdir
  ld=$(cat "$dir/loader")
  libdir=${ld%/*}
  {
    printf '#!/bin/sh\n'
    printf '# Neovim %s (Debian neovim %s from %s), private build made by zeke.nvim scripts/nvim.sh\n' "$nv" "$dv" "$suite"
    printf '# mode: %s\n' "$mode"
    printf 'ZEKE_NVIM_REAL_VERSION=%s\n' "$nv"
    printf "VIMRUNTIME='%s/usr/share/nvim/runtime'\n" "$root"
    printf 'export VIMRUNTIME\n'
    if [[ $mode == elf ]]; then
      printf "exec '%s/usr/bin/nvim' \"\$@\"\n" "$root"
    else
      printf "exec '%s' --library-path '%s' '%s/usr/bin/nvim' \"\$@\"\n" "$ld" "$libdir" "$root"
    fi
  } >"$dir/bin/nvim.new"
  chmod 755 "$dir/bin/nvim.new"
  mv -f "$dir/bin/nvim.new" "$dir/bin/nvim"
}

# Runs the wrapper once; prints its version string, fails if something is off.
smoke_test() { # <wrapper> <major.minor>
  local out
  out=$(cd / && timeout 60 "$1" --headless -u NONE -i NONE \
    +'lua local ok1 = pcall(function() return vim.lpeg.P("x") end)
          local ok2 = pcall(vim.treesitter.language.add, "lua")
          io.stdout:write(tostring(vim.version()), " lpeg=", tostring(ok1), " ts=", tostring(ok2))' \
    +qa </dev/null 2>&1) || { printf '%s\n' "$out" >&2; return 1; }
  if [[ $out != "$2".*" lpeg=true ts=true" ]]; then
    printf '%s\n' "$out" >&2
    return 1
  fi
  printf '%s\n' "${out%% *}"
}

install_version() { # <major.minor>
  local ver=$1 final=$CACHE/$1 suite pkgs t0=$SECONDS deb nv dv ld libdir mode f
  apt_update_once "$ver"
  suite=$(suite_for_version "$ver") ||
    die "no Debian suite among ($SUITES) has neovim $ver; available: $(available_versions). Set ZEKE_NVIM_SUITES or update E2E_VERSIONS in scripts/nvim.sh"
  log "fetching Neovim $ver from Debian $suite into $final ..."

  TMP_DIR=$(mktemp -d "$CACHE/.tmp.$ver.XXXXXX")
  chmod 755 "$TMP_DIR"
  mkdir -p "$TMP_DIR/debs" "$TMP_DIR/root" "$TMP_DIR/bin"

  # The whole Depends/Pre-Depends closure of neovim (+ patchelf), resolved in
  # that suite: Default-Release makes its versions the candidates, and the
  # empty private dpkg status means nothing counts as installed.
  local -a sopts=("${APT_OPTS[@]}" -o "APT::Default-Release=$suite")
  pkgs=$(apt-cache "${sopts[@]}" depends --recurse --no-recommends --no-suggests \
    --no-conflicts --no-breaks --no-replaces --no-enhances neovim patchelf |
    grep -E '^[a-z0-9]' | sed 's/:.*//' | sort -u | tr '\n' ' ') ||
    die "apt-cache depends neovim failed in $suite"
  [[ $pkgs == *neovim-runtime* ]] || die "unexpected dependency list for neovim in $suite: $pkgs"
  log "packages: $pkgs"
  # shellcheck disable=SC2086 # word splitting of the package list is intended
  (cd "$TMP_DIR/debs" && DEBIAN_FRONTEND=noninteractive apt-get -q "${sopts[@]}" download $pkgs </dev/null >&2) ||
    die "apt-get download failed (see above)"

  for deb in "$TMP_DIR"/debs/*.deb; do
    dpkg-deb -x "$deb" "$TMP_DIR/root"
    dpkg-deb -f "$deb" Package Version | paste -sd= - | sed 's/Package: //; s/Version: //' >>"$TMP_DIR/packages"
  done
  deb=$(ls "$TMP_DIR"/debs/neovim_*.deb)
  dv=$(dpkg-deb -f "$deb" Version)
  nv=${dv#*:}
  nv=${nv%%-*}
  nv=${nv%%+*}
  nv=${nv%%~*}
  [[ $nv == "$ver".* ]] || die "Debian $suite now has neovim $dv, not $ver"
  rm -rf "$TMP_DIR/debs"

  # The private dynamic loader and library folder (ld-linux-x86-64.so.2 on amd64).
  ld=$(find "$TMP_DIR/root/usr/lib" -maxdepth 2 -type f -name 'ld-linux*.so.*' | head -n 1)
  [[ -n $ld ]] || die "no dynamic loader found in the unpacked libc6"
  ld=${ld#"$TMP_DIR"/}
  libdir=${ld%/*}
  printf '%s/%s\n' "$final" "$ld" >"$TMP_DIR/loader"

  mode=loader
  if [[ ${ZEKE_NVIM_NO_PATCHELF:-} != 1 && -x $TMP_DIR/root/usr/bin/patchelf ]]; then
    # Interpreter and RPATH name the final folder; DT_RPATH (not RUNPATH) so
    # that it also covers indirect libraries such as libgcc_s.
    if "$TMP_DIR/$ld" --library-path "$TMP_DIR/$libdir" "$TMP_DIR/root/usr/bin/patchelf" \
      --set-interpreter "$final/$ld" --force-rpath --set-rpath "$final/$libdir" \
      "$TMP_DIR/root/usr/bin/nvim" >&2; then
      mode=elf
    else
      log "patchelf failed; falling back to running nvim through the private loader"
    fi
  fi
  # In loader mode nvim takes the loader for its own executable and looks for
  # its bundled parsers in <loader dir>/../lib/nvim: point that at usr/lib/nvim.
  mkdir -p "$TMP_DIR/$libdir/../lib"
  ln -sfn ../nvim "$TMP_DIR/$libdir/../lib/nvim"
  printf '%s\n' "$nv" >"$TMP_DIR/version"

  rm -rf "$final"
  mv -T "$TMP_DIR" "$final"
  TMP_DIR=

  write_wrapper "$final" "$mode" "$nv" "$dv" "$suite"
  if ! f=$(smoke_test "$final/bin/nvim" "$ver"); then
    if [[ $mode == elf ]]; then
      log "the patched nvim failed its check; trying the loader wrapper"
      mode=loader
      write_wrapper "$final" "$mode" "$nv" "$dv" "$suite"
      f=$(smoke_test "$final/bin/nvim" "$ver") || { rm -rf "$final"; die "Neovim $nv from $suite does not run here (see above)"; }
    else
      rm -rf "$final"
      die "Neovim $nv from $suite does not run here (see above)"
    fi
  fi
  printf 'nvim %s\ndebian %s\nsuite %s\nmode %s\nfetched %s\n' "$f" "$dv" "$suite" "$mode" \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$final/.complete.new"
  mv -f "$final/.complete.new" "$final/.complete"
  log "Neovim $f ready ($mode mode, $(du -sh "$final" | cut -f1), $((SECONDS - t0)) s)"
}

# Makes sure <major.minor> is in the cache (under a lock: parallel runs wait;
# it is taken once and held until this run exits).
LOCK_FD=
ensure_cached() {
  local ver=$1
  is_cached "$ver" && return 0
  mkdir -p "$CACHE" 2>/dev/null || manual_help "$ver" "cannot create $CACHE"
  if [[ -z $LOCK_FD ]] && command -v flock >/dev/null 2>&1; then
    exec {LOCK_FD}>"$CACHE/.lock"
    flock -w 900 "$LOCK_FD" || die "timed out waiting for another $SELF run (lock $CACHE/.lock)"
  fi
  if ! is_cached "$ver"; then
    # Leftovers of killed runs: safe to drop while holding the lock.
    rm -rf "$CACHE"/.tmp.* 2>/dev/null || true
    install_version "$ver"
  fi
}

cmd_path() {
  [[ $# -eq 1 ]] || die "usage: $SELF path <version>"
  local ver p
  ver=$(normalize_version "$1")
  if p=$(system_nvim "$ver"); then
    printf '%s\n' "$p"
    return 0
  fi
  ensure_cached "$ver"
  printf '%s\n' "$CACHE/$ver/bin/nvim"
}

cmd_install() {
  local v ver
  [[ $# -gt 0 ]] || set -- "${E2E_VERSIONS[@]}"
  for v in "$@"; do
    ver=$(normalize_version "$v")
    if system_nvim "$ver" >/dev/null; then
      log "Neovim $ver: using $(system_nvim "$ver")"
      continue
    fi
    ensure_cached "$ver"
    log "Neovim $ver: $CACHE/$ver/bin/nvim"
  done
}

main() {
  local cmd=${1:-help}
  [[ $# -gt 0 ]] && shift
  case $cmd in
    path) cmd_path "$@" ;;
    versions) printf '%s\n' "${E2E_VERSIONS[@]}" ;;
    install) cmd_install "$@" ;;
    help | -h | --help) usage ;;
    *) usage; die "unknown command '$cmd'" ;;
  esac
}

main "$@"
