"""Command/reply exchange with a PowerShield-family monitor over pyserial.

Tolerant as specs/powermon.md asks: prompts (``stlp > ``, ``PowerShield > ``), NUL bytes,
blank lines, stale or interleaved acks, and replies split over many reads. The ack is matched
on the exact command tokens (``status`` never matches ``nostatus``).
"""

from __future__ import annotations

import logging
import time

import serial

from farm.errors import PowerMonitorError
from farm.powermon.text_lines import LineSplitter, strip_prompts

log = logging.getLogger(__name__)
trace_log = logging.getLogger(__name__ + ".trace")

ACK_TIMEOUT_S = 5.0  # `volt` recalibrates before it acks: at least 5 s (spec)


class CommandLink:
    """Sends one command at a time and returns the data of its ack."""

    def __init__(self, port: serial.SerialBase, name: str, board: str | None = None) -> None:
        self.port = port
        self.name = name
        self.board = board
        self.lines = LineSplitter()

    def error(self, what: str, advice: str) -> PowerMonitorError:
        """A PowerMonitorError following the message formula."""
        return PowerMonitorError(f"power monitor '{self.name}': {what}; {advice}", board=self.board)

    def write(self, text: str) -> None:
        """Send one command line."""
        trace_log.debug("%s tx %r", self.name, text)
        try:
            self.port.write(text.encode("ascii") + b"\r\n")
            self.port.flush()
        except (serial.SerialException, OSError) as exc:
            raise self.error(f"cannot write '{text}' ({exc})", "check the USB cable") from exc

    def read_available(self, deadline: float, command: str) -> None:
        """Read what the port has (at least one byte or the port's timeout)."""
        if time.monotonic() > deadline:
            raise self.error(f"no reply to '{command}'", "check that the monitor is powered")
        try:
            self.lines.feed(self.port.read(max(1, self.port.in_waiting)))
        except (serial.SerialException, OSError) as exc:
            raise self.error(
                f"port closed while waiting for '{command}' ({exc})", "reconnect"
            ) from exc

    def command(
        self, text: str, timeout_s: float = ACK_TIMEOUT_S, ack_prefixes: tuple[str, ...] = ()
    ) -> list[str]:
        """Send ``text`` and return the data of its ack (rest of the ack line, then lines).

        Args:
            text: The command, e.g. ``freq 100k``.
            timeout_s: How long to wait for the complete reply.
            ack_prefixes: Other first tokens accepted as this command's ack (the V3PWR answers
                ``powershield`` with ``ack STLINK-V3PWR <uid>``).

        Raises:
            PowerMonitorError: The device answered ``error`` (with its words) or did not answer.
        """
        self.write(text)
        deadline = time.monotonic() + timeout_s
        expected = text.split()
        while True:
            line = self.lines.next_line()
            if line is None:
                self.read_available(deadline, text)
                continue
            body = strip_prompts(line)
            tokens = body.split()
            if not tokens:
                continue
            head, rest = tokens[0].lower(), tokens[1:]
            mine = rest[: len(expected)] == expected
            if head == "ack" and (mine or (rest and rest[0].startswith(ack_prefixes or ("\0",)))):
                first = rest[len(expected) :] if mine else rest
                return self._collect(([" ".join(first)] if first else []), deadline, text)
            if head in ("error", "err") and (mine or not rest):
                words = self._collect([body], deadline, text)
                raise self.error(f"'{text}' refused: {' / '.join(words)}", "see specs/powermon.md")
            log.debug("%s: ignoring line %r while waiting for %r", self.name, body, text)

    def _collect(self, data: list[str], deadline: float, text: str) -> list[str]:
        """Lines up to the blank line that ends a reply."""
        while True:
            line = self.lines.next_line()
            if line is None:
                self.read_available(deadline, text)
                continue
            body = strip_prompts(line)
            if not body:
                return data
            data.append(body)

    def drain(self, quiet_s: float = 0.05) -> None:
        """Forget what the device sent before (stale acks, a previous stream's tail)."""
        self.lines.take_remainder()
        try:
            self.port.reset_input_buffer()
            time.sleep(quiet_s)
            self.port.reset_input_buffer()
        except (serial.SerialException, OSError) as exc:
            raise self.error(f"cannot read the port ({exc})", "reconnect the monitor") from exc
