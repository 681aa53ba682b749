#!/usr/bin/env bash
# The main job end to end, on this machine alone:
#   build -> start a local SeaweedFS S3 server -> install the cf shim in a temporary folder ->
#   run a few `cf` commands on a real terminal (against a stand-in for the real cf CLI) ->
#   show the spool -> upload it -> list and read back what landed -> stop everything.
# Needs: swift, python3 with boto3, `weed` (Scripts/install-deps.sh installs what is missing).
# Every run prints the same transcript, apart from IDs, times and ports.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
step() { printf '\n== %s\n' "$*"; }
say() { printf '   %s\n' "$*"; }
# The demo's own S3 helpers (boto3) reach the loopback server directly, whatever proxy or AWS
# profile the user's shell names for their own tools (boto3 would send them through the proxy,
# and look for the profile under the demo's HOME). cf and cfdev-telemetry keep the shell's
# environment as it is: uploads never use AWS_*, and go to a loopback store without a proxy.
helper() {
  env -u HTTP_PROXY -u http_proxy -u HTTPS_PROXY -u https_proxy -u ALL_PROXY -u all_proxy \
    -u AWS_PROFILE -u AWS_DEFAULT_PROFILE -u AWS_CONFIG_FILE -u AWS_SHARED_CREDENTIALS_FILE \
    -u AWS_ENDPOINT_URL -u AWS_ENDPOINT_URL_S3 -u AWS_CA_BUNDLE -u AWS_SESSION_TOKEN python3 "$@"
}

step "build"
bash Scripts/install-deps.sh demo
say "Compiling cf and cfdev-telemetry (debug). The first build also compiles the"
say "dependencies: 5 to 10 minutes on 2 cores; later runs take seconds."
started=$SECONDS
# The log lives beside the build, in a folder that a clean clone does not have yet.
mkdir -p .build
build_log=.build/demo-build.log
# The dependencies' own warnings ("found 1 file(s) which are unhandled") are not ours to show.
if ! swift build --product cfdev-telemetry >"$build_log" 2>&1 \
   || ! swift build --product cf >>"$build_log" 2>&1; then
  grep -v "which are unhandled" "$build_log" | tail -n 30
  echo "demo.sh: the build failed (full log: $build_log)" >&2
  exit 1
fi
BIN="$(swift build --show-bin-path)"
say "built in $((SECONDS - started)) s: $BIN/cf and $BIN/cfdev-telemetry"

WORK="$(mktemp -d /tmp/cfdev-demo.XXXXXX)"
WEED_PID=""
# Stop the server for real before deleting its folder: SIGTERM, wait up to 3 s for weed's
# graceful stop, then SIGKILL the whole group, and wait for it to be gone.
cleanup() {
  if [ -n "$WEED_PID" ]; then
    kill -TERM -- -"$WEED_PID" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 -- -"$WEED_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- -"$WEED_PID" 2>/dev/null || true
    wait "$WEED_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "start SeaweedFS, an S3-compatible server, on loopback"
read -r -a PORTS <<<"$(python3 - <<'PY'
import socket
socks = []
for _ in range(8):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
)"
AK="demo-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
SK="$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')"
mkdir -p "$WORK/weed/data"
cat >"$WORK/weed/s3.json" <<JSON
{"identities":[{"name":"demo","credentials":[{"accessKey":"$AK","secretKey":"$SK"}],"actions":["Admin","Read","Write","List"]}]}
JSON
setsid weed server -dir="$WORK/weed/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
  -master.port="${PORTS[0]}" -master.port.grpc="${PORTS[1]}" -master.volumeSizeLimitMB=64 -master.telemetry=false \
  -volume.port="${PORTS[2]}" -volume.port.grpc="${PORTS[3]}" -volume.max=8 -volume.preStopSeconds=0 \
  -filer -filer.port="${PORTS[4]}" -filer.port.grpc="${PORTS[5]}" \
  -s3 -s3.port="${PORTS[6]}" -s3.port.grpc="${PORTS[7]}" -s3.config="$WORK/weed/s3.json" \
  -s3.port.iceberg=0 -s3.port.lance=0 >"$WORK/weed/server.log" 2>&1 &
WEED_PID=$!
ENDPOINT="http://127.0.0.1:${PORTS[6]}"
BUCKET="cfdev-telemetry-demo"
export ENDPOINT BUCKET AK SK
helper - <<'PY'
import os, time, boto3
s3 = boto3.client("s3", endpoint_url=os.environ["ENDPOINT"], aws_access_key_id=os.environ["AK"],
                  aws_secret_access_key=os.environ["SK"], region_name="us-east-1")
for _ in range(120):
    try:
        s3.create_bucket(Bucket=os.environ["BUCKET"]); break
    except Exception:
        time.sleep(0.5)
else:
    raise SystemExit("SeaweedFS did not start; see its log")
PY
say "S3 at $ENDPOINT, bucket $BUCKET (a throw-away key, made for this run)"

