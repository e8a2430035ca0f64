"""Raw traces as Parquet, in the farm's one trace format (:mod:`farm.trace_file`).

Columns ``t_s`` (end of each sample period, seconds since the trigger) and ``current_a``;
schema metadata ``farm.windows`` (JSON ``[[start_s, end_s], ...]``) and ``farm.powermon``
(JSON: rate, voltage, output, marks, method) so that ``load_trace`` restores a CurrentTrace.
Energy-mode samples are stored converted to amps (J per sample x f / V).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from farm.powermon.protocols import CurrentTrace, OutputMode, SampleMark
from farm.trace_file import write_trace

POWERMON_KEY = b"farm.powermon"


def save_trace(
    trace: CurrentTrace, path: str | Path, windows: Sequence[tuple[float, float]] = ()
) -> Path:
    """Write ``trace`` (atomically) to ``path`` and return the path."""
    count = len(trace.samples)
    t_s = np.arange(1, count + 1, dtype=np.float64) / trace.sample_rate_hz
    current = trace.samples
    if trace.output is OutputMode.ENERGY:
        current = trace.samples * trace.sample_rate_hz / (trace.voltage_mv / 1000.0)
    meta = {
        "sample_rate_hz": trace.sample_rate_hz,
        "voltage_mv": trace.voltage_mv,
        "output": trace.output.value,
        "marks": [[m.sample_index, m.kind, m.value, m.detail] for m in trace.marks],
        "method": trace.method,
    }
    extra = {POWERMON_KEY: json.dumps(meta, default=str).encode()}
    return write_trace(path, t_s, current, windows, metadata=extra)


def load_trace(path: str | Path) -> CurrentTrace:
    """Read a trace written by :func:`save_trace` (samples come back in amps)."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    meta = json.loads((table.schema.metadata or {})[POWERMON_KEY])
    return CurrentTrace(
        samples=table.column("current_a").to_numpy().astype(np.float64),
        sample_rate_hz=float(meta["sample_rate_hz"]),
        voltage_mv=float(meta["voltage_mv"]),
        output=OutputMode.CURRENT,
        marks=tuple(SampleMark(int(i), str(k), int(v), str(d)) for i, k, v, d in meta["marks"]),
        method=dict(meta["method"]),
    )
