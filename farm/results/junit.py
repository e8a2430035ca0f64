"""JUnit XML properties: the key numbers and identities of a row, and the run's regressions.

The plugin attaches ``junit_properties(row)`` with ``record_property`` (one ``<property>`` per
pair on the test case) and, at session end, ``regression_properties(comparison)`` as global
properties of the test suite (``LogXML.add_global_property``).
"""

from __future__ import annotations

from collections.abc import Sequence

from farm.results.compare import Change, Comparison
from farm.results.schema import MEASUREMENTS, ResultRow

PREFIX = "farm_"
_IDENTITY = (
    "test_kind",
    "model",
    "model_sha256",
    "model_source",
    "model_version_id",
    "model_family",
    "task",
    "firmware",
    "firmware_version",
    "image_hash",
    "board_id",
    "target",
    "backend",
    "virtual",
    "outcome",
    "error_kind",
)
_METHOD = (
    "latency_method",
    "energy_method",
    "sample_rate_hz",
    "window_s",
    "voltage_mv",
    "runtime",
    "runtime_version",
    "outputs_bit_exact",
)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def junit_properties(row: ResultRow, regressions: Sequence[Change] = ()) -> list[tuple[str, str]]:
    """``(name, value)`` pairs for one test: identity, measurements, method, regressions.

    Names are ``farm_<field>`` with the schema's units (``farm_energy_uj``); fields that are None
    are left out. Each regression adds a ``farm_regression`` property in words.
    """
    props: list[tuple[str, str]] = []
    for name in (*_IDENTITY, *MEASUREMENTS, *_METHOD):
        value = getattr(row, name)
        if value is not None:
            props.append((PREFIX + name, _text(value)))
    props.extend((PREFIX + "regression", change.describe()) for change in regressions)
    return props


def regression_properties(comparison: Comparison, limit: int = 100) -> list[tuple[str, str]]:
    """Global properties of a run: ``farm_regressions`` (count), then one per regression."""
    props = [
        (PREFIX + "regressions", str(len(comparison.regressions))),
        (PREFIX + "regression_threshold_pct", _text(comparison.threshold_pct)),
    ]
    if comparison.previous_run_id:
        props.append((PREFIX + "previous_run", comparison.previous_run_id))
    props.extend((PREFIX + "regression", c.describe()) for c in comparison.regressions[:limit])
    return props
