"""Result rows from pytest: one row per matrix test, written the moment the test ends.

A test fills a :class:`RowDraft` through the ``record`` fixture; the row's identity (model,
board, firmware) comes from the matrix parameters and the lease, its outcome from pytest's own
reports. The worker that ran the test writes the row atomically at teardown, so a killed run
keeps every finished row. At the end of the run the controller (or the single process) merges
the rows, compares with the previous run, renders the report, adds JUnit properties and sets
the exit code that tells infrastructure errors from product failures.
"""

from __future__ import annotations

import importlib
import logging
import os
import platform
import subprocess
from collections import Counter
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any

import pytest

from farm import __version__
from farm.devices.registry import get_backend
from farm.discovery import FirmwareSpec, ModelSpec
from farm.errors import FarmError, InfraError, error_kind
from farm.matrix import BoardPool
from farm.plugin.fixtures import LEASED_BOARD_KEY
from farm.plugin.session import FARM_KEY, FarmSession, get_session
from farm.results.schema import Outcome, ResultRow, TestKind

log = logging.getLogger(__name__)

DRAFT_KEY = pytest.StashKey["RowDraft"]()
PHASES_KEY = pytest.StashKey[dict[str, pytest.TestReport]]()
STARTED_KEY = pytest.StashKey[datetime]()
RUN_STARTED_KEY = pytest.StashKey[datetime]()
SUMMARY_KEY = pytest.StashKey[Any]()
FINISH_ERROR_KEY = pytest.StashKey[str]()
KIND_PREFIX = "test_"


class RowDraft:
    """Measurements and method fields a test records; becomes a :class:`ResultRow`."""

    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}

    def set(self, **fields: Any) -> None:
        """Record fields of the row (names and units as in :class:`ResultRow`)."""
        unknown = set(fields) - set(ResultRow.model_fields)
        if unknown:
            raise TypeError(f"record.set: unknown result fields {sorted(unknown)}")
        self.fields.update({k: v for k, v in fields.items() if v is not None})


def _draft(item: pytest.Item) -> RowDraft:
    draft = item.stash.get(DRAFT_KEY, None)
    if draft is None:
        draft = item.stash[DRAFT_KEY] = RowDraft()
    return draft


@pytest.fixture
def record(request: pytest.FixtureRequest) -> RowDraft:
    """The result row of this test: ``record.set(latency_ms=..., energy_uj=...)``."""
    return _draft(request.node)


def _test_kind(item: pytest.Item) -> str:
    name = getattr(item, "originalname", item.name)
    kind = name.removeprefix(KIND_PREFIX).split("_", 1)[0]
    return kind if kind in TestKind.__members__.values() else TestKind.OTHER.value


def _identity(item: pytest.Item, session: FarmSession) -> dict[str, Any]:
    params: dict[str, Any] = getattr(getattr(item, "callspec", None), "params", {})
    fields: dict[str, Any] = {"run_id": session.run_id, "test_id": item.nodeid}
    fields["test_kind"] = _test_kind(item)
    model = params.get("model")
    if isinstance(model, ModelSpec):
        meta = model.metadata
        fields.update(model=model.key, model_sha256=model.sha256 or None)
        fields.update(model_source=model.source, model_version_id=model.source_version)
        fields.update(model_family=meta.get("family"), task=meta.get("task"))
        fields.update(macs=meta.get("macs"))
    pool = params.get("board_pool")
    if isinstance(pool, BoardPool):
        fields.update(target=pool.target.name, backend=pool.backend)
        fields["virtual"] = get_backend(pool.backend).spec.twin
        fields["flash_limit_bytes"] = pool.target.flash_bytes
        fields["ram_limit_bytes"] = pool.target.ram_bytes
    firmware = params.get("firmware")
    if isinstance(firmware, FirmwareSpec):
        fields.update(firmware=firmware.name, firmware_version=firmware.version)
    leased = item.stash.get(LEASED_BOARD_KEY, None)
    if leased is not None:
        fields["board_id"] = leased.id
    fields["host"] = session.resolved.values.fleet_host
    return {k: v for k, v in fields.items() if v is not None}


def _outcome(phases: dict[str, pytest.TestReport]) -> tuple[Outcome, str | None, str | None]:
    """Outcome, reason and error kind from the setup/call/teardown reports."""
    for when in ("setup", "call", "teardown"):
        report = phases.get(when)
        if report is None:
            continue
        if report.skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else None
            return Outcome.SKIPPED, str(reason).removeprefix("Skipped: ") if reason else None, None
        if report.failed:
            kind = getattr(report, "farm_error_kind", None)
            reason = getattr(report, "farm_reason", None)
            return (Outcome.FAILED, reason, None) if kind is None else (Outcome.ERROR, reason, kind)
    return Outcome.PASSED, None, None


