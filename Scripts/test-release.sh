#!/usr/bin/env bash
# Tests a built release archive the way a user gets it (no Swift, no build folder):
#
#   Scripts/test-release.sh [--rebuild | --clean-rebuild] [ARCHIVE]
#
# ARCHIVE defaults to dist/cfdev-telemetry-VERSION-linux-ARCH.tar.gz (Scripts/release.sh).
# Checks: SHA256SUMS matches; the archive unpacks into a fresh folder with every file the
# release promises; `ldd` and the ELF NEEDED entries of both binaries name only the C library
# family; install.sh --prefix installs into a fresh prefix and links the shim; the installed
# binaries run under `env -i` with an empty LD_LIBRARY_PATH (version, status, a recorded
# event through the shim on a pseudo terminal, `report` reading a local moto S3 server when
# moto_server is installed; as root, TLS verified against the system's CA store at each place
# common distributions keep it); the man pages and completions exist and name every subcommand;
# `uninstall` leaves no shim, and `uninstall --purge --yes` no telemetry home.
# --rebuild runs Scripts/release.sh again and checks the archive is byte for byte the same;
# --clean-rebuild does so from a fresh clone of HEAD in a temporary folder (a full release
# build: about 10 minutes on 2 idle cores, 32 measured on a machine shared with 3 builders).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
rebuild=""
archive=""
for arg in "$@"; do
  case "$arg" in
    --rebuild|--clean-rebuild) rebuild="$arg" ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "test-release.sh: unknown option: $arg (try --help)" >&2; exit 2 ;;
    *) archive="$arg" ;;
  esac
done
version=$(sed -n 's/^ *[a-z]* *static let version = "\([^"]*\)".*/\1/p' Sources/TelemetryCore/BuildInfo.swift)
name="cfdev-telemetry-$version-linux-$(uname -m)"
archive="${archive:-$root/dist/$name.tar.gz}"
[ -f "$archive" ] || { echo "test-release.sh: $archive not found; run Scripts/release.sh first" >&2; exit 1; }
archive=$(cd "$(dirname "$archive")" && pwd)/$(basename "$archive")

work=$(mktemp -d "${TMPDIR:-/tmp}/cfdev-release-test.XXXXXX")
moto_pid=""
tls_pid=""
cleanup() {
  if [ -n "$moto_pid" ]; then kill "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true; fi
  if [ -n "$tls_pid" ]; then kill "$tls_pid" 2>/dev/null || true; wait "$tls_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

failures=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
# A check this machine cannot make: said, and under CI (CI=true) a failure, never a silent pass.
skip() {
  case "${CI:-}" in
    "" | 0 | false) echo "skip $*" ;;
    *) fail "$* (CI must make this check)" ;;
  esac
}
check() { # check DESCRIPTION COMMAND...
  local what="$1"; shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}

# --- The archive -------------------------------------------------------------------------
sums="$(dirname "$archive")/SHA256SUMS"
if [ -f "$sums" ]; then
  check "SHA256SUMS matches the archive" bash -c "cd '$(dirname "$archive")' && sha256sum --quiet -c SHA256SUMS"
else
  fail "SHA256SUMS beside the archive"
fi
owners=$(tar -tvzf "$archive" | awk '{ print $2 }' | sort -u)
check "every entry is owned by 0/0" test "$owners" = "0/0"

unpacked="$work/unpacked"
mkdir -p "$unpacked"
tar -xzf "$archive" -C "$unpacked"
release="$unpacked/$name"
for file in bin/cf bin/cfdev-telemetry etc/cfdev-telemetry/defaults.json.example install.sh README.md CHANGELOG.md \
  share/bash-completion/completions/cfdev-telemetry share/zsh/site-functions/_cfdev-telemetry \
  share/fish/vendor_completions.d/cfdev-telemetry.fish share/man/man1/cfdev-telemetry.1; do
  check "archive holds $file" test -s "$release/$file"
done
check "defaults.json.example is JSON" python3 -c "import json,sys; json.load(open(sys.argv[1]))" \
  "$release/etc/cfdev-telemetry/defaults.json.example"

