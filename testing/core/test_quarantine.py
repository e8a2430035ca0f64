"""Consecutive infra errors per board, shared through the run directory."""

from __future__ import annotations

from pathlib import Path

from farm.quarantine import QuarantineBook


def test_streak_quarantines_and_success_resets(tmp_path: Path) -> None:
    book = QuarantineBook(tmp_path, threshold=3)
    book.record_error("b1", "probe: no ack")
    book.record_success("b1")
    assert book.health("b1").consecutive_errors == 0
    for n in range(3):
        health = book.record_error("b1", f"serial: lost {n}")
    assert health.quarantined
    # a second process (another worker) sees the same state
    other = QuarantineBook(tmp_path, threshold=3)
    assert other.health("b1").skip_reason() == (
        "board 'b1' quarantined after 3 infra errors: serial: lost 0"
    )
    other.record_success("b1")
    assert other.health("b1").quarantined
    assert [h.board_id for h in other.quarantined()] == ["b1"]
    assert not other.health("b2").quarantined
