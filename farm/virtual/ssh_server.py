"""Virtual Linux boards: a real SSH server (asyncssh, in-process) on 127.0.0.1.

Each virtual board is a sandbox directory that is the remote user's ``HOME`` and working
directory. Commands run with ``/bin/sh -c`` in their own process group; ``python3`` on the
board's ``PATH`` is this machine's interpreter (the farm's venv, so ai_edge_litert and
onnxruntime are there) unless the board is declared without some modules, in which case its
``python3`` sees a site directory that simply does not contain them. SFTP is served chrooted
to the sandbox, so paths relative to the home directory mean the same over SFTP and in
commands, as on a real board. The server has its own host key and accepts one client key.

The farm's client (``farm.devices.linux``) talks to it exactly as to a Jetson or a Pi.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shlex
import signal
import sys
import sysconfig
import threading
import time
from collections.abc import Iterable
from pathlib import Path

import asyncssh

from farm.errors import EmulatorError
from farm.virtual.sysfs import RailPowerModel, VirtualRail

log = logging.getLogger(__name__)
trace = logging.getLogger(__name__ + ".trace")

HOST = "127.0.0.1"


class _Connection(asyncssh.SSHServer):
    """Tracks one client connection so its processes die with it."""

    def __init__(self, board: VirtualSshServer) -> None:
        self.board = board
        self.conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        self.board._conns.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.conn is not None:
            self.board._conns.discard(self.conn)
            for proc in self.board._procs.pop(self.conn, set()):
                _kill_group(proc)


def _kill_group(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)


async def _pump(reader: asyncio.StreamReader, writer: asyncssh.SSHWriter) -> None:
    while chunk := await reader.read(65536):
        try:
            writer.write(chunk)
        except (asyncssh.Error, OSError):
            return  # channel gone; the process is being killed


class VirtualSshServer:
    """A running virtual Linux board. Create it with :func:`start_virtual_linux_board`."""

    def __init__(
        self,
        name: str,
        sandbox_dir: Path,
        *,
        rail: VirtualRail | None,
        missing_modules: Iterable[str] = (),
    ) -> None:
        self.name = name
        self.host = HOST
        self.port = 0
        self.sandbox_dir = sandbox_dir.resolve()
        self.lab_dir = self.sandbox_dir.with_name(self.sandbox_dir.name + ".lab")
        self.rail = rail
        self.missing_modules = tuple(missing_modules)
        self.commands_log = self.lab_dir / "commands.log"
        self._conns: set[asyncssh.SSHServerConnection] = set()
        self._procs: dict[asyncssh.SSHServerConnection, set[asyncio.subprocess.Process]] = {}
        self._handlers: set[asyncio.Task[None]] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=f"sshd-{name}")
        self._thread.daemon = True
        self._acceptor: asyncssh.SSHAcceptor | None = None
        host_key = asyncssh.generate_private_key("ssh-ed25519", comment=f"{name}-host")
        client_key = asyncssh.generate_private_key("ssh-ed25519", comment="joulefarm-client")
        self._host_key = host_key
        self.host_key_line = host_key.export_public_key("openssh").decode().strip()
        self._client_public = client_key.export_public_key("openssh").decode().strip()
        self.lab_dir.mkdir(parents=True, exist_ok=True)
        self.client_key_path = self.lab_dir / "client_key"
        client_key.write_private_key(str(self.client_key_path))
        self.client_key_path.chmod(0o600)

    # --- properties for the inventory -------------------------------------------------------

    @property
    def sysfs_root(self) -> Path | None:
        """Fake sysfs mount point (``ssh.sysfs_root``) of a Jetson twin."""
        return self.rail.sysfs_root if self.rail is not None else None

    @property
    def power_command(self) -> str | None:
        """``power_monitor.command`` of a twin with an external monitor (prints watts)."""
        if self.rail is None or self.rail.watts_file is None:
            return None
        # A streaming reader (like a meter's logging tool): 500 reads/s, no fork per sample.
        reader = f"{shlex.quote(sys.executable)} -m farm.virtual.rail_reader"
        return f"{reader} {shlex.quote(str(self.rail.watts_file))} --period-ms 2"

    def executed_commands(self) -> list[str]:
        """Every command a client ran on this board (empty if none ran)."""
        if not self.commands_log.exists():
            return []
        return self.commands_log.read_text().splitlines()

    # --- life cycle --------------------------------------------------------------------------

    def start(self) -> VirtualSshServer:
        """Prepare the sandbox, start the rail model and listen on 127.0.0.1."""
        self._prepare_sandbox()
        if self.rail is not None:
            self.rail.start()
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        try:
            future.result(timeout=10.0)
        except Exception as exc:
            self.stop()
            raise EmulatorError(
                f"virtual board '{self.name}': SSH server did not start: {exc}; "
                "check that 127.0.0.1 accepts listening sockets",
                board=self.name,
            ) from exc
        log.info("virtual board %s: sshd on %s:%d, sandbox %s", self.name, HOST, self.port,
                 self.sandbox_dir)  # fmt: skip
        return self

    async def _listen(self) -> None:
        self._acceptor = await asyncssh.create_server(
            lambda: _Connection(self),
            HOST,
            0,
            server_host_keys=[self._host_key],
            authorized_client_keys=asyncssh.import_authorized_keys(self._client_public + "\n"),
            process_factory=self._run_command,
            sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=bytes(self.sandbox_dir)),
            encoding=None,
            allow_scp=False,
        )
        self.port = self._acceptor.sockets[0].getsockname()[1]

    def drop_connections(self) -> int:
        """Abort every client connection like a network failure (no SSH disconnect message)."""

        async def _drop() -> int:
            conns = list(self._conns)
            for conn in conns:
                conn.abort()
            return len(conns)

        return asyncio.run_coroutine_threadsafe(_drop(), self._loop).result(timeout=5.0)

    def stop(self) -> None:
        """Close connections, kill their processes, stop listening and the rail model."""
        if self._thread.is_alive():

            async def _close() -> None:
                for conn in list(self._conns):
                    conn.abort()
                if self._acceptor is not None:
                    self._acceptor.close()
                    await self._acceptor.wait_closed()
                for procs in self._procs.values():
                    for proc in procs:
                        _kill_group(proc)
                if self._handlers:  # let them reap their processes and close the pipes
                    await asyncio.wait(list(self._handlers), timeout=3.0)

            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(_close(), self._loop).result(timeout=5.0)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5.0)
            if not self._thread.is_alive():
                self._loop.close()
        if self.rail is not None:
            self.rail.stop()

    def __enter__(self) -> VirtualSshServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- the board's side --------------------------------------------------------------------

    def _prepare_sandbox(self) -> None:
        bin_dir = self.sandbox_dir / ".bin"
        bin_dir.mkdir(parents=True, exist_ok=True)
        python = sys.executable
        if self.missing_modules:
            site = self._site_without(self.missing_modules)
            # -S: the venv's site-packages are not added; the board's own site dir is.
            script = f'#!/bin/sh\nPYTHONPATH="{site}" exec "{python}" -S "$@"\n'
        else:
            script = f'#!/bin/sh\nexec "{python}" "$@"\n'
        for name in ("python3", "python"):
            wrapper = bin_dir / name
            wrapper.write_text(script)
            wrapper.chmod(0o755)

    def _site_without(self, modules: tuple[str, ...]) -> Path:
        """A site directory linking every installed package except ``modules``."""
        site = self.sandbox_dir / ".board-site"
        site.mkdir(exist_ok=True)
        prefixes = tuple(m.lower().replace("-", "_") for m in modules)
        source = Path(sysconfig.get_paths()["purelib"])
        for entry in source.iterdir():
            key = entry.name.lower().replace("-", "_")
            if key.startswith(prefixes) or (site / entry.name).exists():
                continue
            (site / entry.name).symlink_to(entry)
        return site

    def _env(self, username: str) -> dict[str, str]:
        home = str(self.sandbox_dir)
        path = f"{home}/.bin:/usr/local/bin:/usr/bin:/bin"
        return {"HOME": home, "PATH": path, "USER": username, "LOGNAME": username,
                "SHELL": "/bin/sh", "LANG": "C.UTF-8"}  # fmt: skip

    async def _run_command(self, process: asyncssh.SSHServerProcess) -> None:
        command = process.command
        if not command:
            process.stderr.write(b"virtual board: interactive shells are not supported\n")
            process.exit(1)
            return
        with self.commands_log.open("a") as handle:
            handle.write(command.replace("\n", " ") + "\n")
        trace.debug("%s$ %s", self.name, command)
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
            task.add_done_callback(self._handlers.discard)
        conn = process.get_extra_info("connection")
        username = process.get_extra_info("username") or "farm"
        proc = await asyncio.create_subprocess_exec(
            "/bin/sh", "-c", command, cwd=self.sandbox_dir, env=self._env(username),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
        self._procs.setdefault(conn, set()).add(proc)
        feeder = asyncio.create_task(self._feed(process, proc))
        try:
            assert proc.stdout is not None and proc.stderr is not None
            await asyncio.gather(_pump(proc.stdout, process.stdout),
                                 _pump(proc.stderr, process.stderr))  # fmt: skip
            returncode = await proc.wait()
            with contextlib.suppress(asyncssh.Error, OSError):
                process.exit(returncode if returncode >= 0 else 128 - returncode)
        finally:
            feeder.cancel()
            self._procs.get(conn, set()).discard(proc)
            _kill_group(proc)

    @staticmethod
    async def _feed(process: asyncssh.SSHServerProcess, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdin is not None
        try:
            while data := await process.stdin.read(65536):
                proc.stdin.write(data)
                await proc.stdin.drain()
        except (asyncssh.Error, OSError):
            pass
        finally:
            proc.stdin.close()


def start_virtual_linux_board(
    name: str,
    sandbox_dir: Path,
    *,
    power_model: RailPowerModel | None = None,
    power_kind: str = "ina3221",
    missing_modules: Iterable[str] = (),
) -> VirtualSshServer:
    """Start a virtual Linux board served over SSH on 127.0.0.1.

    Args:
        name: Board id (used in logs and key comments).
        sandbox_dir: The board's home directory (created if needed). Keys, the command log
            and the external rail file live in the sibling ``<sandbox_dir>.lab``.
        power_model: Rail model; None for a board without power measurement.
        power_kind: ``ina3221`` (Jetson twin: fake sysfs under ``<sandbox>/sysroot/sys``) or
            ``external`` (Pi twin: a ``power_w`` file that :attr:`~VirtualSshServer.power_command`
            prints, read on the lab PC side).
        missing_modules: Python distributions the board does not have (e.g. ``onnxruntime``).

    Returns:
        The started server; ``stop()`` it (or use it as a context manager).
    """
    sandbox = Path(sandbox_dir).resolve()
    sandbox.mkdir(parents=True, exist_ok=True)
    rail = None
    if power_model is not None:
        if power_kind == "ina3221":
            rail = VirtualRail(power_model, sandbox, sysfs_root=sandbox / "sysroot" / "sys")
        elif power_kind == "external":
            watts = sandbox.with_name(sandbox.name + ".lab") / "power_w"
            watts.parent.mkdir(parents=True, exist_ok=True)
            rail = VirtualRail(power_model, sandbox, watts_file=watts)
        else:
            raise ValueError(f"power_kind {power_kind!r}; allowed: ina3221, external")
    server = VirtualSshServer(name, sandbox, rail=rail, missing_modules=missing_modules)
    started = time.monotonic()
    server.start()
    log.debug("virtual board %s up in %.3f s", name, time.monotonic() - started)
    return server
