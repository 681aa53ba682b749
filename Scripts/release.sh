#!/usr/bin/env bash
# Builds the release users install without Swift:
#
#   Scripts/release.sh [--skip-build]
#
# dist/cfdev-telemetry-VERSION-linux-ARCH.tar.gz holds, under cfdev-telemetry-VERSION-linux-ARCH/:
#   bin/cf, bin/cfdev-telemetry          stripped; need only the C library family at run time
#   etc/cfdev-telemetry/defaults.json.example
#   share/man/man1/*.1                   one page per command (swift-argument-parser's generate-manual)
#   share/bash-completion/completions/cfdev-telemetry, share/zsh/site-functions/_cfdev-telemetry,
#   share/fish/vendor_completions.d/cfdev-telemetry.fish
#   install.sh, README.md, CHANGELOG.md
# and dist/SHA256SUMS. VERSION is BuildInfo.version (Sources/TelemetryCore/BuildInfo.swift).
# The archive is reproducible: the same commit gives the same bytes (file times are the
# commit's, owners 0, names sorted, no gzip timestamp, source paths mapped to ".").
# Self-contained: SQLite, zlib, libstdc++, libgcc and the Swift runtime are linked statically;
# ICU's data is cut to root and English (Scripts/icu-data-trim.py), other locales fall back to root.
# --skip-build packages what the last build left in .build-release.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
skip_build=false
for arg in "$@"; do
  case "$arg" in
    --skip-build) skip_build=true ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "release.sh: unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

version=$(sed -n 's/^ *[a-z]* *static let version = "\([^"]*\)".*/\1/p' Sources/TelemetryCore/BuildInfo.swift)
[ -n "$version" ] || { echo "release.sh: no version found in Sources/TelemetryCore/BuildInfo.swift" >&2; exit 1; }
arch=$(uname -m)
name="cfdev-telemetry-$version-linux-$arch"
scratch="$root/.build-release"
# The commit's time: every file in the archive gets it, and so do the man pages.
epoch=$(git log -1 --format=%ct 2>/dev/null || echo 0)
export SOURCE_DATE_EPOCH="$epoch"

# Static archives shadow the shared libraries of the same name: the linker takes the first
# directory holding libNAME.so or libNAME.a, so -lsqlite3, -lz and -lstdc++ link these.
static_libs="$scratch/static-libs"
link_static() {
  rm -rf "$static_libs"
  mkdir -p "$static_libs"
  for lib in sqlite3 z; do
    path=$(find /usr/lib /usr/lib64 -name "lib$lib.a" 2>/dev/null | head -n 1)
    [ -n "$path" ] || { echo "release.sh: lib$lib.a not found (apt-get install libsqlite3-dev zlib1g-dev)" >&2; exit 1; }
    ln -sfn "$path" "$static_libs/lib$lib.a"
  done
  path=$(g++ -print-file-name=libstdc++.a 2>/dev/null || true)
  if [ ! -f "$path" ]; then
    path=$(find /usr/lib/gcc -name libstdc++.a 2>/dev/null | sort | tail -n 1)
  fi
  [ -f "$path" ] || { echo "release.sh: libstdc++.a not found (apt-get install libstdc++-12-dev)" >&2; exit 1; }
  ln -sfn "$path" "$static_libs/libstdc++.a"
  # The unwinder too: -lgcc_s finds libgcc_eh.a under the name libgcc_s.a (what -static-libgcc links).
  path=$(gcc -print-file-name=libgcc_eh.a 2>/dev/null || true)
  [ -f "$path" ] || { echo "release.sh: libgcc_eh.a not found (apt-get install gcc)" >&2; exit 1; }
  ln -sfn "$path" "$static_libs/libgcc_s.a"
  trim_icu_data
}

# ICU's data is half the size of cfdev-telemetry (GRDB's use of Foundation brings in ICU):
# ICU's references to its data symbol go (--wrap) to an object holding only what the tool needs
# (Scripts/icu-data-trim.py says what is kept), so lib_FoundationICU.a's data member is unused.
trim_icu_data() {
  local swift_static icu_lib work symbol
  swift_static="$(dirname "$(dirname "$(readlink -f "$(command -v swiftc)")")")/lib/swift_static/linux"
  icu_lib="$swift_static/lib_FoundationICU.a"
  [ -f "$icu_lib" ] || { echo "release.sh: $icu_lib not found" >&2; exit 1; }
  work="$scratch/icu-data"
  rm -rf "$work"
  mkdir -p "$work"
  (cd "$work" && ar x "$icu_lib" icu_packaged_data.cpp.o)
  symbol=$(nm "$work/icu_packaged_data.cpp.o" | awk '$2 == "R" && $3 ~ /^icudt[0-9]+_dat$/ { print $3 }')
  [ -n "$symbol" ] || { echo "release.sh: no ICU data symbol in $icu_lib" >&2; exit 1; }
  objcopy -O binary --only-section=.rodata "$work/icu_packaged_data.cpp.o" "$work/full.dat"
  python3 "$root/Scripts/icu-data-trim.py" "$work/full.dat" "$work/trimmed.dat"
  cat > "$work/icu_packaged_data.S" <<ASM
	.section .rodata.$symbol,"a",@progbits
	.globl __wrap_$symbol
	.type __wrap_$symbol, @object
	.balign 16
__wrap_$symbol:
	.incbin "$work/trimmed.dat"
	.size __wrap_$symbol, . - __wrap_$symbol
	.section .note.GNU-stack,"",@progbits
ASM
  cc -c "$work/icu_packaged_data.S" -o "$work/icu_packaged_data.o"
  build_flags+=(-Xlinker "--wrap=$symbol" -Xlinker "$work/icu_packaged_data.o")
}

