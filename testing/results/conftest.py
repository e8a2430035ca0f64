"""Fixtures of the results tests: synthetic runs written through the real RowWriter."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from farm.results.schema import ResultRow
from farm.results.writer import RowWriter
from testing.results.synthetic import synthetic_rows

XSS = "<img src=x onerror=alert(1)>"


def write_run(
    root: Path,
    run_id: str,
    n_rows: int = 48,
    energy_factor: dict[str, float] | None = None,
    extra: list[ResultRow] | None = None,
) -> Path:
    """Write a synthetic run's rows under ``root/run_id`` and return the run directory."""
    writer = RowWriter(root / run_id)
    for row in synthetic_rows(run_id, n_rows, n_models=4, energy_factor=energy_factor):
        writer.write(row)
    for row in extra or []:
        writer.write(row)
    return root / run_id


@pytest.fixture
def make_run(tmp_path: Path) -> Callable[..., Path]:
    """``make_run(run_id, n_rows=48, energy_factor=None, extra=None)`` under tmp_path/reports."""

    def make(run_id: str, **kwargs: object) -> Path:
        return write_run(tmp_path / "reports", run_id, **kwargs)  # type: ignore[arg-type]

    return make
