"""pyserial's ``socket://`` stream without the flush on open.

``serial.serial_for_url("socket://...")`` calls ``reset_input_buffer()`` right after connecting,
which drops whatever the peer already sent. A QEMU twin started with ``wait=on`` begins to print
its boot banner the moment we connect, so under load the banner could be lost that way. This
subclass keeps it, turns Nagle off on our side (a command is one write; it must leave at once)
and reports the real byte count in ``in_waiting`` (pyserial's says 0 or 1, so a reader looping
on ``read(in_waiting)`` made one select+recv round per byte).
"""

from __future__ import annotations

import fcntl
import socket
import struct
import termios

from serial.urlhandler.protocol_socket import Serial as _SocketSerial


class LosslessSocketSerial(_SocketSerial):
    """A ``socket://host:port`` pyserial stream that keeps bytes received during ``open()``."""

    _opening = False

    def open(self) -> None:
        """Connect, skipping pyserial's input flush."""
        self._opening = True
        try:
            super().open()
        finally:
            self._opening = False
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    @property
    def in_waiting(self) -> int:
        """Bytes readable now without blocking (``FIONREAD``), at least 1 at end of stream so
        that a read reports the disconnect."""
        if super().in_waiting == 0:
            return 0
        raw = fcntl.ioctl(self._socket.fileno(), termios.FIONREAD, struct.pack("i", 0))
        return max(1, int(struct.unpack("i", raw)[0]))

    def reset_input_buffer(self) -> None:
        """Discard pending input (not during ``open``)."""
        if not self._opening:
            super().reset_input_buffer()


def open_socket_serial(host: str, port: int, timeout_s: float = 0.05) -> LosslessSocketSerial:
    """Open ``socket://host:port`` losslessly."""
    return LosslessSocketSerial(f"socket://{host}:{port}", timeout=timeout_s)
