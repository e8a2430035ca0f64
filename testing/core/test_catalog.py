"""The packaged target catalog, checked against sources other than itself: the spec's target
list, ST's part-number scheme, the installed pyocd and the installed QEMU."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from farm.catalog import Catalog, TargetKind, TargetSpec
from farm.errors import ConfigError

SPEC_TARGETS = {
    "NUCLEO_L476RG", "NUCLEO_L4R5ZI", "NUCLEO_L452RE_P", "NUCLEO_F767ZI", "NUCLEO_G431RB",
    "NUCLEO_U575ZI_Q", "NUCLEO_U5A5ZJ_Q", "JETSON_ORIN_NANO", "RPI5", "RPI4",
}  # fmt: skip

# ST ordering code STM32<family+line><pins><flash size>...: the flash-size letter.
ST_FLASH_CODE = {
    "8": 64 << 10, "B": 128 << 10, "C": 256 << 10, "E": 512 << 10, "G": 1 << 20, "I": 2 << 20,
    "J": 4 << 20,
}  # fmt: skip
ST_PART = re.compile(r"STM32[A-Z]\d[0-9A-Z]\d(?P<pins>[A-Z])(?P<flash>[0-9A-Z])$")

MCUS = [t for t in Catalog.load() if t.kind is TargetKind.MCU]


def test_every_spec_target_is_present() -> None:
    assert set(Catalog.load().names) == SPEC_TARGETS


@pytest.mark.parametrize("spec", MCUS, ids=lambda t: t.name)
def test_flash_size_matches_the_st_part_number(spec: TargetSpec) -> None:
    part = ST_PART.match(spec.mcu)
    assert part, f"{spec.name}: mcu {spec.mcu!r} is not an STM32 ordering code"
    assert spec.flash_bytes == ST_FLASH_CODE[part["flash"]]
    # The NUCLEO board name carries the same part (NUCLEO_L476RG <- STM32L476RG).
    assert spec.mcu.removeprefix("STM32") in spec.name


@pytest.mark.parametrize("spec", MCUS, ids=lambda t: t.name)
def test_pyocd_target_names_the_part_and_builtin_matches_pyocd(spec: TargetSpec) -> None:
    from pyocd.target.builtin import BUILTIN_TARGETS

    assert spec.pyocd_target and spec.pyocd_target.startswith(spec.mcu.lower())
    # A target marked as needing a pack really is missing from pyocd's built-ins, and the
    # other way round: a wrong flag either asks for a pack nobody needs or fails to connect.
    assert spec.pyocd_builtin == (spec.pyocd_target in BUILTIN_TARGETS)


def _qemu_machines() -> dict[str, str]:
    qemu = shutil.which("qemu-system-arm")
    if qemu is None:
        pytest.skip("qemu-system-arm not installed")
    out = subprocess.run(
        [qemu, "-machine", "help"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    return dict(line.split(None, 1) for line in out.splitlines()[1:] if " " in line.strip())


@pytest.mark.emulator
def test_every_twin_machine_exists_and_has_the_targets_core() -> None:
    machines = _qemu_machines()
    for spec in MCUS:
        # "cortex-m4f" -> "Cortex-M4": QEMU describes each machine by its core.
        core = spec.core.removesuffix("f").replace("cortex-m", "Cortex-M")
        for machine in (spec.qemu_machine, *spec.core_spec.qemu_alternatives):
            assert machine in machines, f"{spec.name}: QEMU has no machine {machine!r}"
            assert re.search(rf"\b{core}\)?$", machines[machine].strip()), (
                f"{spec.name} ({core}): twin {machine} is '{machines[machine].strip()}'"
            )


def test_linux_boards_have_no_twin_machine_and_no_probe() -> None:
    for spec in Catalog.load():
        if spec.kind is TargetKind.LINUX:
            assert spec.qemu_machine is None and spec.pyocd_target is None


def test_verified_figures_cite_a_source() -> None:
    for spec in Catalog.load():
        if spec.verified.memory or spec.verified.clock or spec.verified.run_current:
            assert spec.sources, f"{spec.name}: verified figures without a source"


def test_every_mcu_has_run_current_and_datasheet() -> None:
    for spec in Catalog.load():
        assert spec.datasheet
        if spec.kind is TargetKind.MCU:
            assert spec.pyocd_target and spec.run_current_ua_per_mhz and spec.supply_mv
            assert spec.run_current_ua() == pytest.approx(
                spec.run_current_ua_per_mhz * spec.max_clock_hz / 1e6
            )
            assert spec.run_current_ua(spec.max_clock_hz // 2) == pytest.approx(
                spec.run_current_ua() / 2
            )


def test_unknown_target_suggests() -> None:
    with pytest.raises(ConfigError, match=r"did you mean 'NUCLEO_F767ZI'\?"):
        Catalog.load().get("NUCLEO_F767")
