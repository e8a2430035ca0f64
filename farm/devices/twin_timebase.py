"""The real target's time on a QEMU twin: the record the farm writes before the twin starts.

QEMU's ``-icount shift=0`` makes one guest instruction 1 ns of virtual time, a 1 GHz core. The
farm turns a twin's instruction count into the real target's time with the catalog
(``instructions x cycles_per_instruction / max_clock_hz``, :meth:`BoardFacts.latency_us`).
For ``m-lap-us`` to say the same to *any* host (MLPerf Tiny's runner, a terminal, a lab's own
scripts), the firmware needs that ratio too. It cannot be compiled in: one image per QEMU
machine serves every target of that core (build once). So the harness keeps an 8-byte record
``farm_twin_timebase`` (microseconds per instruction = num / den, two little-endian u32) in a
NOLOAD RAM section, and QEMU's generic loader writes it before the first instruction
(``-device loader,addr=...,data=...,data-len=8``; data is little-endian unless ``data-be``).
A firmware without the symbol (a lab's own, an older harness) gets no record and keeps QEMU's
virtual time. See firmware/bsp/common/twin_timebase.h.
"""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path

from elftools.common.exceptions import ELFError

from farm.devices.elf_symbols import read_elf_symbol

log = logging.getLogger(__name__)

TIMEBASE_SYMBOL = "farm_twin_timebase"
_U32_MAX = (1 << 32) - 1


def us_per_instruction(clock_hz: int, cycles_per_instruction: float) -> Fraction:
    """Microseconds one twin instruction stands for on the real target, as a small fraction.

    ``1/120`` for 120 MHz at 1.0 cycle per instruction, ``1/270`` for 216 MHz at 0.8. The
    factor is a catalog decimal, so it is read as one (0.8 is 4/5, not its binary float).
    """
    if clock_hz <= 0 or cycles_per_instruction <= 0:
        raise ValueError(
            f"twin timebase: clock_hz={clock_hz} and cycles_per_instruction="
            f"{cycles_per_instruction} must be > 0"
        )
    cpi = Fraction(repr(float(cycles_per_instruction))).limit_denominator(1_000_000)
    ratio = cpi * 1_000_000 / clock_hz
    if ratio.numerator > _U32_MAX or ratio.denominator > _U32_MAX:
        ratio = ratio.limit_denominator(_U32_MAX // max(1, ratio.numerator))
    return ratio


def timebase_address(elf: Path) -> int | None:
    """Address of ``farm_twin_timebase`` in ``elf``, None when the firmware has no such record."""
    try:
        symbol = read_elf_symbol(elf, TIMEBASE_SYMBOL)
    except (OSError, ELFError) as exc:
        log.warning("twin timebase: cannot read %s (%s); m-lap-us stays QEMU time", elf, exc)
        return None
    return symbol.address if symbol is not None else None


def timebase_qemu_args(elf: Path, clock_hz: int, cycles_per_instruction: float) -> list[str]:
    """``-device loader`` arguments writing the record, or [] for a firmware without it."""
    addr = timebase_address(elf)
    if addr is None:
        log.info("twin timebase: %s has no %s; m-lap-us stays QEMU time", elf, TIMEBASE_SYMBOL)
        return []
    ratio = us_per_instruction(clock_hz, cycles_per_instruction)
    data = (ratio.denominator << 32) | ratio.numerator  # num at addr, den at addr + 4
    return ["-device", f"loader,addr=0x{addr:08x},data=0x{data:016x},data-len=8"]
