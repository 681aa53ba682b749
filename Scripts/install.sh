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
set -eu

here=$(cd "$(dirname "$0")" && pwd)
prefix="${HOME:?HOME is not set}/.local"
shim_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || { echo "install.sh: --prefix needs a folder" >&2; exit 2; }; prefix="$2"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    --shim-dir) [ $# -ge 2 ] || { echo "install.sh: --shim-dir needs a folder" >&2; exit 2; }; shim_dir="$2"; shift 2 ;;
    --shim-dir=*) shim_dir="${1#--shim-dir=}"; shift ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
[ -n "$prefix" ] || { echo "install.sh: --prefix must not be empty" >&2; exit 2; }
case "$prefix" in /*) ;; *) prefix="$(pwd)/$prefix" ;; esac
for file in bin/cf bin/cfdev-telemetry etc/cfdev-telemetry/defaults.json.example; do
  [ -f "$here/$file" ] || { echo "install.sh: $here/$file is missing; run install.sh from the unpacked release" >&2; exit 1; }
done

# Each file is written beside its destination and renamed over it, so a cf running meanwhile
# keeps its old executable and never sees half a file.
put() { # put SOURCE DEST MODE
  mkdir -p "$(dirname "$2")"
  cp "$1" "$2.new.$$"
  chmod "$3" "$2.new.$$"
  mv -f "$2.new.$$" "$2"
}

lib="$prefix/lib/cfdev-telemetry"
put "$here/bin/cf" "$lib/bin/cf" 755
put "$here/bin/cfdev-telemetry" "$lib/bin/cfdev-telemetry" 755
put "$here/etc/cfdev-telemetry/defaults.json.example" "$lib/etc/cfdev-telemetry/defaults.json.example" 644
# A distributor's package ships its endpoint and upload-only key in etc/cfdev-telemetry/defaults.json.
if [ -f "$here/etc/cfdev-telemetry/defaults.json" ]; then
  put "$here/etc/cfdev-telemetry/defaults.json" "$lib/etc/cfdev-telemetry/defaults.json" 644
fi
mkdir -p "$prefix/bin"
ln -sfn "$lib/bin/cfdev-telemetry" "$prefix/bin/cfdev-telemetry.new.$$"
mv -f "$prefix/bin/cfdev-telemetry.new.$$" "$prefix/bin/cfdev-telemetry"
for page in "$here"/share/man/man1/*.1; do
  [ -f "$page" ] && put "$page" "$prefix/share/man/man1/$(basename "$page")" 644
done
put "$here/share/bash-completion/completions/cfdev-telemetry" "$prefix/share/bash-completion/completions/cfdev-telemetry" 644
put "$here/share/zsh/site-functions/_cfdev-telemetry" "$prefix/share/zsh/site-functions/_cfdev-telemetry" 644
put "$here/share/fish/vendor_completions.d/cfdev-telemetry.fish" "$prefix/share/fish/vendor_completions.d/cfdev-telemetry.fish" 644
echo "Installed cfdev-telemetry $("$lib/bin/cfdev-telemetry" --version) into $prefix"

if [ -n "$shim_dir" ]; then
  "$lib/bin/cfdev-telemetry" install-shim --dir "$shim_dir"
else
  "$lib/bin/cfdev-telemetry" install-shim
fi
case ":${PATH:-}:" in
  *":$prefix/bin:"*) ;;
  *) echo "For the cfdev-telemetry command itself, also add: export PATH=\"\$PATH:$prefix/bin\"" ;;
esac
echo "To uninstall: cfdev-telemetry uninstall [--purge], then remove $lib, $prefix/bin/cfdev-telemetry,"
echo "$prefix/share/man/man1/cfdev-telemetry*.1 and the three completion files under $prefix/share."
