"""What the two PowerShield-firmware monitors (LPM01A, STLINK-V3PWR) drive alike.

Both speak ST's PowerShield command set over one serial port and stream the same frames
(``farm.powermon.session``); they differ in how they are found, opened (``htc`` vs
``power_monitor``), configured (triggers, voltage settle) and closed. A subclass gives those;
this class gives the session's acquisition calls and the identity both report.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Self

import serial

from farm.errors import PowerMonitorError
from farm.powermon.protocols import AcquisitionSettings, CaptureHandle, CurrentTrace
from farm.powermon.session import PowerShieldSession
from farm.step import step


class PowerShieldMonitor:
    """Base of the PowerShield drivers: session, identity, start / stop / wait / capture.

    Args:
        name: monitor name for messages (``<board>/<type>``).
        board: board id the monitor measures, for errors.
        transport: an open pyserial port to use instead of opening one (tests, emulators).
        frame_lengths: the device's binary frame lengths (``farm.powermon.binary_codec``).
    """

    device = ""

    def __init__(
        self,
        name: str,
        *,
        board: str | None,
        transport: serial.SerialBase | None,
        frame_lengths: dict[int, int],
    ) -> None:
        self.name = name
        self.board = board
        self._transport = transport
        self._session = PowerShieldSession(name, board, frame_lengths)
        self._identity: dict[str, str] = {}

    def open(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def configure(self, settings: AcquisitionSettings) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _set_identity(self, ident: list[str], version: list[str]) -> None:
        """Keep what ``powershield`` and ``version`` answered."""
        words = " ".join(ident).split()
        self._identity = {
            "device": self.device,
            "id": words[-1] if words else "",
            "answer": " ".join(ident),
            "version": " / ".join(version),
        }

    def identify(self) -> dict[str, str]:
        """Device type, board id and version as the device reported them."""
        _ = self._session.link
        return dict(self._identity)

    def query(self, command: str) -> list[str]:
        """Send one command (e.g. ``volt get``) and return the data of its ack."""
        return self._session.link.command(command)

    @step("start")
    def start(self) -> None:
        """Start the acquisition (with a hardware trigger: arm it)."""
        settings = self._session.settings
        if settings is None:
            raise PowerMonitorError(
                f"power monitor '{self.name}': start() before configure()", board=self.board
            )
        self._session.start(settings)

    @step("stop")
    def stop(self, timeout_s: float = 5.0) -> CurrentTrace:
        """Stop (unless already ended) and return the trace."""
        return self._session.stop(timeout_s)

    def wait(self, timeout_s: float) -> CurrentTrace:
        """Wait for a finite acquisition to end and return the trace."""
        return self._session.wait(timeout_s)

    def capture_session(
        self, settings: AcquisitionSettings, timeout_s: float = 30.0
    ) -> AbstractContextManager[CaptureHandle]:
        """``with monitor.capture_session(s) as cap: <workload>`` then ``cap.trace``."""
        return self._session.capture(self.configure, settings, timeout_s)