# --- Self-contained ----------------------------------------------------------------------
allowed='^(linux-vdso\.so\.1|libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|ld-linux-[a-z0-9_-]+\.so\.[0-9]+)$'
for exe in cf cfdev-telemetry; do
  path="$release/bin/$exe"
  lddout=$(ldd "$path" 2>&1 || true)
  echo "ldd bin/$exe:"
  sed 's/^/       /' <<<"$lddout"
  if grep -q "not a dynamic executable" <<<"$lddout"; then
    pass "bin/$exe is static"
  else
    names=$(awk '{ print $1 }' <<<"$lddout" | sed 's|.*/||')
    bad=$(grep -Ev "$allowed" <<<"$names" || true)
    check "ldd bin/$exe lists only the C library family${bad:+ (not: $(echo $bad))}" test -z "$bad"
    needed=$(readelf -d "$path" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
    bad=$(grep -Ev "$allowed" <<<"$needed" || true)
    check "bin/$exe NEEDS only the C library family${bad:+ (not: $(echo $bad))}" test -z "$bad"
  fi
  check "bin/$exe is stripped" bash -c "! readelf -S '$path' | grep -q '\.symtab'"
done

# --- install.sh into a fresh prefix ------------------------------------------------------
prefix="$work/prefix"
home="$work/home"
mkdir -p "$home" "$work/realbin"
printf '#!/bin/sh\necho "real cf: $*"\nexit "${FAKE_CF_EXIT:-0}"\n' > "$work/realbin/cf"
chmod 755 "$work/realbin/cf"
user_env=(env -i HOME="$home" LD_LIBRARY_PATH= PATH=/usr/bin:/bin TERM=dumb)
install_out=$("${user_env[@]}" sh "$release/install.sh" --prefix "$prefix" 2>&1) || { echo "$install_out"; fail "install.sh --prefix"; }
echo "$install_out" | sed 's/^/       /'
shims="$home/.cfdev/shims"
lib="$prefix/lib/cfdev-telemetry"
check "install.sh put both executables side by side" test -x "$lib/bin/cf" -a -x "$lib/bin/cfdev-telemetry"
check "install.sh linked bin/cfdev-telemetry" test "$(readlink "$prefix/bin/cfdev-telemetry")" = "$lib/bin/cfdev-telemetry"
check "install.sh linked the shim into the shim folder" test "$(readlink "$shims/cf")" = "$lib/bin/cf"
check "install.sh printed the PATH line" grep -qF "export PATH=\"$shims:\$PATH\"" <<<"$install_out"
check "install.sh installed the man pages" test -s "$prefix/share/man/man1/cfdev-telemetry.1"
check "install.sh installed the completions" test -s "$prefix/share/bash-completion/completions/cfdev-telemetry" \
  -a -s "$prefix/share/zsh/site-functions/_cfdev-telemetry" -a -s "$prefix/share/fish/vendor_completions.d/cfdev-telemetry.fish"

# --- The installed binaries in a minimal environment -------------------------------------
cli="$prefix/bin/cfdev-telemetry"
check "cfdev-telemetry --version under env -i" test "$("${user_env[@]}" "$cli" --version)" = "$version"
check "cfdev-telemetry status under env -i" bash -c "$(printf '%q ' "${user_env[@]}" "$cli") status >/dev/null"
for locale in de_DE.UTF-8 ja_JP.UTF-8 zh_CN.UTF-8; do
  check "cfdev-telemetry status under $locale" bash -c "$(printf '%q ' "${user_env[@]}" LANG="$locale" LC_ALL="$locale" "$cli") status >/dev/null"
done
shim_env=("${user_env[@]}" PATH="$shims:$work/realbin:/usr/bin:/bin" CFDEV_TELEMETRY_SYNC=1 CFDEV_TELEMETRY_FLUSH_INTERVAL=999999)
check "the shim runs the real cf and keeps its status" \
  bash -c "out=\$($(printf '%q ' "${shim_env[@]}") FAKE_CF_EXIT=3 cf version); test \$? = 3 && test \"\$out\" = 'real cf: version'"
"${user_env[@]}" "$cli" on >/dev/null
# A catalog command on a real terminal (script(1) gives it a pseudo terminal) is recorded.
if ! command -v script >/dev/null 2>&1; then
  skip "the shim on a pseudo terminal (needs util-linux's script)"
else
  script -qec "$(printf '%q ' "${shim_env[@]}") cf dev stop" /dev/null >/dev/null </dev/null || true
  recorded=$("${user_env[@]}" "$cli" show --json | grep -c '"event":"stop"' || true)
  check "the shim recorded cf dev stop into the SQLite spool" test "$recorded" = 1
fi
if ! command -v moto_server >/dev/null 2>&1; then
  skip "flush, doctor and report against a moto server (needs moto_server)"
else
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
  moto_pid=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
  s3_env=("${user_env[@]}" CFDEV_TELEMETRY_ENDPOINT="http://127.0.0.1:$port" CFDEV_TELEMETRY_BUCKET=release-test
    CFDEV_TELEMETRY_ACCESS_KEY_ID=AKIDEXAMPLE CFDEV_TELEMETRY_SECRET_ACCESS_KEY=secret CFDEV_TELEMETRY_REGION=us-east-1)
  python3 -c "import boto3,sys; boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='a', aws_secret_access_key='b').create_bucket(Bucket='release-test')" "http://127.0.0.1:$port"
  check "flush uploads to a real S3 server (TLS-free loopback, gzip)" "${s3_env[@]}" "$cli" flush
  for locale in C de_DE.UTF-8 ja_JP.UTF-8; do
    last=$("${user_env[@]}" LANG="$locale" LC_ALL="$locale" "$cli" status | sed -n 's/^Last upload: *//p')
    check "status under $locale shows when the upload was ($last)" grep -q "^$(date -u +%Y)" <<<"$last"
  done
  check "doctor runs against the server" bash -c "$(printf '%q ' "${s3_env[@]}" "$cli") doctor >/dev/null"
  today=$(date -u +%Y-%m-%d)
  report=$("${s3_env[@]}" "$cli" report --from "$today" --to "$today" --format json --k 2 2>"$work/report.err" || true)
  if grep -q '"event": "stop"' <<<"$report" && grep -q '"input": {"objects": 1, "unreadable_objects": 0' <<<"$report"; then
    pass "report lists and reads the bucket (XML listing, GET, gunzip)"
  else
    fail "report lists and reads the bucket (XML listing, GET, gunzip)"
    echo "$report" | head -c 2000; cat "$work/report.err"
  fi
  # Whatever the user's locale, the report's bytes are the same.
  for format in json md html; do
    plain=$("${s3_env[@]}" "$cli" report --from "$today" --to "$today" --format "$format" --k 2 2>&1 || echo "exit $?")
    for locale in de_DE.UTF-8 ja_JP.UTF-8 th_TH.UTF-8 ar_EG.UTF-8; do
      localized=$("${s3_env[@]}" LANG="$locale" LC_ALL="$locale" "$cli" report --from "$today" --to "$today" \
        --format "$format" --k 2 2>&1 || echo "exit $?")
      check "report --format $format is the same under $locale" test "$localized" = "$plain"
    done
  done
fi

# --- TLS against the system's CA store ---------------------------------------------------
# The release binary is static: it must find the system's CA bundle where distributions keep
# it. A moto server over HTTPS with a certificate from a throw-away CA; in a private mount
# namespace (root, util-linux's unshare) an empty /etc holds that CA at one distribution's
# place at a time, and `doctor` must reach the store trusting it from there.
if command -v moto_server >/dev/null 2>&1 && command -v unshare >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  python3 "$root/Tests/UploadTests/Support/test_ca.py" "$work/tls-ca" localhost
  tls_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  moto_server -H 127.0.0.1 -p "$tls_port" -s -c "$work/tls-ca/server.pem" -k "$work/tls-ca/server.key" >"$work/moto-tls.log" 2>&1 &
  tls_pid=$!
  for _ in $(seq 100); do curl -s -o /dev/null --cacert "$work/tls-ca/ca.pem" "https://localhost:$tls_port/" && break; sleep 0.1; done
  tls_env=(env -i HOME="$work/tls-home" LD_LIBRARY_PATH= PATH=/usr/bin:/bin CFDEV_TELEMETRY_ENDPOINT="https://localhost:$tls_port"
    CFDEV_TELEMETRY_BUCKET=release-test CFDEV_TELEMETRY_ACCESS_KEY_ID=AKIDEXAMPLE CFDEV_TELEMETRY_SECRET_ACCESS_KEY=secret)
  mkdir -p "$work/tls-home"
  untrusted=$("${tls_env[@]}" "$cli" doctor 2>&1 || true)
  if grep -q "not signed by a trusted certificate authority" <<<"$untrusted" && grep -q "trusting system store /" <<<"$untrusted"; then
    pass "TLS: a certificate from an unknown CA is refused, naming the system store"
  else
    fail "TLS: a certificate from an unknown CA is refused, naming the system store"; echo "$untrusted" | tail -5
  fi
  for place in /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/ca-bundle.pem \
    /etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem /etc/ssl/cert.pem; do
    out=$(unshare --mount --propagation private sh -c \
      'mount -t tmpfs tmpfs /etc && echo "127.0.0.1 localhost" >/etc/hosts && mkdir -p "$(dirname "$1")" && cp "$2" "$1" && shift 2 && exec "$@"' \
      sh "$place" "$work/tls-ca/ca.pem" "${tls_env[@]}" "$cli" doctor 2>&1 || true)
    if grep -q "TLS trusts system store $place" <<<"$out" && grep -q "ok   endpoint: reached" <<<"$out"; then
      pass "TLS: the system store at $place is found and verifies the store's certificate"
    else
      fail "TLS: the system store at $place is found and verifies the store's certificate"; echo "$out" | tail -5
    fi
  done
else
  skip "TLS against the system's CA store (needs root, unshare and moto_server)"
fi

# --- Man pages and completions name every subcommand -------------------------------------
subcommands=$("${user_env[@]}" "$cli" --experimental-dump-help |
  python3 -c 'import json,sys; print("\n".join(c["commandName"] for c in json.load(sys.stdin)["command"]["subcommands"] if c["commandName"] != "help"))')
check "the CLI has subcommands" test -n "$subcommands"
man="$release/share/man/man1"
for sub in $subcommands; do
  check "man page for $sub" test -s "$man/cfdev-telemetry.$sub.1"
  check "cfdev-telemetry.1 mentions $sub" grep -q "$sub" "$man/cfdev-telemetry.1"
  for completion in share/bash-completion/completions/cfdev-telemetry share/zsh/site-functions/_cfdev-telemetry \
    share/fish/vendor_completions.d/cfdev-telemetry.fish; do
    check "$(basename "$completion") completes $sub" grep -qw -- "$sub" "$release/$completion"
  done
done
if command -v bash >/dev/null; then
  check "the bash completion loads" bash -c "source '$release/share/bash-completion/completions/cfdev-telemetry'"
fi

# --- Uninstall ---------------------------------------------------------------------------
uninstall_out=$("${user_env[@]}" "$cli" uninstall 2>&1) || fail "uninstall exits 0"
echo "$uninstall_out" | sed 's/^/       /'
check "uninstall removed the shim link" test ! -e "$shims/cf" -a ! -L "$shims/cf"
check "uninstall says which PATH line to remove" grep -qF "export PATH=\"$shims:\$PATH\"" <<<"$uninstall_out"
check "no cf shim is left on PATH" test "$(PATH="$shims:$work/realbin" command -v cf)" = "$work/realbin/cf"
check "the telemetry home is still there without --purge" test -d "$home/.cfdev/telemetry"
check "uninstall --purge --yes" "${user_env[@]}" "$cli" uninstall --purge --yes
check "uninstall --purge --yes left no telemetry home" test ! -e "$home/.cfdev/telemetry"

# --- Reproducible ------------------------------------------------------------------------
if [ -n "$rebuild" ]; then
  before=$(sha256sum "$archive" | cut -d' ' -f1)
  if [ "$rebuild" = "--rebuild" ]; then
    cp "$archive" "$work/first.tar.gz"
    bash "$root/Scripts/release.sh" >"$work/rebuild.log" 2>&1 || { tail -20 "$work/rebuild.log"; fail "release.sh again"; }
    after=$(sha256sum "$root/dist/$name.tar.gz" | cut -d' ' -f1)
  else
    git clone -q "$root" "$work/clone"
    (cd "$work/clone" && bash Scripts/release.sh) >"$work/rebuild.log" 2>&1 || { tail -20 "$work/rebuild.log"; fail "release.sh in a fresh clone"; }
    after=$(sha256sum "$work/clone/dist/$name.tar.gz" | cut -d' ' -f1)
  fi
  check "a second build of the same commit gives the same archive ($before vs $after)" test "$before" = "$after"
fi

if [ "$failures" -gt 0 ]; then
  echo "test-release.sh: $failures check(s) failed"
  exit 1
fi
echo "test-release.sh: all checks passed"
