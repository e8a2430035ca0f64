#!/usr/bin/env bash
# Nightly joulefarm run on the lab PC without a CI server. Install, for example, as
#   crontab:  0 1 * * *  /srv/joulefarm/checkout/docs/ci/lab-pc-nightly.sh >>/srv/joulefarm/nightly.log 2>&1
# Store credentials come from ~/.config/joulefarm/store.toml (mode 600), never from the inventory.
# Exit code: the run's (0, 1 product failures, 6 infra errors only), else 7 on regressions.
set -uo pipefail

. "$(dirname "$0")/nightly-common.sh"
nightly_start
export PYTEST_ADDOPTS="--junitxml=$FARM_REPORTS_DIR/junit-$(date -u +%Y%m%dT%H%M%SZ).xml"

git pull --ff-only || echo "warning: git pull failed; measuring the current checkout"

make farm            # bootstrap + pytest tests -n auto; the last line is the run page
farm_rc=$?

nightly_finish "$farm_rc"
