"""Progress of a long run, printed by the controller: tests done, boards, time left.

One line every ``progress_every_s`` seconds (a setting) through pytest's terminal reporter (it
reads well in a CI log and does not fight pytest's own output), plus the per-board table at the
end. The
state lives in :class:`farm.results.progress.ProgressTracker`; outcomes and board ids come from
the row properties each teardown report carries (``farm_outcome``, ``farm_board_id``).
"""

from __future__ import annotations

from typing import Any

import pytest

from farm.plugin.session import get_session
from farm.results.progress import ProgressTracker

TRACKER_KEY = pytest.StashKey[ProgressTracker]()


def _tracker(config: pytest.Config) -> ProgressTracker | None:
    if getattr(config, "workerinput", None) is not None:
        return None  # workers report to the controller; only it prints
    return config.stash.get(TRACKER_KEY, None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Single process: the run's size is known after collection."""
    if getattr(config, "workerinput", None) is None:
        config.stash[TRACKER_KEY] = ProgressTracker(total=len(items))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    """Controller under xdist: every worker collects the same ids."""
    config = node.config
    if TRACKER_KEY not in config.stash:
        config.stash[TRACKER_KEY] = ProgressTracker(total=len(ids))


def _property(report: pytest.TestReport, name: str) -> str | None:
    for key, value in report.user_properties:
        if key == name:
            return str(value)
    return None


class FarmProgressReporter:
    """Registered on the controller (or single process) when the terminal reporter exists."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        tracker = _tracker(self.config)
        if tracker is None or report.when != "teardown":
            return
        outcome = _property(report, "farm_outcome")
        if outcome is None:
            return  # not a matrix test
        tracker.test_finished(report.nodeid, outcome, _property(report, "farm_board_id"))
        every_s = get_session(self.config).settings.values.progress_every_s
        if tracker.due(every_s) and tracker.done < tracker.total:
            self._board_states(tracker)
            reporter = self.config.pluginmanager.get_plugin("terminalreporter")
            if reporter is not None:
                reporter.write_line(f"farm: {tracker.line()}")

    def _board_states(self, tracker: ProgressTracker) -> None:
        """Busy boards are the ones whose lease is held right now (by any process)."""
        from farm.plugin.session import FARM_KEY

        session = self.config.stash.get(FARM_KEY, None)
        if session is None:
            return
        try:
            held = {board: info for board, info, _alive in session.leases.holders()}
        except OSError:
            return
        for board in list(tracker.boards):
            info = held.pop(board, None)
            tracker.set_board_state(board, "busy" if info else "idle", info and info.test_id)
        for board, info in held.items():
            tracker.set_board_state(board, "busy", info.test_id)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        tracker = _tracker(self.config)
        if tracker is None or not tracker.boards:
            return
        per_board = ", ".join(
            f"{b.board} {b.done} ({b.errors} errors)"
            for b in sorted(tracker.boards.values(), key=lambda b: b.board)
        )
        terminalreporter.write_line(f"farm: tests per board: {per_board}")


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """Attach the reporter on the process that prints."""
    if getattr(config, "workerinput", None) is None:
        config.pluginmanager.register(FarmProgressReporter(config), "farm-progress")
