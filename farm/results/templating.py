"""The report's jinja2 environment (compiled once per process) and its static files.

Autoescape is on for every template: model names, file names and logs are data, never HTML.
"""

from __future__ import annotations

import functools
import math
import os
import shutil
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from farm import __version__

STATIC_FILES = ("report.css", "report.js")


def fmt_num(value: Any, digits: int = 4) -> str:
    """A number for a table cell: ``digits`` significant digits, no exponent, ``''`` if missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value == 0 or not math.isfinite(value):
            return f"{value:g}"
        magnitude = math.floor(math.log10(abs(value)))
        if magnitude < -3:
            return f"{value:.{digits - 1}e}"
        text = f"{value:,.{max(0, digits - 1 - magnitude)}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def fmt_kib(value: Any) -> str:
    """Bytes as KiB with one decimal."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value / 1024:,.1f}"


def fmt_time(value: Any) -> str:
    """A timestamp as ``2026-11-22 03:15:00`` (UTC), or ``''``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return f"{value:%Y-%m-%d %H:%M:%S}"
    return str(value)


def fmt_duration(seconds: float | None) -> str:
    """``1 h 02 min``, ``3 min 05 s`` or ``12.3 s``."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The shared environment; templates are compiled once and cached by jinja2."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("farm.results", "templates"),
        autoescape=True,  # every template, whatever its extension
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(num=fmt_num, kib=fmt_kib, time=fmt_time, duration=fmt_duration)
    env.globals.update(farm_version=__version__)
    return env


def render(template: str, out: Path, **context: Any) -> Path:
    """Render ``template`` to ``out`` (UTF-8); adds ``generated_at``."""
    context.setdefault("generated_at", f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    html = environment().get_template(template).render(**context)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Two runs finishing together both rewrite reports/index.html: never show a torn page.
    tmp = out.with_name(f".tmp-{os.getpid()}-{out.name}")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(out)
    return out


def copy_static(dest_dir: Path) -> Path:
    """Copy the stylesheet and script into ``dest_dir/static`` (each report is self-contained)."""
    static = dest_dir / "static"
    static.mkdir(parents=True, exist_ok=True)
    package = resources.files("farm.results") / "static"
    for name in STATIC_FILES:
        with resources.as_file(package / name) as src:
            shutil.copyfile(src, static / name)
    return static
