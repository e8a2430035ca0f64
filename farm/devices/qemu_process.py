"""One ``qemu-system-arm`` process with its UART on a local TCP port, and no orphans.

Orphans are prevented three ways: the child asks the kernel for SIGKILL when its parent dies
(``PR_SET_PDEATHSIG``: covers SIGKILL/SIGTERM of a pytest worker), an ``atexit`` handler kills
every live QEMU (normal exit, Ctrl-C), and a SIGTERM handler (only if none was installed) runs
the same cleanup before the default action. QEMU gets its own process group so a terminal's
Ctrl-C reaches pytest, which then closes its boards in order.
"""

from __future__ import annotations

import atexit
import errno
import logging
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import serial

from farm.child_process import die_with_parent
from farm.devices.socket_serial import open_socket_serial
from farm.errors import EmulatorError

log = logging.getLogger(__name__)

QEMU_BINARY = "qemu-system-arm"
START_ATTEMPTS = 5
# QEMU listens within ~40 ms on an idle machine; the limit must hold on a loaded one (the wait
# ends early when QEMU exits, so a generous limit costs nothing on a bad start).
LISTEN_TIMEOUT_S = 30.0

_live: set[subprocess.Popen[bytes]] = set()
_live_lock = threading.Lock()
_handlers_installed = False


def _kill_all() -> None:
    with _live_lock:
        procs = list(_live)
    for proc in procs:
        _kill(proc)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
        log.warning("QEMU pid %d did not exit after SIGKILL", proc.pid)
    with _live_lock:
        _live.discard(proc)


def _on_sigterm(signum: int, frame: object) -> None:
    _kill_all()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


def _install_handlers() -> None:
    global _handlers_installed
    if _handlers_installed:
        return
    _handlers_installed = True
    atexit.register(_kill_all)
    if threading.current_thread() is threading.main_thread():
        if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
            signal.signal(signal.SIGTERM, _on_sigterm)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _listening_inodes(port: int) -> set[str]:
    """Inodes of sockets listening on 127.0.0.1:``port`` (Linux /proc/net/tcp)."""
    wanted = f"0100007F:{port:04X}"
    inodes = set()
    with open("/proc/net/tcp", encoding="ascii") as table:
        next(table)
        for row in table:
            cols = row.split()
            if cols[1] == wanted and cols[3] == "0A":  # 0A = LISTEN
                inodes.add(cols[9])
    return inodes


def _owns_listener(pid: int, port: int) -> bool:
    """True when process ``pid`` holds the listening socket: never talk to another QEMU."""
    inodes = _listening_inodes(port)
    if not inodes:
        return False
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            return True
    return False


def _current_cpu() -> int:
    """CPU the calling thread runs on (field 39 of /proc/thread-self/stat)."""
    stat = Path("/proc/thread-self/stat").read_text(encoding="ascii")
    return int(stat.rsplit(")", 1)[1].split()[36])


