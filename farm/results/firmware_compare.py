"""Firmware side by side: per (model, target), each firmware version's latency, energy, flash and
RAM, and its ratio to a baseline firmware (the question the firmware axis exists for).

Figures come from passed rows of one run: latency from ``inference`` rows (the energy window's
latency when a firmware has no inference row), energy from ``energy`` rows, flash and RAM from
``memory`` rows; several rows of one cell give their median. The baseline is the option's
firmware (``name@version``, or a bare version) when the group has it, else the first firmware
of the group in recipe order (``run.json`` ``firmware_order``: the first version in the recipe
comes first). Ratios below 1 are better (faster, less energy, smaller). Virtual and real rows
are never compared with each other, nor energies measured at different supply voltages (a pool
may hold boards whose monitors feed 3.0 V and 3.3 V: that ratio is left empty).
"""

from __future__ import annotations

import fnmatch
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

METRICS: tuple[tuple[str, str, str], ...] = (
    ("latency_ms", "latency", "ms"),
    ("energy_uj", "energy", "µJ"),
    ("flash_bytes", "flash", "B"),
    ("ram_bytes", "RAM", "B"),
)
VOLTAGES = "_voltages_mv"  # per energy value, the supply it was measured at
SOURCE_KIND = {"latency_ms": "inference", "energy_uj": "energy", "flash_bytes": "memory",
               "ram_bytes": "memory"}  # fmt: skip


@dataclass
class FirmwareFigures:
    """One firmware version in one (model, target) group."""

    firmware: str
    values: dict[str, float | None]
    ratios: dict[str, float | None] = field(default_factory=dict)
    baseline: bool = False


@dataclass
class FirmwareGroup:
    """The firmware versions measured for one model on one target."""

    model: str
    target: str
    virtual: bool
    baseline: str
    entries: list[FirmwareFigures]


@dataclass
class FirmwareComparison:
    """Every group of a run with two or more firmware versions."""

    groups: list[FirmwareGroup]
    firmware: list[str]
    baseline_rule: str

    def geomean_ratios(self) -> dict[tuple[str, bool, str], dict[str, float]]:
        """(target, virtual, firmware) -> metric -> geometric mean ratio over the models."""
        acc: dict[tuple[str, bool, str], dict[str, list[float]]] = {}
        for group in self.groups:
            for entry in group.entries:
                if entry.baseline:
                    continue
                cell = acc.setdefault((group.target, group.virtual, entry.firmware), {})
                for metric, ratio in entry.ratios.items():
                    if ratio is not None and ratio > 0:
                        cell.setdefault(metric, []).append(ratio)
        return {
            key: {m: math.exp(statistics.fmean(map(math.log, v))) for m, v in cell.items()}
            for key, cell in acc.items()
        }


def _firmware_key(row: dict[str, Any]) -> str | None:
    if not row.get("firmware"):
        return None
    version = row.get("firmware_version")
    return f"{row['firmware']}@{version}" if version else str(row["firmware"])


def _order(keys: set[str], firmware_order: Sequence[str]) -> list[str]:
    known = [k for k in firmware_order if k in keys]
    return known + sorted(keys - set(known))


