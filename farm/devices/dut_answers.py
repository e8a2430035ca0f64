"""What the firmware answers in the DUT protocol, as types and line parsers.

Shared by :mod:`farm.devices.dut` (the session) and by anything reading console logs back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

LAP_WRAP = 1 << 32  # m-lap-us comes from a 32-bit microsecond counter

LAP = re.compile(r"^m-lap-us-(\d+)")
RESULTS = re.compile(r"^m-results-\[(.*)\]")
RESULTS_RAW = re.compile(r"^m-results-raw-\[([0-9a-fA-F]*)\]")
CYCLES = re.compile(r"^m-cycles-\[?(\d+)")
BRACKETED = re.compile(r"^m-([a-z-]+?)-\[(.*)\]$")
KEY_VALUE = re.compile(r"([A-Za-z_][\w.-]*)=([^\s,\]]*)")


@dataclass(frozen=True)
class DutProfile:
    """Answer of ``profile%``: firmware id/version and model id (None if not reported)."""

    firmware: str
    model: str | None


@dataclass(frozen=True)
class InferResult:
    """One ``infer N W`` window.

    ``t0_us``/``t1_us`` are the two ``m-lap-us`` timestamps (None in energy mode, where the
    firmware pulses a GPIO instead); ``cycles`` is the timed region from ``cycles%`` (core
    cycles, or instructions on a QEMU twin), None when the firmware lacks the extension.
    """

    n: int
    warmup: int
    t0_us: int | None
    t1_us: int | None
    results: list[float]
    cycles: int | None = None
    lines: list[str] = field(default_factory=list)

    @property
    def elapsed_us(self) -> int | None:
        """Microseconds between the two timestamps, counter wrap-around included."""
        if self.t0_us is None or self.t1_us is None:
            return None
        return (self.t1_us - self.t0_us) % LAP_WRAP

    @property
    def us_per_inference(self) -> float | None:
        """Device-timed latency of one inference, in microseconds."""
        elapsed = self.elapsed_us
        return None if elapsed is None else elapsed / self.n


def parse_results(line: str) -> list[float]:
    """Floats of an ``m-results-[a,b,...]`` line."""
    match = RESULTS.match(line)
    if match is None:
        raise ValueError(f"not a results line: {line!r}")
    body = match.group(1).strip()
    return [float(token) for token in body.split(",")] if body else []


def parse_key_values(lines: list[str]) -> dict[str, str]:
    """``key=value`` pairs found in ``lines`` (the ``farm-info%`` answer)."""
    pairs: dict[str, str] = {}
    for line in lines:
        pairs.update(KEY_VALUE.findall(line))
    return pairs
