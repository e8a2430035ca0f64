"""Report plots with matplotlib's Agg canvas (no display, no pyplot global state).

Every function takes a run's frame, writes a PNG and returns its path, or returns None when the
run has no data for that plot (a run without energy rows simply has no energy plot). Virtual-lab
numbers are labelled as such in the panel titles, never mixed silently with real ones.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING

from farm.results.plot_canvas import STYLE, new_figure, save_png

if TYPE_CHECKING:
    import pandas as pd


MARKERS = "o^sDv<>pPhX*8d"


def short_number(value: float) -> str:
    """``12.3``, ``4.56k``, ``123k``, ``1.2M``: compact labels for heatmap cells."""
    for scale, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.3g}"


def natural_key(text: object) -> list[object]:
    """Sort key putting ``v2`` before ``v10``."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", str(text))]


def _log_axes(ax: object) -> None:
    """Log scales with plain labels (``10``, ``100``), not ``3x10^0`` minor-tick clutter."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    for axis in (ax.xaxis, ax.yaxis):  # type: ignore[attr-defined]
        axis.set_major_formatter(FuncFormatter(lambda v, _pos: short_number(v)))
        axis.set_minor_formatter(NullFormatter())
    ax.minorticks_off()  # type: ignore[attr-defined]  # minor log ticks cost most of the layout time


def panel_labels(frame: pd.DataFrame) -> pd.Series:
    """Panel label per row: the target, marked when measured on the virtual lab."""
    target = frame["target"].fillna("?").astype(str)
    return target.where(~frame["virtual"].fillna(False).astype(bool), target + " (virtual)")


def measured(
    frame: pd.DataFrame, *columns: str, outcomes: tuple[str, ...] = ("passed",)
) -> pd.DataFrame:
    """Rows with one of ``outcomes`` where every column in ``columns`` is present."""
    if frame.empty or any(c not in frame.columns for c in columns):
        return frame.iloc[0:0]
    ok = frame[frame["outcome"].isin(outcomes)]
    for column in columns:
        ok = ok[ok[column].notna()]
    return ok


def energy_vs_latency(frame: pd.DataFrame, path: Path) -> Path | None:
    """Energy per inference against latency, one panel per target, one marker per family."""
    import matplotlib

    data = measured(frame, "energy_uj", "latency_ms")
    if data.empty:
        return None
    data = data.assign(panel=panel_labels(data), family=data["model_family"].fillna("other"))
    panels = sorted(data["panel"].unique())
    families = sorted(data["family"].unique())
    ncols = min(3, len(panels))
    nrows = math.ceil(len(panels) / ncols)
    with matplotlib.rc_context(STYLE):
        fig = new_figure(4.4 * ncols + 1.6, 3.4 * nrows, (0.75, 1.75, 0.35, 0.55))
        axes = fig.subplots(nrows, ncols, squeeze=False)
        cmap = matplotlib.colormaps["tab10"]
        for ax, panel in zip(axes.flat, panels, strict=False):
            sub = data[data["panel"] == panel]
            for i, family in enumerate(families):
                pts = sub[sub["family"] == family]
                if pts.empty:
                    continue
                ax.scatter(
                    pts["latency_ms"], pts["energy_uj"], s=26, marker=MARKERS[i % len(MARKERS)],
                    color=cmap(i % 10), alpha=0.85, edgecolors="white", linewidths=0.4,
                    label=family,
                )  # fmt: skip
            ax.set_xscale("log")
            ax.set_yscale("log")
            _log_axes(ax)
            ax.set_title(panel)
            ax.set_xlabel("latency per inference [ms]")
            ax.set_ylabel("energy per inference [µJ]")
        for ax in list(axes.flat)[len(panels) :]:
            ax.set_visible(False)
        seen: dict[str, object] = {}
        for ax in list(axes.flat)[: len(panels)]:
            handles, labels = ax.get_legend_handles_labels()
            for handle, lab in zip(handles, labels, strict=True):
                seen.setdefault(lab, handle)
        fig.legend(list(seen.values()), list(seen), title="model family", loc="center right")
        return save_png(fig, path)


def memory_vs_limits(frame: pd.DataFrame, path: Path) -> Path | None:
    """Flash and RAM use as a share of the target's limits; the box is what fits."""
    import matplotlib

    cols = ("flash_bytes", "flash_limit_bytes", "ram_bytes", "ram_limit_bytes")
    # Failed rows matter most here: "does not fit" is a product failure with real numbers.
    data = measured(frame, *cols, outcomes=("passed", "failed"))
    if data.empty:
        return None
    data = data.assign(
        panel=panel_labels(data),
        flash_pct=100.0 * data["flash_bytes"] / data["flash_limit_bytes"],
        ram_pct=100.0 * data["ram_bytes"] / data["ram_limit_bytes"],
    )
    with matplotlib.rc_context(STYLE):
        fig = new_figure(7.2, 4.6)
        ax = fig.add_subplot()
        cmap = matplotlib.colormaps["tab10"]
        for i, (panel, sub) in enumerate(sorted(data.groupby("panel"), key=lambda kv: kv[0])):
            ax.scatter(
                sub["flash_pct"], sub["ram_pct"], s=24, color=cmap(i % 10),
                marker=MARKERS[i % len(MARKERS)], alpha=0.85, label=panel,
                edgecolors="white", linewidths=0.4,
            )  # fmt: skip
        top = max(110.0, float(data[["flash_pct", "ram_pct"]].max().max()) * 1.05)
        ax.axvline(100, color="#c0392b", lw=1, ls="--")
        ax.axhline(100, color="#c0392b", lw=1, ls="--")
        ax.axvspan(100, top, color="#c0392b", alpha=0.06)
        ax.axhspan(100, top, color="#c0392b", alpha=0.06)
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        ax.set_xlabel("flash used [% of limit]")
        ax.set_ylabel("RAM used [% of limit]")
        ax.set_title("memory against target limits")
        fig.legend(title="target", loc="outside right upper", fontsize=8)
        return save_png(fig, path)


