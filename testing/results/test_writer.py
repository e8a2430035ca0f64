"""Atomic row files under concurrent writers."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from farm.results.schema import ResultRow, safe_id
from farm.results.writer import RowWriter, iter_rows


def _hammer(run_dir: str, worker: int, stop: Any, written: Any) -> None:
    writer = RowWriter(run_dir)
    i = 0
    # Write until the reader has checked enough rows, so every read overlaps writes however
    # slowly this process or the reader gets scheduled on a loaded machine.
    while i < 40 or not stop.is_set():
        # Every worker rewrites the same ids with a large payload: a torn write would show.
        row = ResultRow(
            run_id="r",
            test_id=f"t.py::test[{i % 5}]",
            outcome="passed",
            worker=f"gw{worker}",
            reason="x" * 20000,
            n_inferences=i,
        )
        writer.write(row)
        i += 1
    written.value = i


READS_WHILE_WRITING = 200


def test_concurrent_processes_never_leave_partial_rows(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    stop = ctx.Event()
    written = [ctx.Value("i", 0) for _ in range(4)]
    procs = [
        ctx.Process(target=_hammer, args=(str(tmp_path), w, stop, written[w])) for w in range(4)
    ]
    for proc in procs:
        proc.start()
    seen = 0
    deadline = time.monotonic() + 120
    try:
        while seen < READS_WHILE_WRITING and time.monotonic() < deadline:
            assert all(p.is_alive() for p in procs), "a writer died while the reader was reading"
            # A concurrent reader only ever sees complete rows.
            for path in (tmp_path / "rows").glob("*.json"):
                try:
                    data = path.read_bytes()
                except FileNotFoundError:
                    continue
                row = ResultRow.model_validate_json(data)
                assert row.reason == "x" * 20000 and row.worker in {"gw0", "gw1", "gw2", "gw3"}
                seen += 1
    finally:
        stop.set()
        for proc in procs:
            proc.join(timeout=60)
    assert seen >= READS_WHILE_WRITING, f"only {seen} rows read while the writers ran"
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    assert all(w.value >= 40 for w in written), [w.value for w in written]
    rows = list(iter_rows(tmp_path))
    assert sorted(r.test_id for r in rows) == [f"t.py::test[{i}]" for i in range(5)]
    assert not [p for p in (tmp_path / "rows").iterdir() if not p.name.endswith(".json")]


# Measured quantities with no unit: counts, and a difference in the model's own output scale.
UNITLESS = {
    "n_inferences", "cycles_per_inference", "instructions_per_inference",
    "cycles_estimated_per_inference", "macs", "max_abs_diff",
}  # fmt: skip
UNIT_SUFFIXES = ("_ms", "_s", "_uj", "_mw", "_mv", "_hz", "_bytes", "_pct")


def test_row_refuses_unknown_fields_and_keeps_units_in_names() -> None:
    with pytest.raises(ValidationError, match="energy"):
        ResultRow(run_id="r", test_id="t", outcome="passed", energy=1.0)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        ResultRow(run_id="r", test_id="t", outcome="exploded")  # type: ignore[arg-type]
    numeric = [
        name
        for name, field in ResultRow.model_fields.items()
        if field.annotation in (float | None, int | None, float, int) and name != "schema_version"
    ]
    assert "energy_uj" in numeric and "latency_ms" in numeric
    without_unit = [n for n in numeric if n not in UNITLESS and not n.endswith(UNIT_SUFFIXES)]
    assert without_unit == [], f"measured fields without a unit in their name: {without_unit}"


def test_safe_id_is_unique_and_cannot_escape() -> None:
    a, b = safe_id("t.py::test[a/b]"), safe_id("t.py::test[a_b]")
    assert a != b
    assert "/" not in safe_id("t.py::test[../../etc/passwd]")
    assert set(safe_id("<img src=x onerror=alert(1)>.tflite")) <= set(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"
    )
