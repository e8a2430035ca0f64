"""The run page: counts, comparison with the previous run, plots and the results table."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from farm.results.compare import KEY, Comparison, key_str
from farm.results.firmware_compare import METRICS, FirmwareComparison, compare_firmware
from farm.results.heatmap import Heatmap, heatmap
from farm.results.leaselog import board_busy, read_boards, read_spans
from farm.results.merge import MergedRun
from farm.results.schema import safe_id
from farm.results.templating import copy_static, fmt_duration, fmt_time, render
from farm.results.testpages import render_test_pages

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

PLOTS_DIR = "plots"
OUTCOMES = ("passed", "failed", "error", "skipped")


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with None (not NaN/NaT) for missing values and ints back as ints."""
    import pyarrow as pa

    from farm.results.merge import arrow_schema

    clean = frame.astype(object).where(frame.notna(), None)
    # Times formatted column-wise: per-row datetime formatting costs seconds at 10,000 rows.
    for column, out in (("started_at", "started"), ("finished_at", "finished")):
        if len(frame) and column in frame and hasattr(frame[column], "dt"):
            text = frame[column].dt.tz_convert("UTC").dt.strftime("%Y-%m-%d %H:%M:%S")
            clean[out] = text.astype(object).where(text.notna(), None)
    records = clean.to_dict("records")
    # pandas stores nullable int columns as float; a count of 5 must not print as 5.0000.
    ints = [f.name for f in arrow_schema() if pa.types.is_integer(f.type) and f.name in frame]
    for record in records:
        for name in ints:
            if record[name] is not None:
                record[name] = int(record[name])
    return records


def short_id(test_id: str) -> str:
    """The function part of a node id (``test_energy[m-b-f]``)."""
    return test_id.split("::", 1)[1] if "::" in test_id else test_id


def prepare_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows for the templates: problems first, then by model, target and firmware."""
    rows = frame_records(frame)
    for row in rows:
        row["short_id"] = short_id(row["test_id"])
        row["test_name"] = row["short_id"].split("[", 1)[0]
    # The table sorts by any column in the browser; this is only the first view.
    rank = {"failed": 0, "error": 1, "passed": 2, "skipped": 3}
    rows.sort(key=lambda r: (rank.get(r["outcome"], 4), str(r.get("model")),
                             str(r.get("target")), str(r.get("firmware")), r["test_id"]))  # fmt: skip
    return rows


def _plots(
    frame: pd.DataFrame, run_dir: Path, firmware: FirmwareComparison | None = None
) -> list[dict[str, str]]:
    from farm.results import plots
    from farm.results.firmware_plot import firmware_ratios

    out = run_dir / PLOTS_DIR
    specs = [
        ("energy_vs_latency.png", "energy per inference vs latency, per target (marker: model family)",
         "wide", lambda p: plots.energy_vs_latency(frame, p)),
        ("memory.png", "flash and RAM against target limits", "",
         lambda p: plots.memory_vs_limits(frame, p)),
    ]  # fmt: skip
    if firmware is not None:
        specs.append(("firmware_ratios.png", "firmware side by side: ratio to the baseline per "
                      "target (bar: geometric mean over models; dots: models)", "wide",
                      lambda p: firmware_ratios(firmware, p)))  # fmt: skip
    made = []
    for name, title, cls, draw in specs:
        try:
            path = draw(out / name)
        except Exception:  # a plot must never cost the report: log it and go on
            log.exception("plot %s failed", name)
            continue
        if path is not None:
            made.append({"href": f"{PLOTS_DIR}/{name}", "title": title, "cls": cls})
    return made


def _heatmaps(frame: pd.DataFrame) -> list[Heatmap]:
    maps = [
        heatmap(frame, "energy_uj", "energy per inference", "µJ"),
        heatmap(frame, "latency_ms", "latency per inference", "ms"),
    ]
    return [m for m in maps if m is not None]


def _regressed(rows: list[dict[str, Any]], comparison: Comparison | None) -> dict[str, str]:
    """test_id -> description, for every row whose key regressed."""
    if not comparison or not comparison.regressions:
        return {}
    by_key: dict[tuple[str, ...], list[str]] = {}
    for change in comparison.regressions:
        key = tuple(key_str(getattr(change, k)) for k in KEY)
        by_key.setdefault(key, []).append(change.describe())
    out = {}
    for row in rows:
        descs = by_key.get(tuple(key_str(row.get(k)) for k in KEY))
        if descs and row.get("outcome") == "passed":
            out[row["test_id"]] = "; ".join(descs)
    return out


def _filters(rows: list[dict[str, Any]]) -> list[tuple[str, str, list[str]]]:
    def values(key: str) -> list[str]:
        return sorted({str(r[key]) for r in rows if r.get(key) is not None})

    labs = sorted({"virtual" if r.get("virtual") else "real" for r in rows})
    return [
        ("outcome", "outcome", [o for o in OUTCOMES if any(r["outcome"] == o for r in rows)]),
        ("kind", "kind", values("test_kind")),
        ("target", "target", values("target")),
        ("family", "family", values("model_family")),
        ("lab", "lab", labs),
    ]


def render_run(
    merged: MergedRun, comparison: Comparison | None = None, *, test_pages: bool = True
) -> Path:
    """Write ``<run_dir>/index.html``, its plots and (by default) one page per test."""
    run_dir = merged.run_dir
    rows = prepare_rows(merged.frame)
    pages = {r["test_id"]: f"tests/{safe_id(r['test_id'])}.html" for r in rows}
    counts = {o: sum(1 for r in rows if r["outcome"] == o) for o in OUTCOMES}
    copy_static(run_dir)
    info = merged.info
    started, finished = info.get("started_at"), info.get("finished_at")
    duration = None
    if started and finished:
        span = datetime.fromisoformat(finished) - datetime.fromisoformat(started)
        duration = fmt_duration(span.total_seconds())
    regressed = _regressed(rows, comparison)
    firmware = compare_firmware(
        merged.frame,
        baseline=info.get("baseline_firmware"),
        firmware_order=info.get("firmware_order") or (),
    )
    busy_wall_s, busy = board_busy(read_spans(run_dir), read_boards(run_dir))
    if test_pages:
        render_test_pages(run_dir, rows, comparison)
    return render(
        "run.html.j2",
        run_dir / "index.html",
        static="static/",
        home="../",
        info=info,
        started=fmt_time(started),
        finished=fmt_time(finished),
        duration=duration,
        rows=rows,
        counts=counts,
        n_virtual=sum(1 for r in rows if r.get("virtual")),
        comparison=comparison,
        regressed=regressed,
        pages=pages,
        plots=_plots(merged.frame, run_dir, firmware),
        firmware=firmware,
        metrics=METRICS,
        heatmaps=_heatmaps(merged.frame),
        filters=_filters(rows),
        busy=busy,
        busy_wall=fmt_duration(busy_wall_s) if busy else None,
        busy_mean=sum(b.fraction for b in busy) / len(busy) if busy else None,
    )
