"""Splitting device text into lines: drops NUL bytes, ``\\r`` and leading prompts."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

PROMPTS = ("stlp >", "PowerShield >")


def strip_prompts(line: str) -> str:
    """Remove any leading ``stlp > `` / ``PowerShield > `` prompts (possibly repeated)."""
    text = line.strip()
    stripped = True
    while stripped:
        stripped = False
        for prompt in PROMPTS:
            if text.startswith(prompt):
                text = text[len(prompt) :].lstrip()
                stripped = True
    return text


class LineSplitter:
    """Accumulates raw bytes and hands out complete text lines.

    The unread remainder stays raw (``take_remainder``), because after the ``start`` ack of a
    binary acquisition the bytes that follow are items, not text.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> None:
        """Append bytes read from the port."""
        self._buffer += data

    def next_line(self) -> str | None:
        """Pop one complete line (prompts kept), or None if no newline has arrived yet."""
        index = self._buffer.find(b"\n")
        if index < 0:
            return None
        raw = bytes(self._buffer[:index])
        del self._buffer[: index + 1]
        return raw.replace(b"\x00", b"").decode("ascii", errors="replace").strip("\r")

    def take_remainder(self) -> bytes:
        """Return and forget every byte not yet consumed as a line."""
        rest = bytes(self._buffer)
        self._buffer.clear()
        return rest
