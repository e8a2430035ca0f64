"""Result rows from pytest: one row per matrix test, written the moment the test ends.

The row is built from the test's :class:`~farm.plugin.item_state.TestState` only: its identity
(model, pool, firmware, leased board, virtual) from the matrix parameters and the lease, the
measurements a test records through the ``record`` fixture (``record.set``), its outcome from
the verdicts :func:`~farm.plugin.item_state.classify` gave each phase. The worker that ran the test writes the row atomically at teardown, so a killed run
keeps every finished row. At the end of the run the controller (or the single process) merges
the rows, compares with the previous run, renders the report, adds JUnit properties and sets
the exit code that tells infrastructure errors from product failures.
"""

from __future__ import annotations

import importlib
import logging
import platform
import subprocess
from collections import Counter
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any

import pytest

from farm import __version__
from farm.errors import FarmError
from farm.plugin.item_state import RowDraft, state_of
from farm.plugin.pytest_internals import junit_xml
from farm.plugin.session import FARM_KEY, FarmSession, get_session
from farm.results.schema import ResultRow

log = logging.getLogger(__name__)

RUN_STARTED_KEY = pytest.StashKey[datetime]()
SUMMARY_KEY = pytest.StashKey[Any]()
FINISH_ERROR_KEY = pytest.StashKey[str]()

__all__ = ["RowDraft", "record"]


@pytest.fixture
def record(request: pytest.FixtureRequest) -> RowDraft:
    """The result row of this test: ``record.set(latency_ms=..., energy_uj=...)``."""
    return state_of(request.node).record


# tryfirst: the outermost wrapper, so it runs after the farm's hooks classified the phase.
@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """At teardown write the row and put its JUnit properties on the teardown report (the one
    JUnit XML reads properties from)."""
    report: pytest.TestReport = yield
    session = item.config.stash.get(FARM_KEY, None)
    if session is None or "board_pool" not in getattr(item, "fixturenames", ()):
        return report
    if call.when == "teardown":
        from farm.results.junit import junit_properties

        row = state_of(item).row(session.run_id, session.resolved.values.fleet_host)
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
        xml = junit_xml(config)
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