def _matches(key: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(key, pattern) or key.rsplit("@", 1)[-1] == pattern


def _cells(frame: pd.DataFrame) -> dict[tuple[str, str, bool, str], dict[str, list[float]]]:
    """(model, target, virtual, firmware) -> metric -> measured values of passed rows."""
    cells: dict[tuple[str, str, bool, str], dict[str, list[float]]] = {}
    fallback: dict[tuple[str, str, bool, str], list[float]] = {}
    columns = ["model", "target", "virtual", "firmware", "firmware_version", "test_kind",
               "outcome", "voltage_mv", *(m for m, _, _ in METRICS)]  # fmt: skip
    present = [c for c in columns if c in frame]
    for row in frame[present].to_dict("records"):
        fw = _firmware_key(row)
        if row.get("outcome") != "passed" or fw is None or not row.get("model"):
            continue
        key = (str(row["model"]), str(row.get("target")), bool(row.get("virtual")), fw)
        for metric, kind in SOURCE_KIND.items():
            value = row.get(metric)
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            if row.get("test_kind") == kind:
                cells.setdefault(key, {}).setdefault(metric, []).append(float(value))
                if metric == "energy_uj":
                    volts = row.get("voltage_mv")
                    volts = None if volts is None or volts != volts else float(volts)  # NaN
                    cells[key].setdefault(VOLTAGES, []).append(-1.0 if volts is None else volts)
            elif metric == "latency_ms" and row.get("test_kind") == "energy":
                fallback.setdefault(key, []).append(float(value))
    for key, values in fallback.items():
        cells.setdefault(key, {}).setdefault("latency_ms", values)
    return cells


def compare_firmware(
    frame: pd.DataFrame,
    *,
    baseline: str | None = None,
    firmware_order: Sequence[str] = (),
    only: Sequence[str] = (),
) -> FirmwareComparison | None:
    """Groups of (model, target) measured with two or more firmware versions (None: none).

    Args:
        frame: the run's rows.
        baseline: firmware (``name@version``, glob or bare version) the ratios divide by.
        firmware_order: firmware keys in recipe order (the default baseline is the first).
        only: keep these firmware (globs or versions), in this order; the first is then the
            default baseline (``farm report --compare-firmware A B``).
    """
    cells = _cells(frame)
    groups: dict[tuple[str, str, bool], dict[str, dict[str, list[float]]]] = {}
    for (model, target, virtual, fw), metrics in cells.items():
        if only and not any(_matches(fw, p) for p in only):
            continue
        groups.setdefault((model, target, virtual), {})[fw] = metrics
    order = list(firmware_order)
    if only:
        order = [k for p in only for k in sorted({fw for (*_, fw) in cells}) if _matches(k, p)]
    out = []
    for (model, target, virtual), by_fw in sorted(groups.items()):
        if len(by_fw) < 2:
            continue
        ordered = _order(set(by_fw), order)
        chosen = next((k for k in ordered if baseline and _matches(k, baseline)), ordered[0])
        base = {m: statistics.median(v) for m, v in by_fw[chosen].items() if m != VOLTAGES}
        entries = []
        for fw in ordered:
            values = {m: (statistics.median(by_fw[fw][m]) if m in by_fw[fw] else None)
                      for m, _, _ in METRICS}  # fmt: skip
            ratios = {m: (v / base[m] if v is not None and base.get(m) else None)
                      for m, v in values.items()}  # fmt: skip
            if set(by_fw[fw].get(VOLTAGES, [])) != set(by_fw[chosen].get(VOLTAGES, [])):
                ratios["energy_uj"] = None  # different supplies: not comparable
            entries.append(FirmwareFigures(fw, values, ratios, baseline=fw == chosen))
        out.append(FirmwareGroup(model, target, virtual, chosen, entries))
    if not out:
        return None
    rule = f"baseline {baseline}" if baseline else "baseline: first version in the recipe"
    if only and not baseline:
        rule = f"baseline {only[0]}"
    firmware = _order({e.firmware for g in out for e in g.entries}, order)
    return FirmwareComparison(out, firmware, rule)


def format_table(comparison: FirmwareComparison) -> str:
    """The comparison as a plain-text table (``farm report --compare-firmware``)."""
    head = ["model", "target", "firmware", "latency_ms", "x", "energy_uj", "x", "flash_B", "x",
            "ram_B", "x"]  # fmt: skip
    lines = [head]
    for group in comparison.groups:
        for e in group.entries:
            cells = [group.model, group.target + (" (virtual)" if group.virtual else ""),
                     e.firmware + (" *" if e.baseline else "")]  # fmt: skip
            for metric, _, _ in METRICS:
                value, ratio = e.values[metric], e.ratios.get(metric)
                cells.append("-" if value is None else f"{value:.6g}")
                cells.append("-" if ratio is None else f"{ratio:.3f}")
            lines.append(cells)
    widths = [max(len(str(r[i])) for r in lines) for i in range(len(head))]
    text = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
            for r in lines]  # fmt: skip
    text.append(f"x: ratio to the baseline (* ; {comparison.baseline_rule}); < 1 is better")
    return "\n".join(text)
