"""Power trace files: samples in Parquet, inference windows in the schema metadata.

The one trace format of the farm: the power-monitor side writes it (``farm.powermon.
trace_store`` adds its own metadata key), the report reads it. A core module so that both
layers use it without the lower one importing ``farm.results``.

Format (see also ``farm.results.schema``): columns ``t_s`` and ``current_a`` (float64), optional
``voltage_v``; schema metadata ``farm.windows`` = JSON ``[[start_s, end_s], ...]``. A file may
instead carry an int column ``window`` (window index per sample, -1 outside); ``read_trace``
turns either form into a list of windows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

WINDOWS_KEY = b"farm.windows"


@dataclass(frozen=True)
class PowerTrace:
    """Samples of one capture and its inference windows."""

    t_s: np.ndarray
    current_a: np.ndarray
    windows: list[tuple[float, float]]
    voltage_v: np.ndarray | None = None


def write_trace(
    path: str | Path,
    t_s: Sequence[float] | np.ndarray,
    current_a: Sequence[float] | np.ndarray,
    windows: Sequence[tuple[float, float]] = (),
    voltage_v: Sequence[float] | np.ndarray | None = None,
    metadata: dict[bytes, bytes] | None = None,
) -> Path:
    """Write a power trace Parquet file (atomically) and return its path.

    ``metadata``: more schema metadata keys (the writer's own, e.g. ``farm.powermon``).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {
        "t_s": pa.array(np.asarray(t_s, dtype=np.float64)),
        "current_a": pa.array(np.asarray(current_a, dtype=np.float64)),
    }
    if voltage_v is not None:
        columns["voltage_v"] = pa.array(np.asarray(voltage_v, dtype=np.float64))
    table = pa.table(columns)
    meta = {WINDOWS_KEY: json.dumps([[float(a), float(b)] for a, b in windows]).encode()}
    meta.update(metadata or {})
    table = table.replace_schema_metadata(meta)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{path.name}")
    pq.write_table(table, tmp)
    tmp.replace(path)
    return path


def _windows_from_column(t_s: np.ndarray, window: np.ndarray) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for index in np.unique(window[window >= 0]):
        times = t_s[window == index]
        out.append((float(times.min()), float(times.max())))
    return out


def read_trace(path: str | Path) -> PowerTrace:
    """Read a trace written by ``write_trace`` (or with a ``window`` column)."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    t_s = table.column("t_s").to_numpy().astype(np.float64)
    current_a = table.column("current_a").to_numpy().astype(np.float64)
    voltage = table.column("voltage_v").to_numpy() if "voltage_v" in table.column_names else None
    meta = table.schema.metadata or {}
    if WINDOWS_KEY in meta:
        windows = [(float(a), float(b)) for a, b in json.loads(meta[WINDOWS_KEY])]
    elif "window" in table.column_names:
        windows = _windows_from_column(t_s, table.column("window").to_numpy())
    else:
        windows = []
    return PowerTrace(t_s=t_s, current_a=current_a, windows=windows, voltage_v=voltage)
