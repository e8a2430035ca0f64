"""Model x target heatmaps as HTML tables: crisp at any size, searchable, one link per cell.

A PNG of 150 models x 6 targets costs over a second to draw and is hard to read; a table
coloured with the same log-scaled viridis map costs milliseconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from farm.results.plots import measured, natural_key, panel_labels, short_number

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class HeatCell:
    """One coloured cell; ``text`` empty when the pair was not measured."""

    text: str = ""
    background: str = ""
    foreground: str = ""
    title: str = ""


@dataclass(frozen=True)
class Heatmap:
    """Rows are models, columns targets (virtual ones labelled)."""

    metric: str
    label: str
    columns: list[str]
    rows: list[tuple[str, list[HeatCell]]]
    low: str
    high: str


def _hex(rgba: tuple[float, float, float, float]) -> str:
    return "#" + "".join(f"{round(c * 255):02x}" for c in rgba[:3])


def heatmap(frame: pd.DataFrame, metric: str, label: str, unit: str) -> Heatmap | None:
    """Median of ``metric`` per (model, target), coloured on a log scale; None without data."""
    import matplotlib

    data = measured(frame, metric, "model")
    data = data[data[metric] > 0]
    if data.empty:
        return None
    data = data.assign(panel=panel_labels(data))
    grid = data.pivot_table(index="model", columns="panel", values=metric, aggfunc="median")
    grid = grid.loc[sorted(grid.index, key=natural_key), sorted(grid.columns)]
    values = grid.to_numpy(dtype=float)
    lo, hi = math.log10(float(grid.min().min())), math.log10(float(grid.max().max()))
    span = (hi - lo) or 1.0
    cmap = matplotlib.colormaps["viridis"]
    rows = []
    for model, line in zip(grid.index, values, strict=True):
        cells = []
        for target, value in zip(grid.columns, line, strict=True):
            if math.isnan(value):
                cells.append(HeatCell(title=f"{model} on {target}: not measured"))
                continue
            level = (math.log10(value) - lo) / span
            cells.append(
                HeatCell(
                    text=short_number(value),
                    background=_hex(cmap(level)),
                    foreground="#ffffff" if level < 0.6 else "#111111",
                    title=f"{model} on {target}: {value:.4g} {unit}",
                )
            )
        rows.append((str(model), cells))
    return Heatmap(metric, label, [str(c) for c in grid.columns], rows,
                   low=f"{short_number(10**lo)} {unit}", high=f"{short_number(10**hi)} {unit}")  # fmt: skip
