"""Report figures: build the whole report of a 10,000-row run (with a previous run to compare).

Run: ``.venv/bin/python -m testing.benchmarks.bench_report [N_ROWS]``. Prints figures, asserts
nothing. Aim: under 10 s for 10,000 rows (merge + compare + plots + run page + test pages).
Wall and CPU time are both printed: on a shared machine the wall time says more about the load.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from farm.results.finish import compare_with_previous
from farm.results.merge import merge_run
from farm.results.report import prepare_rows, render_run
from farm.results.runindex import render_reports_index
from farm.results.testpages import render_test_pages
from farm.results.trace import write_trace
from farm.results.writer import RowWriter
from testing.results.synthetic import synthetic_rows

FIRMWARES = tuple(f"tflm-202{y}.{m:02d}" for y in (4, 5) for m in (3, 6, 11))
N_TRACES = 20


def _write_run(root: Path, run_id: str, n_rows: int, factor: dict[str, float]) -> Path:
    writer = RowWriter(root / run_id)
    rows = synthetic_rows(run_id, n_rows, n_models=150, energy_factor=factor, firmwares=FIRMWARES)
    for i, row in enumerate(rows):
        if i < N_TRACES and row.outcome == "passed":
            rel = f"traces/{i}.parquet"
            t = np.arange(0.0, 1.0, 1e-5)  # 100 k samples, like 1 s at 100 kHz
            write_trace(root / run_id / rel, t, 0.004 + 0.01 * ((t % 0.2) < 0.08),
                        [(k * 0.2, k * 0.2 + 0.08) for k in range(5)])  # fmt: skip
            row = row.model_copy(update={"trace_parquet": rel})
        writer.write(row)
    return root / run_id


def _timed(label: str, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    start, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"  {label:<34} {elapsed:7.2f} s wall {cpu:7.2f} s cpu")
    return result, elapsed


def main() -> None:
    n_rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "reports"
        old = _write_run(root, "20261121T010000Z-aaaaaa", n_rows, {})
        merge_run(old)
        start = time.perf_counter()
        new = _write_run(root, "20261122T010000Z-bbbbbb", n_rows, {"ds-cnn_v1_int8": 1.1})
        print(f"report of {n_rows} rows ({N_TRACES} with a 100 k-sample power trace)")
        print(f"  {'write rows (RowWriter, fsync)':<34} {time.perf_counter() - start:7.2f} s")
        total = 0.0
        merged, t = _timed("merge -> parquet/csv/run.json", merge_run, new)
        total += t
        comparison, t = _timed("compare with previous run", compare_with_previous, merged)
        total += t
        _, t = _timed("plots + run page", render_run, merged, comparison, test_pages=False)
        total += t
        rows = prepare_rows(merged.frame)
        n_pages, t = _timed(
            "per-test pages (+ trace SVGs)", render_test_pages, new, rows, comparison
        )
        total += t
        _, t = _timed("index of runs", render_reports_index, root)
        total += t
        size_mb = sum(p.stat().st_size for p in new.rglob("*") if p.is_file()) / 1e6
        print(f"  {'TOTAL (what farm report does)':<34} {total:7.2f} s")
        print(f"  pages: {n_pages} test pages; regressions flagged: {len(comparison.regressions)}")
        print(f"  run directory: {size_mb:.1f} MB; run page "
              f"{(new / 'index.html').stat().st_size / 1e6:.1f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