def _set_thread_affinity(pid: int, cpus: set[int]) -> None:
    """Apply ``cpus`` to every thread of ``pid``; threads that just exited are skipped."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return
    for tid in tids:
        try:
            os.sched_setaffinity(int(tid), cpus)
        except OSError:  # thread gone, or a CPU set the kernel refuses: the hint is optional
            pass


class QemuProcess:
    """A running QEMU whose first serial port is a TCP server on 127.0.0.1.

    Args:
        name: board id, for messages.
        args: QEMU arguments except ``-serial`` (machine, icount, kernel, loaders...).
        stderr_path: file QEMU's stderr goes to (kept for failure messages).
        extra_serials: ``-serial`` specs of the UARTs after the console (UART1, ...).
    """

    def __init__(
        self, name: str, args: list[str], stderr_path: Path, extra_serials: tuple[str, ...] = ()
    ) -> None:
        self.name = name
        self.args = args
        self.extra_serials = extra_serials
        self.stderr_path = stderr_path
        self.port: int | None = None
        self.stream: serial.SerialBase | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """Process id while running."""
        return self._proc.pid if self._proc is not None else None

    def start(self) -> serial.SerialBase:
        """Start QEMU and connect to its UART; retries on a port taken by someone else."""
        _install_handlers()
        for attempt in range(1, START_ATTEMPTS + 1):
            port = _free_port()
            self._spawn(port)
            if self._wait_listening(port):
                self.port = port
                self.stream = open_socket_serial("127.0.0.1", port)
                log.info("QEMU for %s: pid %d, UART on port %d", self.name, self.pid, port)
                return self.stream
            stderr = self.stderr_text()
            self.stop()
            if "Address already in use" not in stderr:
                said = " / ".join(stderr.split("\n")).strip(" /") or "no stderr"
                raise EmulatorError(
                    f"QEMU twin '{self.name}': failed to start: {said}; check qemu.machine and "
                    f"the image (command: {QEMU_BINARY} {' '.join(self.args)})",
                    board=self.name,
                )
            log.info("QEMU for %s: port %d taken (attempt %d), retrying", self.name, port, attempt)
        raise EmulatorError(
            f"QEMU twin '{self.name}': no free TCP port after {START_ATTEMPTS} attempts; "
            "check for a port scanner or exhausted ephemeral ports",
            board=self.name,
        )

    def _spawn(self, port: int) -> None:
        # nodelay: the guest UART writes byte by byte; with Nagle on QEMU's side every answer
        # waited for our delayed ACK (45 ms per exchange instead of 5 ms).
        serial_spec = f"tcp:127.0.0.1:{port},server=on,wait=on,nodelay=on"
        # The console is the first -serial (UART0); further ones map to the next UARTs.
        extra = [arg for spec in self.extra_serials for arg in ("-serial", spec)]
        argv = [QEMU_BINARY, *self.args, "-serial", serial_spec, *extra]
        log.debug("starting %s", " ".join(argv))
        with self.stderr_path.open("wb") as stderr:
            try:
                self._proc = subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=stderr,
                    stderr=stderr,
                    preexec_fn=die_with_parent(),
                )
            except OSError as exc:
                hint = (
                    "install it (apt-get install qemu-system-arm)"
                    if exc.errno == errno.ENOENT
                    else str(exc)
                )
                raise EmulatorError(
                    f"QEMU twin '{self.name}': cannot run {QEMU_BINARY}; {hint}", board=self.name
                ) from exc
        with _live_lock:
            _live.add(self._proc)

    def _wait_listening(self, port: int) -> bool:
        assert self._proc is not None
        deadline = time.monotonic() + LISTEN_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                return False
            if _owns_listener(self._proc.pid, port):
                return True
            time.sleep(0.005)
        return False

    @contextmanager
    def one_cpu(self) -> Iterator[None]:
        """Keep all of QEMU's threads on one CPU (the caller's) for a burst of UART traffic.

        Each byte the guest receives is a hand-off between QEMU's main loop (reads the socket)
        and its vCPU thread (WFI wakes on the RX interrupt, reads the byte): on two CPUs every
        hand-off wakes an idle CPU. On one CPU the same exchange takes less than half as long
        (``db`` chunk ~2 ms instead of ~5 ms on an idle host). The previous affinity comes back
        afterwards, so inference is never confined to one CPU.
        """
        pid = self.pid
        if pid is None:
            yield
            return
        try:
            before = os.sched_getaffinity(pid)
            cpu = _current_cpu()
        except (OSError, ValueError, IndexError):
            yield
            return
        if cpu not in before or len(before) < 2:
            yield
            return
        _set_thread_affinity(pid, {cpu})
        log.debug("QEMU for %s (pid %d) on CPU %d for a bulk transfer", self.name, pid, cpu)
        try:
            yield
        finally:
            _set_thread_affinity(pid, before)

    def stderr_text(self) -> str:
        """What QEMU wrote to stderr so far."""
        try:
            return self.stderr_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def check_alive(self, grace_s: float = 0.0) -> None:
        """Raise :class:`EmulatorError` with QEMU's stderr when the process has exited.

        Args:
            grace_s: time to let a process whose socket just closed finish exiting.
        """
        if self._proc is None:
            return
        try:
            self._proc.wait(timeout=grace_s) if grace_s else self._proc.poll()
        except subprocess.TimeoutExpired:
            return
        if self._proc.poll() is not None:
            code = self._proc.returncode
            raise EmulatorError(
                f"QEMU twin '{self.name}': exited with code {code}; stderr: "
                f"{' / '.join(self.stderr_text().strip()[-2000:].splitlines()) or 'empty'} "
                f"({self.stderr_path}); the firmware crashed QEMU or QEMU was killed",
                board=self.name,
            )

    def stop(self) -> None:
        """Close the UART and kill QEMU (idempotent)."""
        if self.stream is not None:
            try:
                self.stream.close()
            except (serial.SerialException, OSError):
                pass
            self.stream = None
        if self._proc is not None:
            _kill(self._proc)
            log.debug("QEMU for %s stopped", self.name)
            self._proc = None
