#!/usr/bin/env python3
"""What erasure requests cost the report and compaction (not a test; prints figures).

    python3 Benchmarks/erasure_benchmark.py [--binary PATH] [--objects 2000] [--events 300000]
                                            [--machines 2000] [--days 30] [--forgotten 100] [--forged 1000]

Starts SeaweedFS on loopback (as report_benchmark.py does), uploads the objects, then measures:
  1. `report` cold and warm with no erasure request;
  2. FORGOTTEN requests for real machines (mid-range) and FORGED ones for IDs nobody holds:
     `report` warm (the cache is keyed by the request set: every object is read again), warm again
     (served from the cache), and cold; the erased events and the rows against a boto3 count;
  3. the erasure sweep (`compact` over the range) and the report after it.
Needs: weed, boto3. Use a release build for fair figures."""
import argparse
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report_benchmark import (AK, BUCKET, ROOT, SK, anonymous_id, client, make_objects, run_timed,  # noqa: E402
                              start_weed, upload)


def request_body(machine_id, at):
    return json.dumps({"schema": 1, "anonymous_id": machine_id, "requested_at": at}, separators=(",", ":")) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/cfdev-telemetry"))
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--machines", type=int, default=2000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--forgotten", type=int, default=100)
    parser.add_argument("--forged", type=int, default=1000)
    a = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="erasure-bench-")
    process, sockets = None, []
    try:
        process, endpoint, sockets = start_weed(tmp)
        s3 = client(endpoint)
        rng = random.Random(11)
        first = date(2026, 1, 1)
        last = first + timedelta(days=a.days - 1)
        upload(s3, make_objects(a.objects, a.events, a.machines, a.days, first, rng))
        print(f"setup: {a.objects} objects, {a.events} events, {a.machines} machines, {a.days} days")
        home = os.path.join(tmp, "home")
        os.makedirs(home)
        env = dict(os.environ, HOME=home, AWS_ACCESS_KEY_ID=AK, AWS_SECRET_ACCESS_KEY=SK, AWS_REGION="us-east-1",
                   CFDEV_TELEMETRY_ENDPOINT=endpoint, CFDEV_TELEMETRY_BUCKET=BUCKET, CFDEV_TELEMETRY_PREFIX="")
        cache = os.path.join(tmp, "cache.sqlite")
        report = [a.binary, "report", "--from", first.isoformat(), "--to", last.isoformat(), "--by", "month", "--format", "json"]

        cold, rss, _ = run_timed(report + ["--cache", cache], env)
        warm, _, plain = run_timed(report + ["--cache", cache], env)
        print(f"no request:        cold {cold:6.2f} s (peak {rss:.1f} MiB), warm {warm:6.2f} s")

        middle = first + timedelta(days=a.days // 2)
        requests = [(anonymous_id(m), f"{middle.isoformat()}T12:00:00.000Z") for m in rng.sample(range(a.machines), a.forgotten)]
        requests += [(f"{rng.getrandbits(256):064x}", f"{last.isoformat()}T00:00:00.000Z") for _ in range(a.forged)]
        t = time.perf_counter()
        upload(s3, [(f"erasures/v1/{i}/{at.replace('-', '').replace(':', '').replace('.', '')}.json", request_body(i, at).encode())
                    for i, at in requests])
        print(f"uploaded {len(requests)} erasure requests ({a.forgotten} real, {a.forged} forged) in {time.perf_counter() - t:.1f} s")

        invalidated, _, _ = run_timed(report + ["--cache", cache], env)
        rewarm, _, _ = run_timed(report + ["--cache", cache], env)
        erased_cold, rss_erased, out = run_timed(report + ["--no-cache"], env)
        summary = json.loads(out)["input"]
        print(f"with requests:     warm after new requests {invalidated:6.2f} s (every object read again), warm again {rewarm:6.2f} s, "
              f"cold {erased_cold:6.2f} s (peak {rss_erased:.1f} MiB)")
        print(f"  erased {summary['erased']} events; {summary['erasure_requests']} requests honoured, "
              f"{summary['rejected_erasure_requests']} rejected; total events {json.loads(plain)['rows'][0].get('events')} -> "
              f"{json.loads(out)['rows'][0].get('events')}")

        t = time.perf_counter()
        sweep = __import__("subprocess").run([a.binary, "compact", "--from", first.isoformat(), "--to", last.isoformat()],
                                             env=env, capture_output=True, text=True)
        if sweep.returncode != 0:
            sys.exit(sweep.stderr[-2000:])
        print(f"sweep (compact):   {time.perf_counter() - t:6.2f} s   {sweep.stdout.strip().splitlines()[-1]}")
        after, _, after_out = run_timed(report + ["--no-cache"], env)
        same = json.loads(after_out)["rows"] == json.loads(out)["rows"]
        print(f"report after sweep: cold {after:6.2f} s; rows unchanged: {same}; erased now {json.loads(after_out)['input']['erased']}")
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
