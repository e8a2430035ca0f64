"""Live progress of a long run: tests done, per-board state, estimated time left.

``ProgressTracker`` is plain state fed by the plugin on the xdist controller (from
``pytest_runtest_logreport``; the board id travels in ``report.user_properties`` as
``farm_board_id``). Show it either with rich (``LiveProgress``, on a terminal) or as one line
through pytest's terminal reporter every ``every_s`` seconds (``line()`` + ``due()``, for CI logs).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from farm.results.templating import fmt_duration

if TYPE_CHECKING:
    from rich.console import Console, RenderableType


@dataclass
class BoardProgress:
    """One board as the progress view shows it."""

    board: str
    state: str = "idle"  # idle | busy | flashing | quarantined | ...
    test: str | None = None
    done: int = 0
    errors: int = 0


@dataclass
class ProgressTracker:
    """Counts and per-board state of a run with ``total`` tests."""

    total: int
    clock: Callable[[], float] = time.monotonic
    outcomes: Counter[str] = field(default_factory=Counter)
    boards: dict[str, BoardProgress] = field(default_factory=dict)
    started_s: float = field(default=0.0)
    _last_line_s: float = field(default=float("-inf"))

    def __post_init__(self) -> None:
        self.started_s = self.clock()

    @property
    def done(self) -> int:
        return sum(self.outcomes.values())

    def board(self, board_id: str) -> BoardProgress:
        return self.boards.setdefault(board_id, BoardProgress(board_id))

    def test_started(self, test_id: str, board_id: str | None = None) -> None:
        if board_id:
            state = self.board(board_id)
            state.state, state.test = "busy", test_id

    def test_finished(self, test_id: str, outcome: str, board_id: str | None = None) -> None:
        self.outcomes[outcome] += 1
        if board_id:
            state = self.board(board_id)
            state.done += 1
            state.errors += outcome == "error"
            if state.test == test_id:
                state.state, state.test = "idle", None

    def set_board_state(self, board_id: str, state: str, test_id: str | None = None) -> None:
        entry = self.board(board_id)
        entry.state, entry.test = state, test_id

    def eta_s(self) -> float | None:
        """Time left at the throughput so far (parallelism included), None before any result."""
        done, elapsed = self.done, self.clock() - self.started_s
        if done == 0 or elapsed <= 0:
            return None
        return max(0.0, (self.total - done) * elapsed / done)

    def line(self) -> str:
        """``[120/400 30%] 110 passed, 4 failed, 2 error, 4 skipped | 3/4 boards busy | ETA 9 min 20 s``."""
        pct = 100 * self.done // self.total if self.total else 100
        counts = ", ".join(f"{n} {k}" for k, n in sorted(self.outcomes.items()))
        busy = sum(1 for b in self.boards.values() if b.state != "idle")
        eta = self.eta_s()
        parts = [f"[{self.done}/{self.total} {pct}%] {counts or 'starting'}"]
        if self.boards:
            parts.append(f"{busy}/{len(self.boards)} boards busy")
        parts.append(f"ETA {fmt_duration(eta)}" if eta is not None else "ETA ?")
        return " | ".join(parts)

    def due(self, every_s: float = 30.0) -> bool:
        """True at most once every ``every_s`` seconds (for line-by-line CI output)."""
        now = self.clock()
        if now - self._last_line_s < every_s:
            return False
        self._last_line_s = now
        return True

    def renderable(self) -> RenderableType:
        """A rich table: one row per board, the summary line as caption."""
        from rich.table import Table

        table = Table(title="joulefarm", caption=self.line(), expand=False)
        for column in ("board", "state", "test", "done", "errors"):
            table.add_column(column, justify="right" if column in ("done", "errors") else "left")
        styles = {"busy": "green", "flashing": "cyan", "quarantined": "bold red"}
        for b in sorted(self.boards.values(), key=lambda b: b.board):
            table.add_row(b.board, f"[{styles.get(b.state, 'dim')}]{b.state}[/]",
                          (b.test or "").split("::")[-1][:60], str(b.done),
                          f"[red]{b.errors}[/]" if b.errors else "0")  # fmt: skip
        return table


class LiveProgress:
    """A rich Live view of a tracker on a terminal; call ``update()`` after each event."""

    def __init__(self, tracker: ProgressTracker, console: Console | None = None) -> None:
        from rich.console import Console
        from rich.live import Live

        self.tracker = tracker
        self.live = Live(tracker.renderable(), console=console or Console(stderr=True),
                         refresh_per_second=2, transient=True)  # fmt: skip

    def __enter__(self) -> LiveProgress:
        self.live.start()
        return self

    def update(self) -> None:
        self.live.update(self.tracker.renderable())

    def __exit__(self, *exc: object) -> None:
        self.live.stop()
