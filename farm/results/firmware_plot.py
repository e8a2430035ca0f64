"""The firmware-comparison plot: ratio to the baseline per target, one panel per metric.

A bar is the geometric mean ratio over the models of a (target, firmware); the dots are the
models' own ratios, so one outlier model is visible rather than averaged away. The dashed line
at 1 is the baseline; below it is better.
"""

from __future__ import annotations

from pathlib import Path

from farm.results.firmware_compare import METRICS, FirmwareComparison
from farm.results.plot_canvas import STYLE, new_figure, save_png


def firmware_ratios(comparison: FirmwareComparison, path: Path) -> Path | None:
    """Write the ratios plot; None when no firmware has a ratio to show."""
    import matplotlib

    means = comparison.geomean_ratios()
    if not means:
        return None
    targets = sorted({(t, v) for t, v, _ in means})
    firmware = [f for f in comparison.firmware if any(k[2] == f for k in means)]
    labels = [t + (" (virtual)" if v else "") for t, v in targets]
    with matplotlib.rc_context(STYLE):
        width_in = min(18.0, max(9.0, 0.9 * len(targets) * len(METRICS) + 2.0))
        fig = new_figure(width_in, 4.2)
        axes = fig.subplots(1, len(METRICS), squeeze=False)[0]
        cmap = matplotlib.colormaps["tab10"]
        bar_w = 0.8 / max(1, len(firmware))
        for ax, (metric, name, _unit) in zip(axes, METRICS, strict=True):
            for j, fw in enumerate(firmware):
                xs, heights = [], []
                for i, key in enumerate(targets):
                    ratio = means.get((*key, fw), {}).get(metric)
                    if ratio is not None:
                        xs.append(i + (j - (len(firmware) - 1) / 2) * bar_w)
                        heights.append(ratio)
                ax.bar(xs, heights, width=bar_w * 0.9, color=cmap(j % 10), label=fw)
                for group in comparison.groups:
                    if (group.target, group.virtual) not in targets:
                        continue
                    i = targets.index((group.target, group.virtual))
                    for entry in group.entries:
                        r = entry.ratios.get(metric)
                        if entry.firmware == fw and not entry.baseline and r is not None:
                            x = i + (j - (len(firmware) - 1) / 2) * bar_w
                            ax.plot([x], [r], "o", ms=3, color="#333333", alpha=0.6)
            ax.axhline(1.0, color="#555555", linestyle="--", linewidth=0.9)
            ax.set_xticks(range(len(targets)))
            ax.set_xticklabels(labels, rotation=25, ha="right", fontsize=8)
            ax.set_title(f"{name} ratio")
        axes[0].set_ylabel("x baseline (below 1: better)")
        handles, names = axes[0].get_legend_handles_labels()
        if handles:
            fig.legend(handles, names, loc="outside upper center", ncols=len(handles),
                       fontsize=8, frameon=False,
                       title=f"vs {comparison.baseline_rule}", title_fontsize=8)  # fmt: skip
        return save_png(fig, path)
