"""m-lap-us on a twin is the real target's time: what any host computes equals the farm's latency."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from farm.build import build_firmware
from farm.catalog import Catalog
from farm.compiler.model_compiler import compile_model
from farm.devices.qemu import QemuBoard
from farm.inventory import BoardConfig, QemuConfig
from testing.build.conftest import HARNESS, REPO
from testing.build.qemu_twin import Twin

MODEL = REPO / "models" / "kws_dscnn_16.tflite"
N = 20

pytestmark = pytest.mark.emulator


@pytest.fixture(scope="module")
def blob() -> bytes:
    return compile_model(MODEL, model_id="kws01").blob


def _input() -> bytes:
    return np.random.default_rng(5).integers(-128, 128, 490, dtype=np.int8).tobytes()


@pytest.mark.parametrize(
    ("target", "machine", "us_per_instruction"),
    [
        ("NUCLEO_L4R5ZI", None, 1 / 120),  # mps2-an386, 120 MHz, 1.0 cycle/instruction
        ("NUCLEO_F767ZI", None, 0.8 / 216),  # mps2-an500, 216 MHz, 0.8 cycle/instruction
        ("NUCLEO_L476RG", "netduinoplus2", 1 / 80),  # STM32 twin: TIM2 counts instructions
    ],
)
def test_lap_us_follows_the_target_clock(
    target: str,
    machine: str | None,
    us_per_instruction: float,
    build_cache: Path,
    blob: bytes,
    tmp_path: Path,
) -> None:
    spec = Catalog.load().get(target)
    config = BoardConfig(id="twin", target=target, backend="qemu", qemu=QemuConfig(machine=machine))
    with QemuBoard(config, spec, workdir=tmp_path, log_path=tmp_path / "console.log") as board:
        bsp = board.machine.replace("-", "_")
        art = build_firmware(HARNESS, "1.1", bsp, cache_dir=build_cache, builder="host")
        board.prepare(art, blob)
        dut = board.dut()
        dut.load_input(_input())
        result = dut.infer(N, 1)
        assert result.cycles is not None and result.elapsed_us is not None
        farm_us = board.facts.latency_us(result)
        assert farm_us == pytest.approx(result.cycles * us_per_instruction / N, rel=1e-12)
        # Two floored microsecond reads a few instructions outside the counted region.
        assert abs(result.elapsed_us - farm_us * N) <= 2
        assert dut.profile().model == "kws01"


def test_without_the_record_lap_us_stays_qemu_time(build_cache: Path, tmp_path: Path) -> None:
    """QEMU started by hand (no loader record): the old 1 GHz virtual time, not garbage."""
    art = build_firmware(HARNESS, "1.1", "mps2_an386", cache_dir=build_cache, builder="host")
    compiled = compile_model(MODEL)
    blob = tmp_path / "kws.blob"
    blob.write_bytes(compiled.blob)
    with Twin("mps2-an386", art.elf, blob, art.model_region_addr) as twin:
        twin.load(_input())
        infer = twin.cmd(f"infer {N} 1")
        t0, t1 = (int(line.removeprefix("m-lap-us-")) for line in infer[3:5])
        cycles = int(twin.cmd("cycles")[0].removeprefix("m-cycles-"))
        assert abs((t1 - t0) - cycles / 1000) <= 2


def test_help_lists_the_commands(build_cache: Path, tmp_path: Path) -> None:
    art = build_firmware(HARNESS, "1.1", "mps2_an386", cache_dir=build_cache, builder="host")
    with Twin("mps2-an386", art.elf) as twin:
        lines = twin.cmd("help")
        assert lines[0] == "joulefarm-harness 1.1 (performance mode)"
        commands = {line.split()[0] for line in lines[1:] if line and not line.startswith(" ")}
        assert {"help", "name", "profile", "timestamp", "db", "infer", "results"} <= commands
        assert {"results-raw", "cycles", "farm-info"} <= commands
        assert not any(line.startswith("e-[") for line in lines)
        assert twin.cmd("name") == ["m-name-dut-[joulefarm]"]  # still in step after help%


def test_energy_image_reports_its_baud_and_pulse(build_cache: Path, tmp_path: Path) -> None:
    recipe = REPO / "testing" / "data" / "firmware" / "energy" / "recipe.yaml"
    art = build_firmware(recipe, "1.1-energy", "mps2_an386", cache_dir=build_cache, builder="host")
    assert art.console_baud == 9600
    with Twin("mps2-an386", art.elf) as twin:
        info = twin.cmd("farm-info")[0]
        assert " baud=9600 " in info and " ts_pulse_us=100 " in info and "mode=energy" in info
