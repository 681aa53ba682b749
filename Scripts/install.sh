#!/bin/sh
# Installs this cfdev-telemetry release (run it from the unpacked archive):
#
#   ./install.sh [--prefix DIR] [--shim-dir DIR]
#
# PREFIX (default ~/.local) receives:
#   lib/cfdev-telemetry/bin/cf, lib/cfdev-telemetry/bin/cfdev-telemetry   the two executables, side by side
#   lib/cfdev-telemetry/etc/cfdev-telemetry/defaults.json.example        copy to defaults.json to ship defaults
#   bin/cfdev-telemetry                                                   a link to the executable
#   share/man/man1/*.1, and bash, zsh and fish completions under share/
# Then the cf shim is linked into the shim folder (default: $CFDEV_HOME/shims, ~/.cfdev/shims)
# by `cfdev-telemetry install-shim`, which prints the PATH line to add to your shell profile.
# The shim is reachable only through that folder, so `cfdev-telemetry uninstall` turns it off
# completely. Needs nothing but a POSIX shell and coreutils: no Swift, no libraries.
#
# Everything is checked before anything is copied: a folder (or a link to one) where a file or
# link goes, a shim link that is not a release's, a folder that cannot be written, or, with HOME
# unset, a missing --prefix or --shim-dir is one line and exit status 1 (2 for the flags), with
# nothing installed. A shim link to a release's cf (`.../lib/cfdev-telemetry/bin/cf`) is this
# product's: one to another prefix's install, or to one that is gone, is moved to this install.
set -eu
# pipefail where the shell has it (bash, zsh, ksh, recent dash): only --help pipes.
if (set -o pipefail) 2>/dev/null; then set -o pipefail; fi

here=$(cd "$(dirname "$0")" && pwd)
prefix=""
prefix_given=false
shim_dir=""
shim_given=false
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || { echo "install.sh: --prefix needs a folder" >&2; exit 2; }; prefix="$2"; prefix_given=true; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; prefix_given=true; shift ;;
    --shim-dir) [ $# -ge 2 ] || { echo "install.sh: --shim-dir needs a folder" >&2; exit 2; }; shim_dir="$2"; shim_given=true; shift 2 ;;
    --shim-dir=*) shim_dir="${1#--shim-dir=}"; shim_given=true; shift ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
if $prefix_given && [ -z "$prefix" ]; then echo "install.sh: --prefix must not be empty" >&2; exit 2; fi
if $shim_given && [ -z "$shim_dir" ]; then echo "install.sh: --shim-dir must not be empty" >&2; exit 2; fi
# The defaults come from HOME (the shim folder from CFDEV_HOME first, as cfdev-telemetry finds it).
missing=""
if [ -z "${HOME:-}" ]; then
  $prefix_given || missing="--prefix DIR"
  $shim_given || [ -n "${CFDEV_HOME:-}" ] || missing="${missing:+$missing and }--shim-dir DIR"
fi
[ -z "$missing" ] || { echo "install.sh: HOME is not set: give $missing" >&2; exit 2; }
$prefix_given || prefix="${HOME%/}/.local"
if ! $shim_given; then
  if [ -n "${CFDEV_HOME:-}" ]; then shim_dir="$CFDEV_HOME/shims"; else shim_dir="${HOME%/}/.cfdev/shims"; fi
fi
# Full paths without trailing slashes (the PATH line names the shim folder).
case "$prefix" in /*) ;; *) prefix="$(pwd)/$prefix" ;; esac
case "$shim_dir" in /*) ;; *) shim_dir="$(pwd)/$shim_dir" ;; esac
while case "$prefix" in ?*/) true ;; *) false ;; esac; do prefix="${prefix%/}"; done
while case "$shim_dir" in ?*/) true ;; *) false ;; esac; do shim_dir="${shim_dir%/}"; done
root="${prefix%/}"
lib="$root/lib/cfdev-telemetry"
bin_link="$root/bin/cfdev-telemetry"
shim_link="${shim_dir%/}/cf"

for file in bin/cf bin/cfdev-telemetry etc/cfdev-telemetry/defaults.json.example share/bash-completion/completions/cfdev-telemetry \
  share/zsh/site-functions/_cfdev-telemetry share/fish/vendor_completions.d/cfdev-telemetry.fish; do
  [ -f "$here/$file" ] || { echo "install.sh: $here/$file is missing; run install.sh from the unpacked release" >&2; exit 1; }
done

