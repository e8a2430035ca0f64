"""Raw traces as Parquet, in the format farm.results reads (see farm/results/schema.py).

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

WINDOWS_KEY = b"farm.windows"
POWERMON_KEY = b"farm.powermon"


def save_trace(
    trace: CurrentTrace, path: str | Path, windows: Sequence[tuple[float, float]] = ()
) -> Path:
    """Write ``trace`` (atomically) to ``path`` and return the path."""
    import pyarrow as pa
    import pyarrow.parquet as pq

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
    table = pa.table({"t_s": t_s, "current_a": np.asarray(current, dtype=np.float64)})
    table = table.replace_schema_metadata(
        {
            WINDOWS_KEY: json.dumps([[float(a), float(b)] for a, b in windows]).encode(),
            POWERMON_KEY: json.dumps(meta, default=str).encode(),
        }
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{path.name}")
    pq.write_table(table, tmp)
    tmp.replace(path)
    return path


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
