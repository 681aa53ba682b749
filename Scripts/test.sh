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
# Each test builds the environment of the product's processes itself; the helpers the tests
# run (boto3 readers, moto) would otherwise take the developer's own proxy and AWS profile.
unset HTTP_PROXY http_proxy HTTPS_PROXY https_proxy ALL_PROXY all_proxy NO_PROXY no_proxy \
  AWS_PROFILE AWS_DEFAULT_PROFILE AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE AWS_ACCESS_KEY_ID \
  AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_REGION AWS_DEFAULT_REGION AWS_ENDPOINT_URL AWS_CA_BUNDLE
export TMPDIR
TMPDIR="$(mktemp -d "${TMPDIR:-/tmp}/cfdev-telemetry-test-run.XXXXXX")"
trap 'rm -rf "$TMPDIR"' EXIT
echo "== test"
swift test --skip-build --disable-xctest "$@"
