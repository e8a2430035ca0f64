"""Command/reply exchange with a PowerShield-family monitor over pyserial.

Tolerant as specs/powermon.md asks: prompts (``stlp > ``, ``PowerShield > ``), NUL bytes,
blank lines, stale or interleaved acks, and replies split over many reads.

An ack is matched on the command *word*, as ST's own V3PWR client does (``ack freq`` answers
``freq 100000``): the word is compared as a whole token, so ``status`` never matches
``nostatus``. Whether the device echoes the arguments exactly is unconfirmed, so echoed
arguments that differ from the ones sent are logged as a warning, never refused. Every byte
sent and read goes to the ``farm.powermon.wire`` logger.
"""

from __future__ import annotations

import logging
import time

import serial

from farm.errors import PowerMonitorError
from farm.powermon.text_lines import LineSplitter, strip_prompts
from farm.powermon.wire_log import wire_log

log = logging.getLogger(__name__)

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
        raw = text.encode("ascii") + b"\r\n"
        wire_log.debug("%s tx %r", self.name, raw)
        try:
            self.port.write(raw)
            self.port.flush()
        except (serial.SerialException, OSError) as exc:
            raise self.error(f"cannot write '{text}' ({exc})", "check the USB cable") from exc

    def read_available(self, deadline: float, command: str) -> None:
        """Read what the port has (at least one byte or the port's timeout)."""
        if time.monotonic() > deadline:
            raise self.error(f"no reply to '{command}'", "check that the monitor is powered")
        try:
            data = self.port.read(max(1, self.port.in_waiting))
            if data and self.port.in_waiting:  # the rest of a reply whose first byte woke us
                data += self.port.read(self.port.in_waiting)
        except (serial.SerialException, OSError) as exc:
            raise self.error(
                f"port closed while waiting for '{command}' ({exc})", "reconnect"
            ) from exc
        if data:
            wire_log.debug("%s rx %r", self.name, data)
        self.lines.feed(data)

    def command(
        self, text: str, timeout_s: float = ACK_TIMEOUT_S, ack_prefixes: tuple[str, ...] = ()
    ) -> list[str]:
        """Send ``text`` and return the data of its ack (rest of the ack line, then lines).

        Args:
            text: The command, e.g. ``freq 100000``.
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
            body = self._next_body(deadline, text)
            tokens = body.split()
            if not tokens:
                continue
            head, rest = tokens[0].lower(), tokens[1:]
            mine = bool(rest) and rest[0] == expected[0]
            if head == "ack" and (mine or (rest and rest[0].startswith(ack_prefixes or ("\0",)))):
                first = self._ack_data(text, expected, rest) if mine else rest
                return self._collect(([" ".join(first)] if first else []), deadline, text)
            if head in ("error", "err") and (mine or not rest):
                words = self._collect([body], deadline, text)
                raise self.error(f"'{text}' refused: {' / '.join(words)}", "see specs/powermon.md")
            log.debug("%s: ignoring line %r while waiting for %r", self.name, body, text)

    def _ack_data(self, text: str, expected: list[str], rest: list[str]) -> list[str]:
        """The data after the echoed command; warn when the echoed arguments differ."""
        if rest[: len(expected)] == expected:
            return rest[len(expected) :]
        echoed = rest[1 : len(expected)]
        if echoed and echoed != expected[1 : 1 + len(echoed)]:
            log.warning(
                "%s: the ack of '%s' echoes '%s' (arguments differ; accepted by command word)",
                self.name,
                text,
                " ".join(rest),
            )
        # Echo of the word only (`ack freq`): whatever follows the word is the data.
        return rest[1:]

    def _next_body(self, deadline: float, text: str) -> str:
        """The next line from the device without its prompts (reads the port as needed)."""
        while (line := self.lines.next_line()) is None:
            self.read_available(deadline, text)
        return strip_prompts(line)

    def _collect(self, data: list[str], deadline: float, text: str) -> list[str]:
        """Lines up to the blank line that ends a reply."""
        while body := self._next_body(deadline, text):
            data.append(body)
        return data

    def drain(self, quiet_s: float = 0.05) -> None:
        """Forget what the device sent before (stale acks, a previous stream's tail)."""
        stale = self.lines.take_remainder()
        try:
            self.port.reset_input_buffer()
            time.sleep(quiet_s)
            self.port.reset_input_buffer()
        except (serial.SerialException, OSError) as exc:
            raise self.error(f"cannot read the port ({exc})", "reconnect the monitor") from exc
        if stale:
            wire_log.debug("%s dropped %r", self.name, stale)
