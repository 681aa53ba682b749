"""Runs duckdb-report.sql on a local copy of the bucket layout and prints the published rows
as JSON: python3 duckdb_report.py ROOT FROM TO BY K  (ROOT holds events/v1/dt=…/…ndjson.gz)."""
import pathlib
import sys

import duckdb

from report_steps import fill, no_erasures, run, steps

PERIOD = {
    "day": "strftime(dt, '%Y-%m-%d')",
    "week": "strftime(dt, '%G-W%V')",
    "month": "strftime(dt, '%Y-%m')",
    "quarter": "strftime(dt, '%Y') || '-Q' || quarter(dt)",
}


def main(root, first, last, by, k):
    sql = (pathlib.Path(__file__).with_name("duckdb-report.sql")).read_text()
    step = no_erasures(steps(fill(sql, "s3://BUCKET/PREFIX/events/v1", root.rstrip("/") + "/events/v1",
                      "strftime(dt, '%Y-%m')", PERIOD[by], first, last, k)), root)
    if "erasures" not in step:
        step["erased"] = step["erased"].replace("TEMPORARY ", "").replace("STRING", "VARCHAR")
    con = duckdb.connect()
    run(step, execute=con.execute, count=lambda table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0],
        fetch=lambda sql: con.execute(sql).fetchall())


if __name__ == "__main__":
    main(*sys.argv[1:6])
