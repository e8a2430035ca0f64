"""Lease spans of a run: busy fraction per board, on the run page."""

from __future__ import annotations

import re
from pathlib import Path

from farm.results.finish import finish_run
from farm.results.leaselog import LeaseSpan, append_span, board_busy, read_spans, write_boards

RUN = "20261122T010000Z-bbbbbb"


def test_busy_fraction_per_board_is_leased_time_over_the_test_phase(tmp_path: Path) -> None:
    spans = [
        LeaseSpan("a", "t1", 100.0, 104.0),
        LeaseSpan("a", "t2", 104.0, 110.0),
        LeaseSpan("b", "t3", 102.0, 105.0),
    ]
    for span in spans:
        append_span(tmp_path, span)
    # a torn line from a killed writer is skipped, not fatal
    with next((tmp_path / "leases").glob("*.jsonl")).open("a") as fh:
        fh.write('{"board_id": "a", "test_')
    assert read_spans(tmp_path) == spans
    wall_s, busy = board_busy(read_spans(tmp_path))
    assert wall_s == 10.0
    assert [(b.board_id, b.tests, b.busy_s, b.fraction) for b in busy] == [
        ("a", 2, 10.0, 1.0),
        ("b", 1, 3.0, 0.3),
    ]
    assert board_busy([]) == (0.0, [])
    _, with_idle = board_busy(spans, ["a", "b", "never"])
    assert [(b.board_id, b.tests, b.fraction) for b in with_idle][-1] == ("never", 0, 0.0)


def test_run_page_shows_the_busy_fraction(make_run, tmp_path: Path) -> None:
    run_dir = make_run(RUN)
    append_span(run_dir, LeaseSpan("l4r5-twin-1", "t1", 0.0, 30.0))
    append_span(run_dir, LeaseSpan("g431-twin", "t2", 10.0, 40.0))
    write_boards(run_dir, ["l4r5-twin-1", "l4r5-twin-2", "g431-twin"])
    page = finish_run(run_dir).index_html.read_text()
    assert "Boards" in page and "busy fraction" in page
    assert re.search(r"l4r5-twin-1</td><td class=\"num\">1</td>.*?>0\.75</td>", page, re.S)
    assert re.search(r"l4r5-twin-2</td><td class=\"num\">0</td>.*?>0\.00</td>", page, re.S)
    assert "0.50 on average" in page  # (0.75 + 0.75 + 0) / 3
