"""The report plots' canvas: one style, a figure on matplotlib's Agg canvas (no display, no
pyplot global state) and the PNG it is saved as. Every report plot module draws through it, so
all plots share size units, resolution and look."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

STYLE = {
    "font.size": 9,
    "font.family": "DejaVu Sans",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e3e6ea",
    "grid.linewidth": 0.6,
    "axes.edgecolor": "#9aa3ad",
    "axes.titleweight": "bold",
    "axes.titlesize": 10,
    "figure.facecolor": "white",
}
DPI = 96


def new_figure(
    width_in: float, height_in: float, margins_in: tuple[float, float, float, float] | None = None
) -> Figure:
    """A figure on an Agg canvas.

    Args:
        width_in: width in inches.
        height_in: height in inches.
        margins_in: fixed (left, right, top, bottom) margins in inches. Big plots use them:
            constrained layout measures every tick label and costs seconds at 10,000 rows.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    layout = None if margins_in else "constrained"
    fig = Figure(figsize=(width_in, height_in), dpi=DPI, layout=layout)
    if margins_in:
        left, right, top, bottom = margins_in
        fig.subplots_adjust(left=left / width_in, right=1 - right / width_in,
                            top=1 - top / height_in, bottom=bottom / height_in,
                            wspace=0.3, hspace=0.45)  # fmt: skip
    FigureCanvasAgg(fig)
    return fig


def save_png(fig: Figure, path: Path) -> Path:
    """Write ``fig`` to ``path`` as a PNG (parent folders created); returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", dpi=DPI)
    return path
