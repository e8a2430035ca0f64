"""pytest hooks: configuration, matrix parametrization, infra errors, retries, quarantine."""

from __future__ import annotations

import logging
import subprocess
from typing import Any

import pytest

from farm.errors import (
    BoardBusyError,
    BoardQuarantinedError,
    ConfigError,
    InfraError,
    ModelSourceError,
    error_kind,
)
from farm.inventory import BoardConfig
from farm.plugin import newhooks
from farm.plugin.item_state import classify, state_of
from farm.plugin.options import parse_options
from farm.plugin.pytest_internals import (
    fixture_modules,
    keyword_expression_error,
    run_protocol,
    teardown_towards,
)
from farm.plugin.session import FARM_KEY, FarmSession, get_session
from farm.s3_connection import S3Location
from farm.settings import Source, resolve_settings

log = logging.getLogger(__name__)

INFRA_PROPERTY = "farm_infra_error"
KINDS = ("mcu", "linux")
MATRIX_ARGS = ("model", "board_pool", "firmware")


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    """Register the farm's hookspecs."""
    pluginmanager.add_hookspecs(newhooks)


def _new_run_id() -> str:
    from farm.results.rundir import new_run_id

    return new_run_id()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Parse options, resolve settings and fix the run id (the controller's, on workers)."""
    config.addinivalue_line(
        "markers",
        "farm_kind(*kinds): run this matrix test only on pools of these kinds ('mcu', 'linux')",
    )
    options = parse_options(config)
    try:
        resolved = resolve_settings(options.settings_overrides)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from exc
    workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
    if workerinput is None:
        _check_keyword_expression(config.getoption("keyword", ""))
    if workerinput is not None and "farm_run_id" in workerinput:
        run_id, is_worker = workerinput["farm_run_id"], True
    else:
        run_id = resolved.values.run_id or _new_run_id()
        is_worker = workerinput is not None
    config.stash[FARM_KEY] = FarmSession(options, resolved, run_id, is_worker)
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistRunId(run_id), "farm-xdist-run-id")


def _check_keyword_expression(expression: str) -> None:
    """A ``-k`` that does not parse stops the run here with pytest's message: under xdist only
    the workers parse it, and their failure reaches the controller as an INTERNALERROR. Test
    ids hold ``firmware@version``, and ``@`` is not a ``-k`` character, hence the hint."""
    if not expression:
        return
    error = keyword_expression_error(expression)
    if error is None:
        return
    hint = ""
    if "@" in expression:
        hint = (
            "; '@' cannot appear in -k: select a firmware version with "
            "--farm-firmware NAME@VERSION, or -k 'NAME and VERSION'"
        )
    raise pytest.UsageError(f"Wrong expression passed to '-k': {expression}: {error}{hint}")


class _XdistRunId:
    """Hands the controller's run id to every xdist worker (xdist's own hook)."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["farm_run_id"] = self.run_id


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Fetch ``s3://`` models once in the controller, before xdist starts its workers (they
    then find every model in the cache); a store that is down, or a models setting the user
    named that holds no models, stops the run here with one message and exit 2."""
    farm = session.config.stash.get(FARM_KEY, None)
    if farm is None or farm.is_worker:
        return
    named = farm.resolved.sources["models_dir"] is not Source.DEFAULT
    if not named and not isinstance(farm.resolved.values.models_dir, S3Location):
        return  # the default folder is checked when a test needs the matrix
    try:
        farm.models()
    except ModelSourceError as exc:
        pytest.exit(f"farm: {exc}", returncode=pytest.ExitCode.INTERRUPTED)


def _kinds(metafunc: pytest.Metafunc) -> tuple[str, ...] | None:
    marker = metafunc.definition.get_closest_marker("farm_kind")
    if marker is None:
        return None
    bad = [k for k in marker.args if k not in KINDS] or ([] if marker.args else ["(none)"])
    if bad or marker.kwargs:
        pytest.fail(
            f"marker 'farm_kind' on {metafunc.definition.nodeid}: bad arguments {bad or marker.kwargs}"
            "; use @pytest.mark.farm_kind('mcu') or farm_kind('mcu', 'linux')",
            pytrace=False,
        )
    return tuple(marker.args)


def _marker_argnames(metafunc: pytest.Metafunc) -> set[str]:
    names: set[str] = set()
    for marker in metafunc.definition.iter_markers("parametrize"):
        argnames = marker.args[0] if marker.args else marker.kwargs.get("argnames", ())
        if isinstance(argnames, str):
            argnames = [a.strip() for a in argnames.split(",")]
        names.update(argnames)
    return names


def _farm_owned(metafunc: pytest.Metafunc, name: str) -> bool:
    """True when ``name`` resolves to the farm's fixture (not a test's own fixture or param)."""
    modules = fixture_modules(metafunc, name)
    return bool(modules) and modules[-1] == "farm.plugin.fixtures"


