"""Runs spark-report.sql under PySpark (local mode) on a local copy of the bucket layout and
prints the published rows as JSON: python3 spark_report.py ROOT FROM TO BY K
(ROOT holds events/v1/dt=…/…ndjson.gz). Exit status 3 when pyspark is not installed."""
import json
import os
import pathlib
import sys

try:
    from pyspark.sql import SparkSession
except ImportError:
    sys.exit(3)

PERIOD = {
    "day": "date_format(dt, 'yyyy-MM-dd')",
    "week": "concat(extract(YEAROFWEEK FROM dt), '-W', lpad(weekofyear(dt), 2, '0'))",
    "month": "date_format(dt, 'yyyy-MM')",
    "quarter": "concat(year(dt), '-Q', quarter(dt))",
}


def steps(text):
    found, name = {}, None
    for line in text.splitlines():
        if line.startswith("-- step: "):
            name = line[len("-- step: "):].strip()
            found[name] = ""
        elif name:
            found[name] += line + "\n"
    return {k: v.strip().rstrip(";") for k, v in found.items()}


def main(root, first, last, by, k):
    sql = (pathlib.Path(__file__).with_name("spark-report.sql")).read_text()
    sql = (sql.replace("s3a://BUCKET/PREFIX/events/v1/", "file://" + os.path.abspath(root).rstrip("/") + "/events/v1/")
              .replace("DATE '2026-01-01'", f"DATE '{first}'").replace("DATE '2026-03-31'", f"DATE '{last}'")
              .replace("date_format(dt, 'yyyy-MM')", PERIOD[by]).replace("< 5", f"< {int(k)}"))
    step = steps(sql)
    spark = (SparkSession.builder.master("local[2]").appName("cfdev-report-check")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").config("spark.sql.shuffle.partitions", "4")
             .config("spark.driver.memory", "1g").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    try:
        spark.sql(step["view"])
        spark.sql(step["atoms"])
        n = 0
        while True:
            spark.sql(step["pass"].replace("_NEXT", f"_{n + 1}").replace("_N", f"_{n}"))
            before = spark.sql(f"SELECT count(*) FROM cfdev_atoms_{n}").collect()[0][0]
            after = spark.sql(f"SELECT count(*) FROM cfdev_atoms_{n + 1}").collect()[0][0]
            n += 1
            if before == after:
                break
        rows = spark.sql(step["rows"].replace("_N", f"_{n}")).collect()
    finally:
        spark.stop()
    print(json.dumps([{"event": r[0], "os": r[1], "build": r[2], "period": r[3],
                       "events": int(r[4]), "machines": int(r[5])} for r in rows if r[4] is not None]))


if __name__ == "__main__":
    main(*sys.argv[1:6])