def _error_kind(exc: BaseException, when: str) -> str | None:
    """``error_kind`` of a lab failure; None for a product failure.

    An InfraError is the lab's fault wherever it is raised. ``pytest.fail`` and the farm's
    non-infra errors (a model that does not compile, a firmware refusal) are verdicts on the
    product even from a fixture; any other exception outside the test body is a broken
    fixture, which pytest calls an error and the farm counts with the lab's.
    """
    if isinstance(exc, InfraError):
        return error_kind(exc)
    if when == "call" or isinstance(exc, FarmError | pytest.fail.Exception):
        return None
    return "error"


def _exception_message(exc: BaseException) -> str:
    """The exception's own message (first line, bounded), or its type when it has none."""
    lines = str(exc).strip().splitlines()
    return lines[0][:500] if lines else type(exc).__name__


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep the phase reports; at teardown write the row and put its JUnit properties on the
    teardown report (the one JUnit XML reads properties from)."""
    report: pytest.TestReport = yield
    session = item.config.stash.get(FARM_KEY, None)
    if session is None or "board_pool" not in getattr(item, "fixturenames", ()):
        return report
    if report.failed and call.excinfo is not None:
        exc = call.excinfo.value
        report.farm_error_kind = _error_kind(exc, call.when)  # type: ignore[attr-defined]
        report.farm_reason = _exception_message(exc)  # type: ignore[attr-defined]
    item.stash.setdefault(PHASES_KEY, {})[call.when] = report
    if call.when == "teardown":
        from farm.results.junit import junit_properties

        row = _build_row(item, session)
        # Properties on the report, not the item: an attempt that is retried leaves none behind.
        report.user_properties.extend(
            junit_properties(row, _baseline(item.config, session).check(row))
        )
        _write_row(session, row)
    return report


BASELINE_KEY = pytest.StashKey[Any]()


class _NoBaseline:
    def check(self, row: ResultRow) -> list[Any]:
        return []


def _baseline(config: pytest.Config, session: FarmSession) -> Any:
    """The previous run's medians, loaded once per process, to flag regressions per test."""
    baseline = config.stash.get(BASELINE_KEY, None)
    if baseline is None:
        from farm.results.compare import baseline_for

        try:
            baseline = baseline_for(session.run_dir) or _NoBaseline()
        except Exception:  # an unreadable previous run must not cost this run its rows
            log.exception("cannot read the previous run's results; no per-test regressions")
            baseline = _NoBaseline()
        config.stash[BASELINE_KEY] = baseline
    return baseline


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Load what the first row needs (pandas, the previous run's medians) before any test
    leases a board: done at the first teardown, it held every worker's board idle for seconds
    while all workers imported pandas at once. ``tryfirst``: before an xdist worker reports its
    collection, so the controller starts no worker that is still loading."""
    state = session.config.stash.get(FARM_KEY, None)
    items = session.items
    if state is None or not any("board_pool" in getattr(i, "fixturenames", ()) for i in items):
        return
    for module in ("farm.results.junit", "farm.results.writer"):
        importlib.import_module(module)  # for its import cost only; used at teardown
    _baseline(session.config, state)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A fresh draft per attempt (the farm retries a test once after an infra error)."""
    item.stash[PHASES_KEY] = {}
    item.stash[STARTED_KEY] = datetime.now(UTC)
    item.stash[DRAFT_KEY] = RowDraft()


def _build_row(item: pytest.Item, session: FarmSession) -> ResultRow:
    phases = dict(item.stash.get(PHASES_KEY, {}))
    outcome, reason, kind = _outcome(phases)
    started = item.stash.get(STARTED_KEY, datetime.now(UTC))
    finished = datetime.now(UTC)
    identity = _identity(item, session)
    fields = {**identity, **_draft(item).fields}
    details = next((r.longreprtext for r in phases.values() if r.failed), None)
    fields.update(
        outcome=outcome,
        reason=reason,
        error_kind=kind,
        error_details=details,
        started_at=started,
        finished_at=finished,
        duration_s=(finished - started).total_seconds(),
        worker=os.environ.get("PYTEST_XDIST_WORKER"),
    )
    try:
        return ResultRow(**fields)
    except Exception:  # a bad draft must not lose the row: keep identity and outcome
        log.exception("result row of %s is invalid; writing it without measurements", item.nodeid)
        keep = {k: fields[k] for k in identity}  # identity keys, as the draft may have set them
        return ResultRow(**keep, outcome=outcome, reason=reason, error_kind=kind)


def _write_row(session: FarmSession, row: ResultRow) -> None:
    from farm.results.writer import RowWriter

    RowWriter(session.run_dir).write(row)


def _git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None


def _run_info(session: FarmSession, config: pytest.Config, started: datetime) -> dict[str, Any]:
    inventory = session.resolved.values.inventory
    try:
        inventory_hash = sha256(inventory.read_bytes()).hexdigest()
    except OSError:
        inventory_hash = None
    return {
        "run_id": session.run_id,
        "started_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "host": platform.node(),
        "farm_version": __version__,
        "git_commit": _git_commit(),
        "inventory": str(inventory),
        "inventory_hash": inventory_hash,
        "options": list(config.invocation_params.args),
        "firmware_order": _firmware_order(session),
        "baseline_firmware": session.resolved.values.baseline_firmware,
    }


def _firmware_order(session: FarmSession) -> list[str]:
    """Firmware keys in recipe order (the run page's default baseline is the first version)."""
    from farm.discovery import discover_firmware

    try:
        return [f.key for f in discover_firmware(session.resolved.values.firmware_dir)]
    except FarmError:  # a broken recipe already failed the run; the order is only cosmetic
        return []


def pytest_sessionstart(session: pytest.Session) -> None:
    """Remember when the run started (run.json)."""
    session.config.stash[RUN_STARTED_KEY] = datetime.now(UTC)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Controller only: merge rows, report, JUnit regression properties, farm exit code."""
    config = session.config
    farm = config.stash.get(FARM_KEY, None)
    if farm is None or farm.is_worker:
        return
    run_dir = farm.resolved.values.reports_dir / farm.run_id
    if not (run_dir / "rows").is_dir():
        return
    from farm.results.exitcodes import run_exit_code
    from farm.results.finish import finish_run
    from farm.results.junit import regression_properties
    from farm.results.writer import iter_rows

    started = config.stash.get(RUN_STARTED_KEY, datetime.now(UTC))
    try:
        summary = finish_run(run_dir, _run_info(farm, config, started))
    except Exception as exc:  # the rows are safe: JUnit XML and the exit code must still come
        log.exception("run %s: merging or the report failed", farm.run_id)
        config.stash[FINISH_ERROR_KEY] = f"{type(exc).__name__}: {exc}"
        rows = list(iter_rows(run_dir))
        outcomes = Counter(str(row.outcome) for row in rows)
        recorded = {row.test_id for row in rows}
    else:
        config.stash[SUMMARY_KEY] = summary
        xml = _junit_xml(config)
        if xml is not None and summary.comparison is not None:
            for name, value in regression_properties(summary.comparison):
                xml.add_global_property(name, value)
        outcomes = Counter(summary.outcomes)
        recorded = set(summary.merged.frame["test_id"])
    # A failing test without a row (it uses no board pool) is a product failure too.
    outcomes["failed"] += len(_failed_test_ids(config) - recorded)
    session.exitstatus = run_exit_code(int(exitstatus), outcomes)


def _failed_test_ids(config: pytest.Config) -> set[str]:
    """Node ids pytest reported failed or errored (the terminal reporter keeps them)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    stats: dict[str, list[Any]] = getattr(reporter, "stats", {})
    return {r.nodeid for key in ("failed", "error") for r in stats.get(key, ()) if r.nodeid}


def _junit_xml(config: pytest.Config) -> Any:
    try:
        from _pytest.junitxml import xml_key
    except ImportError:  # pragma: no cover - pytest internals moved
        return None
    return config.stash.get(xml_key, None)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Say where the report is and what regressed."""
    summary = config.stash.get(SUMMARY_KEY, None)
    failure = config.stash.get(FINISH_ERROR_KEY, None)
    if summary is None and failure is None:
        return
    terminalreporter.write_sep("-", "farm results")
    if failure is not None:
        run_dir = get_session(config).run_dir
        terminalreporter.write_line(
            f"farm: no report: {failure}; the rows are kept, run 'farm report {run_dir}'", red=True
        )
        return
    counts = ", ".join(f"{n} {k}" for k, n in summary.outcomes.items() if n)
    terminalreporter.write_line(f"farm: {counts}")
    if summary.comparison is not None and summary.comparison.regressions:
        n = len(summary.comparison.regressions)
        terminalreporter.write_line(f"farm: {n} regressions vs previous run", red=True)
    terminalreporter.write_line(f"farm: report {summary.index_html}")
