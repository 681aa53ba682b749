#!/usr/bin/env python3
"""The report at scale (not a test; prints figures, compares within one run).

    python3 Benchmarks/report_benchmark.py [--binary PATH] [--objects 6000] [--events 900000]
                                           [--machines 2000] [--days 60]
    python3 Benchmarks/report_benchmark.py --shape quarter [--days 40] [--events-per-day 100000]
                                           [--machines 30000] [--runs 2] [--perf perf.data]

The default shape (clients' objects): starts SeaweedFS on loopback, uploads OBJECTS gzip NDJSON
objects holding EVENTS events of MACHINES machines over DAYS days, then in one run measures:
  1. `cfdev-telemetry report` cold (filling a cache), its peak memory, and the same on a quarter of
     the range (memory should be flat in the number of objects); then `--no-cache`, with its CPU and
     SeaweedFS's CPU over the same run (they share the cores, which bounds the wall time);
  2. a boto3 script doing the same aggregation with 8 threads (list, GET, gunzip, parse, de-duplicate,
     atoms, the k rule);
  3. DuckDB over a local copy of the same objects (Fixtures/report/duckdb_report.py): wall, CPU, peak,
     and the ratios to the report's;
  4. 60 new objects, then a warm re-run (cache);
  5. `cfdev-telemetry compact` over the range, then the report cold and warm after it.
The quarter shape (a compacted range): one `compacted-…` object per day of EVENTS_PER_DAY events of
MACHINES machines, over DAYS days, by month; then, alternating RUNS times, `report --no-cache`
and DuckDB over a local copy, each under /usr/bin/time (wall, CPU = user + system, peak RSS),
side by side, with the rows compared; then a cold run that fills a cache, 60 new client objects
and the warm re-run.
Needs: weed, boto3, duckdb. Use a release build (`swift build -c release`) for fair figures; the
machine's load average is printed, since figures are only comparable within one run."""
import argparse
import concurrent.futures
import gzip
import io
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import date, timedelta

import boto3
from botocore.config import Config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AK, SK, BUCKET = "AKIABENCHMARK0000001", "benchmark-secret", "bench"
EVENTS = ["start_begin", "start_end", "stop", "app_created", "route_created", "service_created", "bosh", "error",
          "org_created", "space_created"]
