"""One page per test: numbers with their method, console log, power trace, error details.

Built for 10,000 tests per run: the template is compiled once and power traces are drawn as
inline SVG (milliseconds each) only for tests that have one.
"""

from __future__ import annotations

import functools
import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from farm.results.compare import KEY, Change, Comparison, key_str
from farm.results.schema import MEASUREMENTS, safe_id
from farm.results.templating import environment, fmt_num, fmt_time

log = logging.getLogger(__name__)

TESTS_DIR = "tests"
CONSOLE_TAIL_BYTES = 256 * 1024
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_UNITS = (
    ("_ms", "ms"), ("_uj", "µJ"), ("_mw", "mW"), ("_bytes", "B"), ("_hz", "Hz"),
    ("_mv", "mV"), ("_s", "s"),
)  # fmt: skip
IDENTITY = [
    ("run", "run_id"), ("kind", "test_kind"), ("model", "model"), ("model sha256", "model_sha256"),
    ("model source", "model_source"), ("model version id", "model_version_id"),
    ("family", "model_family"), ("task", "task"), ("target", "target"), ("board", "board_id"),
    ("firmware", "firmware"), ("firmware version", "firmware_version"),
    ("image hash", "image_hash"), ("backend", "backend"), ("worker", "worker"),
]  # fmt: skip
METHOD = [
    ("latency method", "latency_method"), ("energy method", "energy_method"),
    ("sample rate [Hz]", "sample_rate_hz"), ("window [s]", "window_s"),
    ("supply [mV]", "voltage_mv"), ("runtime", "runtime"), ("runtime version", "runtime_version"),
    ("virtual lab", "virtual"),
]  # fmt: skip
TIMING = [("started", "started"), ("finished", "finished"), ("duration [s]", "duration")]


@functools.cache
def _unit(name: str) -> tuple[str, str]:
    for suffix, unit in _UNITS:
        if name.endswith(suffix):
            return name[: -len(suffix)].replace("_", " "), unit
    return name.replace("_", " "), ""


def inside(run_dir: Path, rel: str | None) -> Path | None:
    """``run_dir/rel`` if it exists and stays inside the run directory, else None."""
    if not rel:
        return None
    root = run_dir.resolve()
    path = (root / rel).resolve()
    return path if path.is_file() and root in path.parents else None


def href(run_dir: Path, path: Path) -> str:
    """URL of ``path`` from a test page (``tests/x.html``), each segment percent-encoded."""
    rel = path.relative_to(run_dir.resolve())
    return "../" + "/".join(quote(part) for part in rel.parts)


def _console(run_dir: Path, rel: str | None) -> dict[str, Any] | None:
    path = inside(run_dir, rel)
    if path is None:
        return None
    size = path.stat().st_size
    with path.open("rb") as fh:
        if size > CONSOLE_TAIL_BYTES:
            fh.seek(size - CONSOLE_TAIL_BYTES)
        data = fh.read()
    text = _ANSI.sub("", data.decode("utf-8", errors="replace"))
    return {
        "text": text,
        "truncated": size > CONSOLE_TAIL_BYTES,
        "shown_kib": CONSOLE_TAIL_BYTES // 1024,
        "href": href(run_dir, path),
    }


def _trace(run_dir: Path, row: dict[str, Any]) -> tuple[Markup | None, str | None]:
    """The inline SVG of the test's power trace and the link to its Parquet file."""
    trace = inside(run_dir, row.get("trace_parquet"))
    if trace is None:
        return None, None
    from farm.results.trace import read_trace
    from farm.results.tracesvg import trace_svg

    try:
        title = f"{row.get('model')} on {row.get('board_id')} ({row.get('firmware')})"
        return trace_svg(read_trace(trace), title=title), href(run_dir, trace)
    except Exception:  # a broken trace file must not cost the report
        log.exception("cannot draw trace %s", trace)
        return None, href(run_dir, trace)


def _context(run_dir: Path, row: dict[str, Any], changes: list[Change]) -> dict[str, Any]:
    measurements = []
    for name in MEASUREMENTS:
        value = row.get(name)
        if value is not None:
            label, unit = _unit(name)
            measurements.append((label, fmt_num(value, 6), unit))
    if row.get("outputs_bit_exact") is not None:
        measurements.append(("outputs bit-exact", fmt_num(row["outputs_bit_exact"]), ""))
    method = [(label, fmt_num(row[key], 6)) for label, key in METHOD if row.get(key) is not None]
    row = {
        **row,
        "started": row.get("started") or fmt_time(row.get("started_at")) or None,
        "finished": row.get("finished") or fmt_time(row.get("finished_at")) or None,
        "duration": fmt_num(row.get("duration_s")) or None,
    }
    trace_svg, trace_href = _trace(run_dir, row)
    return {
        "r": row,
        "identity": IDENTITY,
        "timing": TIMING,
        "measurements": measurements,
        "method": method,
        "console": _console(run_dir, row.get("console_log")),
        "trace_svg": trace_svg,
        "trace_href": trace_href,
        "regressions": changes,
    }


def render_test_pages(
    run_dir: Path, rows: list[dict[str, Any]], comparison: Comparison | None
) -> int:
    """Write ``tests/<safe id>.html`` for every row; returns the number of pages."""
    template = environment().get_template("test.html.j2")
    out_dir = run_dir / TESTS_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    by_key: dict[tuple[str, ...], list[Change]] = {}
    for change in comparison.regressions if comparison else []:
        by_key.setdefault(tuple(key_str(getattr(change, k)) for k in KEY), []).append(change)
    generated = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    common = {"static": "../static/", "home": "../../", "generated_at": generated}
    for row in rows:
        page = out_dir / f"{safe_id(row['test_id'])}.html"
        changes = []
        if row.get("outcome") == "passed":
            changes = by_key.get(tuple(key_str(row.get(k)) for k in KEY), [])
        html = template.render(**common, **_context(run_dir, row, changes))
        page.write_text(html, encoding="utf-8")
    return len(rows)
