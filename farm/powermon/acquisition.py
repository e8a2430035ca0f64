"""Reading one acquisition in a thread, strict about lost samples, overruns and errors."""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
import serial

from farm.errors import PowerMonitorError
from farm.powermon.ascii_stream import AsciiStreamParser
from farm.powermon.binary_stream import BinaryStreamParser
from farm.powermon.protocols import SampleMark
from farm.powermon.stream_items import (
    CompletedMark,
    DeviceErrorMark,
    EndMark,
    EventMark,
    FrameMark,
    Mark,
    TextMark,
    TimestampMark,
)

log = logging.getLogger(__name__)

SAMPLES_PER_TIMESTAMP = 1000
DRAIN_AFTER_ERROR_S = 1.0
_OVERCURRENT = 0xF5


class AcquisitionReader(threading.Thread):
    """Owns the port while an acquisition runs; collects samples and positioned marks."""

    def __init__(
        self,
        port: serial.SerialBase,
        parser: AsciiStreamParser | BinaryStreamParser,
        first_bytes: bytes,
        *,
        name: str,
        board: str | None,
    ) -> None:
        super().__init__(name=f"powermon-reader-{name}", daemon=True)
        self.port = port
        self.parser = parser
        self.monitor_name = name
        self.board = board
        self.blocks: list[np.ndarray] = []
        self.count = 0
        self.marks: list[SampleMark] = []
        self.error: PowerMonitorError | None = None
        self.ended = False
        self.completed = threading.Event()
        self.stop_acked = False
        self._halt = threading.Event()
        self._since_stamp: int | None = None
        self._last_stamp_ms = 0
        self._first = first_bytes

    def halt(self) -> None:
        """Make the thread return at its next read."""
        self._halt.set()

    def run(self) -> None:
        self._consume(self._first)
        give_up_at = None
        while not self._halt.is_set() and not self.completed.is_set():
            if self.error is not None:
                give_up_at = give_up_at or time.monotonic() + DRAIN_AFTER_ERROR_S
                if time.monotonic() > give_up_at:
                    break
            try:
                data = self.port.read(max(1, self.port.in_waiting))
            except (serial.SerialException, OSError, TypeError) as exc:
                # TypeError: pyserial's read on a port closed under it by another thread.
                self._fail(f"port closed mid-stream ({exc})")
                break
            if data:
                self._consume(data)

    def samples(self) -> np.ndarray:
        """All samples so far as one float64 array."""
        if not self.blocks:
            return np.zeros(0, dtype=np.float64)
        return np.concatenate(self.blocks)

    def _fail(self, words: str) -> None:
        if self.error is None:
            self.error = PowerMonitorError(
                f"power monitor '{self.monitor_name}': acquisition failed: {words}; "
                "the measurement is void, retry after a board reset",
                board=self.board,
            )
            log.warning("%s", self.error)

    def _consume(self, data: bytes) -> None:
        chunk = self.parser.feed(data)
        done = 0
        for offset, mark in chunk.marks:
            self._add(chunk.samples[done:offset])
            done = offset
            self._on_mark(mark)
        self._add(chunk.samples[done:])

    def _add(self, block: np.ndarray) -> None:
        if len(block):
            self.blocks.append(block)
            self.count += len(block)
            if self._since_stamp is not None:
                self._since_stamp += len(block)

    def _on_mark(self, mark: Mark) -> None:
        if isinstance(mark, TimestampMark):
            self._on_timestamp(mark)
        elif isinstance(mark, EventMark):
            self.marks.append(SampleMark(self.count, "event", mark.number, mark.edge))
        elif isinstance(mark, DeviceErrorMark):
            self._fail(f"device reported '{mark.text}'")
        elif isinstance(mark, FrameMark) and mark.frame_type == _OVERCURRENT:
            self._fail(f"device reported overcurrent (frame F5 {mark.payload.hex(' ')})")
        elif isinstance(mark, EndMark):
            self.ended = True
        elif isinstance(mark, CompletedMark):
            self.completed.set()
        elif isinstance(mark, TextMark) and mark.text.split()[:2] == ["ack", "stop"]:
            self.stop_acked = True

    def _on_timestamp(self, mark: TimestampMark) -> None:
        seen = self._since_stamp
        if seen is not None and seen != SAMPLES_PER_TIMESTAMP:
            self._fail(
                f"{SAMPLES_PER_TIMESTAMP - seen} samples lost: {seen} samples between the "
                f"timestamps {self._last_stamp_ms} ms and {mark.elapsed_ms} ms "
                f"(buffer load {mark.buffer_load_pct}%)"
            )
        self._since_stamp = 0
        self._last_stamp_ms = mark.elapsed_ms
        self.marks.append(
            SampleMark(self.count, "timestamp", mark.elapsed_ms, f"{mark.buffer_load_pct}%")
        )
