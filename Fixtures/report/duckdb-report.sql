-- The report's exact numbers in DuckDB (docs/REPORT.md, "The report's exact numbers, in SQL").
-- Replace the bucket path, the range, the period expression and k (5); statements are separated
-- by lines "-- step: NAME". The erasure requests (<prefix>erasures/v1/) are read first. Run "pass" with N = 0, 1, 2, … until it keeps every row, then "rows"
-- on the last table. Fixtures/report/duckdb_report.py runs it on a local copy of the layout.

-- step: view
CREATE OR REPLACE VIEW cfdev_events AS
SELECT * FROM read_json('s3://BUCKET/PREFIX/events/v1/dt=*/*.ndjson.gz',
    format = 'newline_delimited', hive_partitioning = true, hive_types = {'dt': 'DATE'},
    columns = {schema: 'INTEGER', event_id: 'VARCHAR', event: 'VARCHAR', "timestamp": 'VARCHAR',
               anonymous_id: 'VARCHAR', os: 'VARCHAR', build: 'VARCHAR', data: 'JSON'},
    ignore_errors = true);

-- step: erasures
CREATE OR REPLACE VIEW cfdev_erased_until AS
SELECT anonymous_id, max(requested_at) AS erased_until
FROM read_json('s3://BUCKET/PREFIX/erasures/v1/*/*.json',
    format = 'newline_delimited',
    columns = {schema: 'INTEGER', anonymous_id: 'VARCHAR', requested_at: 'VARCHAR'},
    ignore_errors = true)
WHERE schema = 1 AND length(anonymous_id) = 64 AND length(requested_at) = 24
GROUP BY anonymous_id;

-- step: atoms
CREATE OR REPLACE TABLE cfdev_atoms_0 AS
SELECT event, os, build, strftime(dt, '%Y-%m') AS period, d.anonymous_id, count(*) AS n
FROM (
  SELECT *, row_number() OVER (PARTITION BY dt, event_id ORDER BY "timestamp") AS copy
  FROM cfdev_events
  WHERE dt BETWEEN DATE '2026-01-01' AND DATE '2026-03-31'
    AND event IS NOT NULL AND os IS NOT NULL AND build IS NOT NULL AND anonymous_id IS NOT NULL
) AS d
LEFT JOIN cfdev_erased_until AS x ON x.anonymous_id = d.anonymous_id
WHERE copy = 1
  -- erasure: a machine's events up to its latest request's time (read to the millisecond) are left out
  AND (x.erased_until IS NULL
       OR substr(d."timestamp", 1, 19) || '.' || rpad(replace(substr(d."timestamp", 21, 3), 'Z', ''), 3, '0')
          > substr(x.erased_until, 1, 23))
GROUP BY event, os, build, strftime(dt, '%Y-%m'), d.anonymous_id;

-- step: pass
CREATE OR REPLACE TABLE cfdev_atoms_NEXT AS
WITH small AS (
  SELECT event, os, build, period, 1 AS hit
  FROM cfdev_atoms_N
  GROUP BY GROUPING SETS ((), (event), (period), (os), (build),
                          (event, period), (os, period), (build, period))
  HAVING count(DISTINCT anonymous_id) < 5
)
SELECT a.*
FROM cfdev_atoms_N AS a
LEFT JOIN small AS s
  ON (s.event IS NULL OR s.event = a.event) AND (s.os IS NULL OR s.os = a.os)
 AND (s.build IS NULL OR s.build = a.build) AND (s.period IS NULL OR s.period = a.period)
WHERE s.hit IS NULL;

-- step: rows
SELECT event, os, build, period, sum(n) AS events, count(DISTINCT anonymous_id) AS machines
FROM cfdev_atoms_N
GROUP BY GROUPING SETS ((), (event), (period), (os), (build),
                        (event, period), (os, period), (build, period))
ORDER BY period NULLS FIRST, events DESC;
