"""The twin timebase record: the ratio the farm computes and the QEMU loader arguments."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from farm.catalog import Catalog
from farm.devices.protocols import FirmwareFiles
from farm.devices.twin_timebase import timebase_address, timebase_qemu_args, us_per_instruction
from testing.dut.conftest import build_harness


@pytest.mark.parametrize(
    ("clock_hz", "cpi", "expected"),
    [
        (120_000_000, 1.0, Fraction(1, 120)),
        (216_000_000, 0.8, Fraction(1, 270)),  # 0.8 read as the decimal 4/5
        (80_000_000, 1.0, Fraction(1, 80)),
        (168_000_000, 1.25, Fraction(5, 672)),
    ],
)
def test_ratio_is_the_farms_conversion(clock_hz: int, cpi: float, expected: Fraction) -> None:
    ratio = us_per_instruction(clock_hz, cpi)
    assert ratio == expected
    assert float(ratio) == pytest.approx(cpi / clock_hz * 1e6, rel=1e-12)


def test_every_twin_target_gets_a_small_exact_ratio() -> None:
    for target in Catalog.load():
        if target.qemu_machine is None:
            continue
        ratio = us_per_instruction(target.max_clock_hz, target.virtual_cycles_per_instruction)
        expected = target.virtual_cycles_per_instruction * 1e6 / target.max_clock_hz
        assert float(ratio) == pytest.approx(expected, rel=1e-9), target.name
        assert 0 < ratio.numerator < 2**16 and 0 < ratio.denominator < 2**32, target.name


def test_bad_clock_is_refused() -> None:
    with pytest.raises(ValueError, match="clock_hz=0"):
        us_per_instruction(0, 1.0)


@pytest.mark.emulator
def test_loader_argument_for_the_harness(tmp_path: Path) -> None:
    harness = build_harness(tmp_path / "h")
    addr = timebase_address(harness.elf)
    assert addr is not None and 0x2000_0000 <= addr < 0x2040_0000  # mps2-an386 RAM
    args = timebase_qemu_args(harness.elf, 120_000_000, 1.0)
    # num=1 at addr, den=120 at addr+4: one little-endian u64.
    assert args == ["-device", f"loader,addr=0x{addr:08x},data=0x0000007800000001,data-len=8"]


@pytest.mark.emulator
def test_firmware_without_the_record_gets_no_argument(tiny_image: FirmwareFiles) -> None:
    """The device tests' tiny DUT stands for a lab's own firmware: no record, no loader."""
    assert timebase_address(tiny_image.elf) is None
    assert timebase_qemu_args(tiny_image.elf, 120_000_000, 1.0) == []


def test_unreadable_elf_gets_no_argument(tmp_path: Path) -> None:
    bogus = tmp_path / "not.elf"
    bogus.write_bytes(b"not an elf")
    assert timebase_qemu_args(bogus, 120_000_000, 1.0) == []
