"""Fixtures of the DUT tests: the real harness firmware built for a QEMU twin."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from farm.catalog import Catalog
from farm.devices.protocols import FirmwareFiles
from farm.devices.qemu import QemuBoard
from farm.devices.registry import open_board
from farm.inventory import BoardConfig

ROOT = Path(__file__).resolve().parents[2]
HARNESS = ROOT / "firmware" / "harness"
# mps2_an386's model region (firmware/bsp/mps2_an386/memory.ld).
AN386_MODEL_REGION = (0x0004_0000, 3840 * 1024)


def build_harness(out: Path, bsp: str = "mps2_an386", **make_vars: str) -> FirmwareFiles:
    """``make -C firmware/harness`` into ``out``, as the farm's host builder runs it."""
    args = [f"{k}={v}" for k, v in {"BSP": bsp, "OUT": str(out), **make_vars}.items()]
    subprocess.run(["make", "-s", "-C", str(HARNESS), *args], check=True, capture_output=True)
    bin_path = out / "firmware.bin"
    digest = hashlib.sha256(bin_path.read_bytes()).hexdigest()
    return FirmwareFiles(out / "firmware.elf", bin_path, digest, *AN386_MODEL_REGION, load_addr=0)


@pytest.fixture(scope="session")
def harness(tmp_path_factory: pytest.TempPathFactory) -> FirmwareFiles:
    """The harness for the NUCLEO_L4R5ZI twin (mps2-an386), build id ``h7test``."""
    return build_harness(tmp_path_factory.mktemp("harness"), BUILD_ID="h7test")


@pytest.fixture
def open_twin(tmp_path: Path) -> Iterator[Callable[[str], QemuBoard]]:
    """Open QEMU twins by board id; all are closed after the test."""
    boards: list[QemuBoard] = []

    def _open(board_id: str = "twin-l4r5-01") -> QemuBoard:
        config = BoardConfig(id=board_id, target="NUCLEO_L4R5ZI", backend="qemu")
        target = Catalog.load().get(config.target)
        work = tmp_path / board_id
        board = open_board(config, target, workdir=work, log_path=work / "console.log")
        assert isinstance(board, QemuBoard)
        boards.append(board)
        return board

    yield _open
    for board in boards:
        board.close()


@pytest.fixture(scope="session")
def hang_harness(tmp_path_factory: pytest.TempPathFactory) -> FirmwareFiles:
    """The harness built with ``FAULT_HANG_AFTER=3``: the 4th inference since boot never returns."""
    return build_harness(tmp_path_factory.mktemp("hang"), BUILD_ID="h7hang", FAULT_HANG_AFTER="3")


@pytest.fixture(scope="session")
def kws_blob() -> bytes:
    """The smallest keyword-spotting model of the zoo, compiled to a model blob."""
    from farm.compiler.model_compiler import compile_model

    return compile_model(ROOT / "models" / "kws_dscnn_16.tflite").blob
