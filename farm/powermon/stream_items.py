"""What the acquisition stream parsers hand to the driver: samples plus positioned marks."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class TimestampMark:
    """A timestamp (binary F3 or ASCII ``TimeStamp:`` line) sent every 1000 samples."""

    elapsed_ms: int
    buffer_load_pct: int


@dataclass(frozen=True)
class EventMark:
    """An LPM01A ``event NN ris`` line (a D7 edge seen with ``eventsrc d7``)."""

    number: int
    edge: str


@dataclass(frozen=True)
class DeviceErrorMark:
    """An error reported by the device (binary F1 frame or an ASCII ``error`` line)."""

    text: str


@dataclass(frozen=True)
class TextMark:
    """Any other text: acks, information frames (F2), summary lines, ``pwr on``."""

    text: str


@dataclass(frozen=True)
class FrameMark:
    """A metadata frame without text: overcurrent (F5), target power down (F6), F7..FB."""

    frame_type: int
    payload: bytes


@dataclass(frozen=True)
class EndMark:
    """End of acquisition (binary F4 or the ASCII ``end`` line)."""


@dataclass(frozen=True)
class CompletedMark:
    """The final ``Acquisition completed`` line."""


Mark = TimestampMark | EventMark | DeviceErrorMark | TextMark | FrameMark | EndMark | CompletedMark


@dataclass
class ParsedChunk:
    """Samples decoded from one read, and marks placed by sample offset within ``samples``.

    A mark at offset ``i`` came after ``i`` samples of this chunk and before sample ``i``.
    """

    samples: np.ndarray
    marks: list[tuple[int, Mark]] = field(default_factory=list)


def classify_text(line: str) -> Mark:
    """Turn one metadata text line into a mark (the caller has stripped prompts and NULs)."""
    lowered = line.lower()
    if lowered.startswith(("error", "err ")):
        return DeviceErrorMark(line)
    if "acquisition completed" in lowered:
        return CompletedMark()
    if lowered == "end":
        return EndMark()
    return TextMark(line)