OSES = ["linux 6.1", "linux 6.8", "darwin 14.5", "darwin 15.1", "windows 10.0"]
BUILDS = ["1.0.0", "1.1.0", "1.2.0", "1.3.0"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_weed(tmp):
    config = os.path.join(tmp, "s3.json")
    with open(config, "w") as f:
        json.dump({"identities": [{"name": "admin", "credentials": [{"accessKey": AK, "secretKey": SK}],
                                   "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}, f)
    p = [free_port() for _ in range(8)]
    os.makedirs(os.path.join(tmp, "data"))
    args = ["weed", "server", f"-dir={tmp}/data", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-master.port={p[0]}", f"-master.port.grpc={p[1]}", "-master.volumeSizeLimitMB=256", "-master.telemetry=false",
            f"-volume.port={p[2]}", f"-volume.port.grpc={p[3]}", "-volume.max=16", "-volume.preStopSeconds=0",
            "-filer", f"-filer.port={p[4]}", f"-filer.port.grpc={p[5]}",
            "-s3", f"-s3.port={p[6]}", f"-s3.port.grpc={p[7]}", f"-s3.config={config}", "-s3.port.iceberg=0", "-s3.port.lance=0"]
    log = open(os.path.join(tmp, "weed.log"), "w")
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    endpoint = f"http://127.0.0.1:{p[6]}"
    s3 = client(endpoint)
    deadline = time.time() + 90
    while True:
        try:
            s3.create_bucket(Bucket=BUCKET)
            break
        except Exception:
            if time.time() > deadline:
                raise
            time.sleep(0.3)
    sockets = [f"/tmp/seaweedfs-{n}.sock" for n in
               (f"master-grpc-{p[1]}", f"volume-grpc-{p[3]}", f"filer-grpc-{p[5]}", f"filer-{p[4]}", f"s3-grpc-{p[7]}", f"s3-{p[6]}")]
    return process, endpoint, sockets


def client(endpoint):
    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=AK, aws_secret_access_key=SK, region_name="us-east-1",
                        config=Config(max_pool_connections=32, retries={"max_attempts": 3}, s3={"addressing_style": "path"}))


def anonymous_id(machine):
    return uuid.uuid5(uuid.NAMESPACE_OID, f"m{machine}").hex + uuid.uuid5(uuid.NAMESPACE_URL, f"m{machine}").hex


def make_objects(count, events, machines, days, first, rng, tag=""):
    """Yields (key, gzip body): `count` objects spread over `days`, `events` events in all."""
    per_object = events // count
    ids = [anonymous_id(m) for m in range(machines)]
    profile = [(OSES[rng.randrange(len(OSES))], BUILDS[rng.randrange(len(BUILDS))]) for _ in range(machines)]
    for index in range(count):
        day = first + timedelta(days=index % days)
        lines = []
        for _ in range(per_object):
            m = rng.randrange(machines)
            ts = f"{day.isoformat()}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}.{rng.randrange(1000):03d}Z"
            lines.append(json.dumps({"schema": 1, "event_id": str(uuid.UUID(int=rng.getrandbits(128))), "event": EVENTS[rng.randrange(len(EVENTS))],
                                     "timestamp": ts, "anonymous_id": ids[m], "os": profile[m][0], "build": profile[m][1],
                                     "data": {"k": 1}}, separators=(",", ":")))
        body = gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=6, mtime=0)
        key = f"events/v1/dt={day.isoformat()}/2026{index:08d}T000000000Z-{tag}{rng.getrandbits(64):016x}.ndjson.gz"
        yield key, body


def make_compacted(days, per_day, machines, first, rng):
    """Yields (key, gzip body): one `compacted-…` object per day holding `per_day` events of
    `machines` machines (each with its own OS and build), as `compact` leaves a day."""
    ids = [anonymous_id(m) for m in range(machines)]
    profile = [(OSES[rng.randrange(len(OSES))], BUILDS[rng.randrange(len(BUILDS))]) for _ in range(machines)]
    for index in range(days):
        day = first + timedelta(days=index)
        stamp = day.isoformat()
        lines = []
        for _ in range(per_day):
            m = rng.randrange(machines)
            ts = f"{stamp}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}.{rng.randrange(1000):03d}Z"
            lines.append(f'{{"schema":1,"event_id":"{uuid.UUID(int=rng.getrandbits(128))}","event":"{EVENTS[rng.randrange(len(EVENTS))]}",'
                         f'"timestamp":"{ts}","anonymous_id":"{ids[m]}","os":"{profile[m][0]}","build":"{profile[m][1]}",'
                         f'"data":{{"k":1}}}}')
        body = gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=6, mtime=0)
        key = f"events/v1/dt={stamp}/compacted-{stamp.replace('-', '')}T000000Z-{rng.getrandbits(64):016x}.ndjson.gz"
        yield key, body


def upload(s3, objects):
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda kb: s3.put_object(Bucket=BUCKET, Key=kb[0], Body=kb[1]), objects))


LAST_CPU = 0.0  # user + system seconds of the last run_timed command


def run_timed(args, env):
    """(seconds, peak RSS in MiB, stdout) of a command run under /usr/bin/time."""
    start = time.perf_counter()
    global LAST_CPU
    result = subprocess.run(["/usr/bin/time", "-f", "maxrss_kb=%M cpu=%U %S"] + args, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(args)}\n{result.stderr[-2000:]}")
    line = [l for l in result.stderr.splitlines() if l.startswith("maxrss_kb=")][-1]
    rss = int(line.split()[0].split("=")[1])
    LAST_CPU = sum(float(x) for x in line.split("cpu=")[1].split())
    return elapsed, rss / 1024, result.stdout


