"""A pseudo-terminal that forwards both ways to a board's console stream.

A QEMU twin's UART is a TCP socket the farm holds (lossless from the first boot byte, see
``farm/devices/socket_serial.py``); programs written for a serial device (MLPerf Tiny's runner,
a terminal, a lab's scripts) want a tty path. The bridge makes one with ``os.openpty`` and copies
bytes between its master side and the stream in two threads. The slave side is raw (no echo, no
CR/LF translation) and this process keeps it open, so a client may close and reopen the path
(the pty would otherwise hang up) and QEMU's output never blocks while nobody listens.
"""

from __future__ import annotations

import logging
import os
import select
import threading
import tty

import serial

log = logging.getLogger(__name__)

_POLL_S = 0.05
_CHUNK = 4096


class PtyBridge:
    """``path`` is a tty whose bytes go to ``stream`` and whose reads come from it.

    Args:
        stream: an open pyserial stream (a twin's ``socket://`` console).
        name: for thread names and log lines.
    """

    def __init__(self, stream: serial.SerialBase, name: str = "twin") -> None:
        self._stream = stream
        self._name = name
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no CR/LF translation before a client opens it
        self.path: str = os.ttyname(self._slave)
        self._stop = threading.Event()
        self.error: BaseException | None = None
        self._threads = [
            threading.Thread(target=self._to_stream, name=f"pty-{name}-tx", daemon=True),
            threading.Thread(target=self._from_stream, name=f"pty-{name}-rx", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    @property
    def alive(self) -> bool:
        """False once a direction failed (the twin's stream closed: QEMU exited)."""
        return self.error is None and not self._stop.is_set()

    def _fail(self, exc: BaseException) -> None:
        if not self._stop.is_set() and self.error is None:
            log.warning("pty bridge %s: %s", self._name, exc)
            self.error = exc

    def _to_stream(self) -> None:
        """Client -> twin: what a program writes to the tty goes to the UART."""
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], _POLL_S)
            if not ready:
                continue
            try:
                data = os.read(self._master, _CHUNK)
                self._stream.write(data)
                self._stream.flush()
            except (OSError, serial.SerialException) as exc:
                self._fail(exc)
                return

    def _from_stream(self) -> None:
        """Twin -> client: the UART's bytes appear on the tty."""
        self._stream.timeout = _POLL_S
        while not self._stop.is_set():
            try:
                data = self._stream.read(max(1, self._stream.in_waiting))
            except (OSError, serial.SerialException) as exc:
                self._fail(exc)
                return
            view = memoryview(data)
            while view and not self._stop.is_set():
                _, ready, _ = select.select([], [self._master], [], _POLL_S)
                if ready:
                    view = view[os.write(self._master, view) :]

    def close(self) -> None:
        """Stop both threads and close the pty (idempotent)."""
        if self._stop.is_set():
            return
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2.0)
        for fd in (self._master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass

    def __enter__(self) -> PtyBridge:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