build_flags=(
  -c release --static-swift-stdlib --scratch-path "$scratch"
  # Reproducible across checkouts: no absolute source or build path in the binaries.
  -Xswiftc -file-prefix-map -Xswiftc "$root=."
  -Xcc "-ffile-prefix-map=$root=." -Xcxx "-ffile-prefix-map=$root=."
  -Xlinker -L"$static_libs"
  # The static Swift runtime asks for every symbol to be exported; nothing loads plugins
  # into these tools, so keep them private and let the linker drop what is unused.
  -Xlinker --no-export-dynamic
  -Xlinker --build-id=none
  # Which archive member pulled in which (for size work): .build-release/PRODUCT.map.
  -Xlinker -Map="$scratch/link.map"
)

if ! $skip_build; then
  link_static
  # The libraries above may have changed without SwiftPM knowing: always link again.
  rm -f "$scratch/release/cf" "$scratch/release/cfdev-telemetry"
  start=$(date +%s)
  swift build "${build_flags[@]}" --product cf
  cp "$scratch/link.map" "$scratch/cf.map" 2>/dev/null || true
  swift build "${build_flags[@]}" --product cfdev-telemetry
  cp "$scratch/link.map" "$scratch/cfdev-telemetry.map" 2>/dev/null || true
  echo "release build: $(( $(date +%s) - start )) s"
fi
bin="$scratch/release"
for exe in cf cfdev-telemetry; do
  [ -x "$bin/$exe" ] || { echo "release.sh: $bin/$exe missing; run without --skip-build" >&2; exit 1; }
done

dist="$root/dist"
stage="$dist/stage/$name"
rm -rf "$dist/stage"
mkdir -p "$stage/bin" "$stage/etc/cfdev-telemetry" "$stage/share/man/man1" \
  "$stage/share/bash-completion/completions" "$stage/share/zsh/site-functions" "$stage/share/fish/vendor_completions.d"
for exe in cf cfdev-telemetry; do
  strip --strip-all -o "$stage/bin/$exe" "$bin/$exe"
done
cli="$stage/bin/cfdev-telemetry"

# Completions and man pages come from the stripped binary itself, so they list exactly its
# commands. The man pages: swift-argument-parser's generate-manual (the tool behind its
# generate-manual plugin), built from the checkout the package already has.
"$cli" --generate-completion-script bash > "$stage/share/bash-completion/completions/cfdev-telemetry"
"$cli" --generate-completion-script zsh > "$stage/share/zsh/site-functions/_cfdev-telemetry"
"$cli" --generate-completion-script fish > "$stage/share/fish/vendor_completions.d/cfdev-telemetry.fish"
manual_tool="$scratch/generate-manual/release/generate-manual"
if [ ! -x "$manual_tool" ] || ! $skip_build; then
  swift build -c release --package-path "$scratch/checkouts/swift-argument-parser" \
    --scratch-path "$scratch/generate-manual" --product generate-manual >/dev/null
fi
date_arg=$(date -u -d "@$epoch" +%Y-%m-%d)
"$manual_tool" "$cli" --multi-page --date "$date_arg" --section 1 --output-directory "$stage/share/man/man1"

cp Scripts/install.sh "$stage/install.sh"
chmod 755 "$stage/install.sh"
cp README.md CHANGELOG.md "$stage/"
cat > "$stage/etc/cfdev-telemetry/defaults.json.example" <<'JSON'
{
  "endpoint": "https://s3.us-east-1.amazonaws.com",
  "bucket": "cfdev-telemetry",
  "region": "us-east-1",
  "prefix": "",
  "access_key_id": "AKIA-UPLOAD-ONLY-KEY",
  "secret_access_key": "the upload-only key's secret"
}
JSON

archive="$dist/$name.tar.gz"
# Fixed modes too: what umask or checkout the files came from does not matter.
find "$stage" -type d -exec chmod 755 {} +
find "$stage" -type f -exec chmod 644 {} +
chmod 755 "$stage/bin/cf" "$stage/bin/cfdev-telemetry" "$stage/install.sh"
tar -C "$dist/stage" --sort=name --format=gnu --mtime="@$epoch" --owner=0 --group=0 --numeric-owner \
  -cf - "$name" | gzip -9 -n > "$archive"
(cd "$dist" && sha256sum "$name.tar.gz" > SHA256SUMS)
rm -rf "$dist/stage"

size() { stat -c %s "$1"; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
echo "bin/cf:              $(mib "$(size "$bin/cf")") built, $(tar -xzOf "$archive" "$name/bin/cf" | wc -c | xargs -I{} awk -v b={} 'BEGIN { printf "%.1f MiB", b / 1048576 }') stripped"
echo "bin/cfdev-telemetry: $(mib "$(size "$bin/cfdev-telemetry")") built, $(tar -xzOf "$archive" "$name/bin/cfdev-telemetry" | wc -c | xargs -I{} awk -v b={} 'BEGIN { printf "%.1f MiB", b / 1048576 }') stripped"
echo "$archive: $(mib "$(size "$archive")") (target: at most 25 MiB)"
cat "$dist/SHA256SUMS"
