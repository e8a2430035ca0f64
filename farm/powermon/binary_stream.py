"""Parser of the ``bin_hexa`` acquisition stream, vectorized per read.

Frames are located without scanning for ``FF FF`` (an F3 payload can contain it): a frame can
only start at an item boundary with the byte 0xF0 followed by a known type, and item
boundaries shift parity after the odd-length F3 and F9 frames. The loop below runs once per
frame (one per 1000 samples); the samples between frames are decoded in one numpy gather.
After the end frame F4 the device switches to text (summary, acks, completion).
"""

from __future__ import annotations

import numpy as np

from farm.powermon.ascii_stream import AsciiStreamParser
from farm.powermon.binary_codec import FRAME_START, SAMPLE_LUT, TEXT_FRAME_END, TEXT_FRAMES
from farm.powermon.stream_items import (
    DeviceErrorMark,
    EndMark,
    FrameMark,
    Mark,
    ParsedChunk,
    TextMark,
    TimestampMark,
)

_EMPTY = np.zeros(0, dtype=np.float64)


class BinaryStreamParser:
    """Incremental parser: feed raw bytes, get the decoded samples and positioned marks."""

    def __init__(self, frame_lengths: dict[int, int]) -> None:
        self._lengths = frame_lengths
        self._pending = b""
        self._text: AsciiStreamParser | None = None

    def feed(self, data: bytes) -> ParsedChunk:
        """Parse ``data`` after what was pending; keeps incomplete items and frames."""
        if self._text is not None:
            return self._text.feed(data)
        buf = self._pending + bytes(data)
        arr = np.frombuffer(buf, dtype=np.uint8)
        starts = self._frame_candidates(arr)
        by_parity = (starts[starts % 2 == 0], starts[starts % 2 == 1])
        segments: list[tuple[int, int]] = []
        marks: list[tuple[int, Mark]] = []
        count = pos = 0
        while True:
            candidates = by_parity[pos % 2]
            j = int(np.searchsorted(candidates, pos))
            if j == len(candidates):
                end = pos + (len(buf) - pos) // 2 * 2
                segments.append((pos, end))
                count += (end - pos) // 2
                pos = end
                break
            frame_at = int(candidates[j])
            segments.append((pos, frame_at))
            count += (frame_at - pos) // 2
            frame_end, mark = self._parse_frame(buf, frame_at)
            if frame_end < 0:  # incomplete: wait for more bytes
                pos = frame_at
                break
            marks.append((count, mark))
            pos = frame_end
            if isinstance(mark, EndMark):
                self._text = AsciiStreamParser()
                tail = self._text.feed(buf[pos:])
                marks.extend((count + offset, m) for offset, m in tail.marks)
                pos = len(buf)
                break
        self._pending = buf[pos:]
        return ParsedChunk(samples=self._decode(arr, segments, count, marks), marks=marks)

    @staticmethod
    def _frame_candidates(arr: np.ndarray) -> np.ndarray:
        f0 = np.flatnonzero(arr[:-1] == FRAME_START)
        following = arr[f0 + 1]
        return f0[(following >= 0xF1) & (following <= 0xFB)]

    def _parse_frame(self, buf: bytes, at: int) -> tuple[int, Mark]:
        frame_type = buf[at + 1]
        if frame_type in TEXT_FRAMES:
            stop = buf.find(TEXT_FRAME_END, at + 2)
            if stop < 0:
                return -1, EndMark()
            text = buf[at + 2 : stop].decode("ascii", errors="replace").strip()
            mark: Mark = DeviceErrorMark(text) if frame_type == 0xF1 else TextMark(text)
            return stop + len(TEXT_FRAME_END), mark
        length = self._lengths.get(frame_type)
        if length is None:
            return at + 2, DeviceErrorMark(f"unknown binary frame type 0x{frame_type:02X}")
        if at + length > len(buf):
            return -1, EndMark()
        if buf[at + length - 2 : at + length] != b"\xff\xff":
            return at + length, DeviceErrorMark(f"frame 0x{frame_type:02X} not ended by FF FF")
        payload = buf[at + 2 : at + length - 2]
        if frame_type == 0xF3:
            elapsed = int.from_bytes(payload[:4], "big") & 0x7FFFFFFF
            return at + length, TimestampMark(elapsed_ms=elapsed, buffer_load_pct=payload[4])
        if frame_type == 0xF4:
            return at + length, EndMark()
        return at + length, FrameMark(frame_type=frame_type, payload=payload)

    @staticmethod
    def _decode(
        arr: np.ndarray, segments: list[tuple[int, int]], count: int, marks: list[tuple[int, Mark]]
    ) -> np.ndarray:
        if count == 0:
            return _EMPTY
        if len(segments) == 1:
            start, end = segments[0]
            raw = arr[start:end]
        else:
            raw = np.concatenate([arr[s:e] for s, e in segments if e > s])
        values = SAMPLE_LUT[raw.view(">u2")]
        if np.isnan(values).any():  # an aligned item with first nibble F that is no frame
            bad = int(np.flatnonzero(np.isnan(values))[0])
            marks.append((bad, DeviceErrorMark(f"corrupt binary item at sample {bad}")))
            marks.sort(key=lambda item: item[0])
            values = np.nan_to_num(values)
        return values
