"""Merge a run's row files into ``results.parquet``, ``results.csv`` and ``run.json``.

Called by the xdist controller at the end of the pytest run, and by ``farm report RUN_DIR`` to
rebuild a run (for example one that was SIGKILLed) from its rows alone.
"""

from __future__ import annotations

import json
import logging
import socket
import types
import typing
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from farm import __version__
from farm.results.rundir import RUN_JSON
from farm.results.schema import COLUMNS, SCHEMA_VERSION, ResultRow
from farm.results.writer import atomic_write_bytes, iter_rows

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

log = logging.getLogger(__name__)

PARQUET = "results.parquet"
CSV = "results.csv"


@dataclass
class MergedRun:
    """A run's metadata and its rows as a DataFrame (one row per test)."""

    run_dir: Path
    info: dict[str, Any]
    frame: pd.DataFrame
    paths: dict[str, Path] = field(default_factory=dict)

    @property
    def run_id(self) -> str:
        return str(self.info.get("run_id") or self.run_dir.name)


def arrow_schema() -> pa.Schema:
    """The Parquet schema, derived from ``ResultRow`` so a new field needs no edit here."""
    import pyarrow as pa

    by_type = {
        str: pa.string(),
        int: pa.int64(),
        float: pa.float64(),
        bool: pa.bool_(),
        datetime: pa.timestamp("us", tz="UTC"),
    }
    fields = []
    for name, info in ResultRow.model_fields.items():
        ann = info.annotation
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        if isinstance(ann, types.UnionType) or typing.get_origin(ann) is typing.Union:
            ann = args[0]
        # Enums (StrEnum) are stored as their string value.
        fields.append(pa.field(name, by_type.get(ann, pa.string())))
    return pa.schema(fields)


def rows_to_frame(rows: list[ResultRow]) -> pd.DataFrame:
    """Rows -> DataFrame with every schema column, in schema order, even when empty."""
    import pyarrow as pa

    records = [row.model_dump(mode="python") for row in rows]
    table = pa.Table.from_pylist(records, schema=arrow_schema())
    return table.to_pandas()


def load_frame(run_dir: Path, prefer_merged: bool = False) -> pd.DataFrame:
    """A run's rows: from ``rows/`` (the truth), else from ``results.parquet``.

    Args:
        run_dir: the run directory.
        prefer_merged: read results.parquet when it exists (fast; right for a finished run such
            as the previous one, whose rows no longer change).
    """
    import pandas as pd

    merged = (run_dir / PARQUET).is_file()
    rows = [] if prefer_merged and merged else list(iter_rows(run_dir))
    if rows or not merged:
        return rows_to_frame(rows)
    frame = pd.read_parquet(run_dir / PARQUET)
    for column in COLUMNS:  # an older file may lack newer columns
        if column not in frame.columns:
            frame[column] = None
    return frame


def _derived_info(run_dir: Path, frame: pd.DataFrame) -> dict[str, Any]:
    counts = Counter(str(o) for o in frame["outcome"]) if len(frame) else Counter()
    started = frame["started_at"].min() if len(frame) else None
    finished = frame["finished_at"].max() if len(frame) else None
    return {
        "run_id": run_dir.name,
        "started_at": None if started is None or started != started else started.isoformat(),
        "finished_at": None if finished is None or finished != finished else finished.isoformat(),
        "n_tests": int(len(frame)),
        "outcomes": {k: counts.get(k, 0) for k in ("passed", "failed", "error", "skipped")},
        "virtual": bool(frame["virtual"].fillna(False).any()) if len(frame) else False,
        "schema_version": SCHEMA_VERSION,
    }


def _json_default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def read_run_info(run_dir: Path) -> dict[str, Any]:
    """``run.json`` of a run, or ``{}``."""
    try:
        return json.loads((run_dir / RUN_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def merge_run(run_dir: str | Path, run_info: dict[str, Any] | None = None) -> MergedRun:
    """Merge ``rows/*.json`` into results.parquet, results.csv and run.json.

    Args:
        run_dir: the run directory.
        run_info: what the caller knows about the run (``run_id``, ``started_at``,
            ``finished_at``, ``host``, ``farm_version``, ``git_commit``, ``inventory_hash``,
            ``options``). Missing keys are kept from an existing run.json or derived from rows.

    Returns:
        The merged run; ``paths`` maps "parquet", "csv" and "run_json" to the files written.
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    frame = load_frame(run_dir)
    derived = _derived_info(run_dir, frame)
    info: dict[str, Any] = {"host": socket.gethostname(), "farm_version": __version__}
    info.update(read_run_info(run_dir))
    for key, value in derived.items():
        if value is not None or key not in info:
            info[key] = value
    info.update({k: v for k, v in (run_info or {}).items() if v is not None})
    # Counts always come from the rows, whatever the caller passed.
    info.update({k: derived[k] for k in ("n_tests", "outcomes", "schema_version")})

    paths = {"parquet": run_dir / PARQUET, "csv": run_dir / CSV, "run_json": run_dir / RUN_JSON}
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, schema=arrow_schema(), preserve_index=False)
    tmp = run_dir / f".tmp-{PARQUET}"
    pq.write_table(table, tmp)
    tmp.replace(paths["parquet"])
    atomic_write_bytes(paths["csv"], frame.to_csv(index=False).encode("utf-8"))
    text = json.dumps(info, indent=2, sort_keys=True, default=_json_default)
    atomic_write_bytes(paths["run_json"], text.encode("utf-8"))
    log.info("merged %d rows into %s", len(frame), run_dir)
    return MergedRun(run_dir=run_dir, info=info, frame=frame, paths=paths)
