"""Lost-sample evidence from the timestamps of a stream, with no spacing assumed.

The spec's "one F3 timestamp every 1000 samples" comes from notes, not from a reference: ST's
client stores F3 frames without checking their spacing. So the cadence is derived from the
stream itself: the sample count that most periods between consecutive timestamps hold. A
period that holds another count is a *cadence break*, the evidence of lost (or extra) samples;
it is named with its timestamps. A stream whose periods agree on no count has no cadence: then
only the device's own reports (F1 error frames, F5 overcurrent) can void the measurement.

The elapsed milliseconds in the timestamps are a second, weaker witness (1 ms resolution, and
whether they count sample time or send time is unconfirmed): a period whose sample count is far
from its span x rate is reported as a warning, never as a loss.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class StampPeriod:
    """Samples between two consecutive timestamps."""

    start_ms: int
    end_ms: int
    samples: int
    buffer_load_pct: int

    def fits_time(self, rate_hz: float) -> bool:
        """True when the count matches the span x rate within the 1 ms resolution."""
        expected = (self.end_ms - self.start_ms) * rate_hz / 1000.0
        return abs(self.samples - expected) <= rate_hz / 1000.0 + 1


def stream_cadence(periods: Sequence[StampPeriod], rate_hz: float) -> int | None:
    """Samples per timestamp period, derived from the periods; None when they agree on none.

    A strict majority decides; without one (two periods, or a tie) the count whose periods fit
    the timestamps' time span does, if exactly one count does.
    """
    if not periods:
        return None
    counts = Counter(p.samples for p in periods)
    cadence, votes = counts.most_common(1)[0]
    if votes * 2 > len(periods):
        return cadence
    fitting = {p.samples for p in periods if p.fits_time(rate_hz)}
    return fitting.pop() if len(fitting) == 1 else None


def cadence_breaks(
    periods: Sequence[StampPeriod], rate_hz: float, *, ends_on_stamp: bool
) -> tuple[int | None, list[str]]:
    """The stream's cadence and one sentence per period that breaks it.

    Args:
        periods: The complete periods, in stream order.
        rate_hz: The sample rate (for the time-span tie-break).
        ends_on_stamp: No sample followed the last timestamp: that stamp may close the
            acquisition (a partial period), so a short last period is not evidence.
    """
    cadence = stream_cadence(periods, rate_hz)
    if cadence is None:
        return None, []
    breaks = []
    for index, period in enumerate(periods):
        if period.samples == cadence:
            continue
        if ends_on_stamp and index == len(periods) - 1 and period.samples < cadence:
            continue
        diff = cadence - period.samples
        what = f"{diff} samples lost" if diff > 0 else f"{-diff} samples too many"
        breaks.append(
            f"{what}: {period.samples} samples between the timestamps {period.start_ms} ms and "
            f"{period.end_ms} ms (buffer load {period.buffer_load_pct}%) where the stream's "
            f"other periods hold {cadence} (cadence break)"
        )
    return cadence, breaks


def time_span_warnings(periods: Sequence[StampPeriod], rate_hz: float) -> list[str]:
    """Periods whose count does not fit their timestamps' time span (a warning only)."""
    return [
        f"{p.samples} samples between the timestamps {p.start_ms} ms and {p.end_ms} ms, "
        f"{(p.end_ms - p.start_ms) * rate_hz / 1000.0:.0f} expected at {rate_hz:g} Hz"
        for p in periods
        if not p.fits_time(rate_hz)
    ]
