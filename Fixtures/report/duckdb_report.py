"""Runs duckdb-report.sql on a local copy of the bucket layout and prints the published rows
as JSON: python3 duckdb_report.py ROOT FROM TO BY K  (ROOT holds events/v1/dt=…/…ndjson.gz)."""
import json
import pathlib
import sys

import duckdb

PERIOD = {
    "day": "strftime(dt, '%Y-%m-%d')",
    "week": "strftime(dt, '%G-W%V')",
    "month": "strftime(dt, '%Y-%m')",
    "quarter": "strftime(dt, '%Y') || '-Q' || quarter(dt)",
}


def steps(text):
    found, name = {}, None
    for line in text.splitlines():
        if line.startswith("-- step: "):
            name = line[len("-- step: "):].strip()
            found[name] = ""
        elif name:
            found[name] += line + "\n"
    return found


def main(root, first, last, by, k):
    sql = (pathlib.Path(__file__).with_name("duckdb-report.sql")).read_text()
    sql = (sql.replace("s3://BUCKET/PREFIX/events/v1", root.rstrip("/") + "/events/v1")
              .replace("DATE '2026-01-01'", f"DATE '{first}'").replace("DATE '2026-03-31'", f"DATE '{last}'")
              .replace("strftime(dt, '%Y-%m')", PERIOD[by]).replace("< 5", f"< {int(k)}"))
    step = steps(sql)
    con = duckdb.connect()
    con.execute(step["view"])
    con.execute(step["atoms"])
    n = 0
    while True:
        con.execute(step["pass"].replace("_NEXT", f"_{n + 1}").replace("_N", f"_{n}"))
        before = con.execute(f"SELECT count(*) FROM cfdev_atoms_{n}").fetchone()[0]
        after = con.execute(f"SELECT count(*) FROM cfdev_atoms_{n + 1}").fetchone()[0]
        n += 1
        if before == after:
            break
    rows = con.execute(step["rows"].replace("_N", f"_{n}")).fetchall()
    print(json.dumps([{"event": r[0], "os": r[1], "build": r[2], "period": r[3],
                       "events": int(r[4]), "machines": int(r[5])} for r in rows if r[4] is not None]))


if __name__ == "__main__":
    main(*sys.argv[1:6])