def process_cpu(pid):
    """User + system CPU seconds a running process has used so far (`/proc/PID/stat`)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def duckdb_timed(local, first, last, by, k):
    """(seconds, peak MiB, CPU seconds, rows) of Fixtures/report/duckdb_report.py over a local copy."""
    global LAST_CPU
    seconds, rss, out = run_timed([sys.executable, os.path.join(ROOT, "Fixtures/report/duckdb_report.py"), local,
                                   first.isoformat(), last.isoformat(), by, str(k)], dict(os.environ))
    return seconds, rss, LAST_CPU, out


def download_all(s3, local):
    paginator = s3.get_paginator("list_objects_v2")
    keys = [o["Key"] for page in paginator.paginate(Bucket=BUCKET, Prefix="events/") for o in page.get("Contents", [])]

    def download(key):
        path = os.path.join(local, key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        s3.download_file(BUCKET, key, path)
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(download, keys))


def published(rows):
    """Published rows (the report's JSON rows, or DuckDB's runner's) as a comparable set."""
    return {(r["event"], r["os"], r["build"], r["period"], r["events"], r["machines"]) for r in rows if not r.get("suppressed")}


def quarter(a, s3, endpoint, tmp):
    """The compacted quarter-like range: report vs DuckDB side by side, then the warm re-run."""
    rng = random.Random(11)
    first = date(2026, 1, 1)
    last = first + timedelta(days=a.days - 1)
    events = a.days * a.events_per_day
    t = time.perf_counter()
    upload(s3, make_compacted(a.days, a.events_per_day, a.machines, first, rng))
    print(f"setup: {a.days} compacted objects of {a.events_per_day:,} events ({events:,} events), {a.machines:,} machines, "
          f"uploaded in {time.perf_counter() - t:.1f} s; {os.cpu_count()} cores, load average {load()}")
    home = os.path.join(tmp, "home")
    os.makedirs(home)
    env = dict(os.environ, HOME=home, AWS_ACCESS_KEY_ID=AK, AWS_SECRET_ACCESS_KEY=SK, AWS_REGION="us-east-1",
               CFDEV_TELEMETRY_ENDPOINT=endpoint, CFDEV_TELEMETRY_BUCKET=BUCKET, CFDEV_TELEMETRY_PREFIX="")
    report = [a.binary, "report", "--from", first.isoformat(), "--to", last.isoformat(), "--by", "month", "--format", "json"]
    local = os.path.join(tmp, "local")
    if a.runs > 0:
        download_all(s3, local)
    print(f"{'':24}{'wall s':>8}{'CPU s':>8}{'CPU us/event':>14}{'peak MiB':>10}   load")
    figures = []
    for run in range(a.runs):
        wall, rss, out = run_timed(report + ["--no-cache"], env)
        cpu = LAST_CPU
        print(f"{f'report --no-cache #{run + 1}':24}{wall:8.2f}{cpu:8.2f}{cpu / events * 1e6:14.2f}{rss:10.1f}   {load()}")
        d_wall, d_rss, d_cpu, d_out = duckdb_timed(local, first, last, "month", 5)
        print(f"{f'DuckDB, local #{run + 1}':24}{d_wall:8.2f}{d_cpu:8.2f}{d_cpu / events * 1e6:14.2f}{d_rss:10.1f}   {load()}")
        same = published(json.loads(out)["rows"]) == published(json.loads(d_out))
        figures.append((wall / d_wall, cpu / d_cpu, rss))
        print(f"  report/DuckDB: wall {wall / d_wall:.2f} (target <= 1.5), CPU {cpu / d_cpu:.2f} (target <= 1), "
              f"peak {rss:.0f} MiB (target < 256); rows equal DuckDB's: {same}")
    cache = os.path.join(tmp, "cache.sqlite")
    cold, rss_cold, cold_out = run_timed(report + ["--cache", cache], env)
    cold_cpu = LAST_CPU
    upload(s3, make_objects(60, 60 * 150, a.machines, a.days, first, rng, tag="new"))
    if a.perf:
        for suffix in ["", ".key"]:
            shutil.copyfile(cache + suffix, cache + ".before" + suffix)
    warm, rss_warm, warm_out = run_timed(report + ["--cache", cache], env)
    warm_cpu = LAST_CPU
    _, _, fresh = run_timed(report + ["--no-cache"], env)
    if a.perf:
        # The same warm re-run again, from the cache as it was, under perf.
        for suffix in ["", ".key"]:
            shutil.copyfile(cache + ".before" + suffix, cache + suffix)
        subprocess.run(["perf", "record", "-g", "-o", a.perf] + report + ["--cache", cache], env=env, check=True,
                       stdout=subprocess.DEVNULL)
    print(f"report cold (filling the cache): {cold:.2f} s, CPU {cold_cpu:.2f} s, peak {rss_cold:.1f} MiB; "
          f"warm after 60 new objects: {warm:.2f} s, CPU {warm_cpu:.2f} s, peak {rss_warm:.1f} MiB; "
          f"warm/cold = {warm / cold:.3f} (target < 0.10); rows as a cold run's: {json.loads(warm_out) == json.loads(fresh)}")


def boto3_report(endpoint, first, last, k):
    """The report's aggregation in Python with 8 threads: rows keyed like the report's JSON."""
    s3 = client(endpoint)
    keys = []
    day = first
    while day <= last:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=f"events/v1/dt={day.isoformat()}/"):
            keys += [(day, o["Key"]) for o in page.get("Contents", [])]
        day += timedelta(days=1)

    def fetch(item):
        body = s3.get_object(Bucket=BUCKET, Key=item[1])["Body"].read()
        out = []
        for line in gzip.decompress(body).splitlines():
            try:
                e = json.loads(line)
                out.append((e["event_id"], e["event"], e["os"], e["build"], e["anonymous_id"]))
            except Exception:
                pass
        return item[0], out

    atoms = {}
    seen_day, seen = None, set()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for day, events in pool.map(fetch, sorted(keys)):
            if day != seen_day:
                seen_day, seen = day, set()
            period = day.strftime("%Y-%m")
            for event_id, event, os_, build, machine in events:
                if event_id in seen:
                    continue
                seen.add(event_id)
                atom = (event, os_, build, period, machine)
                atoms[atom] = atoms.get(atom, 0) + 1
    groupings = [(), (0,), (3,), (1,), (2,), (0, 3), (1, 3), (2, 3)]
    alive = dict(atoms)
    changed = True
    while changed:
        changed = False
        for g in groupings:
            cells = {}
            for atom in alive:
                cells.setdefault(tuple(atom[i] for i in g), set()).add(atom[4])
            small = {c for c, m in cells.items() if len(m) < k}
            if small:
                before = len(alive)
                alive = {a: n for a, n in alive.items() if tuple(a[i] for i in g) not in small}
                changed = changed or len(alive) != before
    rows = {}
    for g in groupings:
        for atom, n in alive.items():
            cell = tuple(atom[i] if i in g else None for i in range(4))
            events, machines = rows.get(cell, (0, set()))
            machines.add(atom[4])
            rows[cell] = (events + n, machines)
    return {cell: (e, len(m)) for cell, (e, m) in rows.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/cfdev-telemetry"))
    parser.add_argument("--objects", type=int, default=6000)
    parser.add_argument("--events", type=int, default=900_000)
    parser.add_argument("--machines", type=int)
    parser.add_argument("--days", type=int)
    parser.add_argument("--shape", choices=["clients", "quarter"], default="clients")
    parser.add_argument("--events-per-day", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=2, help="report/DuckDB side-by-side runs (quarter shape; 0: none)")
    parser.add_argument("--perf", help="quarter shape: also record the warm re-run with `perf record -g` into this file")
    a = parser.parse_args()
    a.machines = a.machines or (30_000 if a.shape == "quarter" else 2000)
    a.days = a.days or (40 if a.shape == "quarter" else 60)
    tmp = tempfile.mkdtemp(prefix="report-bench-")
    process = None
    sockets = []
    try:
        process, endpoint, sockets = start_weed(tmp)
        s3 = client(endpoint)
        if a.shape == "quarter":
            quarter(a, s3, endpoint, tmp)
            return
        rng = random.Random(7)
        first = date(2026, 1, 1)
        last = first + timedelta(days=a.days - 1)
        t = time.perf_counter()
        upload(s3, make_objects(a.objects, a.events, a.machines, a.days, first, rng))
        print(f"setup: {a.objects} objects, {a.events} events, {a.machines} machines, {a.days} days uploaded in {time.perf_counter() - t:.1f} s")
        home = os.path.join(tmp, "home")
        os.makedirs(home)
        env = dict(os.environ, HOME=home, AWS_ACCESS_KEY_ID=AK, AWS_SECRET_ACCESS_KEY=SK, AWS_REGION="us-east-1",
                   CFDEV_TELEMETRY_ENDPOINT=endpoint, CFDEV_TELEMETRY_BUCKET=BUCKET, CFDEV_TELEMETRY_PREFIX="")
        cache = os.path.join(tmp, "cache.sqlite")
        report = [a.binary, "report", "--from", first.isoformat(), "--to", last.isoformat(), "--by", "month", "--format", "json"]

        quarter_last = first + timedelta(days=a.days // 4 - 1)
        _, rss_quarter, _ = run_timed([a.binary, "report", "--from", first.isoformat(), "--to", quarter_last.isoformat(),
                                       "--by", "month", "--format", "json", "--no-cache"], env)
        cold, rss_cold, cold_out = run_timed(report + ["--cache", cache], env)
        print(f"report cold:       {cold:7.2f} s   peak {rss_cold:6.1f} MiB  (a quarter of the objects: peak {rss_quarter:.1f} MiB); "
              f"CPU {LAST_CPU:.2f} s of the report, on {os.cpu_count()} cores shared with SeaweedFS")
        # The store runs on the same cores: its CPU over a run bounds the wall time from below.
        weed_before = process_cpu(process.pid)
        nocache, rss_nocache, _ = run_timed(report + ["--no-cache"], env)
        nocache_cpu, weed_cpu = LAST_CPU, process_cpu(process.pid) - weed_before
        print(f"report --no-cache: {nocache:7.2f} s   peak {rss_nocache:6.1f} MiB  CPU {nocache_cpu:.2f} s; SeaweedFS's CPU meanwhile "
              f"{weed_cpu:.2f} s (on {os.cpu_count()} cores the wall cannot be under {(nocache_cpu + weed_cpu) / os.cpu_count():.2f} s)")

        t = time.perf_counter()
        python_rows = boto3_report(endpoint, first, last, 5)
        boto = time.perf_counter() - t
        print(f"boto3, 8 threads:  {boto:7.2f} s   report/boto3 = {cold / boto:.2f}  (target <= 0.33)")
        report_rows = {(r["event"], r["os"], r["build"], r["period"]): (r["events"], r["machines"])
                       for r in json.loads(cold_out)["rows"] if not r["suppressed"]}
        print(f"  boto3 rows equal the report's: {python_rows == report_rows} ({len(report_rows)} published rows)")

        local = os.path.join(tmp, "local")
        download_all(s3, local)
        duck_time, duck_rss, duck_cpu, _ = duckdb_timed(local, first, last, "month", 5)
        print(f"DuckDB, local:     {duck_time:7.2f} s   peak {duck_rss:6.1f} MiB  CPU {duck_cpu:.2f} s; report/DuckDB: cold {cold / duck_time:.2f}, "
              f"--no-cache wall {nocache / duck_time:.2f} (target <= 1.5), CPU {nocache_cpu / duck_cpu:.2f} (target <= 1)")

        upload(s3, make_objects(60, 60 * (a.events // a.objects), a.machines, a.days, first, rng, tag="new"))
        warm, rss_warm, _ = run_timed(report + ["--cache", cache], env)
        print(f"report warm (+60): {warm:7.2f} s   peak {rss_warm:6.1f} MiB  warm/cold = {warm / cold:.2f}  (target <= 0.15)")
        _, _, after_new = run_timed(report + ["--no-cache"], env)

        t = time.perf_counter()
        compact = subprocess.run([a.binary, "compact", "--from", first.isoformat(), "--to", last.isoformat()], env=env,
                                 capture_output=True, text=True)
        if compact.returncode != 0:
            sys.exit(compact.stderr[-2000:])
        print(f"compact:           {time.perf_counter() - t:7.2f} s   {compact.stdout.strip().splitlines()[-1]}")
        compacted_cold, rss_compacted, compacted_out = run_timed(report + ["--no-cache"], env)
        compacted_warm, _, _ = run_timed(report + ["--cache", cache], env)
        same = json.loads(compacted_out)["rows"] == json.loads(after_new)["rows"]
        print(f"report after compaction: cold {compacted_cold:.2f} s (peak {rss_compacted:.1f} MiB), warm {compacted_warm:.2f} s; rows unchanged: {same}")
    finally:
        if process:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        for s in sockets:
            try:
                os.unlink(s)
            except OSError:
                pass
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
