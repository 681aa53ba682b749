"""What the engine runners (duckdb_report.py, spark_report.py) share: the "-- step: NAME" parts
of a report SQL file, filled in for a run, and the k-rule passes repeated until nothing more is
withheld, printing the published rows as JSON."""
import json


def steps(text):
    """The statements of the file by step name (without a trailing semicolon)."""
    found, name = {}, None
    for line in text.splitlines():
        if line.startswith("-- step: "):
            name = line[len("-- step: "):].strip()
            found[name] = ""
        elif name:
            found[name] += line + "\n"
    return {k: v.strip().rstrip(";") for k, v in found.items()}


def fill(sql, path, root, period, period_expression, first, last, k):
    """The file's example bucket path (events and erasures), range, monthly period and k (5)
    replaced by this run's."""
    return (sql.replace(path, root).replace(path.replace("/events/v1", "/erasures/v1"), root.replace("/events/v1", "/erasures/v1"))
               .replace("DATE '2026-01-01'", f"DATE '{first}'").replace("DATE '2026-03-31'", f"DATE '{last}'")
               .replace(period, period_expression).replace("< 5", f"< {int(k)}"))


def no_erasures(step, root):
    """With no erasure request under ROOT/erasures/v1/, an empty cfdev_erased_until (engines
    refuse to read a path that holds no file)."""
    import glob
    if glob.glob(root.rstrip("/") + "/erasures/v1/*/*.json"):
        return step
    step = {k: v for k, v in step.items() if k not in ("erasures", "erased")}
    step["erased"] = ("CREATE OR REPLACE TEMPORARY VIEW cfdev_erased_until AS "
                      "SELECT CAST(NULL AS STRING) AS anonymous_id, CAST(NULL AS STRING) AS erased_until WHERE 1 = 0")
    return step


def run(step, execute, count, fetch):
    """Runs the steps with the engine's `execute(sql)`, `count(table)` and `fetch(sql)`, and
    prints the published rows (the grouping-set rows that have events) as JSON."""
    execute(step["view"])
    for name in ("erasures", "erased"):
        if name in step:
            execute(step[name])
    execute(step["atoms"])
    n = 0
    while True:
        execute(step["pass"].replace("_NEXT", f"_{n + 1}").replace("_N", f"_{n}"))
        before, after = count(f"cfdev_atoms_{n}"), count(f"cfdev_atoms_{n + 1}")
        n += 1
        if before == after:
            break
    rows = fetch(step["rows"].replace("_N", f"_{n}"))
    print(json.dumps([{"event": r[0], "os": r[1], "build": r[2], "period": r[3],
                       "events": int(r[4]), "machines": int(r[5])} for r in rows if r[4] is not None]))
