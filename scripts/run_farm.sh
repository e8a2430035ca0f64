#!/usr/bin/env bash
# The main job: the HIL suite over the whole matrix of inventory.yaml, then the report path.
set -uo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pytest tests -n auto -p no:cacheprovider "$@"
rc=$?
.venv/bin/farm report --latest --print-path || true
exit $rc
