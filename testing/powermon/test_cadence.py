"""Lost-sample evidence is derived from the stream's own timestamp cadence (pure functions)."""

from __future__ import annotations

from farm.powermon.cadence import StampPeriod, cadence_breaks, time_span_warnings


def _periods(counts: list[int], every_ms: int = 5) -> list[StampPeriod]:
    return [StampPeriod(i * every_ms, (i + 1) * every_ms, n, 0) for i, n in enumerate(counts)]


def test_cadence_is_derived_not_assumed() -> None:
    cadence, breaks = cadence_breaks(_periods([500] * 6), 100000, ends_on_stamp=False)
    assert (cadence, breaks) == (500, [])


def test_a_break_is_named_with_its_timestamps() -> None:
    cadence, breaks = cadence_breaks(_periods([500, 500, 470, 500]), 100000, ends_on_stamp=False)
    assert cadence == 500
    assert breaks == [
        "30 samples lost: 470 samples between the timestamps 10 ms and 15 ms (buffer load 0%) "
        "where the stream's other periods hold 500 (cadence break)"
    ]


def test_two_periods_tie_broken_by_time() -> None:
    periods = [StampPeriod(0, 1000, 963, 0), StampPeriod(1000, 2000, 1000, 0)]
    cadence, breaks = cadence_breaks(periods, 1000, ends_on_stamp=False)
    assert cadence == 1000 and breaks[0].startswith("37 samples lost")
    # At 100 kHz the 1 ms resolution cannot tell 963 from 1000: no evidence, no claim.
    fast = [StampPeriod(0, 10, 963, 0), StampPeriod(10, 20, 1000, 0)]
    assert cadence_breaks(fast, 100000, ends_on_stamp=False) == (None, [])


def test_no_cadence_no_evidence() -> None:
    """Periods that agree on no count (stamps at send time, say) prove nothing."""
    periods = [StampPeriod(0, 10, 900, 0), StampPeriod(10, 21, 1100, 0)]
    assert cadence_breaks(periods, 100000, ends_on_stamp=False) == (None, [])


def test_trailing_stamp_closing_a_partial_period_is_not_a_loss() -> None:
    counts = [1000, 1000, 1000, 420]
    assert cadence_breaks(_periods(counts, 10), 100000, ends_on_stamp=True)[1] == []
    assert len(cadence_breaks(_periods(counts, 10), 100000, ends_on_stamp=False)[1]) == 1


def test_time_span_mismatch_is_only_a_warning() -> None:
    periods = [StampPeriod(0, 10, 1000, 0), StampPeriod(10, 40, 1000, 0)]
    assert cadence_breaks(periods, 100000, ends_on_stamp=False) == (1000, [])
    assert time_span_warnings(periods, 100000) == [
        "1000 samples between the timestamps 10 ms and 40 ms, 3000 expected at 100000 Hz"
    ]
