"""Progress view: counts, per-board state and the time left."""

from __future__ import annotations

import io

from rich.console import Console

from farm.results.progress import LiveProgress, ProgressTracker


def test_eta_follows_throughput_and_boards_show_state() -> None:
    now = [0.0]
    tracker = ProgressTracker(total=10, clock=lambda: now[0])
    assert tracker.eta_s() is None and "ETA ?" in tracker.line()
    tracker.test_started("t.py::a", "l4r5-01")
    tracker.test_started("t.py::b", "h7a3-01")
    now[0] = 20.0
    tracker.test_finished("t.py::a", "passed", "l4r5-01")
    tracker.test_finished("t.py::b", "error", "h7a3-01")
    tracker.set_board_state("h7a3-01", "quarantined")
    assert tracker.eta_s() == 80.0  # 8 left at 2 per 20 s
    line = tracker.line()
    assert line.startswith("[2/10 20%] 1 error, 1 passed") and "1/2 boards busy" in line
    assert "ETA 1 min 20 s" in line
    assert tracker.due(30.0) and not tracker.due(30.0)
    out = io.StringIO()
    console = Console(file=out, width=120, force_terminal=False)
    console.print(tracker.renderable())
    text = out.getvalue()
    assert "quarantined" in text and "l4r5-01" in text and "ETA" in text
    with LiveProgress(tracker, console=console) as live:
        live.update()
