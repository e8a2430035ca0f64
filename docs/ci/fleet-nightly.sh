#!/usr/bin/env bash
# Nightly joulefarm FLEET run: one matrix over the boards of every lab PC, dispatched through the
# lab's Prefect server (see README, "Fleet mode"). Runs on any machine with the checkout, e.g.
# the server PC, from cron or a systemd timer:
#   0 1 * * *  /srv/joulefarm/checkout/docs/ci/fleet-nightly.sh >>/srv/joulefarm/fleet-nightly.log 2>&1
# Prefect URL and auth string: environment or ~/.config/joulefarm/fleet.toml; store: environment
# or ~/.config/joulefarm/store.toml. Never in the inventory.
# Exit code: 0, 1 (product failures), 6 (infra errors only, e.g. "node lost: pc-b"), else 7 on
# regressions.
set -uo pipefail

. "$(dirname "$0")/nightly-common.sh"
nightly_start

git pull --ff-only || echo "warning: git pull failed; dispatching from the current checkout"
make bootstrap >/dev/null
.venv/bin/pip install -q -e ".[fleet]"
.venv/bin/farm fleet deploy          # idempotent: new PCs and newly shared boards

# Plan, one shard per PC, wait (a PC whose worker stops heart-beating is "node lost"), merge.
.venv/bin/farm fleet run --timeout 21600 | tee "$FARM_REPORTS_DIR/fleet-last.log"
farm_rc=${PIPESTATUS[0]}
run_id=$(sed -n 's/.*run \([0-9A-Za-z-]*\): .* tests.*/\1/p' "$FARM_REPORTS_DIR/fleet-last.log" | head -1)

# A PC lost during the night: run what has no row yet (no test runs twice, no duplicate rows).
if [ "$farm_rc" -eq 6 ] && grep -q "node lost" "$FARM_REPORTS_DIR/fleet-last.log"; then
  .venv/bin/farm fleet run --resume "$run_id" --timeout 7200
  farm_rc=$?
fi

nightly_finish "$farm_rc"
