"""Client of the DUT protocol (specs/dut-protocol.md), the MLPerf Tiny serial protocol.

Works over any pyserial stream: a Nucleo's ST-LINK VCP, or a QEMU twin's UART on a TCP socket
(``socket://``). Every exchange has a timeout; every line in both directions goes to the
per-test console log, whose path is in every failure message. The farm's extensions
(``farm-info%``, ``results-raw%``, ``cycles%``) are used when the firmware has them; a firmware
that answers ``e-[Unknown command: ...]`` gets the standard set only, so an MLPerf Tiny reference
firmware works unchanged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

import serial

from farm.devices.console_log import ConsoleLog
from farm.devices.dut_answers import (
    BRACKETED,
    CYCLES,
    LAP,
    LAP_WRAP,
    RESULTS,
    RESULTS_RAW,
    DutProfile,
    InferResult,
    parse_key_values,
    parse_results,
)
from farm.errors import DutError, DutTimeoutError, FarmError, SerialLinkError

__all__ = [
    "DB_CHUNK_BYTES",
    "LAP_WRAP",
    "DutCommandError",
    "DutProfile",
    "DutSession",
    "InferResult",
    "parse_key_values",
    "parse_results",
]

log = logging.getLogger(__name__)
trace = logging.getLogger(__name__ + ".trace")

MAX_COMMAND_CHARS = 80
DB_CHUNK_BYTES = 31  # 62 hex digits + "db " + "%" stays under the 80-character limit
_POLL_S = 0.05


class DutCommandError(FarmError):
    """The firmware answered a command with ``e-[...]`` lines (kept in ``errors``).

    Not an :class:`InfraError`: the board is alive and said why it refused (no model, model
    needs an operator or more arena than this firmware has, bad input size). Retrying or
    quarantining the board would not help; the test fails with the firmware's words.
    """

    kind = "dut-rejected"

    def __init__(self, message: str, *, board: str | None = None, errors: list[str]) -> None:
        self.board = board
        self.errors = errors
        self.message = message
        super().__init__(message)


class DutSession:
    """One conversation with the firmware on a board.

    Args:
        stream: an open pyserial stream (``serial.Serial`` or ``serial_for_url(...)``).
        console_log: the per-test console log every line is written to.
        board: board id for error messages.
        timeout_s: default timeout of one command exchange.
        boot_timeout_s: time allowed from reset to ``m-ready``.
        infer_timeout_s: default timeout of one ``infer`` exchange.
        check_alive: called with ``link_lost`` when the link fails (True) or an exchange
            times out (False); raises the real cause (for example an ``EmulatorError`` with
            QEMU's stderr) if the device is gone.
        bulk_transfer: context for a long run of small exchanges (input upload); a QEMU twin
            keeps its threads on one CPU meanwhile. None: nothing special.
    """

    def __init__(
        self,
        stream: serial.SerialBase,
        *,
        console_log: ConsoleLog,
        board: str = "dut",
        timeout_s: float = 5.0,
        boot_timeout_s: float = 10.0,
        infer_timeout_s: float = 60.0,
        check_alive: Callable[[bool], None] | None = None,
        bulk_transfer: Callable[[], AbstractContextManager[object]] | None = None,
    ) -> None:
        self.board = board
        self.console_log = console_log
        self.timeout_s = timeout_s
        self.boot_timeout_s = boot_timeout_s
        self.infer_timeout_s = infer_timeout_s
        self._check_alive = check_alive
        self._bulk_transfer = bulk_transfer or nullcontext
        self._stream = stream
        self._buffer = bytearray()
        self._extensions: dict[str, bool] = {}
        self._boot_pending = False

    # --- line transport ---------------------------------------------------------------------

    def rebind(self, stream: serial.SerialBase) -> None:
        """Talk over a new stream (after the board was reset or its emulator restarted)."""
        self._stream = stream
        self._buffer.clear()
        self.expect_boot()

    def expect_boot(self) -> None:
        """The board was reset: the next exchange first waits for the boot banner.

        Without this, a command sent during boot would take the boot's ``m-ready`` for its
        answer and every later answer would be one behind.
        """
        self._boot_pending = True

    def _fail_link(self, exc: Exception) -> DutError:
        if self._check_alive is not None:
            self._check_alive(True)
        return SerialLinkError(
            f"console of board '{self.board}': {exc}; check the cable/port, "
            f"console log {self.console_log.path}",
            board=self.board,
        )

    def _read_line(self, deadline: float) -> str | None:
        """Next line without its ending, or None when ``deadline`` passes first."""
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                raw = bytes(self._buffer[: end + 1])
                del self._buffer[: end + 1]
                line = raw.decode("ascii", errors="replace").strip("\r\n\x00")
                self.console_log.received(line)
                return line
            if time.monotonic() >= deadline:
                return None
            try:
                self._stream.timeout = min(_POLL_S, max(0.0, deadline - time.monotonic()))
                chunk = self._stream.read(max(1, self._stream.in_waiting))
            except (serial.SerialException, OSError) as exc:
                raise self._fail_link(exc) from exc
            if chunk:
                trace.debug("%s <- %r", self.board, chunk)
                self._buffer.extend(chunk)

    def _drain(self) -> None:
        """Log and drop lines already waiting, so an answer is never taken for the next one."""
        while self._read_line(time.monotonic()) is not None:
            pass

    def _timeout(self, what: str, timeout_s: float, lines: list[str]) -> DutTimeoutError:
        if self._check_alive is not None:
            self._check_alive(False)
        self.console_log.note(f"timeout after {timeout_s:.1f} s waiting for {what}")
        last = lines[-1] if lines else "nothing"
        return DutTimeoutError(
            f"DUT '{self.board}': no m-ready within {timeout_s:.1f} s after {what} "
            f"(last line: {last!r}); firmware hung or crashed, reset the board; "
            f"console log {self.console_log.path}",
            board=self.board,
        )

    def _collect(self, what: str, timeout_s: float) -> list[str]:
        lines: list[str] = []
        deadline = time.monotonic() + timeout_s
        while True:
            line = self._read_line(deadline)
            if line is None:
                raise self._timeout(what, timeout_s, lines)
            if line == "m-ready":
                return lines
            if line:
                lines.append(line)

    # --- exchanges --------------------------------------------------------------------------

    def wait_boot(self, timeout_s: float | None = None) -> list[str]:
        """Wait for ``m-init-done`` then ``m-ready`` after a reset; return the boot lines.

        A console opened after the boot banner (real boards) sees no banner: then one
        ``name%`` is sent, and its ``m-ready`` proves the firmware is up.
        """
        self._boot_pending = False
        timeout = self.boot_timeout_s if timeout_s is None else timeout_s
        lines: list[str] = []
        deadline = time.monotonic() + timeout
        while True:
            line = self._read_line(deadline)
            if line is None:
                break
            if line == "m-ready" and "m-init-done" in lines:
                return lines
            if line:
                lines.append(line)
        if not lines:
            self.console_log.note("no boot banner; probing with name%")
            return self.command("name%")
        raise self._timeout("reset (boot)", timeout, lines)

    def command(
        self, command: str, timeout_s: float | None = None, *, check: bool = True
    ) -> list[str]:
        """Send ``command`` (ending in ``%``) and return the lines before ``m-ready``.

        Raises:
            DutTimeoutError: no ``m-ready`` in time.
            DutCommandError: the answer holds ``e-[...]`` lines and ``check`` is true.
        """
        if not command.endswith("%") or len(command) > MAX_COMMAND_CHARS:
            raise ValueError(f"DUT command {command!r} must end in '%' and be <= 80 characters")
        if self._boot_pending:
            self.wait_boot()
        self._drain()
        self.console_log.sent(command)
        trace.debug("%s -> %r", self.board, command)
        try:
            self._stream.write(command.encode("ascii"))
            self._stream.flush()
        except (serial.SerialException, OSError) as exc:
            raise self._fail_link(exc) from exc
        lines = self._collect(repr(command), self.timeout_s if timeout_s is None else timeout_s)
        if check:
            self._raise_on_error(command, lines)
        return lines

    def _raise_on_error(self, command: str, lines: list[str]) -> None:
        """DutCommandError naming the first ``e-`` line of the answer, if any."""
        errors = [line for line in lines if line.startswith("e-")]
        if errors:
            raise DutCommandError(
                f"DUT '{self.board}': {command!r} answered {errors[0]}; "
                f"console log {self.console_log.path}",
                board=self.board,
                errors=errors,
            )

    def _extension(self, command: str, timeout_s: float | None = None) -> list[str] | None:
        """Run a farm extension; None (remembered) when the firmware does not know it."""
        if self._extensions.get(command) is False:
            return None
        lines = self.command(command, timeout_s, check=False)
        if any(line.startswith("e-[Unknown command") for line in lines):
            self._extensions[command] = False
            return None
        self._extensions[command] = True
        self._raise_on_error(command, lines)
        return lines

    def extensions(self) -> dict[str, bool]:
        """Farm extensions tried so far: command -> whether the firmware knows it."""
        return {k: v for k, v in self._extensions.items() if v is not None}

    def name(self) -> str:
        """The DUT name from ``m-name-dut-[...]``."""
        return self._bracketed(self.command("name%"), "name-dut")

    def profile(self) -> DutProfile:
        """Firmware id/version and model id from ``profile%``."""
        lines = self.command("profile%")
        model = [line for line in lines if line.startswith("m-model-[")]
        return DutProfile(
            firmware=self._bracketed(lines, "profile"),
            model=self._bracketed(model, "model") if model else None,
        )

    def farm_info(self, timeout_s: float | None = None) -> dict[str, str] | None:
        """``farm-info%`` key=value pairs, or None on firmware without the extension."""
        lines = self._extension("farm-info%", timeout_s)
        return None if lines is None else parse_key_values(lines)

    def load_input(self, data: bytes) -> None:
        """Upload one input tensor: ``db load N`` then ``db <hex>`` chunks of <= 31 bytes."""
        if not data:
            raise ValueError("DUT input must not be empty")
        self.command(f"db load {len(data)}%")
        answer: list[str] = []
        with self._bulk_transfer():
            for start in range(0, len(data), DB_CHUNK_BYTES):
                answer = self.command(f"db {data[start : start + DB_CHUNK_BYTES].hex()}%")
        if "m-load-done" not in answer:
            raise DutError(
                f"DUT '{self.board}': no m-load-done after {len(data)} bytes; "
                f"console log {self.console_log.path}",
                board=self.board,
            )

    def infer(self, n: int = 1, warmup: int = 10, timeout_s: float | None = None) -> InferResult:
        """Run ``infer N W``: W warm-up runs, N timed runs; then ``cycles%`` if available."""
        if n < 1 or warmup < 0:
            raise ValueError(f"infer needs n >= 1 and warmup >= 0, got n={n} warmup={warmup}")
        timeout = self.infer_timeout_s if timeout_s is None else timeout_s
        lines = self.command(f"infer {n} {warmup}%", timeout)
        laps = [int(m.group(1)) for line in lines if (m := LAP.match(line))]
        results_lines = [line for line in lines if RESULTS.match(line)]
        if "m-infer-done" not in lines or not results_lines or len(laps) not in (0, 2):
            raise DutError(
                f"DUT '{self.board}': malformed infer answer ({len(laps)} laps, "
                f"{len(results_lines)} results lines); console log {self.console_log.path}",
                board=self.board,
            )
        return InferResult(
            n=n,
            warmup=warmup,
            t0_us=laps[0] if laps else None,
            t1_us=laps[1] if laps else None,
            results=parse_results(results_lines[-1]),
            cycles=self.cycles(),
            lines=lines,
        )

    def results(self) -> list[float]:
        """Dequantized outputs of the last inference (``results%``)."""
        lines = [line for line in self.command("results%") if RESULTS.match(line)]
        if not lines:
            raise DutError(
                f"DUT '{self.board}': results% gave no m-results line; "
                f"console log {self.console_log.path}",
                board=self.board,
            )
        return parse_results(lines[-1])

    def results_raw(self) -> bytes | None:
        """The int8 output tensor bit for bit (``results-raw%``), None without the extension."""
        lines = self._extension("results-raw%")
        if lines is None:
            return None
        for line in lines:
            if match := RESULTS_RAW.match(line):
                return bytes.fromhex(match.group(1))
        raise DutError(
            f"DUT '{self.board}': results-raw% gave no m-results-raw line; "
            f"console log {self.console_log.path}",
            board=self.board,
        )

    def cycles(self) -> int | None:
        """Cycles (instructions on a twin) of the last timed region, None without extension."""
        lines = self._extension("cycles%")
        if lines is None:
            return None
        for line in lines:
            if match := CYCLES.match(line):
                return int(match.group(1))
        return None

    def _bracketed(self, lines: list[str], key: str) -> str:
        for line in lines:
            match = BRACKETED.match(line)
            if match and match.group(1) == key:
                return match.group(2)
        raise DutError(
            f"DUT '{self.board}': expected an m-{key}-[...] line, got {lines!r}; "
            f"console log {self.console_log.path}",
            board=self.board,
        )
