"""The per-test console log: every line a board printed and every command the host sent.

The file is a test artifact (STYLE.md section 8): its path appears in every DUT timeout or
protocol failure so a reader can see what the firmware said last.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TextIO

log = logging.getLogger(__name__)


class ConsoleLog:
    """Append-only text log of one board's console, one line per event.

    Lines look like ``  12.345 < m-ready`` (device to host) or ``  12.300 > name%`` (host to
    device), with seconds since the log was opened, so gaps (a hang) are visible.

    Args:
        path: file to append to; parent directories are created.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file: TextIO | None = self.path.open("a", encoding="utf-8", buffering=1)
        self._t0 = time.monotonic()

    def _write(self, marker: str, text: str) -> None:
        if self._file is None:
            return
        stamp = time.monotonic() - self._t0
        self._file.write(f"{stamp:8.3f} {marker} {text}\n")

    def received(self, line: str) -> None:
        """Record one line the device printed (without its line ending)."""
        self._write("<", line)

    def sent(self, command: str) -> None:
        """Record one command the host wrote."""
        self._write(">", command)

    def note(self, text: str) -> None:
        """Record a host-side event (reset, flash, QEMU restart, timeout)."""
        self._write("#", text)

    def tail(self, lines: int = 20) -> str:
        """The last ``lines`` lines of the log, for failure messages."""
        if self._file is not None:
            self._file.flush()
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def close(self) -> None:
        """Flush and close; later writes are ignored."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> ConsoleLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ConsoleLogHandler(logging.Handler):
    """Copies log records into a console log (marker ``~``): the power monitor's wire log.

    Attached for the duration of a test, so the commands and raw replies of the monitor sit
    in the same file, on the same clock, as the board's console.
    """

    def __init__(self, console_log: ConsoleLog) -> None:
        super().__init__(logging.DEBUG)
        self.console_log = console_log

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.console_log._write("~", record.getMessage())
        except Exception:  # a log line must never break the measurement
            self.handleError(record)
