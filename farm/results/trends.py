"""``farm trends``: how each (model, target, firmware) moved across the runs in a store."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from farm.results.compare import KEY, key_str
from farm.results.push import RUNS_JSON
from farm.results.schema import safe_id
from farm.results.store import RunStore
from farm.results.templating import copy_static, fmt_num, render

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)
METRICS = (("energy_uj", "energy per inference [µJ]"), ("latency_ms", "latency per inference [ms]"))


def run_ids(store: RunStore) -> list[str]:
    """Run ids in the store: its runs.json, or the run directories of a local store."""
    raw = store.get_bytes(RUNS_JSON)
    if raw:
        return sorted(str(r["run_id"]) for r in json.loads(raw)["runs"])
    root = getattr(store, "root", None)
    if root is None:
        return []
    from farm.results.rundir import list_runs

    return [p.name for p in list_runs(Path(root)) if (p / "results.parquet").is_file()]


def collect(store: RunStore, ids: list[str]) -> pd.DataFrame:
    """Passed rows of the given runs with their run id, from each run's results.parquet."""
    import pandas as pd

    frames = []
    for run_id in ids:
        data = store.get_bytes(f"{run_id}/results.parquet")
        if data is None:
            log.warning("run %s has no results.parquet in %s", run_id, store.name)
            continue
        frame = pd.read_parquet(io.BytesIO(data))
        cols = [c for c in (*KEY, "energy_uj", "latency_ms", "outcome") if c in frame.columns]
        frame = frame[cols][frame["outcome"] == "passed"].assign(run_id=run_id)
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=[*KEY, "energy_uj", "latency_ms", "run_id"])
    return pd.concat(frames, ignore_index=True)


def sparkline(values: list[float | None], width: int = 120, height: int = 24) -> Markup:
    """An inline SVG polyline of ``values`` (numbers only, so it is safe markup)."""
    points = [(i, v) for i, v in enumerate(values) if v is not None and v == v]
    if len(points) < 2:
        return Markup("")
    lo, hi = min(v for _, v in points), max(v for _, v in points)
    span, n = (hi - lo) or 1.0, max(1, len(values) - 1)
    xy = " ".join(
        f"{2 + i * (width - 4) / n:.1f},{height - 2 - (v - lo) * (height - 4) / span:.1f}"
        for i, v in points
    )
    last_x, last_y = xy.rsplit(" ", 1)[-1].split(",")
    return Markup(
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f'<polyline fill="none" stroke="#1f6fb2" stroke-width="1.5" points="{xy}"/>'
        f'<circle cx="{last_x}" cy="{last_y}" r="2.2" fill="#1f6fb2"/></svg>'
    )


def _series_rows(data: pd.DataFrame, ids: list[str]) -> list[dict[str, Any]]:
    rows = []
    keyed = data.assign(**{k: data[k].map(key_str) for k in KEY})
    medians = keyed.groupby([*KEY, "run_id"])[["energy_uj", "latency_ms"]].median()
    for key, sub in medians.groupby(level=list(range(len(KEY)))):
        by_run = sub.droplevel(list(range(len(KEY))))
        row: dict[str, Any] = dict(zip(KEY, key, strict=True))
        row["n_runs"] = len(by_run)
        for metric, _label in METRICS:
            values = [by_run[metric].get(r) for r in ids] if metric in by_run else []
            present = [v for v in values if v is not None and v == v]
            row[f"{metric}_last"] = fmt_num(present[-1]) if present else ""
            change = None
            if len(present) >= 2 and present[-2] > 0:
                change = (present[-1] - present[-2]) / present[-2] * 100.0
            row[f"{metric}_change"] = change
            row[f"{metric}_spark"] = sparkline(values)
        rows.append(row)
    return rows


def _plots(data: pd.DataFrame, out_dir: Path) -> list[dict[str, str]]:
    """Per target: each series' energy relative to its first run (1.0 = unchanged)."""
    from farm.results.plots import trend

    made = []
    for old in (out_dir / "plots").glob("trend_*.png"):  # targets that left the store
        old.unlink()
    panel = (
        data["target"]
        .map(key_str)
        .where(
            ~data["virtual"].fillna(False).astype(bool), data["target"].map(key_str) + " (virtual)"
        )
    )
    for target, sub in data.groupby(panel):
        sub = sub[sub["energy_uj"].notna()]
        if sub.empty or sub["run_id"].nunique() < 2:
            continue
        sub = sub.assign(series=sub["model"].map(key_str) + " / " + sub["firmware"].map(key_str))
        med = sub.groupby(["series", "run_id"], as_index=False)["energy_uj"].median()
        first = med.groupby("series")["energy_uj"].transform("first")
        med = med.assign(relative=med["energy_uj"] / first)
        name = f"trend_energy_{safe_id(target)}.png"
        path = trend(med, "relative", "energy / first run", out_dir / "plots" / name,
                     f"{target}: energy per inference relative to the first run")  # fmt: skip
        if path is not None:
            made.append({"href": f"plots/{name}", "title": f"{target}"})
    return made


def build_trends(store: RunStore, out_dir: Path, last: int = 30) -> Path:
    """Write ``out_dir/index.html`` with a table of series (sparklines) and per-target plots."""
    ids = run_ids(store)[-last:]
    data = collect(store, ids)
    copy_static(out_dir)
    return render(
        "trends.html.j2",
        out_dir / "index.html",
        static="static/",
        home="../",
        store=store.name,
        run_ids=ids,
        rows=_series_rows(data, ids) if not data.empty else [],
        plots=_plots(data, out_dir) if not data.empty else [],
        metrics=METRICS,
    )
