"""A scripted serial peer on a local TCP port, for narrow tests of the DUT protocol parser.

It replays fixed answers (such as the MLPerf Tiny transcript of specs/dut-protocol.md) to the
commands it receives; the client reads them through pyserial ``socket://`` as from a board.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable


class ScriptedDut:
    """Serve ``boot`` on connect, then ``answer(command)`` for each ``...%`` command.

    ``answer`` returns the text to send (``m-ready`` is appended), or None to stay silent.
    """

    def __init__(self, boot: str, answer: Callable[[str], str | None]) -> None:
        self.boot = boot
        self.answer = answer
        self.commands: list[str] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        self.url = f"socket://127.0.0.1:{self._server.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        conn, _ = self._server.accept()
        with conn:
            conn.sendall(self.boot.encode())
            pending = b""
            while True:
                data = conn.recv(4096)
                if not data:
                    return
                pending += data
                while b"%" in pending:
                    raw, pending = pending.split(b"%", 1)
                    command = raw.decode() + "%"
                    self.commands.append(command)
                    text = self.answer(command)
                    if text is not None:
                        conn.sendall((text + "m-ready\r\n").encode())

    def close(self) -> None:
        """Stop listening."""
        self._server.close()
