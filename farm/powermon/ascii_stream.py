"""Parser of the ``ascii_dec`` acquisition stream: one sample or metadata line at a time."""

from __future__ import annotations

import re

import numpy as np

from farm.powermon.numbers import parse_ascii_sample
from farm.powermon.stream_items import (
    DeviceErrorMark,
    EventMark,
    Mark,
    ParsedChunk,
    TimestampMark,
    classify_text,
)
from farm.powermon.text_lines import LineSplitter, strip_prompts

_TIMESTAMP = re.compile(
    r"^TimeStamp:\s*[<>]?\s*(\d+)\s*s\s*(\d+)\s*ms\s*,\s*buff\s*(\d+)\s*%", re.I
)
_EVENT = re.compile(r"^event\s+(\d+)\s*(\w*)", re.I)


def parse_metadata(line: str) -> Mark:
    """Classify a metadata line (one that starts with a letter)."""
    match = _TIMESTAMP.match(line)
    if match:
        elapsed_ms = int(match.group(1)) * 1000 + int(match.group(2))
        return TimestampMark(elapsed_ms=elapsed_ms, buffer_load_pct=int(match.group(3)))
    match = _EVENT.match(line)
    if match:
        return EventMark(number=int(match.group(1)), edge=match.group(2).lower())
    return classify_text(line)


class AsciiStreamParser:
    """Incremental parser: feed raw bytes, get the samples and marks they complete."""

    def __init__(self) -> None:
        self._lines = LineSplitter()

    def feed(self, data: bytes) -> ParsedChunk:
        """Parse every complete line in ``data`` plus what was pending."""
        self._lines.feed(data)
        values: list[float] = []
        marks: list[tuple[int, Mark]] = []
        while (raw := self._lines.next_line()) is not None:
            line = strip_prompts(raw)
            if not line:
                continue
            if line[0].isdigit():
                try:
                    values.append(parse_ascii_sample(line))
                except ValueError:
                    marks.append((len(values), DeviceErrorMark(f"unparsable sample line '{line}'")))
                continue
            marks.append((len(values), parse_metadata(line)))
        return ParsedChunk(samples=np.asarray(values, dtype=np.float64), marks=marks)
