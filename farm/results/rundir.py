"""Run ids and run directories under the reports root.

A run id sorts by time (``20261122T031500Z-1a2b3c``), so the newest run is the largest name and
"the previous run" is the largest name below the current one.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path

from farm.results.writer import ROWS_DIR

RUN_JSON = "run.json"


def default_reports_root() -> Path:
    """The farm's ``reports_dir`` setting, resolved as the plugin does.

    ``$FARM_REPORTS_DIR`` (relative to the current directory), else ``[tool.joulefarm]
    reports-dir`` or ``reports/`` at the project root.
    """
    from farm.settings import resolve_settings

    return resolve_settings().values.reports_dir


def new_run_id(now: datetime | None = None) -> str:
    """A time-sortable, unique run id such as ``20261122T031500Z-1a2b3c``."""
    now = now or datetime.now(UTC)
    return f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def is_run_dir(path: Path) -> bool:
    """True when ``path`` holds rows or a merged run."""
    return (path / ROWS_DIR).is_dir() or (path / RUN_JSON).is_file()


def list_runs(reports_root: Path) -> list[Path]:
    """Run directories under ``reports_root``, oldest first."""
    if not reports_root.is_dir():
        return []
    return sorted(p for p in reports_root.iterdir() if p.is_dir() and is_run_dir(p))


def latest_run(reports_root: Path) -> Path | None:
    """The newest run directory, or None."""
    runs = list_runs(reports_root)
    return runs[-1] if runs else None


def previous_run(run_dir: Path) -> Path | None:
    """The newest sibling run older than ``run_dir`` that has merged results, or None."""
    older = [p for p in list_runs(run_dir.parent) if p.name < run_dir.name]
    for candidate in reversed(older):
        if (candidate / "results.parquet").is_file() or (candidate / ROWS_DIR).is_dir():
            return candidate
    return None
