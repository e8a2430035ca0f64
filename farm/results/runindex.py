"""The index of runs: ``reports/index.html`` (and the same page in a store)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from farm.results.compare import read_regressions
from farm.results.merge import read_run_info
from farm.results.rundir import list_runs
from farm.results.templating import copy_static, fmt_duration, fmt_time, render
from farm.results.writer import ROWS_DIR

_EMPTY_OUTCOMES = {"passed": 0, "failed": 0, "error": 0, "skipped": 0}


def run_summary(run_dir: Path) -> dict[str, Any]:
    """What the index shows of one run: run.json, plus the regression count when compared."""
    info = read_run_info(run_dir)
    if not info:  # a run killed before its merge: count its rows at least
        n_rows = len(list((run_dir / ROWS_DIR).glob("*.json")))
        info = {"run_id": run_dir.name, "n_tests": n_rows, "incomplete": True}
    regressions = read_regressions(run_dir)
    info["regressions"] = len(regressions["regressions"]) if regressions else None
    return info


def _entry(info: dict[str, Any]) -> dict[str, Any]:
    run_id = str(info.get("run_id", ""))
    started, finished = info.get("started_at"), info.get("finished_at")
    duration_s = None
    if started and finished:
        span = datetime.fromisoformat(finished) - datetime.fromisoformat(started)
        duration_s = span.total_seconds()
    return {
        **info,
        "run_id": run_id,
        "href": f"{quote(run_id)}/index.html",
        "started": fmt_time(started),
        "duration_s": duration_s,
        "duration": fmt_duration(duration_s),
        "outcomes": {**_EMPTY_OUTCOMES, **(info.get("outcomes") or {})},
        "n_tests": info.get("n_tests", 0),
    }


def render_index(out_dir: Path, runs: list[dict[str, Any]]) -> Path:
    """Write ``out_dir/index.html`` listing ``runs`` (run.json dicts), newest first."""
    entries = sorted((_entry(r) for r in runs), key=lambda e: e["run_id"], reverse=True)
    copy_static(out_dir)
    return render(
        "index.html.j2",
        out_dir / "index.html",
        static="static/",
        home="",
        runs=entries,
        has_trends=(out_dir / "trends" / "index.html").is_file(),
    )


def render_reports_index(reports_root: Path) -> Path:
    """Rebuild ``reports/index.html`` from the run directories under it."""
    return render_index(reports_root, [run_summary(p) for p in list_runs(reports_root)])
