#!/bin/sh
# The team's scheduled cfdev-telemetry jobs (docs/DEPLOY.md, "10. Scheduled jobs"):
#
#   cfdev-telemetry-job.sh daily-compaction        compact yesterday's partition (UTC)
#   cfdev-telemetry-job.sh quarterly-report DIR    publish the previous quarter's report in DIR,
#                                                  as cfdev-usage-YYYY-QN.{md,csv,json,html}
#
# The store comes from CFDEV_TELEMETRY_BUCKET, CFDEV_TELEMETRY_PREFIX and AWS_REGION; the
# credentials from the AWS credential chain (a web identity token, a profile, a container or
# instance role). CFDEV_TELEMETRY_JOB_DATE=YYYY-MM-DD runs a job as on that day (to catch up a
# missed run); CFDEV_TELEMETRY_CLI names the executable (default: cfdev-telemetry on PATH).
# Run from GitHub Actions (examples/github-actions/) and systemd (examples/systemd/); a test runs
# the command lines of those files against moto with IAM enforced.
set -eu

cli=${CFDEV_TELEMETRY_CLI:-cfdev-telemetry}
today=${CFDEV_TELEMETRY_JOB_DATE:-$(date -u +%Y-%m-%d)}
# Refuses anything but a date before doing anything (GNU date would also take "next friday").
case "$today" in
[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]) ;;
*) echo "cfdev-telemetry-job.sh: CFDEV_TELEMETRY_JOB_DATE must be YYYY-MM-DD, got \"$today\"" >&2; exit 64 ;;
esac

case "${1:-}" in
daily-compaction)
    day=$(date -u -d "$today -1 day" +%Y-%m-%d)
    echo "cfdev-telemetry-job.sh: compacting dt=$day"
    exec "$cli" compact --from "$day" --to "$day"
    ;;
quarterly-report)
    out=${2:?usage: cfdev-telemetry-job.sh quarterly-report DIR}
    year=${today%%-*}
    month=${today#*-}
    month=${month%-*}
    month=${month#0}
    # This quarter is 0…3; the one to report is the one before (the last of the previous year in January).
    quarter=$(((month - 1) / 3))
    if [ "$quarter" -eq 0 ]; then
        year=$((year - 1))
        quarter=4
    fi
    first=$(printf '%04d-%02d-01' "$year" $(((quarter - 1) * 3 + 1)))
    last=$(date -u -d "$first +3 months -1 day" +%Y-%m-%d)
    name="cfdev-usage-$year-Q$quarter"
    mkdir -p "$out"
    echo "cfdev-telemetry-job.sh: reporting $first to $last into $out/$name.*"
    # The first run reads the bucket; the other formats come from the report cache.
    for format in md csv json html; do
        "$cli" report --from "$first" --to "$last" --by month --output "$out/$name.$format"
    done
    ;;
*)
    echo "usage: cfdev-telemetry-job.sh daily-compaction | quarterly-report DIR" >&2
    exit 64
    ;;
esac
