"""Byte stream of one emulated acquisition, shared by both emulators.

Device time: sample k covers (k/f, (k+1)/f] after the start (or trigger). A timestamp comes
before sample 0 and before every 1000th sample; ``eventsrc`` edges at time t come after
floor(t*f) samples. Faults (dropped samples, overrun, closing) happen at fixed sample indices.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

from farm.powermon.activity import CurrentSource, sample_means
from farm.powermon.binary_codec import encode_samples, text_frame, timestamp_frame
from farm.powermon.emulator_faults import FaultInjection
from farm.powermon.numbers import format_ascii_samples

TIMESTAMP_EVERY = 1000
OVERRUN_STEP_PCT = 20
OVERRUN_TEXT = "error overrun: acquisition buffer full, samples lost"


@dataclass
class StreamSettings:
    """What the emulated device was configured with when ``start`` was accepted."""

    rate_hz: int
    binary: bool
    energy_output: bool
    voltage_mv: float
    total_samples: int | None  # None: until stop
    event_lines: bool


@dataclass
class AcquisitionStream:
    """Generates the stream in pieces; the caller paces it (wall time or as fast as read)."""

    settings: StreamSettings
    source: CurrentSource
    fault: FaultInjection
    next_sample: int = 0
    emitted_samples: int = 0
    events: list[float] = field(default_factory=list)  # pending event times, device seconds
    event_count: int = 0
    overrun_load: int = 0
    finished: bool = False
    close_port: bool = False
    error_text: str | None = None
    stamped_at: int = -1
    origin_s: float = 0.0  # source time of the acquisition start (sample 0 begins there)

    def add_event(self, at_s: float | None) -> None:
        """Queue a D7 edge at device time ``at_s`` (None: before the next sample)."""
        if at_s is None:
            at_s = self.next_sample / self.settings.rate_hz
        bisect.insort(self.events, at_s)

    def _next_boundary(self, limit: int) -> int:
        k = self.next_sample
        bounds = [limit, (k // TIMESTAMP_EVERY + 1) * TIMESTAMP_EVERY]
        if self.settings.total_samples is not None:
            bounds.append(self.settings.total_samples)
        if self.events and self.settings.event_lines:
            bounds.append(max(k, math.floor(self.events[0] * self.settings.rate_hz + 1e-9)))
        for at in (self.fault.drop_samples_at, self.fault.close_at):
            if at is not None and at > k:
                bounds.append(at)
        return max(min(bounds), k)

    def generate(self, max_samples: int) -> bytes:
        """Up to ``max_samples`` more samples with their marks; sets ``finished``/``close_port``."""
        out = bytearray()
        limit = self.next_sample + max_samples
        while not self.finished and not self.close_port and self.next_sample < limit:
            before = self.next_sample
            out += self._marks_before_next()
            if self.finished or self.close_port:
                break
            if self.next_sample != before:
                continue  # samples were lost: the marks of the new position come first
            stop = self._next_boundary(limit)
            if stop == self.next_sample:
                continue  # a mark at this position was just written; go on
            out += self._samples(self.next_sample, stop - self.next_sample)
            self.next_sample = stop
        if not self.finished and self.settings.total_samples is not None:
            if self.next_sample >= self.settings.total_samples:
                self.finished = True
        return bytes(out)

    def _marks_before_next(self) -> bytes:
        k, s = self.next_sample, self.settings
        out = bytearray()
        if self.fault.close_at is not None and k >= self.fault.close_at:
            self.close_port = True
            return bytes(out)
        if s.total_samples is not None and k >= s.total_samples:
            self.finished = True
            return bytes(out)
        while s.event_lines and self.events and math.floor(self.events[0] * s.rate_hz + 1e-9) <= k:
            self.events.pop(0)
            self.event_count += 1
            if not s.binary:  # event lines exist only in the ASCII stream
                out += f"event {self.event_count:02d} ris\r\n".encode()
        if k % TIMESTAMP_EVERY == 0 and self.stamped_at != k:
            self.stamped_at = k
            out += self._timestamp(k)
            if self.error_text is not None:
                self.finished = True
        if self.fault.drop_samples_at is not None and k == self.fault.drop_samples_at:
            # Lost samples are never written; the loss stays inside one timestamp period.
            next_stamp = (k // TIMESTAMP_EVERY + 1) * TIMESTAMP_EVERY
            self.next_sample = min(k + self.fault.drop_count, next_stamp - 1)
        return bytes(out)

    def _timestamp(self, k: int) -> bytes:
        elapsed_ms = k * 1000 // self.settings.rate_hz
        at = self.fault.overrun_at
        if at is not None and k >= at:
            self.overrun_load = min(100, self.overrun_load + OVERRUN_STEP_PCT)
        load = self.overrun_load
        if self.settings.binary:
            out = timestamp_frame(elapsed_ms, load)
        else:
            seconds, millis = divmod(elapsed_ms, 1000)
            out = f"TimeStamp: {seconds:03d}s {millis:03d}ms, buff {load:02d}%\r\n".encode()
            if self.fault.nul_bytes:
                out += b"\x00\x00"
        if load >= 100:
            self.error_text = OVERRUN_TEXT
            out += (
                text_frame(0xF1, OVERRUN_TEXT)
                if self.settings.binary
                else b"%s\r\n" % (OVERRUN_TEXT.encode())
            )
        return out

    def _samples(self, first: int, count: int) -> bytes:
        s = self.settings
        values = sample_means(self.source, first, count, s.rate_hz, self.origin_s)
        if s.energy_output:
            values = values * (s.voltage_mv / 1000.0) / s.rate_hz
        self.emitted_samples += count
        if s.binary:
            return encode_samples(values)
        return ("\r\n".join(format_ascii_samples(values)) + "\r\n").encode()

    def charge_summary(self) -> list[str]:
        """Summary lines the device prints after the end of an acquisition."""
        duration_ms = self.next_sample * 1000 // self.settings.rate_hz
        return [
            "summary",
            f"acquisition time: {duration_ms} ms",
            f"samples: {self.emitted_samples}",
        ]
