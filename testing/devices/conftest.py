"""Fixtures of the device tests: a tiny DUT program for QEMU and a twin board running it."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from farm.catalog import Catalog
from farm.devices.protocols import FirmwareFiles
from farm.devices.qemu import QemuBoard
from farm.devices.registry import open_board
from farm.inventory import BoardConfig

DATA = Path(__file__).parent / "data"
TINY_REGION_ADDR = 0x0010_0000


@pytest.fixture(scope="session")
def tiny_image(tmp_path_factory: pytest.TempPathFactory) -> FirmwareFiles:
    """The tiny DUT of data/tiny_dut.c built for mps2-an386 (the NUCLEO_L4R5ZI twin)."""
    out = tmp_path_factory.mktemp("tiny") / "tiny_dut.elf"
    subprocess.run(
        [
            "arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-Os", "-nostdlib",
            "-nostartfiles", "-ffreestanding", "-T", str(DATA / "tiny_dut.ld"),
            str(DATA / "tiny_dut.c"), "-o", str(out),
        ],
        check=True,
    )  # fmt: skip
    return FirmwareFiles(
        elf=out,
        bin=out,
        image_hash="tiny",
        model_region_addr=TINY_REGION_ADDR,
        model_region_bytes=4096,
    )


@pytest.fixture
def twin_config() -> BoardConfig:
    """Inventory entry of one virtual board."""
    return BoardConfig(id="twin-l4r5-01", target="NUCLEO_L4R5ZI", backend="qemu")


@pytest.fixture
def twin(twin_config: BoardConfig, tmp_path: Path) -> Iterator[QemuBoard]:
    """An opened (not yet prepared) QEMU twin; closed after the test."""
    target = Catalog.load().get(twin_config.target)
    board = open_board(
        twin_config, target, workdir=tmp_path / "w", log_path=tmp_path / "console.log"
    )
    assert isinstance(board, QemuBoard)
    with board:
        yield board
