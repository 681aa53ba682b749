#!/usr/bin/env bash
# The test suite: installs the real servers the tests use if they are missing, then runs
# every test (Swift Testing) with the real `cf` shim and `cfdev-telemetry` executables.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Scripts/install-deps.sh
swift build --build-tests
swift test --skip-build "$@"
