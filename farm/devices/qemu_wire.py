"""The wire of a QEMU twin: what its pins and supply show the bench, as records on a socket.

The twin's firmware writes 9-byte records on its second UART (``firmware/bsp/common/
twin_wire.h``): a kind letter and the virtual time in ns at which it happened (under ``-icount
shift=0`` one instruction of a running core is 1 ns). QEMU connects that UART as a client to a
socket this object listens on, before the guest runs, so no record is lost. Each connection is
one boot of the twin; listeners get a ``BOOT`` record first, then the firmware's records in order.

What the records mean for a power monitor (current, trigger edges) is decided by whoever listens
(the virtual lab's wiring), not here.
"""

from __future__ import annotations

import enum
import logging
import socket
import struct
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

RECORD = struct.Struct("<cQ")


class WireRecord(enum.Enum):
    """Kinds of records (twin_wire.h), plus ``BOOT`` for a new connection (QEMU (re)started)."""

    BOOT = "B"
    SLEEP = "S"
    WAKE = "W"
    FALL = "F"
    RISE = "R"
    REGION_BEGIN = "T"
    REGION_END = "E"


WireListener = Callable[[WireRecord, int], None]


class TwinWire:
    """A loopback socket QEMU connects the twin's wire UART to, and a thread reading it.

    Args:
        name: board id, for messages.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(2)
        self.port: int = int(self._server.getsockname()[1])
        self._listeners: list[WireListener] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self.records = 0
        self._thread = threading.Thread(target=self._serve, name=f"twin-wire-{name}", daemon=True)
        self._thread.start()

    def qemu_args(self) -> tuple[list[str], str]:
        """The ``-chardev`` argument and the ``-serial`` spec of the wire UART."""
        chardev = f"socket,id=farmwire,host=127.0.0.1,port={self.port},server=off,nodelay=on"
        return ["-chardev", chardev], "chardev:farmwire"

    def subscribe(self, listener: WireListener) -> None:
        """Call ``listener(kind, ns)`` for every record from now on (in the reader thread)."""
        with self._lock:
            self._listeners.append(listener)

    def unsubscribe(self, listener: WireListener) -> None:
        """Stop calling ``listener`` (no error if it was not subscribed)."""
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def _dispatch(self, kind: WireRecord, ns: int) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(kind, ns)
            except Exception:  # a broken listener must not stop the wire (QEMU would block)
                log.exception("twin %s: wire listener failed on %s@%d", self.name, kind, ns)

    def _serve(self) -> None:
        while not self._closing.is_set():
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            self._dispatch(WireRecord.BOOT, 0)
            with conn:
                self._read(conn)

    def _read(self, conn: socket.socket) -> None:
        pending = b""
        while not self._closing.is_set():
            try:
                data = conn.recv(65536)
            except OSError:
                return
            if not data:
                return
            pending += data
            usable = len(pending) - len(pending) % RECORD.size
            for offset in range(0, usable, RECORD.size):
                raw_kind, ns = RECORD.unpack_from(pending, offset)
                try:
                    kind = WireRecord(raw_kind.decode("latin-1"))
                except ValueError:
                    log.warning("twin %s: unknown wire record %r dropped", self.name, raw_kind)
                    continue
                self.records += 1
                self._dispatch(kind, ns)
            pending = pending[usable:]

    def close(self) -> None:
        """Stop listening (idempotent); QEMU's side closes when QEMU exits."""
        self._closing.set()
        try:
            self._server.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._server.close()
        self._thread.join(timeout=2.0)
