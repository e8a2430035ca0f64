"""Port, command link and acquisition reader shared by both drivers (composition, no base class)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import serial

from farm.errors import PowerMonitorError
from farm.powermon.acquisition import AcquisitionReader
from farm.powermon.ascii_stream import AsciiStreamParser
from farm.powermon.binary_stream import BinaryStreamParser
from farm.powermon.command_link import CommandLink
from farm.powermon.protocols import (
    AcquisitionSettings,
    CaptureHandle,
    CurrentTrace,
    SampleFormat,
)

log = logging.getLogger(__name__)


class PowerShieldSession:
    """One open link to a PowerShield-family monitor and its current acquisition."""

    def __init__(self, name: str, board: str | None, frame_lengths: dict[int, int]) -> None:
        self.name = name
        self.board = board
        self.frame_lengths = frame_lengths
        self._link: CommandLink | None = None
        self._reader: AcquisitionReader | None = None
        self.settings: AcquisitionSettings | None = None
        self.method: dict[str, Any] = {}

    @property
    def link(self) -> CommandLink:
        """The command link; raises if the monitor is not open."""
        if self._link is None:
            raise PowerMonitorError(
                f"power monitor '{self.name}' is not open; call open() or use it in a 'with' block",
                board=self.board,
            )
        return self._link

    def open_port(self, url: str, baudrate: int, transport: serial.SerialBase | None) -> None:
        """Open ``url`` with pyserial (or adopt an injected, already open transport)."""
        try:
            # A command line is a few bytes: a write blocks only while the device does not
            # read (a stalled USB endpoint, an emulator thread starved on a loaded host).
            # 10 s tells a dead device from a slow one without failing the slow one.
            port = transport or serial.serial_for_url(
                url, baudrate=baudrate, timeout=0.05, write_timeout=10.0
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise PowerMonitorError(
                f"power monitor '{self.name}': cannot open port '{url}' ({exc}); "
                "check the cable and that no other program holds the port",
                board=self.board,
            ) from exc
        self._link = CommandLink(port, self.name, self.board)
        self._link.drain()

    def close_port(self) -> None:
        """Stop a running acquisition (quietly) and close the port."""
        if self._link is None:
            return
        if self._reader is not None:
            try:
                self.stop(timeout_s=2.0)
            except PowerMonitorError as exc:
                log.warning("closing %s with a failed acquisition: %s", self.name, exc)
        try:
            self._link.port.close()
        finally:
            self._link = None

    @property
    def running(self) -> bool:
        """True between start() and stop()/wait()."""
        return self._reader is not None

    def start(self, settings: AcquisitionSettings) -> None:
        """Send ``start`` and hand the port to a reader thread (with a hw trigger: arms)."""
        if self._reader is not None:
            raise PowerMonitorError(
                f"power monitor '{self.name}': an acquisition is already running; call stop()",
                board=self.board,
            )
        link = self.link
        link.command("start")
        parser: AsciiStreamParser | BinaryStreamParser
        if settings.sample_format is SampleFormat.BINARY:
            parser = BinaryStreamParser(self.frame_lengths)
        else:
            parser = AsciiStreamParser()
        first = link.lines.take_remainder()
        expected = None
        if settings.acquisition_time_s is not None:
            expected = round(settings.acquisition_time_s * settings.sample_rate_hz)
        self._reader = AcquisitionReader(
            link.port,
            parser,
            first,
            name=self.name,
            board=self.board,
            rate_hz=float(settings.sample_rate_hz),
            expected_samples=expected,
        )
        self.settings = settings
        self._reader.start()

    def _require_reader(self) -> AcquisitionReader:
        if self._reader is None:
            raise PowerMonitorError(
                f"power monitor '{self.name}': no acquisition running; call start() first",
                board=self.board,
            )
        return self._reader

    def stop(self, timeout_s: float = 5.0) -> CurrentTrace:
        """Send ``stop`` unless the acquisition ended, wait for completion, return the trace."""
        reader = self._require_reader()
        if not reader.completed.is_set() and reader.is_alive():
            self.link.write("stop")
            reader.stop_sent()
        return self._finish(reader, timeout_s, "after 'stop'")

    def wait(self, timeout_s: float) -> CurrentTrace:
        """Wait for a finite acquisition (acqtime) to complete by itself."""
        return self._finish(self._require_reader(), timeout_s, "within the acquisition time")

    def _finish(self, reader: AcquisitionReader, timeout_s: float, when: str) -> CurrentTrace:
        reader.join(timeout_s)
        self._reader = None
        if reader.is_alive():
            reader.halt()
            reader.join(1.0)
            self._reset_device()
            raise PowerMonitorError(
                f"power monitor '{self.name}': acquisition did not complete {when} "
                f"({timeout_s:g} s, {reader.count} samples read); check the trigger wiring",
                board=self.board,
            ) from reader.error
        if reader.error is not None:
            raise reader.error
        assert self.settings is not None
        return CurrentTrace(
            samples=reader.samples(),
            sample_rate_hz=float(self.settings.sample_rate_hz),
            voltage_mv=float(self.settings.voltage_mv),
            output=self.settings.output,
            marks=tuple(reader.marks),
            method={
                **self.method,
                "stream_end": reader.end_reason,
                "timestamp_cadence_samples": reader.cadence,
            },
        )

    def _reset_device(self) -> None:
        """After a failed acquisition: stop the device and forget its output."""
        link = self.link
        try:
            link.write("stop")
            link.drain(quiet_s=0.2)
        except PowerMonitorError as exc:
            log.warning("%s: could not reset after a failed acquisition: %s", self.name, exc)

    @contextmanager
    def capture(
        self, configure: Any, settings: AcquisitionSettings, timeout_s: float
    ) -> Iterator[CaptureHandle]:
        """configure + start; the block runs the workload; the end waits or stops."""
        configure(settings)
        self.start(settings)
        handle = CaptureHandle()
        try:
            yield handle
        except BaseException:
            if self._reader is not None:
                try:
                    self.stop(timeout_s=2.0)
                except PowerMonitorError as exc:
                    log.warning("%s: stopping after an error failed too: %s", self.name, exc)
            raise
        if settings.acquisition_time_s is None:
            handle.set_trace(self.stop(timeout_s))
        else:
            handle.set_trace(self.wait(timeout_s))
