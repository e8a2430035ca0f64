"""Atomic row files under concurrent writers."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from pydantic import ValidationError

from farm.results.schema import ResultRow, safe_id
from farm.results.writer import RowWriter, iter_rows


def _hammer(run_dir: str, worker: int, n: int) -> None:
    writer = RowWriter(run_dir)
    for i in range(n):
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


def test_concurrent_processes_never_leave_partial_rows(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_hammer, args=(str(tmp_path), w, 40)) for w in range(4)]
    for proc in procs:
        proc.start()
    seen = 0
    while any(p.is_alive() for p in procs):
        # A concurrent reader only ever sees complete rows.
        for path in (tmp_path / "rows").glob("*.json"):
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                continue
            ResultRow.model_validate_json(data)
            seen += 1
    for proc in procs:
        proc.join()
        assert proc.exitcode == 0
    rows = list(iter_rows(tmp_path))
    assert sorted(r.test_id for r in rows) == [f"t.py::test[{i}]" for i in range(5)]
    assert not [p for p in (tmp_path / "rows").iterdir() if not p.name.endswith(".json")]


def test_row_refuses_unknown_fields_and_keeps_units_in_names() -> None:
    with pytest.raises(ValidationError):
        ResultRow(run_id="r", test_id="t", outcome="passed", energy=1.0)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        ResultRow(run_id="r", test_id="t", outcome="exploded")  # type: ignore[arg-type]


def test_safe_id_is_unique_and_cannot_escape() -> None:
    a, b = safe_id("t.py::test[a/b]"), safe_id("t.py::test[a_b]")
    assert a != b
    assert "/" not in safe_id("t.py::test[../../etc/passwd]")
    assert set(safe_id("<img src=x onerror=alert(1)>.tflite")) <= set(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"
    )
