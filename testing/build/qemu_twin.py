"""Minimal QEMU twin launcher and DUT line client for the firmware tests of this area.

Starts ``qemu-system-arm`` exactly as the board layer does (``-icount shift=0``, the firmware
ELF as ``-kernel``, the model blob through the generic loader at the model region, the first
UART on a TCP server socket) and speaks the DUT protocol over that socket.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

READY = b"m-ready\r\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Twin:
    """One running QEMU machine with the harness; use as a context manager."""

    def __init__(
        self, machine: str, elf: Path, blob: Path | None = None, blob_addr: int = 0
    ) -> None:
        self.port = free_port()
        argv = ["qemu-system-arm", "-M", machine, "-icount", "shift=0", "-nographic"]
        argv += ["-monitor", "none", "-kernel", str(elf)]
        if blob is not None:
            argv += ["-device", f"loader,file={blob},addr={blob_addr:#x}"]
        argv += ["-serial", f"tcp:127.0.0.1:{self.port},server=on,wait=on,nodelay=on"]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.sock = self._connect()
        self.buf = b""
        self.banner = self.until_ready()

    def _connect(self) -> socket.socket:
        deadline = time.monotonic() + 60  # QEMU starts in ~40 ms idle; far slower when loaded
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", self.port), timeout=1)
                sock.settimeout(30)
                return sock
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    out = self.proc.stdout.read().decode() if self.proc.stdout else ""
                    raise RuntimeError(f"qemu did not start: {out}") from None
                time.sleep(0.02)

    def until_ready(self) -> list[str]:
        while READY not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise RuntimeError(f"connection closed; got {self.buf!r}")
            self.buf += data
        answer, _, self.buf = self.buf.partition(READY)
        return [line for line in answer.decode().split("\r\n") if line]

    def cmd(self, text: str) -> list[str]:
        """Send one command (``%`` appended) and return the lines before ``m-ready``."""
        self.sock.sendall(text.encode() + b"%")
        return self.until_ready()

    def load(self, data: bytes, chunk: int = 31) -> list[str]:
        """``db load N`` then ``db <hex>`` chunks of at most 31 bytes; returns all answers."""
        lines = self.cmd(f"db load {len(data)}")
        for i in range(0, len(data), chunk):
            lines += self.cmd("db " + data[i : i + chunk].hex())
        return lines

    def close(self) -> None:
        self.sock.close()
        self.proc.kill()
        self.proc.wait()

    def __enter__(self) -> Twin:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
