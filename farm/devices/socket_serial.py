"""pyserial's ``socket://`` stream without the flush on open.

``serial.serial_for_url("socket://...")`` calls ``reset_input_buffer()`` right after connecting,
which drops whatever the peer already sent. A QEMU twin started with ``wait=on`` begins to print
its boot banner the moment we connect, so under load the banner could be lost that way. This
subclass keeps it; everything else is pyserial's.
"""

from __future__ import annotations

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

    def reset_input_buffer(self) -> None:
        """Discard pending input (not during ``open``)."""
        if not self._opening:
            super().reset_input_buffer()


def open_socket_serial(host: str, port: int, timeout_s: float = 0.05) -> LosslessSocketSerial:
    """Open ``socket://host:port`` losslessly."""
    return LosslessSocketSerial(f"socket://{host}:{port}", timeout=timeout_s)
