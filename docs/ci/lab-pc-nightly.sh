#!/usr/bin/env bash
# Nightly joulefarm run on the lab PC without a CI server. Install, for example, as
#   crontab:  0 1 * * *  /srv/joulefarm/checkout/docs/ci/lab-pc-nightly.sh >>/srv/joulefarm/nightly.log 2>&1
# Store credentials come from ~/.config/joulefarm/store.toml (mode 600), never from the inventory.
# Exit code: the run's (0, 1 product failures, 6 infra errors only), else 7 on regressions.
set -uo pipefail

checkout="${JOULEFARM_CHECKOUT:-$(cd "$(dirname "$0")/../.." && pwd)}"
export FARM_REPORTS_DIR="${FARM_REPORTS_DIR:-/srv/joulefarm/reports}"
export PYTEST_ADDOPTS="--junitxml=$FARM_REPORTS_DIR/junit-$(date -u +%Y%m%dT%H%M%SZ).xml"
cd "$checkout" || exit 4
mkdir -p "$FARM_REPORTS_DIR"

# One run at a time, even if a manual run is still going at 01:00.
exec 9>"$FARM_REPORTS_DIR/.nightly.lock"
flock -n 9 || { echo "another farm run holds $FARM_REPORTS_DIR/.nightly.lock"; exit 2; }

git pull --ff-only || echo "warning: git pull failed; measuring the current checkout"

make farm            # bootstrap + pytest tests -n auto; the last line is the run page
farm_rc=$?

.venv/bin/farm report --latest --fail-on-regression --no-test-pages
report_rc=$?

# Push this run and any older run a down store left pending; never fails the measurement.
for run in "$FARM_REPORTS_DIR"/2*/; do
  .venv/bin/farm push "$run" || echo "push of $run pending; tomorrow's run retries it"
done

if [ "$farm_rc" -ne 0 ]; then exit "$farm_rc"; fi
exit "$report_rc"
