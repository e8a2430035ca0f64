#!/usr/bin/env bash
# `make fleet-demo`: the fleet on loopback. Installs the `fleet` extra (Prefect) if missing, then
# runs farm/fleet/demo.py: moto S3 server + Prefect server + workers pc-a and pc-b + dispatcher,
# every process stopped at the end. Extra arguments go to `farm fleet run` (e.g. -k inference).
# The last line printed is the merged report's path.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! .venv/bin/python -c "import prefect, moto" 2>/dev/null; then
  echo "fleet-demo: installing the fleet extra into .venv"
  .venv/bin/pip install -q -e ".[fleet,dev]"
fi
exec .venv/bin/python -m farm.fleet.demo "$@"
