"""A blocking SSH link to one Linux board, over asyncssh on a private event-loop thread.

One connection per lease, reused by every command and SFTP transfer; every call has a
timeout; every asyncssh or socket failure becomes :class:`farm.errors.SshError` naming the
board (an infra error the farm retries), and host key problems :class:`HostKeyError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import posixpath
import threading
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import asyncssh

from farm.devices.linux_hostkeys import (
    HostKeyPolicy,
    changed_key_error,
    offered_fingerprint,
    trusted_keys,
)
from farm.errors import HostKeyError, SshError

log = logging.getLogger(__name__)
trace = logging.getLogger(__name__ + ".trace")
T = TypeVar("T")
StderrLine = Callable[[str, float], None]


class _CommandTimeout(Exception):
    """A remote command outlived its own timeout (the link may still be fine)."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        super().__init__(f"timed out after {timeout_s} s")


@dataclass(frozen=True)
class SshTarget:
    """Resolved connection parameters of one board."""

    board: str
    host: str
    port: int = 22
    user: str = "root"
    key_path: Path | None = None
    host_keys: HostKeyPolicy | None = None
    connect_timeout_s: float = 15.0
    keepalive_s: float = 15.0


@dataclass(frozen=True)
class CommandResult:
    """Exit status and output of one remote command."""

    command: str
    returncode: int | None
    stdout: str
    stderr: str
    duration_s: float
    stderr_lines: list[tuple[float, str]] = field(default_factory=list)


