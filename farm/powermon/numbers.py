"""The PowerShield number grammar and the ASCII sample form (specs/powermon.md).

Numbers on the wire are a decimal mantissa followed by a unit letter (``u`` 1e-6, ``m`` 1e-3,
``k`` 1e3) or by a signed power of ten (``3300-3``). ASCII samples use the second form with
exactly four mantissa digits and a two-digit exponent: ``6409-07`` is 640.9 uA.
"""

from __future__ import annotations

import math
import re

import numpy as np

_UNIT_DIVISOR = {"u": 1e6, "m": 1e3, "k": 1e-3}
_NUMBER = re.compile(r"^(\d+(?:\.\d+)?)(?:([umk])|([+-]\d+))?(s?)$")
_SAMPLE = re.compile(r"^(\d{4})([+-])(\d{2})$")


def parse_number(text: str, *, allow_seconds_suffix: bool = False) -> float:
    """Parse ``3300m``, ``1k``, ``100000``, ``3300-3`` or ``6409-07`` into a float.

    Args:
        text: The token as sent or received (no surrounding spaces).
        allow_seconds_suffix: Accept a trailing ``s`` (STLINK-V3PWR time arguments).

    Raises:
        ValueError: If the token is not in the grammar.
    """
    match = _NUMBER.match(text)
    if match is None or (match.group(4) and not allow_seconds_suffix):
        raise ValueError(f"number '{text}' is not in the PowerShield grammar (3300m, 1k, 3300-3)")
    value = float(match.group(1))
    # Divide rather than multiply by 1e-3: 3300 / 1000 is exactly 3.3, 3300 * 1e-3 is not.
    if match.group(2):
        return value / _UNIT_DIVISOR[match.group(2)]
    if match.group(3):
        exponent = int(match.group(3))
        return value / 10.0**-exponent if exponent < 0 else value * 10.0**exponent
    return value


def format_duration(duration_s: float) -> str:
    """Format a duration without an ``s`` suffix (the LPM01A refuses it): 0.2 -> ``200m``."""
    milli = duration_s * 1000
    if abs(milli - round(milli)) < 1e-9:
        return f"{round(milli)}m"
    return f"{round(duration_s * 1e6)}u"


def parse_ascii_sample(text: str) -> float:
    """Parse one ASCII sample such as ``6409-07`` (amps, or joules in energy mode)."""
    match = _SAMPLE.match(text)
    if match is None:
        raise ValueError(f"sample '{text}' is not of the form 6409-07")
    exponent = int(match.group(3))
    if match.group(2) == "-":
        return int(match.group(1)) / 10.0**exponent
    return int(match.group(1)) * 10.0**exponent


def format_ascii_sample(value: float) -> str:
    """Format one value as four mantissa digits, sign and two exponent digits."""
    if value <= 0.0 or not math.isfinite(value):
        return "0000+00"
    exponent = math.floor(math.log10(value)) - 3
    mantissa = round(value / 10.0**exponent)
    if mantissa >= 10000:  # rounding 9999.5 up carries into the next decade
        mantissa //= 10
        exponent += 1
    sign = "-" if exponent < 0 else "+"
    return f"{mantissa:04d}{sign}{abs(exponent):02d}"


def format_ascii_samples(values: np.ndarray) -> list[str]:
    """Vectorized :func:`format_ascii_sample` for a block of samples."""
    values = np.asarray(values, dtype=np.float64)
    positive = values > 0
    safe = np.where(positive, values, 1.0)
    exponent = np.floor(np.log10(safe)).astype(np.int64) - 3
    mantissa = np.rint(safe / 10.0**exponent).astype(np.int64)
    carry = mantissa >= 10000
    mantissa = np.where(carry, mantissa // 10, mantissa)
    exponent = exponent + carry
    mantissa = np.where(positive, mantissa, 0)
    exponent = np.where(positive, exponent, 0)
    return [
        f"{m:04d}{'-' if e < 0 else '+'}{abs(e):02d}"
        for m, e in zip(mantissa.tolist(), exponent.tolist(), strict=True)
    ]
