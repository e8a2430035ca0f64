"""The harness artifact through the product's own twin driver (farm.devices.qemu + farm.devices.dut)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from farm.build import build_firmware
from farm.catalog import Catalog
from farm.compiler.host_runtime import HostModel
from farm.compiler.model_compiler import compile_model
from farm.devices.qemu import QemuBoard
from farm.inventory import BoardConfig
from testing.build.conftest import HARNESS, REPO

pytestmark = pytest.mark.emulator


def test_board_layer_runs_the_artifact(build_cache: Path, tmp_path: Path) -> None:
    target = Catalog.load().get("NUCLEO_L4R5ZI")
    bsp = target.qemu_machine.replace("-", "_")
    art = build_firmware(HARNESS, "1.1", bsp, cache_dir=build_cache, builder="host")
    compiled = compile_model(REPO / "models" / "kws_dscnn_16.tflite")
    x = np.random.default_rng(3).integers(-128, 128, 490, dtype=np.int8)
    config = BoardConfig(id="twin-l4r5", target=target.name, backend="qemu")
    with QemuBoard(config, target, workdir=tmp_path, log_path=tmp_path / "console.log") as board:
        board.prepare(art, compiled.blob)
        dut = board.dut()
        assert dut.name() == "joulefarm"
        info = dut.farm_info()
        assert info is not None and info["build"] == art.build_id and info["bsp"] == bsp
        dut.load_input(x.tobytes())
        dut.infer(5, 1)
        raw = dut.results_raw()
        first = dut.cycles()
        board.reset()
        dut.load_input(x.tobytes())
        dut.infer(5, 1)
        assert dut.cycles() == first and first is not None and first > 0
    assert np.array_equal(np.frombuffer(raw, np.int8), HostModel(compiled.blob).run(x))
