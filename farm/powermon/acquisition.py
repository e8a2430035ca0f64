"""Reading one acquisition in a thread: samples, marks, the end, and lost-sample evidence.

The end of an acquisition is whichever comes first of:

* the end frame (binary F4, ASCII ``end``), then the text tail up to the completion line or a
  short silence (the completion text, ``Acquisition completed``, is not required: no reference
  confirms what a V3PWR sends after F4, and ST's own client reads nothing after ``stop``);
* the acquisition time's worth of samples, then a silence of :data:`QUIET_S`;
* ``stop`` sent, then a silence of :data:`QUIET_S`.

Lost samples void the measurement only on evidence, named in the error: an F1 error frame (or
ASCII ``error`` line), an F5 overcurrent frame, or a break of the timestamp cadence the stream
itself shows (:mod:`farm.powermon.cadence`).
"""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
import serial

from farm.errors import PowerMonitorError
from farm.powermon.ascii_stream import AsciiStreamParser
from farm.powermon.binary_stream import BinaryStreamParser
from farm.powermon.cadence import StampPeriod, cadence_breaks, time_span_warnings
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
from farm.powermon.wire_log import STREAM_HEAD_BYTES, wire_log

log = logging.getLogger(__name__)

DRAIN_AFTER_ERROR_S = 1.0
QUIET_AFTER_END_S = 0.2
"""Silence that ends the text tail after an end frame (when no completion line comes)."""
QUIET_S = 0.5
"""Silence that ends an acquisition without an end frame after its acquisition time."""
QUIET_AFTER_STOP_S = 2.0
"""Silence after ``stop`` that ends an acquisition without an end frame. Longer than
:data:`QUIET_S`: a device still sends what it buffered after ``stop``, and a monitor served
from the same host (the virtual lab) may pause for over a second on a loaded machine; a device
that sends its end frame ends the acquisition at once."""
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
        rate_hz: float,
        expected_samples: int | None,
    ) -> None:
        super().__init__(name=f"powermon-reader-{name}", daemon=True)
        self.port = port
        self.parser = parser
        self.monitor_name = name
        self.board = board
        self.rate_hz = rate_hz
        self.expected_samples = expected_samples
        self.blocks: list[np.ndarray] = []
        self.count = 0
        self.marks: list[SampleMark] = []
        self.error: PowerMonitorError | None = None
        self.ended = False
        self.end_reason = ""
        self.completed = threading.Event()
        self.stop_acked = False
        self.cadence: int | None = None
        self._halt = threading.Event()
        self._stop_sent_at: float | None = None
        self._since_stamp: int | None = None
        self._last_stamp_ms = 0
        self._periods: list[StampPeriod] = []
        self._first = first_bytes
        self._bytes_seen = 0

    def halt(self) -> None:
        """Make the thread return at its next read."""
        self._halt.set()

    def stop_sent(self) -> None:
        """The driver wrote ``stop``: silence from now on ends the acquisition."""
        self._stop_sent_at = time.monotonic()

    def run(self) -> None:
        last_data_at = time.monotonic()
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
            now = time.monotonic()
            if data:
                self._consume(data)
                last_data_at = now
            elif (reason := self._quiet_end(now, now - last_data_at)) is not None:
                self._complete(reason)

    def _quiet_end(self, now: float, idle_s: float) -> str | None:
        if self.ended and idle_s >= QUIET_AFTER_END_S:
            return "end frame"
        if idle_s < QUIET_S:
            return None
        if self.expected_samples is not None and self.count >= self.expected_samples:
            return f"acquisition time reached, then {QUIET_S:g} s of silence"
        if (
            self._stop_sent_at is not None
            and idle_s >= QUIET_AFTER_STOP_S
            and now - self._stop_sent_at >= QUIET_AFTER_STOP_S
        ):
            return f"'stop' sent, then {QUIET_AFTER_STOP_S:g} s of silence"
        return None

    def _complete(self, reason: str) -> None:
        self.end_reason = reason
        self.cadence, breaks = cadence_breaks(
            self._periods, self.rate_hz, ends_on_stamp=self._since_stamp == 0
        )
        if breaks:
            self._fail("; ".join(breaks))
        for warning in time_span_warnings(self._periods, self.rate_hz):
            log.warning("%s: timestamps and sample count disagree: %s", self.monitor_name, warning)
        wire_log.debug(
            "%s stream: %d samples, %d timestamps, cadence %s, %d bytes; end: %s",
            self.monitor_name,
            self.count,
            len(self._periods) + (self._since_stamp is not None),
            self.cadence,
            self._bytes_seen,
            reason,
        )
        self.completed.set()

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

    def _log_raw(self, data: bytes) -> None:
        if self.ended:  # the text tail after the end frame: small, logged whole
            wire_log.debug("%s rx tail %r", self.monitor_name, data[-4096:])
        elif self._bytes_seen < STREAM_HEAD_BYTES:
            head = data[: STREAM_HEAD_BYTES - self._bytes_seen]
            wire_log.debug("%s rx stream head %r", self.monitor_name, head)
        self._bytes_seen += len(data)

    def _consume(self, data: bytes) -> None:
        if not data:
            return
        self._log_raw(data)
        was_ended = self.ended
        chunk = self.parser.feed(data)
        done = 0
        for offset, mark in chunk.marks:
            self._add(chunk.samples[done:offset])
            done = offset
            self._on_mark(mark)
        self._add(chunk.samples[done:])
        if self.ended and not was_ended:
            wire_log.debug("%s rx end %r", self.monitor_name, data[-512:])

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
            self._complete("end frame and completion text" if self.ended else "completion text")
        elif isinstance(mark, TextMark) and mark.text.split()[:2] == ["ack", "stop"]:
            self.stop_acked = True

    def _on_timestamp(self, mark: TimestampMark) -> None:
        if self._since_stamp is not None:
            period = StampPeriod(
                self._last_stamp_ms, mark.elapsed_ms, self._since_stamp, mark.buffer_load_pct
            )
            self._periods.append(period)
        self._since_stamp = 0
        self._last_stamp_ms = mark.elapsed_ms
        self.marks.append(
            SampleMark(self.count, "timestamp", mark.elapsed_ms, f"{mark.buffer_load_pct}%")
        )
