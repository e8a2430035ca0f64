# Sourced by lab-pc-nightly.sh and fleet-nightly.sh: what every nightly does before and after
# its run, so the two jobs lock, report and push the same way.

# cd to the checkout, create FARM_REPORTS_DIR, and hold the nightly lock: one run at a time,
# even if a manual run is still going at 01:00 (exit 2 then).
nightly_start() {
  checkout="${JOULEFARM_CHECKOUT:-$(cd "$(dirname "$0")/../.." && pwd)}"
  export FARM_REPORTS_DIR="${FARM_REPORTS_DIR:-/srv/joulefarm/reports}"
  cd "$checkout" || exit 4
  mkdir -p "$FARM_REPORTS_DIR"
  exec 9>"$FARM_REPORTS_DIR/.nightly.lock"
  flock -n 9 || { echo "another farm run holds $FARM_REPORTS_DIR/.nightly.lock"; exit 2; }
}

# nightly_finish <run exit status>: rebuild the latest run's report (7 on regressions), push this
# run and any older run a down store left pending (never fails the measurement), then exit with
# the run's status, else the report's.
nightly_finish() {
  local farm_rc=$1 report_rc run
  .venv/bin/farm report --latest --fail-on-regression --no-test-pages
  report_rc=$?
  for run in "$FARM_REPORTS_DIR"/2*/; do
    .venv/bin/farm push "$run" || echo "push of $run pending; tomorrow's run retries it"
  done
  if [ "$farm_rc" -ne 0 ]; then exit "$farm_rc"; fi
  exit "$report_rc"
}