def run_label(run_id: str) -> str:
    """``20261122T010000Z-1a2b3c`` -> ``11-22 01:00``; other ids unchanged."""
    stamp = run_id.split("-", 1)[0]
    if len(stamp) == 16 and stamp[8] == "T":
        return f"{stamp[4:6]}-{stamp[6:8]} {stamp[9:11]}:{stamp[11:13]}"
    return run_id


def trend(series: pd.DataFrame, metric: str, label: str, path: Path, title: str,
          highlight_pct: float = 5.0) -> Path | None:  # fmt: skip
    """``metric`` across runs, one line per ``series`` (columns run_id, series, metric).

    Series that moved more than ``highlight_pct`` between their first and last run are drawn in
    colour and named in the legend; the rest are thin grey lines, so 100 flat lines stay readable.
    """
    import matplotlib

    if series.empty or metric not in series.columns:
        return None
    runs = sorted(series["run_id"].unique())
    x_of = {run: i for i, run in enumerate(runs)}
    with matplotlib.rc_context(STYLE):
        fig = new_figure(7.5, 3.4)
        ax = fig.add_subplot()
        cmap = matplotlib.colormaps["tab10"]
        n_coloured = 0
        for name, sub in series.groupby("series", sort=True):
            sub = sub.sort_values("run_id")
            xs, ys = [x_of[r] for r in sub["run_id"]], sub[metric].to_numpy()
            moved = len(ys) > 1 and ys[0] > 0 and abs(ys[-1] / ys[0] - 1) * 100 > highlight_pct
            if moved and n_coloured < 10:
                ax.plot(xs, ys, marker="o", ms=3, lw=1.6, color=cmap(n_coloured), label=str(name))
                n_coloured += 1
            else:
                ax.plot(xs, ys, lw=0.8, color="#9aa3ad", alpha=0.6)
        ax.set_xticks(range(len(runs)), [run_label(r) for r in runs], rotation=30, ha="right",
                      fontsize=7)  # fmt: skip
        ax.set_ylabel(label)
        ax.set_title(title)
        if n_coloured:
            ax.legend(fontsize=7, loc="best", title=f"moved > {highlight_pct:g} %",
                      title_fontsize=7)  # fmt: skip
        return save_png(fig, path)
