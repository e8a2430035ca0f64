"""Regressions of a run against the previous one.

Two rows are the same measurement when they share (model, target, firmware, test_kind, virtual):
the firmware *version* may change between nights, which is exactly what a nightly compares, but
virtual (instruction-count) numbers are never compared with real ones. Only passed rows count;
several rows with the same key (two boards of one target) are reduced to their median.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from farm.results.schema import ResultRow
from farm.results.writer import atomic_write_bytes

if TYPE_CHECKING:
    import pandas as pd

KEY: tuple[str, ...] = ("model", "target", "firmware", "firmware_version", "test_kind", "virtual")
#: Metrics where "higher is worse", compared by default.
METRICS: tuple[str, ...] = ("energy_uj", "latency_ms")
DEFAULT_THRESHOLD_PCT = 5.0
REGRESSIONS_JSON = "regressions.json"


class Change(BaseModel):
    """One metric of one measurement, before and after."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str | None
    target: str | None
    firmware: str | None
    firmware_version: str | None = None
    test_kind: str | None
    virtual: bool
    metric: str
    previous: float
    current: float
    change_pct: float
    test_id: str | None = None

    def describe(self) -> str:
        """``energy_uj +10.0 % (100 -> 110) for model on target/firmware``."""
        return (
            f"{self.metric} {self.change_pct:+.1f} % ({self.previous:.4g} -> {self.current:.4g})"
            f" for {self.model} on {self.target}/{self.firmware}@{self.firmware_version}"
            f" [{self.test_kind}]"
        )


@dataclass
class Comparison:
    """The outcome of ``compare_runs``: what got worse, what got better, how much was compared."""

    threshold_pct: float
    previous_run_id: str | None = None
    matched: int = 0
    regressions: list[Change] = field(default_factory=list)
    improvements: list[Change] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "previous_run_id": self.previous_run_id,
            "threshold_pct": self.threshold_pct,
            "matched": self.matched,
            "regressions": [c.model_dump() for c in self.regressions],
            "improvements": [c.model_dump() for c in self.improvements],
        }


def _medians(frame: pd.DataFrame, metrics: tuple[str, ...]) -> pd.DataFrame:
    cols = [m for m in metrics if m in frame.columns]
    ok = frame[frame["outcome"] == "passed"]
    if ok.empty or not cols:
        return ok.iloc[0:0][list(KEY)]
    keyed = ok[list(KEY) + cols + ["test_id"]].copy()
    for k in KEY:  # None and NaN group together as "None"
        keyed[k] = keyed[k].map(key_str).astype(object)
    grouped = keyed.groupby(list(KEY), dropna=False)
    med = grouped[cols].median()
    med["test_id"] = grouped["test_id"].first()
    return med.reset_index()


def compare_runs(
    previous: pd.DataFrame,
    current: pd.DataFrame,
    threshold_pct: float = DEFAULT_THRESHOLD_PCT,
    metrics: tuple[str, ...] = METRICS,
    previous_run_id: str | None = None,
) -> Comparison:
    """Compare two runs' frames (``MergedRun.frame``); flag metrics up by more than threshold."""
    result = Comparison(threshold_pct=threshold_pct, previous_run_id=previous_run_id)
    prev, cur = _medians(previous, metrics), _medians(current, metrics)
    if prev.empty or cur.empty:
        return result
    both = cur.merge(prev, on=list(KEY), suffixes=("", "_prev"))
    result.matched = len(both)
    for metric in (m for m in metrics if m in both.columns):
        for rec in both[[*KEY, "test_id", metric, f"{metric}_prev"]].to_dict("records"):
            pct = change_pct(rec[metric], rec[f"{metric}_prev"])
            if pct is None or abs(pct) <= threshold_pct:
                continue
            identity = {k: (None if rec[k] == "None" else rec[k]) for k in KEY}
            identity["virtual"] = rec["virtual"] == "True"
            change = Change(**identity, metric=metric, previous=float(rec[f"{metric}_prev"]),
                            current=float(rec[metric]), change_pct=pct, test_id=rec["test_id"])  # fmt: skip
            (result.regressions if pct > 0 else result.improvements).append(change)
    result.regressions.sort(key=lambda c: -c.change_pct)
    result.improvements.sort(key=lambda c: c.change_pct)
    return result


def key_str(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "None"
    return str(value)


def change_pct(current: object, previous: object) -> float | None:
    """Percent change from ``previous`` to ``current``; None when either is missing or <= 0."""
    if not isinstance(current, int | float) or not isinstance(previous, int | float):
        return None
    if not math.isfinite(current) or not math.isfinite(previous) or previous <= 0:
        return None
    return (current - previous) / previous * 100.0


class Baseline:
    """The previous run's medians, to check single rows while the run is still going.

    The plugin can build one per worker (``Baseline.from_frame(load_frame(prev_dir))``) and call
    ``check(row)`` to attach regression properties to that test's JUnit entry.
    """

    def __init__(self, medians: Mapping[tuple[str, ...], Mapping[str, float]], run_id: str | None):
        self._medians = medians
        self.run_id = run_id

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, run_id: str | None = None) -> Baseline:
        med = _medians(frame, METRICS)
        table = {
            tuple(rec[k] for k in KEY): {m: rec[m] for m in METRICS if m in rec}
            for rec in med.to_dict("records")
        }
        return cls(table, run_id)

    def check(self, row: ResultRow, threshold_pct: float = DEFAULT_THRESHOLD_PCT) -> list[Change]:
        """Regressions of ``row`` against the baseline (empty when none or not comparable)."""
        if row.outcome != "passed":
            return []
        key = tuple(key_str(getattr(row, k)) for k in KEY)
        before = self._medians.get(key, {})
        out = []
        for metric in METRICS:
            now, prev = getattr(row, metric), before.get(metric)
            pct = change_pct(now, prev)
            if pct is None or pct <= threshold_pct:
                continue
            identity = {k: getattr(row, k) for k in KEY}
            out.append(Change(**identity, metric=metric, previous=float(prev), current=float(now),
                              change_pct=pct, test_id=row.test_id))  # fmt: skip
        return out


def baseline_for(run_dir: Path) -> Baseline | None:
    """The baseline of the run before ``run_dir`` (its results.parquet), or None."""
    from farm.results.merge import load_frame
    from farm.results.rundir import previous_run

    prev = previous_run(Path(run_dir))
    if prev is None:
        return None
    return Baseline.from_frame(load_frame(prev, prefer_merged=True), prev.name)


def write_regressions(run_dir: Path, comparison: Comparison) -> Path:
    """Write ``regressions.json`` into the run directory (atomically)."""
    path = run_dir / REGRESSIONS_JSON
    atomic_write_bytes(path, json.dumps(comparison.to_json(), indent=2).encode("utf-8"))
    return path


def read_regressions(run_dir: Path) -> dict[str, Any] | None:
    """``regressions.json`` of a run, or None when the run was never compared."""
    try:
        return json.loads((run_dir / REGRESSIONS_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
