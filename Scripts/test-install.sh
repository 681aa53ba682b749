#!/usr/bin/env bash
# Tests Scripts/install.sh without a release build:
#
#   Scripts/test-install.sh [--cli FILE] [--install-sh FILE]
#
# A release folder is staged as Scripts/release.sh stages it (bin/cf, bin/cfdev-telemetry,
# etc/, share/ with man pages and completions, install.sh), with a stand-in shell script as
# bin/cf and, as bin/cfdev-telemetry, a copy of FILE (default: the debug build,
# $CFDEV_TELEMETRY_BIN_DIR/cfdev-telemetry or .build/debug/cfdev-telemetry; `swift build
# --product cfdev-telemetry`): install.sh runs its `install-shim`, and the cases below run its
# `uninstall`. Every case installs into a fresh prefix and home under a folder whose name has a
# space, under `env -i`. Checks: a normal install (files, modes, links, PATH line, nothing left
# beside) and a reinstall to the same prefix; a folder, or a link to one, at PREFIX/bin/
# cfdev-telemetry, at a file's place or at the shim's place is refused in one line, exit 1,
# nothing installed; HOME unset works given --prefix and --shim-dir and otherwise names the flag
# to give; a reinstall to another prefix moves the shim link and leaves the old install; a shim
# link whose install is gone is replaced, and `uninstall` removes one; what is not a release's
# shim link (a file, a link to another cf, a dangling link elsewhere) is never replaced or removed.
# --install-sh runs another install.sh (an older one, to see the checks fail).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
cli="${CFDEV_TELEMETRY_BIN_DIR:-$root/.build/debug}/cfdev-telemetry"
install_sh="$root/Scripts/install.sh"
while [ $# -gt 0 ]; do
  case "$1" in
    --cli) [ $# -ge 2 ] || { echo "test-install.sh: --cli needs a file" >&2; exit 2; }; cli="$2"; shift 2 ;;
    --install-sh) [ $# -ge 2 ] || { echo "test-install.sh: --install-sh needs a file" >&2; exit 2; }; install_sh="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test-install.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
[ -x "$cli" ] || { echo "test-install.sh: $cli not found; run swift build --product cfdev-telemetry first" >&2; exit 1; }
[ -f "$install_sh" ] || { echo "test-install.sh: $install_sh not found" >&2; exit 1; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/cfdev-install-test.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
work="$scratch/with space"
mkdir -p "$work"

failures=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
check() { # check DESCRIPTION COMMAND...
  local what="$1"; shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
links_to() { [ -L "$1" ] && [ "$(readlink "$1")" = "$2" ]; }
absent() { [ ! -e "$1" ] && [ ! -L "$1" ]; }
empty_folder() { [ -d "$1" ] && [ -z "$(ls -A "$1")" ]; }
one_line() { [ -n "$1" ] && [ "$(printf '%s\n' "$1" | wc -l)" = 1 ]; }
no_temporaries() { [ -z "$(find "$1" -name '*.new.*' 2>/dev/null)" ]; }

# --- The release folder, as release.sh stages it -----------------------------------------
release="$work/release/cfdev-telemetry-0.0.0-linux-$(uname -m)"
mkdir -p "$release/bin" "$release/etc/cfdev-telemetry" "$release/share/man/man1" \
  "$release/share/bash-completion/completions" "$release/share/zsh/site-functions" "$release/share/fish/vendor_completions.d"
printf '#!/bin/sh\necho "stand-in cf shim: $*"\n' > "$release/bin/cf"
cp "$cli" "$release/bin/cfdev-telemetry"
chmod 755 "$release/bin/cf" "$release/bin/cfdev-telemetry"
echo '{}' > "$release/etc/cfdev-telemetry/defaults.json.example"
for page in cfdev-telemetry cfdev-telemetry.flush cfdev-telemetry.uninstall; do echo ".TH ${page^^} 1" > "$release/share/man/man1/$page.1"; done
echo '# bash' > "$release/share/bash-completion/completions/cfdev-telemetry"
echo '#compdef cfdev-telemetry' > "$release/share/zsh/site-functions/_cfdev-telemetry"
echo '# fish' > "$release/share/fish/vendor_completions.d/cfdev-telemetry.fish"
cp "$install_sh" "$release/install.sh"
chmod 755 "$release/install.sh"
version=$("$cli" --version)

# --- One case: a fresh prefix and home -----------------------------------------------------
# new_case NAME sets case_dir, home, prefix, lib, shims (the default shim folder).
new_case() {
  case_dir="$work/$1"
  home="$case_dir/home dir"
  prefix="$case_dir/the prefix"
  lib="$prefix/lib/cfdev-telemetry"
  shims="$home/.cfdev/shims"
  mkdir -p "$home"
}
# run_install [ENV...] -- [ARGS...]: install.sh under env -i; sets status, out, err.
run_install() {
  local env_args=()
  while [ "$1" != "--" ]; do env_args+=("$1"); shift; done
  shift
  status=0
  (cd "$case_dir" && env -i PATH=/usr/bin:/bin "${env_args[@]}" sh "$release/install.sh" "$@") \
    >"$case_dir/out" 2>"$case_dir/err" || status=$?
  out=$(cat "$case_dir/out")
  err=$(cat "$case_dir/err")
  if [ "$status" != 0 ] || [ -n "$err" ]; then
    sed 's/^/       | /' "$case_dir/err"
  fi
}
run_cli() { # run_cli PREFIX ARGS...: the installed cfdev-telemetry with HOME; sets status, out
  local installed="$1"; shift
  status=0
  out=$(env -i PATH=/usr/bin:/bin HOME="$home" "$installed/bin/cfdev-telemetry" "$@" 2>&1) || status=$?
  sed 's/^/       | /' <<<"$out"
}
installed_whole() { # installed_whole PREFIX: every file and link of an install
  local p="$1" l="$1/lib/cfdev-telemetry"
  [ -x "$l/bin/cf" ] && [ -x "$l/bin/cfdev-telemetry" ] && cmp -s "$l/bin/cf" "$release/bin/cf" &&
    cmp -s "$l/bin/cfdev-telemetry" "$release/bin/cfdev-telemetry" &&
    [ "$(stat -c %a "$l/bin/cf")" = 755 ] && [ "$(stat -c %a "$l/etc/cfdev-telemetry/defaults.json.example")" = 644 ] &&
    links_to "$p/bin/cfdev-telemetry" "$l/bin/cfdev-telemetry" &&
    [ -s "$p/share/man/man1/cfdev-telemetry.1" ] && [ -s "$p/share/man/man1/cfdev-telemetry.uninstall.1" ] &&
    [ -s "$p/share/bash-completion/completions/cfdev-telemetry" ] && [ -s "$p/share/zsh/site-functions/_cfdev-telemetry" ] &&
    [ -s "$p/share/fish/vendor_completions.d/cfdev-telemetry.fish" ]
}
# refused WHAT: exit status 1, one line on stderr naming WHAT, nothing on stdout, no lib folder,
# no shim link and no temporary file left anywhere in the case.
refused() {
  local what="$1"
  check "$2: exit status 1 (was $status)" test "$status" = 1
  check "$2: one line on stderr, naming the place" bash -c '[ "$(printf "%s\n" "$1" | wc -l)" = 1 ] && grep -qF -- "$2" <<<"$1"' _ "$err" "$what"
  check "$2: nothing on stdout" test -z "$out"
  check "$2: nothing installed" absent "$lib"
  check "$2: no temporary link or file left" no_temporaries "$case_dir"
}

# --- A normal install, and again into the same prefix -------------------------------------
new_case normal
run_install HOME="$home" -- --prefix "$prefix"
check "install: exit status 0" test "$status" = 0
check "install: every file and link is in the prefix" installed_whole "$prefix"
check "install: the shim is linked into ~/.cfdev/shims" links_to "$shims/cf" "$lib/bin/cf"
check "install: says what it installed" grep -qF "Installed cfdev-telemetry $version into $prefix" <<<"$out"
check "install: prints the PATH line" grep -qF "export PATH=\"$shims:\$PATH\"" <<<"$out"
check "install: nothing on stderr" test -z "$err"
check "install: no temporary link or file left" no_temporaries "$case_dir"
run_install HOME="$home" -- --prefix "$prefix"
check "reinstall to the same prefix: exit status 0" test "$status" = 0
check "reinstall to the same prefix: every file and link is there" installed_whole "$prefix"
check "reinstall to the same prefix: the shim link is unchanged" links_to "$shims/cf" "$lib/bin/cf"
check "reinstall to the same prefix: no temporary link or file left" no_temporaries "$case_dir"
run_cli "$prefix" uninstall
check "uninstall after install: exit status 0" test "$status" = 0
check "uninstall after install: the shim link is gone" absent "$shims/cf"

# The default prefix is ~/.local, with the trailing slash of HOME dropped.
new_case default-prefix
run_install HOME="$home/" --
check "install without --prefix: exit status 0 (was $status)" test "$status" = 0
check "install without --prefix: every file and link is in ~/.local" installed_whole "$home/.local"
check "install without --prefix: the shim links to ~/.local's" links_to "$shims/cf" "$home/.local/lib/cfdev-telemetry/bin/cf"

# --- A folder, or a link to one, where a file or link goes --------------------------------
new_case folder-at-bin-link
mkdir -p "$prefix/bin/cfdev-telemetry"
run_install HOME="$home" -- --prefix "$prefix"
refused "$prefix/bin/cfdev-telemetry" "a folder at PREFIX/bin/cfdev-telemetry"
check "a folder at PREFIX/bin/cfdev-telemetry: it is left empty" empty_folder "$prefix/bin/cfdev-telemetry"
check "a folder at PREFIX/bin/cfdev-telemetry: no shim link" absent "$shims/cf"

new_case link-to-folder-at-bin-link
mkdir -p "$prefix/bin" "$case_dir/elsewhere"
ln -s "$case_dir/elsewhere" "$prefix/bin/cfdev-telemetry"
run_install HOME="$home" -- --prefix "$prefix"
refused "$prefix/bin/cfdev-telemetry" "a link to a folder at PREFIX/bin/cfdev-telemetry"
check "a link to a folder at PREFIX/bin/cfdev-telemetry: the link and its folder are left" \
  bash -c '[ "$(readlink "$1")" = "$2" ] && [ -z "$(ls -A "$2")" ]' _ "$prefix/bin/cfdev-telemetry" "$case_dir/elsewhere"

new_case folder-at-shim
mkdir -p "$shims/cf"
run_install HOME="$home" -- --prefix "$prefix"
refused "$shims/cf" "a folder at the shim's place"
check "a folder at the shim's place: it is left empty" empty_folder "$shims/cf"
check "a folder at the shim's place: no PREFIX/bin link" absent "$prefix/bin/cfdev-telemetry"

new_case link-to-folder-at-shim
mkdir -p "$case_dir/shim dir" "$case_dir/elsewhere"
ln -s "$case_dir/elsewhere" "$case_dir/shim dir/cf"
run_install HOME="$home" -- --prefix "$prefix" --shim-dir "$case_dir/shim dir"
refused "$case_dir/shim dir/cf" "a link to a folder at the shim's place (--shim-dir)"
check "a link to a folder at the shim's place: the link and its folder are left" \
  bash -c '[ "$(readlink "$1")" = "$2" ] && [ -z "$(ls -A "$2")" ]' _ "$case_dir/shim dir/cf" "$case_dir/elsewhere"

new_case folder-at-executable
mkdir -p "$lib/bin/cf"
run_install HOME="$home" -- --prefix "$prefix"
check "a folder at PREFIX/lib/cfdev-telemetry/bin/cf: exit status 1 (was $status)" test "$status" = 1
check "a folder at PREFIX/lib/cfdev-telemetry/bin/cf: one line on stderr, naming it" \
  bash -c 'one_line() { [ "$(printf "%s\n" "$1" | wc -l)" = 1 ]; }; one_line "$1" && grep -qF -- "$2" <<<"$1"' _ "$err" "$lib/bin/cf"
check "a folder at PREFIX/lib/cfdev-telemetry/bin/cf: it is left empty, nothing else installed" \
  bash -c '[ -z "$(ls -A "$1/bin/cf")" ] && [ "$(ls -A "$1/bin")" = cf ] && [ ! -e "$1/etc" ] && [ ! -e "$2/bin" ] && [ ! -e "$2/share" ]' \
  _ "$lib" "$prefix"
check "a folder at PREFIX/lib/cfdev-telemetry/bin/cf: no shim link" absent "$shims/cf"

# --- HOME unset -----------------------------------------------------------------------------
new_case no-home
run_install -- --prefix "$prefix" --shim-dir "$case_dir/shim dir"
check "HOME unset, --prefix and --shim-dir: exit status 0 (was $status)" test "$status" = 0
check "HOME unset, --prefix and --shim-dir: every file and link is in the prefix" installed_whole "$prefix"
check "HOME unset, --prefix and --shim-dir: the shim is linked into --shim-dir" links_to "$case_dir/shim dir/cf" "$lib/bin/cf"
check "HOME unset, --prefix and --shim-dir: prints the PATH line" grep -qF "export PATH=\"$case_dir/shim dir:\$PATH\"" <<<"$out"

new_case no-home-relative
run_install -- --prefix "the prefix/" --shim-dir "shim dir/"
check "HOME unset, relative --prefix and --shim-dir: exit status 0 (was $status)" test "$status" = 0
check "HOME unset, relative --prefix and --shim-dir: installed under the current folder" installed_whole "$prefix"
check "HOME unset, relative --shim-dir: the PATH line names its full path" grep -qF "export PATH=\"$case_dir/shim dir:\$PATH\"" <<<"$out"

new_case no-home-cfdev-home
run_install CFDEV_HOME="$case_dir/cfdev home" -- --prefix "$prefix"
check "HOME unset, CFDEV_HOME and --prefix: exit status 0 (was $status)" test "$status" = 0
check "HOME unset, CFDEV_HOME and --prefix: the shim is linked into \$CFDEV_HOME/shims" links_to "$case_dir/cfdev home/shims/cf" "$lib/bin/cf"

for given in "" "--prefix" "--shim-dir"; do
  new_case "no-home-flags${given}"
  args=()
  missing="--prefix DIR and --shim-dir DIR"
  case "$given" in
    --prefix) args=(--prefix "$prefix"); missing="--shim-dir DIR" ;;
    --shim-dir) args=(--shim-dir "$case_dir/shim dir"); missing="--prefix DIR" ;;
  esac
  run_install -- "${args[@]}"
  what="HOME unset${given:+, only $given}"
  check "$what: exit status 2 (was $status)" test "$status" = 2
  check "$what: one line saying to give $missing" bash -c '[ "$(printf "%s\n" "$1" | wc -l)" = 1 ] && grep -qF -- "give $2" <<<"$1"' _ "$err" "$missing"
  check "$what: nothing installed" bash -c '[ ! -e "$1" ] && [ ! -e "$2" ]' _ "$prefix" "$case_dir/shim dir"
done

# --- A reinstall to another prefix ------------------------------------------------------------
new_case other-prefix
first="$case_dir/first prefix"
run_install HOME="$home" -- --prefix "$first"
check "first install: exit status 0" test "$status" = 0
run_install HOME="$home" -- --prefix "$prefix"
check "reinstall to another prefix: exit status 0 (was $status)" test "$status" = 0
check "reinstall to another prefix: every file and link is in the new prefix" installed_whole "$prefix"
check "reinstall to another prefix: the shim link is moved to the new install" links_to "$shims/cf" "$lib/bin/cf"
check "reinstall to another prefix: the first install is left whole" installed_whole "$first"
check "reinstall to another prefix: says the first install is left" grep -qF "$first" <<<"$out"
run_cli "$prefix" uninstall
check "reinstall to another prefix, then uninstall: the shim link is gone" bash -c '[ "$1" = 0 ] && [ ! -L "$2" ]' _ "$status" "$shims/cf"

# --- A shim link whose install is gone ------------------------------------------------------
new_case gone-install
gone="$case_dir/gone prefix"
run_install HOME="$home" -- --prefix "$gone"
rm -rf "$gone"
run_install HOME="$home" -- --prefix "$prefix"
check "a shim link whose install is gone: exit status 0 (was $status)" test "$status" = 0
check "a shim link whose install is gone: every file and link is in the prefix" installed_whole "$prefix"
check "a shim link whose install is gone: it is replaced" links_to "$shims/cf" "$lib/bin/cf"
check "a shim link whose install is gone: no temporary link or file left" no_temporaries "$case_dir"

new_case gone-install-uninstall
gone="$case_dir/gone prefix/lib/cfdev-telemetry/bin/cf"
mkdir -p "$shims"
ln -s "$gone" "$shims/cf"
run_install HOME="$home" -- --prefix "$prefix" --shim-dir "$case_dir/shim dir"
check "(installed elsewhere to run uninstall)" test "$status" = 0
run_cli "$prefix" uninstall
check "uninstall, a shim link whose install is gone: exit status 0 (was $status)" test "$status" = 0
check "uninstall, a shim link whose install is gone: it is removed" absent "$shims/cf"
check "uninstall, a shim link whose install is gone: it says so" grep -qF "Removed $shims/cf" <<<"$out"

# --- What is not ours is never replaced nor removed -------------------------------------------
new_case not-ours
mkdir -p "$case_dir/real cf" "$shims"
printf '#!/bin/sh\necho the real cf\n' > "$case_dir/real cf/cf"
chmod 755 "$case_dir/real cf/cf"
for kind in file link dangling-elsewhere; do
  rm -f "$shims/cf"
  case "$kind" in
    file) cp "$case_dir/real cf/cf" "$shims/cf" ;;
    link) ln -s "$case_dir/real cf/cf" "$shims/cf" ;;
    dangling-elsewhere) ln -s "$case_dir/gone/bin/cf" "$shims/cf" ;;
  esac
  before=$(ls -l "$shims/cf" | awk '{ print $1, $NF }')
  run_install HOME="$home" -- --prefix "$prefix"
  refused "$shims/cf" "a $kind at the shim's place that is not a release's shim"
  check "a $kind at the shim's place: it is left as it was" test "$(ls -l "$shims/cf" | awk '{ print $1, $NF }')" = "$before"
  rm -rf "$prefix"
done
run_install HOME="$home" -- --prefix "$prefix" --shim-dir "$case_dir/shim dir"
check "(installed elsewhere to run uninstall)" test "$status" = 0
for kind in link dangling-elsewhere; do
  rm -f "$shims/cf"
  case "$kind" in
    link) ln -s "$case_dir/real cf/cf" "$shims/cf" ;;
    dangling-elsewhere) ln -s "$case_dir/gone/bin/cf" "$shims/cf" ;;
  esac
  run_cli "$prefix" uninstall
  check "uninstall, a $kind that is not a release's shim: exit status 1 (was $status)" test "$status" = 1
  check "uninstall, a $kind that is not a release's shim: it is left" test -L "$shims/cf"
done

if [ "$failures" -gt 0 ]; then
  echo "test-install.sh: $failures check(s) failed"
  exit 1
fi
echo "test-install.sh: all checks passed"
