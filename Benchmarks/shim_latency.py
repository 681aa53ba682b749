#!/usr/bin/env python3
"""Start-up cost of the `cf` shim, measured against the bare stand-in `cf`.

Runs, alternating, a few hundred times each: the bare stand-in, an untracked command
through the shim (`cf apps`), a tracked command through the shim (`cf dev stop`,
recorded into a real spool, consent on, on a real pseudo terminal so that it counts as
interactive), and the same tracked command for a user who turned telemetry off (the shim
still looks up the command in the catalog and checks for a pending erasure request). Prints the median and p90 wall time of each and the shim's added cost.

Usage: Benchmarks/shim_latency.py [--runs N] [--bin DIR]
DIR defaults to .build/release (build it with
`swift build -c release --static-swift-stdlib`).
"""
import argparse, json, os, pty, shutil, statistics, subprocess, sys, tempfile, time

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "..", ".build", "release"))
    parser.add_argument("--settle", type=float, default=30, help="ms to pause after each run (not timed)")
    parser.add_argument("--cli", help="cfdev-telemetry to turn consent on (default: beside the shim)")
    args = parser.parse_args()
    shim = os.path.realpath(os.path.join(args.bin, "cf"))
    cli = os.path.realpath(args.cli or os.path.join(args.bin, "cfdev-telemetry"))
    for path in (shim, cli):
        if not os.access(path, os.X_OK):
            sys.exit(f"missing {path}: run `swift build -c release --static-swift-stdlib` first")

    root = tempfile.mkdtemp(prefix="cfdev-bench-")
    try:
        real = os.path.join(root, "real")
        shims = os.path.join(root, "shims")
        home = os.path.join(root, "home")
        for d in (real, shims, os.path.join(home, ".cf")):
            os.makedirs(d)
        # A stand-in real `cf` that does nothing: a tiny C program, so the baseline is the
        # cost of starting a process and nothing else.
        src = os.path.join(root, "cf.c")
        with open(src, "w") as f:
            f.write("int main(void) { return 0; }\n")
        subprocess.run(["cc", "-O2", "-o", os.path.join(real, "cf"), src], check=True)
        os.symlink(shim, os.path.join(shims, "cf"))
        with open(os.path.join(home, ".cf", "config.json"), "w") as f:
            f.write('{"Target": "https://api.dev.cfdev.sh"}')
        machine_id = os.path.join(root, "machine-id")
        with open(machine_id, "w") as f:
            f.write("0123456789abcdef0123456789abcdef\n")
        env = {
            "HOME": home, "PATH": f"{shims}:{real}:/usr/bin:/bin",
            "CFDEV_TELEMETRY_MACHINE_ID_FILE": machine_id,
            "CFDEV_TELEMETRY_FLUSH_INTERVAL": "31536000",  # the largest accepted: one year
            "CFDEV_TELEMETRY_MAX_PENDING": "1000000",
        }
        subprocess.run([cli, "on"], env=env, check=True, stdout=subprocess.DEVNULL)
        # A second user, who said no.
        home_off = os.path.join(root, "home-off")
        os.makedirs(os.path.join(home_off, ".cf"))
        shutil.copy(os.path.join(home, ".cf", "config.json"), os.path.join(home_off, ".cf", "config.json"))
        env_off = dict(env, HOME=home_off)
        subprocess.run([cli, "off"], env=env_off, check=True, stdout=subprocess.DEVNULL)

        master, slave = pty.openpty()
        def timed(argv, environment=env):
            start = time.perf_counter_ns()
            subprocess.run(argv, env=environment, stdin=slave, stdout=slave, stderr=slave, check=False)
            return (time.perf_counter_ns() - start) / 1e6

        cases = {
            "bare stand-in cf": ([os.path.join(real, "cf"), "dev", "stop"], env),
            "untracked via shim (cf apps)": ([os.path.join(shims, "cf"), "apps"], env),
            "tracked via shim (cf dev stop)": ([os.path.join(shims, "cf"), "dev", "stop"], env),
            "cf dev stop, telemetry off": ([os.path.join(shims, "cf"), "dev", "stop"], env_off),
        }
        for argv, environment in cases.values():  # warm-up: page cache, spool creation
            for _ in range(5):
                timed(argv, environment)
        samples = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, (argv, environment) in cases.items():
                samples[name].append(timed(argv, environment))
                # Let the detached recorder of a tracked run finish outside the clock, so
                # its CPU time does not land on the next case's measurement.
                time.sleep(args.settle / 1000)
        os.close(master)
        os.close(slave)

        time.sleep(1)
        status = json.loads(subprocess.run([cli, "status", "--json"], env=env, capture_output=True, text=True).stdout)
        base = statistics.median(samples["bare stand-in cf"])
        print(f"runs per case: {args.runs} (alternated), binaries: {args.bin}")
        print(f"{'case':34} {'median ms':>10} {'p90 ms':>8} {'added ms':>9}")
        for name, values in samples.items():
            med = statistics.median(values)
            p90 = statistics.quantiles(values, n=10)[8]
            print(f"{name:34} {med:10.2f} {p90:8.2f} {med - base:9.2f}")
        expected = 5 + args.runs
        print(f"events recorded by the tracked runs: {status['pending']} of {expected} (dropped: {status['dropped']})")
    finally:
        shutil.rmtree(root, ignore_errors=True)

if __name__ == "__main__":
    main()
