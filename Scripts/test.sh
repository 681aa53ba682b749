#!/usr/bin/env bash
# The test suite: installs the real servers the tests use if they are missing, then runs
# every test (Swift Testing) with the real `cf` shim and `cfdev-telemetry` executables.
# Everything the tests create goes into one temporary folder, deleted when this ends.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Scripts/install-deps.sh
echo "== format (swift format lint, with the checked-in .swift-format)"
swift format lint --strict --configuration .swift-format -r Sources Tests
echo "== build (the first build also compiles the dependencies: 5 to 10 minutes on 2 cores)"
# (The dependencies' own warnings, "found 1 file(s) which are unhandled", are not ours to show.)
set +e
swift build --build-tests 2>&1 | grep -v "which are unhandled; explicitly declare them"
status=${PIPESTATUS[0]}
set -e
[ "$status" -eq 0 ] || exit "$status"
export TMPDIR
TMPDIR="$(mktemp -d "${TMPDIR:-/tmp}/cfdev-telemetry-test-run.XXXXXX")"
trap 'rm -rf "$TMPDIR"' EXIT
echo "== test"
swift test --skip-build --disable-xctest "$@"