step "install the shim, and a stand-in for the real cf CLI"
mkdir -p "$WORK/home/.cf" "$WORK/real-cf"
cat >"$WORK/real-cf/cf" <<'SH'
#!/bin/sh
echo "(real cf) $*"
case "$1" in create-service) echo "(real cf) FAILED: this stand-in fails create-service on purpose"; exit 1 ;; esac
exit 0
SH
chmod +x "$WORK/real-cf/cf"
echo '{"Target": "https://api.dev.cfdev.sh"}' >"$WORK/home/.cf/config.json"
echo "0123456789abcdef0123456789abcdef" >"$WORK/machine-id"
export HOME="$WORK/home" CFDEV_TELEMETRY_MACHINE_ID_FILE="$WORK/machine-id"
# Uploads read only telemetry settings: a user's own AWS_* variables are never used for them.
export CFDEV_TELEMETRY_ACCESS_KEY_ID="$AK" CFDEV_TELEMETRY_SECRET_ACCESS_KEY="$SK" CFDEV_TELEMETRY_REGION=us-east-1
export CFDEV_TELEMETRY_ENDPOINT="$ENDPOINT" CFDEV_TELEMETRY_BUCKET="$BUCKET" CFDEV_TELEMETRY_PREFIX="demo/"
# Upload only when asked (below): no background flush starts during the demo.
export CFDEV_TELEMETRY_FLUSH_INTERVAL=999999
unset CI DO_NOT_TRACK CFDEV_TELEMETRY_DISABLED CFDEV_TELEMETRY_SYNC CFDEV_TELEMETRY_DEBUG
"$BIN/cfdev-telemetry" install-shim --dir "$WORK/shims" | head -n 1 | sed 's/^/   /'
export PATH="$WORK/shims:$WORK/real-cf:$PATH"
say "(for this demo the shim folder is put first on PATH of this script only; the real CF CLI"
say " is the stand-in in $WORK/real-cf)"

TERMINAL="$ROOT/Scripts/lib/on_terminal.py"
run_cf() {
  echo "   \$ cf $*"
  local status=0
  python3 "$TERMINAL" -- cf "$@" | sed 's/^/     /' || status=$?
  echo "     (exit status $status)"
}

step "cf dev start on a terminal: the consent question, asked once, answered y"
echo "   \$ cf dev start -m 8192"
python3 "$TERMINAL" --answer "[y/N]" y -- cf dev start -m 8192 | sed 's/^/     /'

step "more commands: only catalog commands are recorded, names only as salted hashes"
run_cf push my-secret-app -m 1G
say "create-service fails (the stand-in does it on purpose): the shim keeps the exit status, and"
say "records an 'error' event carrying only which command failed and its status"
run_cf create-service p-mysql 100mb my-db
say "cf apps is not in the catalog: passed straight to the real cf, nothing recorded"
run_cf apps
say "the password below never reaches the spool, a log or the bucket"
run_cf create-user alice hunter2
run_cf dev stop

# Each command is recorded by a detached process after it ends: wait (bounded) for all 7.
for _ in $(seq 1 100); do
  [ "$("$BIN/cfdev-telemetry" show --json | wc -l)" -ge 7 ] && break
  sleep 0.1
done
step "the spool: exactly what would be uploaded (cfdev-telemetry show)"
"$BIN/cfdev-telemetry" show | sed 's/^/   /'

step "upload (cfdev-telemetry flush)"
RECORDED_IDS="$("$BIN/cfdev-telemetry" show --json | python3 -c 'import json, sys; print(" ".join(sorted(json.loads(l)["event_id"] for l in sys.stdin)))')"
export RECORDED_IDS
"$BIN/cfdev-telemetry" flush | sed 's/^/   /'

step "what landed in the bucket (read back with boto3)"
helper - <<'PY'
import gzip, json, os, boto3
s3 = boto3.client("s3", endpoint_url=os.environ["ENDPOINT"], aws_access_key_id=os.environ["AK"],
                  aws_secret_access_key=os.environ["SK"], region_name="us-east-1")
objects = s3.list_objects_v2(Bucket=os.environ["BUCKET"]).get("Contents", [])
print(f"   {len(objects)} object{'' if len(objects) == 1 else 's'}:")
landed = []
for obj in objects:
    body = s3.get_object(Bucket=os.environ["BUCKET"], Key=obj["Key"])["Body"].read()
    lines = gzip.decompress(body).decode().splitlines()
    print(f"   s3://{os.environ['BUCKET']}/{obj['Key']}  {obj['Size']} bytes, {len(lines)} event{'' if len(lines) == 1 else 's'}")
    for line in lines:
        e = json.loads(line)
        landed.append(e["event_id"])
        print(f"     {e['timestamp']}  {e['event']:<16} {json.dumps(e['data'], sort_keys=True)}")
# The demo's promise: every event recorded is in the bucket, exactly once.
recorded = os.environ["RECORDED_IDS"].split()
if not recorded or sorted(landed) != recorded:
    raise SystemExit(f"demo.sh: {len(recorded)} events were recorded, {len(landed)} landed in the bucket; they differ")
print(f"   every one of the {len(recorded)} recorded events landed, once")
PY

step "status (cfdev-telemetry status)"
"$BIN/cfdev-telemetry" status | sed 's/^/   /'
step "done: the server is stopped and the temporary folder deleted"
