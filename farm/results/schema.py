"""The result row: one measured (or failed) test, with units in every field name.

A row is written as JSON by ``RowWriter`` the moment a test ends and merged into
``results.parquet``/``results.csv`` at the end of the run. Optional fields default to ``None`` so
that adding a field later is one line here and old rows still load; unknown keys are refused
(``extra="forbid"``) so a typo never silently drops a number.

Power trace files (``trace_parquet``, written by the power-monitor side, read by the report):

* a Parquet file with one row per sample and the columns ``t_s`` (float64, seconds since the
  capture started) and ``current_a`` (float64, amperes); optional ``voltage_v`` (float64);
* the inference windows as a list of ``[start_s, end_s]`` pairs in the Parquet schema metadata key
  ``farm.windows`` (JSON), or, alternatively, an int column ``window`` holding the window index of
  each sample and -1 outside any window.

Use ``farm.results.trace.write_trace`` / ``read_trace`` rather than writing the file by hand.
"""

from __future__ import annotations

import enum
import hashlib
import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


class Outcome(enum.StrEnum):
    """What happened to the test, in pytest's words."""

    PASSED = "passed"
    FAILED = "failed"  # product finding: wrong outputs, does not fit, over a limit
    ERROR = "error"  # infrastructure: probe, serial, power monitor, SSH, build tooling
    SKIPPED = "skipped"


class TestKind(enum.StrEnum):
    """What the test measured. Add members here when a new kind of test appears."""

    __test__ = False  # not a pytest test class, despite the name

    MEMORY = "memory"
    INFERENCE = "inference"
    LATENCY = "latency"
    ENERGY = "energy"
    ACCURACY = "accuracy"
    BUILD = "build"
    OTHER = "other"


class ResultRow(BaseModel):
    """One test's identity, outcome, measurements, method and artifacts."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=True)

    schema_version: int = SCHEMA_VERSION

    # --- identity ---
    run_id: str
    test_id: str = Field(description="pytest node id")
    test_kind: TestKind = TestKind.OTHER
    model: str | None = Field(None, description="model name (file stem)")
    model_sha256: str | None = None
    model_source: str | None = Field(None, description="s3://bucket/key the model came from")
    model_version_id: str | None = Field(None, description="object version (versioned bucket)")
    model_family: str | None = Field(None, description="e.g. mobilenet, ds-cnn, resnet")
    task: str | None = Field(None, description="e.g. kws, vww, ic, ad")
    firmware: str | None = None
    firmware_version: str | None = None
    image_hash: str | None = None
    board_id: str | None = None
    target: str | None = Field(None, description="catalog target, e.g. stm32l4r5")
    backend: str | None = Field(
        None, description="how the farm reaches the board: its inventory backend (qemu, pyocd, ssh)"
    )
    virtual: bool = Field(False, description="measured on the virtual lab (instruction counts)")

    # --- outcome ---
    outcome: Outcome
    reason: str | None = Field(None, description="one line: why failed, errored or skipped")
    error_kind: str | None = Field(None, description="farm.errors.error_kind() of the cause")
    error_details: str | None = Field(None, description="traceback / longrepr text")

    # --- measurements ---
    latency_ms: float | None = None
    latency_p90_ms: float | None = None
    cycles_per_inference: int | None = None
    instructions_per_inference: int | None = None
    cycles_estimated_per_inference: int | None = Field(
        None,
        description="virtual lab: core cycles of one inference estimated by the twin's cycle "
        "model (farm.devices.cycle_model); latency_ms of the row is these / the target's clock",
    )
    energy_uj: float | None = Field(None, description="energy per inference")
    energy_uncertainty_uj: float | None = None
    energy_truth_uj: float | None = Field(
        None, description="virtual lab: energy the twin's activity drew in its timed region"
    )
    energy_error_pct: float | None = Field(
        None, description="virtual lab: (energy_uj - energy_truth_uj) / energy_truth_uj x 100"
    )
    mean_power_mw: float | None = None
    peak_power_mw: float | None = None
    flash_bytes: int | None = None
    ram_bytes: int | None = None
    flash_limit_bytes: int | None = None
    ram_limit_bytes: int | None = None
    arena_bytes: int | None = None
    blob_bytes: int | None = None
    macs: int | None = None
    outputs_bit_exact: bool | None = Field(None, description="None: only 3 decimals compared")
    outputs_match: bool | None = Field(None, description="outputs agree by output_method")
    max_abs_diff: float | None = None
    n_inferences: int | None = None

    # --- method ---
    latency_method: str | None = Field(None, description="e.g. dwt-cycles, icount, wallclock")
    energy_method: str | None = Field(None, description="e.g. stlink-v3pwr, lpm01a, icount-model")
    sample_rate_hz: float | None = None
    window_s: float | None = None
    voltage_mv: float | None = None
    output_method: str | None = Field(None, description="how outputs were compared")
    checks: str | None = Field(None, description="which checks the firmware made possible")
    runtime: str | None = None
    runtime_version: str | None = None

    # --- artifacts, relative to the run directory ---
    console_log: str | None = None
    trace_parquet: str | None = None

    # --- timing ---
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_s: float | None = None
    worker: str | None = Field(None, description="xdist worker id, e.g. gw3")
    host: str | None = Field(None, description="lab PC that ran the test (farm fleet)")


#: Column order of results.parquet / results.csv (the schema's field order).
COLUMNS: tuple[str, ...] = tuple(ResultRow.model_fields)

#: Numeric measurement columns a comparison or plot may use.
MEASUREMENTS: tuple[str, ...] = (
    "latency_ms",
    "latency_p90_ms",
    "cycles_per_inference",
    "instructions_per_inference",
    "cycles_estimated_per_inference",
    "energy_uj",
    "energy_uncertainty_uj",
    "energy_truth_uj",
    "energy_error_pct",
    "mean_power_mw",
    "peak_power_mw",
    "flash_bytes",
    "ram_bytes",
    "flash_limit_bytes",
    "ram_limit_bytes",
    "arena_bytes",
    "blob_bytes",
    "macs",
    "max_abs_diff",
    "n_inferences",
)

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_id(test_id: str, max_len: int = 120) -> str:
    """File-system and URL safe, collision-free name for a test id.

    Keeps the readable part (only ``[A-Za-z0-9._-]``) and appends 8 hex digits of a hash of the
    full id, so ``a/b`` and ``a_b`` never share a file and no name escapes its directory.
    """
    # The node id's function part is readable and short; its file path adds nothing.
    name = test_id.split("::", 1)[1] if "::" in test_id else test_id.rsplit("/", 1)[-1]
    readable = _UNSAFE.sub("_", name).strip("._-")[:max_len] or "test"
    digest = hashlib.sha256(test_id.encode("utf-8")).hexdigest()[:8]
    return f"{readable}-{digest}"