@pytest.hookimpl(trylast=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize ``model``, ``board_pool`` and ``firmware`` for the tests that use them.

    Names a test parametrizes itself or binds to its own fixture are left alone, so other
    test suites can use a fixture or parameter called ``model``.
    """
    own = _marker_argnames(metafunc)
    wanted = [
        name
        for name in MATRIX_ARGS
        if name in metafunc.fixturenames and name not in own and _farm_owned(metafunc, name)
    ]
    if not wanted:
        return
    session = get_session(metafunc.config)
    try:
        matrix = session.matrix()
    except ConfigError as exc:
        pytest.fail(str(exc), pytrace=False)
    if "model" in wanted and session.models_error is not None:
        # A models setting that names no models is never an empty, green run.
        pytest.exit(f"farm: {session.models_error}", returncode=pytest.ExitCode.INTERRUPTED)
    # Imported here: the module is a plugin of its own (pytest_plugins), loaded by pytest first.
    from farm.plugin.matrix_params import parametrize_matrix

    parametrize_matrix(metafunc, matrix, wanted, _kinds(metafunc))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A fresh attempt: no board, record or verdicts of an earlier one (the farm retries a
    test after an infra error)."""
    state_of(item).begin_attempt()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Classify the phase once (the test's state keeps the verdict) and label a phase that
    failed on the lab's side with its board."""
    report = yield
    state = state_of(item)
    verdict = state.phases[call.when] = classify(call, report)
    exc = verdict.infra
    if exc is not None:
        board = exc.board or (state.board.id if state.board else None)
        text = f"{error_kind(exc)} error on board '{board or '?'}' during {call.when}: {exc}"
        report.user_properties.append((INFRA_PROPERTY, text))
        report.sections.append(("farm infra error", text))
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> Any:
    """An infra error in the test body is an *error*, not a failure."""
    if report.when == "call" and _is_infra(report):
        return "error", "E", ("ERROR", {"red": True})
    return None


def _retryable(error: InfraError | None, board: BoardConfig | None) -> bool:
    if error is None or isinstance(error, BoardBusyError | BoardQuarantinedError):
        return False
    return board is not None or error.board is not None


def _account(session: FarmSession, board: BoardConfig | None, error: InfraError | None) -> None:
    board_id = (error.board if error is not None else None) or (board.id if board else None)
    if board_id is None or isinstance(error, BoardBusyError | BoardQuarantinedError):
        return
    book = session.quarantine
    if error is None:
        book.record_success(board_id)
    else:
        book.record_error(board_id, f"{error_kind(error)}: {error}")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Report an infra error of the test body the way pytest reports a fixture error.

    pytest counts a failed "call" as a failure everywhere (terminal, JUnit XML, summary); an
    infra error must count as an *error*, so before any reporter sees it the call report is
    relabelled as a setup report. Its "farm infra error" section still says "during call".
    Runs first on the worker, so the controller receives the relabelled report.
    """
    if report.when == "call" and _is_infra(report):
        report.when = "setup"


def _is_infra(report: pytest.TestReport) -> bool:
    return report.failed and any(key == INFRA_PROPERTY for key, _ in report.user_properties)


def _finish_teardown(
    item: pytest.Item, nextitem: pytest.Item | None, reports: list[pytest.TestReport]
) -> list[pytest.TestReport]:
    """Finish the teardown an attempt left at the parent (no retry after all).

    Tears down what pytest expects gone before ``nextitem`` (module or session fixtures when
    the next test lives elsewhere); a failure there becomes the item's teardown report, as in
    pytest's own protocol.
    """
    call = pytest.CallInfo.from_call(
        lambda: teardown_towards(item, nextitem),
        when="teardown",
        reraise=(pytest.exit.Exception, KeyboardInterrupt),
    )
    if call.excinfo is None:
        return reports
    report = item.ihook.pytest_runtest_makereport(item=item, call=call)
    return [r for r in reports if r.when != "teardown"] + [report]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    """Run tests that lease a board with infra-error accounting and ``infra_retries`` retries."""
    if "board" not in getattr(item, "fixturenames", ()):
        return None
    session = get_session(item.config)
    retries = session.settings.values.infra_retries
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    state = state_of(item)
    for attempt in range(retries + 1):
        last = attempt == retries
        # Between attempts tear down only the test's own fixtures (the parent stays set up).
        reports = run_protocol(item, nextitem if last else item.parent)
        error, board = state.infra_error, state.board
        _account(session, board, error)
        if last or not _retryable(error, board):
            if not last:
                reports = _finish_teardown(item, nextitem, reports)
            break
        log.warning(
            "%s: infra error (%s), retrying (%d of %d)", item.nodeid, error, attempt + 1, retries
        )
        item.user_properties.append(("farm_retried_after", str(error)))
    for report in reports:
        item.ihook.pytest_runtest_logreport(report=report)
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True


@pytest.hookimpl(trylast=True)
def pytest_farm_reset_board(board: BoardConfig, error: InfraError) -> bool | None:
    """Default reset: the board's ``hooks.reset`` shell command, if it has one."""
    if not board.hooks.reset:
        return None
    log.info("board %s: running reset hook after %s", board.id, error_kind(error))
    done = subprocess.run(
        ["sh", "-c", board.hooks.reset], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        log.warning(
            "board %s: reset hook exited %d: %s", board.id, done.returncode, done.stderr.strip()
        )
    return done.returncode == 0


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Name the run directory and any quarantined board (controller or single process)."""
    session = config.stash.get(FARM_KEY, None)
    if session is None or session.is_worker:
        return
    if session._models is not None:
        terminalreporter.write_line(f"farm: {session._models.summary()}")
        for key in session._models.failed:
            terminalreporter.write_line(f"farm: download failed: {key}", red=True)
    if session._inventory is None:
        return
    run_dir = session.resolved.values.reports_dir / session.run_id
    if not run_dir.is_dir():
        return  # nothing ran on a board (for instance --collect-only)
    terminalreporter.write_line(f"farm: run {session.run_id}, run dir {run_dir}")
    for health in session.quarantine.quarantined():
        terminalreporter.write_line(f"farm: {health.skip_reason()}", red=True)
