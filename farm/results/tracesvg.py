"""A power trace as inline SVG: current over time, inference windows shaded.

Drawn as text in a few milliseconds (a matplotlib PNG costs a quarter of a second, which is
twenty minutes for a lab run with 5,000 traces). The envelope of min/max per pixel column keeps
every spike visible.
"""

from __future__ import annotations

import math

import numpy as np
from markupsafe import Markup, escape

from farm.results.trace import PowerTrace

WIDTH, HEIGHT = 900, 300
LEFT, RIGHT, TOP, BOTTOM = 62, 18, 30, 44


def nice_ticks(lo: float, hi: float, count: int = 6) -> list[float]:
    """About ``count`` round tick values covering [lo, hi]."""
    if not math.isfinite(lo) or not math.isfinite(hi) or hi <= lo:
        return [lo]
    raw = (hi - lo) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step) * step
    return [round(first + i * step, 12) for i in range(int((hi - first) / step + 1e-9) + 1)]


def _label(value: float) -> str:
    return f"{value:.6g}"


def envelope(t_s: np.ndarray, y: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Min/max per column, interleaved, so a polyline shows every peak."""
    if len(t_s) <= 2 * columns:
        return t_s, y
    step = len(t_s) // columns
    n = len(t_s) // step * step
    blocks = y[:n].reshape(-1, step)
    xs = np.repeat(t_s[:n:step], 2)
    ys = np.column_stack([blocks.min(axis=1), blocks.max(axis=1)]).ravel()
    return xs, ys


def trace_svg(trace: PowerTrace, title: str = "") -> Markup:
    """An ``<svg>`` element (safe markup: numbers we format and an escaped title)."""
    t_s, i_ma = trace.t_s, trace.current_a * 1000.0
    if len(t_s) < 2:
        return Markup("")
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    t0, t1 = float(t_s[0]), float(t_s[-1])
    top = float(np.nanmax(i_ma)) * 1.08 or 1.0
    bottom = min(0.0, float(np.nanmin(i_ma)))

    def x(t: float) -> float:
        return LEFT + (t - t0) / ((t1 - t0) or 1.0) * plot_w

    def y(v: float) -> float:
        return TOP + plot_h - (v - bottom) / ((top - bottom) or 1.0) * plot_h

    parts = [
        f'<svg class="trace" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-label="power trace" xmlns="http://www.w3.org/2000/svg">',
        f'<text x="{WIDTH / 2}" y="18" class="t-title">{escape(title)}</text>',
    ]
    for start, end in trace.windows:
        a, b = x(max(start, t0)), x(min(end, t1))
        parts.append(f'<rect class="t-win" x="{a:.1f}" y="{TOP}" width="{max(b - a, 0.5):.1f}" '
                     f'height="{plot_h}"/>')  # fmt: skip
    for tick in nice_ticks(bottom, top):
        parts.append(f'<line class="t-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" '
                     f'y2="{y(tick):.1f}"/><text class="t-ylab" x="{LEFT - 6}" '
                     f'y="{y(tick) + 4:.1f}">{_label(tick)}</text>')  # fmt: skip
    for tick in nice_ticks(t0, t1):
        parts.append(f'<line class="t-grid" y1="{TOP}" y2="{TOP + plot_h}" x1="{x(tick):.1f}" '
                     f'x2="{x(tick):.1f}"/><text class="t-xlab" x="{x(tick):.1f}" '
                     f'y="{TOP + plot_h + 16}">{_label(tick)}</text>')  # fmt: skip
    xs, ys = envelope(t_s, i_ma, plot_w)
    px = LEFT + (xs - t0) / ((t1 - t0) or 1.0) * plot_w
    py = TOP + plot_h - (ys - bottom) / ((top - bottom) or 1.0) * plot_h
    points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py, strict=True))
    parts += [
        f'<polyline class="t-line" points="{points}"/>',
        f'<rect class="t-frame" x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}"/>',
        f'<text class="t-axis" x="{LEFT + plot_w / 2}" y="{HEIGHT - 6}">time [s]</text>',
        f'<text class="t-axis" transform="translate(16 {TOP + plot_h / 2}) rotate(-90)">'
        "current [mA]</text>",
        "</svg>",
    ]
    return Markup("".join(parts))
