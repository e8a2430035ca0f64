#!/usr/bin/env bash
# Every benchmark in testing/benchmarks, one after the other; each prints its own figures.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
for bench in testing/benchmarks/bench_*.py; do
  echo "=== ${bench}"
  PYTHONPATH=. .venv/bin/python "$bench" || { echo "=== ${bench} failed"; status=1; }
done
exit $status
