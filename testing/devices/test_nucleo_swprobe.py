"""The Nucleo driver's real pyocd sequence (connect, program, read back, reset) on a software probe.

pyocd runs unchanged: ConnectHelper finds the probe by uid, discovery reads the DP/AP/ROM table,
FileProgrammer loads and "runs" the target's own CMSIS flash algorithm, which the emulated core
applies by its effect.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from farm.catalog import Catalog
from farm.devices.nucleo import NucleoBoard, image_matches
from farm.devices.protocols import Capability, FirmwareFiles
from farm.devices.registry import open_board
from farm.errors import ProbeError
from farm.inventory import BoardConfig

from .swprobe.probe import SoftwareProbe, install
from .swprobe.target import SoftTarget

# (catalog target, pyocd built-in target, model region address)
CASES = [
    ("NUCLEO_F767ZI", "stm32f767zi", 0x0810_0000),
    ("NUCLEO_L476RG", "stm32l475xg", 0x080C_0000),
]


@pytest.fixture(autouse=True)
def _software_probe() -> Iterator[None]:
    install()
    yield
    for uid in list(SoftwareProbe.boards):
        SoftwareProbe.detach(uid)


def nucleo(tmp_path: Path, target: str, pyocd_target: str, **extra: object) -> NucleoBoard:
    config = BoardConfig.model_validate(
        {
            "id": "nucleo-01",
            "target": target,
            "backend": "pyocd",
            "probe": {"uid": "SWP0001", "pyocd_target": pyocd_target},
            **extra,
        }
    )
    board = open_board(
        config, Catalog.load().get(target), workdir=tmp_path / "w", log_path=tmp_path / "c.log"
    )
    assert isinstance(board, NucleoBoard)
    return board


def image_file(tmp_path: Path, size: int, region: int) -> FirmwareFiles:
    body = (0x2000_1000).to_bytes(4, "little") + (0x0800_0101).to_bytes(4, "little")
    body += os.urandom(size - 8)
    path = tmp_path / "fw.bin"
    path.write_bytes(body)
    return FirmwareFiles(path, path, "ab" * 32, region, 64 * 1024)


@pytest.mark.parametrize(("target", "pyocd_target", "region"), CASES)
def test_program_read_back_and_reset(
    tmp_path: Path, target: str, pyocd_target: str, region: int
) -> None:
    chip: SoftTarget = SoftwareProbe.attach("SWP0001", pyocd_target)
    image = image_file(tmp_path, 6000, region)
    with nucleo(tmp_path, target, pyocd_target) as board:
        assert Capability.FLASH in board.capabilities and not board.virtual
        board.flash_image(image)
        flash = chip.read(0x0800_0000, 6000)
        assert flash == image.bin.read_bytes()
        blob = os.urandom(3000)
        board.write_region(region, blob)
        assert chip.read(region, 3000) == blob
        blob2 = bytes(b ^ 0x5A for b in blob)  # needs an erase first: programming only clears bits
        board.write_region(region, blob2)
        assert chip.read(region, 3000) == blob2
        resets = chip.reset_count
        board.reset_target()
        assert chip.reset_count > resets and not chip.halted  # running after the reset
        assert chip.read(0x0800_0000, 6000) == flash  # the image survived the blob writes
    names = {call[0] for call in chip.algo.calls}
    assert {"pc_init", "pc_erase_sector", "pc_program_page", "pc_unInit"} <= names


def test_missing_probe_is_a_probe_error(tmp_path: Path) -> None:
    board = nucleo(tmp_path, "NUCLEO_F767ZI", "stm32f767zi")
    with pytest.raises(ProbeError, match="probe 'SWP0001' of board 'nucleo-01': not connected"):
        board.reset_target()


def test_power_cycle_hook_recovers_a_vanished_probe(tmp_path: Path) -> None:
    flag = tmp_path / "plugged"
    chip = SoftwareProbe.attach("SWP0001", "stm32l475xg", plugged_flag=flag)
    board = nucleo(tmp_path, "NUCLEO_L476RG", "stm32l475xg", hooks={"power_cycle": f"touch {flag}"})
    assert Capability.POWER_CYCLE in board.capabilities
    board.reset_target()
    assert flag.exists() and chip.reset_count == 1
    assert "hook power_cycle" in board.console_log.path.read_text()


def test_running_image_is_recognised_by_build_id_or_hash_prefix(tmp_path: Path) -> None:
    full = "0123456789abcdef" * 4
    image = FirmwareFiles(tmp_path / "a.elf", tmp_path / "a.bin", full, 0x0810_0000, 1024)
    assert image_matches({"image_hash": full}, image)
    assert image_matches({"image": full[:16]}, image)
    assert not image_matches({"image": full[:4]}, image)
    assert not image_matches({"image_hash": "f" * 64}, image)
    assert not image_matches(None, image)

    @dataclass(frozen=True)
    class Built(FirmwareFiles):
        build_id: str = "3f2a9c"

    built = Built(image.elf, image.bin, "9" * 64, 0x0810_0000, 1024)
    assert image_matches({"build": "3f2a9c", "fw": "joulefarm-harness"}, built)
    assert not image_matches(
        {"build": "dev"}, Built(image.elf, image.bin, "9" * 64, 0, 1, 0, "dev")
    )
    assert not image_matches({"build": "other"}, built)


@pytest.mark.parametrize("mode", ["pre-reset", "under-reset", "attach"])
def test_every_connect_mode_programs(tmp_path: Path, mode: str) -> None:
    chip = SoftwareProbe.attach("SWP0001", "stm32f767zi")
    image = image_file(tmp_path, 4096, 0x0810_0000)
    board = nucleo(
        tmp_path, "NUCLEO_F767ZI", "stm32f767zi", probe={"uid": "SWP0001", "connect_mode": mode,
                                                         "pyocd_target": "stm32f767zi"}
    )  # fmt: skip
    board.flash_image(image)
    assert chip.read(0x0800_0000, 4096) == image.bin.read_bytes()
