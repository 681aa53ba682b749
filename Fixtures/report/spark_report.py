"""Runs spark-report.sql under PySpark (local mode) on a local copy of the bucket layout and
prints the published rows as JSON: python3 spark_report.py ROOT FROM TO BY K
(ROOT holds events/v1/dt=…/…ndjson.gz). Exit status 3 when pyspark is not installed."""
import os
import pathlib
import sys

from report_steps import fill, no_erasures, run, steps

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


def main(root, first, last, by, k):
    sql = (pathlib.Path(__file__).with_name("spark-report.sql")).read_text()
    step = no_erasures(steps(fill(sql, "s3a://BUCKET/PREFIX/events/v1/", "file://" + os.path.abspath(root).rstrip("/") + "/events/v1/",
                      "date_format(dt, 'yyyy-MM')", PERIOD[by], first, last, k)), root)
    spark = (SparkSession.builder.master("local[2]").appName("cfdev-report-check")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").config("spark.sql.shuffle.partitions", "4")
             .config("spark.driver.memory", "1g").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    try:
        run(step, execute=spark.sql, count=lambda table: spark.sql(f"SELECT count(*) FROM {table}").collect()[0][0],
            fetch=lambda sql: spark.sql(sql).collect())
    finally:
        spark.stop()


if __name__ == "__main__":
    main(*sys.argv[1:6])
