"""The packaged target catalog."""

from __future__ import annotations

import pytest

from farm.catalog import Catalog, TargetKind
from farm.errors import ConfigError

SPEC_TARGETS = {
    "NUCLEO_L476RG", "NUCLEO_L4R5ZI", "NUCLEO_L452RE_P", "NUCLEO_F767ZI", "NUCLEO_G431RB",
    "NUCLEO_U575ZI_Q", "NUCLEO_U5A5ZJ_Q", "JETSON_ORIN_NANO", "RPI5", "RPI4",
}  # fmt: skip


def test_every_spec_target_is_present() -> None:
    assert set(Catalog.load().names) == SPEC_TARGETS


@pytest.mark.parametrize(
    ("target", "machine", "factor"),
    [
        ("NUCLEO_L476RG", "mps2-an386", 1.0),
        ("NUCLEO_G431RB", "mps2-an386", 1.0),
        ("NUCLEO_F767ZI", "mps2-an500", 0.8),
        ("NUCLEO_U575ZI_Q", "mps2-an505", 1.0),
        ("RPI5", None, 1.0),
    ],
)
def test_qemu_twin_per_core(target: str, machine: str | None, factor: float) -> None:
    catalog = Catalog.load()
    assert catalog.qemu_twin(target) == machine
    assert catalog.get(target).virtual_cycles_per_instruction == factor


def test_memory_and_clock_figures() -> None:
    catalog = Catalog.load()
    l476 = catalog.get("NUCLEO_L476RG")
    assert (l476.ram_bytes, l476.flash_bytes, l476.max_clock_hz) == (
        128 * 1024,
        1 << 20,
        80_000_000,
    )
    assert catalog.get("NUCLEO_L4R5ZI").ram_bytes == 640 * 1024
    assert catalog.get("NUCLEO_G431RB").ram_bytes == 32 * 1024
    assert catalog.get("NUCLEO_U575ZI_Q").ram_bytes == 786 * 1024
    assert catalog.get("NUCLEO_F767ZI").ram_bytes == 512 * 1024
    assert "netduinoplus2" in catalog.get("NUCLEO_L476RG").core_spec.qemu_alternatives


def test_every_mcu_has_current_pyocd_target_and_datasheet() -> None:
    for spec in Catalog.load():
        assert spec.datasheet
        if spec.kind is TargetKind.MCU:
            assert spec.pyocd_target and spec.run_current_ua_per_mhz and spec.supply_mv
            assert spec.run_current_ua() == pytest.approx(
                spec.run_current_ua_per_mhz * spec.max_clock_hz / 1e6
            )


def test_unknown_target_suggests() -> None:
    with pytest.raises(ConfigError, match=r"did you mean 'NUCLEO_F767ZI'\?"):
        Catalog.load().get("NUCLEO_F767")