# --- Checks: nothing is copied unless every destination can take its file or link ---------
refuse() { echo "install.sh: $1; nothing was installed" >&2; exit 1; }
# can_put DEST FLAG: DEST is not a folder nor a link to one, and the nearest existing folder
# above it can be written (mkdir -p makes the rest). FLAG names the option choosing DEST.
can_put() {
  if [ -L "$1" ] && [ -d "$1" ]; then refuse "$1 is a link to a folder ($(readlink "$1")); remove it or give another $2"; fi
  if [ -d "$1" ]; then refuse "$1 is a folder; remove it or give another $2"; fi
  above=$(dirname "$1")
  while [ ! -e "$above" ] && [ ! -L "$above" ]; do above=$(dirname "$above"); done
  [ -d "$above" ] || refuse "$above is not a folder; give another $2"
  [ -w "$above" ] || refuse "$above cannot be written; give another $2"
}
# A shim link is this product's when it links to a release's cf, `.../lib/cfdev-telemetry/bin/cf`
# (the rule `cfdev-telemetry install-shim` and `uninstall` apply), wherever that install is,
# even one that is gone. Anything else at the shim's place is the user's and is left.
is_release_shim() {
  case "$1" in */lib/cfdev-telemetry/bin/cf | lib/cfdev-telemetry/bin/cf) return 0 ;; *) return 1 ;; esac
}
for page in "$here"/share/man/man1/*.1; do
  if [ -f "$page" ]; then can_put "$root/share/man/man1/$(basename "$page")" --prefix; fi
done
for file in bin/cf bin/cfdev-telemetry etc/cfdev-telemetry/defaults.json.example etc/cfdev-telemetry/defaults.json; do
  if [ -f "$here/$file" ]; then can_put "$lib/$file" --prefix; fi
done
for file in share/bash-completion/completions/cfdev-telemetry share/zsh/site-functions/_cfdev-telemetry \
  share/fish/vendor_completions.d/cfdev-telemetry.fish; do
  can_put "$root/$file" --prefix
done
can_put "$bin_link" --prefix
can_put "$shim_link" --shim-dir
if [ -L "$shim_link" ]; then
  previous=$(readlink "$shim_link")
  is_release_shim "$previous" ||
    refuse "$shim_link links to $previous, not to a cfdev-telemetry release's shim; remove it or give another --shim-dir"
elif [ -e "$shim_link" ]; then
  refuse "$shim_link is there and is not a link to the shim; remove it or give another --shim-dir"
fi

# --- Install --------------------------------------------------------------------------------
# Each file is written beside its destination and renamed over it, so a cf running meanwhile
# keeps its old executable and never sees half a file.
put() { # put SOURCE DEST MODE
  mkdir -p "$(dirname "$2")"
  cp "$1" "$2.new.$$"
  chmod "$3" "$2.new.$$"
  mv -f "$2.new.$$" "$2"
}

put "$here/bin/cf" "$lib/bin/cf" 755
put "$here/bin/cfdev-telemetry" "$lib/bin/cfdev-telemetry" 755
put "$here/etc/cfdev-telemetry/defaults.json.example" "$lib/etc/cfdev-telemetry/defaults.json.example" 644
# A distributor's package ships its endpoint and upload-only key in etc/cfdev-telemetry/defaults.json.
if [ -f "$here/etc/cfdev-telemetry/defaults.json" ]; then
  put "$here/etc/cfdev-telemetry/defaults.json" "$lib/etc/cfdev-telemetry/defaults.json" 644
fi
mkdir -p "$root/bin"
ln -sfn "$lib/bin/cfdev-telemetry" "$bin_link.new.$$"
mv -f "$bin_link.new.$$" "$bin_link"
for page in "$here"/share/man/man1/*.1; do
  if [ -f "$page" ]; then put "$page" "$root/share/man/man1/$(basename "$page")" 644; fi
done
for file in share/bash-completion/completions/cfdev-telemetry share/zsh/site-functions/_cfdev-telemetry \
  share/fish/vendor_completions.d/cfdev-telemetry.fish; do
  put "$here/$file" "$root/$file" 644
done
echo "Installed cfdev-telemetry $("$lib/bin/cfdev-telemetry" --version) into $prefix"

"$lib/bin/cfdev-telemetry" install-shim --dir "$shim_dir"
case ":${PATH:-}:" in
  *":$root/bin:"*) ;;
  *) echo "For the cfdev-telemetry command itself, also add: export PATH=\"\$PATH:$root/bin\"" ;;
esac
echo "To uninstall: cfdev-telemetry uninstall [--purge], then remove $lib, $root/bin/cfdev-telemetry,"
echo "$root/share/man/man1/cfdev-telemetry*.1 and the three completion files under $root/share."