class SshLink:
    """Blocking facade: ``open()``, ``run()``, ``put_if_absent()``, ``close()``."""

    def __init__(self, target: SshTarget) -> None:
        self.target = target
        self.uploads: list[str] = []
        self._conn: asyncssh.SSHClientConnection | None = None
        self._sftp: asyncssh.SFTPClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def is_open(self) -> bool:
        """True while the SSH connection is up."""
        return self._conn is not None and not self._conn.is_closed()

    def open(self) -> None:
        """Connect (host key checked first, then key authentication); reuses a live link."""
        if self.is_open:
            return
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(
                target=self._loop.run_forever, name=f"ssh-{self.target.board}", daemon=True
            )
            self._thread.start()
        self._call(self._connect(), self.target.connect_timeout_s * 2 + 5, "connect")

    def close(self) -> None:
        """Close the connection and stop the loop thread."""
        if self._loop is None:
            return
        if self._conn is not None:
            conn, self._conn, self._sftp = self._conn, None, None

            async def _close() -> None:
                conn.close()
                await conn.wait_closed()

            try:
                asyncio.run_coroutine_threadsafe(_close(), self._loop).result(timeout=5.0)
            except Exception as exc:  # closing a dead link is not an error
                log.debug("board %s: close: %s", self.target.board, exc)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=5.0)
        self._loop.close()
        self._loop, self._thread = None, None

    def __enter__(self) -> SshLink:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- blocking API ------------------------------------------------------------------------

    def run(
        self, command: str, *, timeout_s: float, on_stderr_line: StderrLine | None = None
    ) -> CommandResult:
        """Run ``command`` on the board; raises :class:`SshError` on timeout or a lost link."""
        self.open()
        return self._call(self._run(command, timeout_s, on_stderr_line), timeout_s + 10, command)

    def put_if_absent(self, data: bytes, remote_path: str, *, timeout_s: float = 60.0) -> bool:
        """Upload ``data`` unless ``remote_path`` exists (content-addressed caching).

        Returns True when uploaded. The file appears atomically (upload, then rename).
        """
        self.open()
        uploaded = self._call(self._put(data, remote_path), timeout_s, f"upload {remote_path}")
        if uploaded:
            self.uploads.append(remote_path)
        return uploaded

    # --- coroutines on the link's loop -------------------------------------------------------

    def _call(self, coro: Coroutine[Any, Any, T], timeout_s: float, what: str) -> T:
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        board = self.target.board
        try:
            return future.result(timeout=timeout_s)
        except HostKeyError:
            raise
        except (TimeoutError, _CommandTimeout) as exc:
            future.cancel()
            limit = exc.timeout_s if isinstance(exc, _CommandTimeout) else timeout_s
            raise SshError(
                f"board '{board}': '{_short(what)}' timed out after {limit:.0f} s; "
                "check the board and the network, or raise the timeout",
                board=board,
            ) from exc
        except asyncssh.PermissionDenied as exc:
            raise SshError(
                f"board '{board}': SSH authentication as '{self.target.user}' failed ({exc}); "
                "check ssh.user and ssh.key in the inventory",
                board=board,
            ) from exc
        except (asyncssh.Error, OSError, EOFError) as exc:
            self._conn, self._sftp = None, None
            raise SshError(
                f"board '{board}': SSH failed during '{_short(what)}': "
                f"{type(exc).__name__}: {exc}; the connection was lost or refused",
                board=board,
            ) from exc

    async def _connect(self) -> None:
        t = self.target
        policy = t.host_keys or HostKeyPolicy(board=t.board, host=t.host, port=t.port)
        known = await trusted_keys(policy, t.connect_timeout_s)
        keys = [str(t.key_path.expanduser())] if t.key_path is not None else ()
        try:
            self._conn = await asyncssh.connect(
                t.host, t.port, username=t.user, known_hosts=known, client_keys=keys,
                config=None, agent_path=None if t.key_path is not None else (),
                connect_timeout=t.connect_timeout_s, keepalive_interval=t.keepalive_s,
                encoding=None,
            )  # fmt: skip
        except asyncssh.HostKeyNotVerifiable as exc:
            offered = await offered_fingerprint(policy, t.connect_timeout_s)
            raise changed_key_error(policy, offered) from exc
        log.info("board %s: SSH connected to %s@%s:%d", t.board, t.user, t.host, t.port)

    async def _run(
        self, command: str, timeout_s: float, on_line: StderrLine | None
    ) -> CommandResult:
        assert self._conn is not None
        trace.debug("%s$ %s", self.target.board, command)
        started = time.monotonic()
        process = await self._conn.create_process(command, stdin=asyncssh.DEVNULL)
        lines: list[tuple[float, str]] = []

        async def read_stderr() -> None:
            async for raw in process.stderr:
                now = time.monotonic()
                line = raw.decode(errors="replace").rstrip("\n")
                lines.append((now, line))
                trace.debug("%s stderr: %s", self.target.board, line)
                if on_line is not None:
                    on_line(line, now)

        try:
            stdout, _ = await asyncio.wait_for(
                asyncio.gather(process.stdout.read(), read_stderr()), timeout_s
            )
            await asyncio.wait_for(process.wait_closed(), 5.0)
        except TimeoutError as exc:
            with contextlib.suppress(asyncssh.Error, OSError):
                process.send_signal("KILL")  # best effort; the runner has its own deadline
                process.close()
            raise _CommandTimeout(timeout_s) from exc
        if process.exit_status is None and process.exit_signal is None:
            raise asyncssh.ConnectionLost("channel closed without an exit status")
        return CommandResult(
            command=command,
            returncode=process.exit_status,
            stdout=stdout.decode(errors="replace"),
            stderr="\n".join(line for _, line in lines),
            duration_s=time.monotonic() - started,
            stderr_lines=lines,
        )

    async def _put(self, data: bytes, remote_path: str) -> bool:
        assert self._conn is not None
        if self._sftp is None:
            self._sftp = await self._conn.start_sftp_client()
        sftp = self._sftp
        if await sftp.exists(remote_path):
            return False
        await sftp.makedirs(posixpath.dirname(remote_path), exist_ok=True)
        tmp = f"{remote_path}.part-{uuid.uuid4().hex[:8]}"
        async with sftp.open(tmp, "wb") as handle:
            await handle.write(data)
        try:
            await sftp.posix_rename(tmp, remote_path)
        except asyncssh.SFTPOpUnsupported:
            await sftp.rename(tmp, remote_path)
        trace.debug("%s: uploaded %d bytes to %s", self.target.board, len(data), remote_path)
        return True


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
