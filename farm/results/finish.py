"""End of a run: merge rows, compare with the previous run, write the report.

The plugin's controller calls ``finish_run`` once at session end; ``farm report RUN_DIR`` calls
the same function, so a SIGKILLed run gets exactly the report a finished one would.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from farm.results.compare import DEFAULT_THRESHOLD_PCT, Comparison, compare_runs, write_regressions
from farm.results.merge import MergedRun, load_frame, merge_run, read_run_info
from farm.results.report import render_run
from farm.results.rundir import previous_run
from farm.results.runindex import render_reports_index

log = logging.getLogger(__name__)


@dataclass
class RunSummary:
    """What a finished run produced."""

    merged: MergedRun
    comparison: Comparison | None
    index_html: Path

    @property
    def outcomes(self) -> dict[str, int]:
        return dict(self.merged.info.get("outcomes", {}))


def compare_with_previous(
    merged: MergedRun, threshold_pct: float = DEFAULT_THRESHOLD_PCT
) -> Comparison | None:
    """Compare a merged run with the newest older run beside it; writes regressions.json."""
    prev_dir = previous_run(merged.run_dir)
    if prev_dir is None:
        return None
    prev_id = read_run_info(prev_dir).get("run_id") or prev_dir.name
    comparison = compare_runs(
        load_frame(prev_dir, prefer_merged=True), merged.frame, threshold_pct,
        previous_run_id=str(prev_id),
    )  # fmt: skip
    write_regressions(merged.run_dir, comparison)
    return comparison


def finish_run(
    run_dir: str | Path,
    run_info: dict[str, Any] | None = None,
    *,
    threshold_pct: float = DEFAULT_THRESHOLD_PCT,
    test_pages: bool = True,
) -> RunSummary:
    """Merge, compare, render the run page and the index of runs.

    Args:
        run_dir: the run directory (``reports/<run_id>``).
        run_info: run metadata for run.json (see ``merge_run``); None keeps what is there.
        threshold_pct: regressions are changes above this many percent.
        test_pages: also write one page per test.

    Returns:
        The merged run, its comparison (None without a previous run) and the run page path.
    """
    merged = merge_run(Path(run_dir), run_info)
    comparison = compare_with_previous(merged, threshold_pct)
    index_html = render_run(merged, comparison, test_pages=test_pages)
    render_reports_index(merged.run_dir.parent)
    if comparison and comparison.regressions:
        log.info("%d regressions vs %s", len(comparison.regressions), comparison.previous_run_id)
    return RunSummary(merged=merged, comparison=comparison, index_html=index_html)
