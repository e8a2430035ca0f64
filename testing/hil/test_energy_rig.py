"""The energy rig of the virtual lab end to end: the real harness firmware on a QEMU twin times
the window, the emulated monitor streams it through a pty and the real driver measures it.

For both monitor types of the MLPerf Tiny setups (STLINK-V3PWR binary 100 kHz with a hardware
trigger, LPM01A ASCII 1 kHz with D7 event lines) the measured energy per inference must match the
ground truth the emulator streamed: within 0.5 % and 2 %, and within what the capture claims.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from farm.catalog import Catalog, TargetSpec
from farm.devices.protocols import Board
from farm.hil.power_rig import EmulatedRig, open_power_rig
from farm.inventory import BoardConfig

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".farm" / "cache"  # the farm's default build cache: CI builds the image once
TARGET = "NUCLEO_L4R5ZI"
MONITORS: dict[str, dict[str, Any]] = {
    "stlink-v3pwr": {
        "type": "stlink-v3pwr",
        "voltage_mv": 3300,
        "sample_rate_hz": 100_000,
        "format": "binary",
        "trigger": "hw",
    },
    "lpm01a": {
        "type": "lpm01a",
        "voltage_mv": 3000,
        "sample_rate_hz": 1000,
        "format": "ascii",
        "trigger": "d7",
    },
}
TOLERANCE = {"stlink-v3pwr": 0.005, "lpm01a": 0.02}


def _config(monitor: str) -> BoardConfig:
    return BoardConfig.model_validate(
        {
            "id": f"energy-rig-{monitor}",
            "target": TARGET,
            "backend": "qemu",
            "power_monitor": MONITORS[monitor],
            "tags": ["virtual"],
        }
    )


@pytest.fixture(scope="module")
def target() -> TargetSpec:
    """Catalog entry of the MLPerf Tiny reference board."""
    return Catalog.load().get(TARGET)


@pytest.fixture(scope="module")
def twin(tmp_path_factory: pytest.TempPathFactory, target: TargetSpec) -> Iterator[Board]:
    """A QEMU twin running the real harness with the smallest KWS model of the zoo."""
    from farm.build import build_firmware
    from farm.compiler.model_compiler import compile_model
    from farm.devices.registry import open_board

    image = build_firmware(ROOT / "firmware" / "harness", "1.0", "mps2_an386", cache_dir=CACHE)
    compiled = compile_model(ROOT / "models" / "kws_dscnn_16.tflite")
    work = tmp_path_factory.mktemp("energy-twin")
    board = open_board(_config("stlink-v3pwr"), target, workdir=work, log_path=work / "console.log")
    with board:
        board.prepare(image, compiled.blob)
        size = int(np.prod(compiled.input.shape))
        data = np.random.default_rng(7).integers(-128, 128, size, dtype=np.int8)
        board.dut().load_input(data.tobytes())
        yield board


@pytest.mark.parametrize("monitor", list(MONITORS))
def test_energy_matches_ground_truth(twin: Board, target: TargetSpec, monitor: str) -> None:
    """A window of >= 200 samples measures the streamed energy within the monitor's tolerance."""
    config = _config(monitor)
    rig = open_power_rig(config, target, virtual=True)
    try:
        assert isinstance(rig, EmulatedRig)
        dut = twin.dut()
        plan = rig.plan_window(dut, twin.facts)
        assert plan.window_s >= plan.min_window_s
        assert plan.n == 1 or (plan.n - 1) * plan.inference_s < plan.min_window_s
        capture = rig.capture(dut, twin.facts, plan.n, warmup=1)
    finally:
        rig.close()
    error, bound = capture.truth_error, capture.truth_bound
    assert error is not None and bound is not None and capture.truth_uj is not None
    print(
        f"{monitor}: {capture.energy.energy_uj:.3f} uJ vs truth {capture.truth_uj:.3f} uJ, "
        f"error {error:+.3%} (claimed <= {bound:.3%}); {plan.describe()}"
    )
    assert abs(error) <= TOLERANCE[monitor], f"{monitor}: error {error:+.3%}"
    assert abs(error) <= bound, f"{monitor}: error {error:+.3%} beyond the claimed {bound:.3%}"
    assert capture.energy.n_inferences == plan.n
    assert capture.energy.window_s == pytest.approx(plan.window_s, rel=0.05, abs=2e-3)
    assert f"error {error:+.3%}" in capture.method


def test_window_cap(twin: Board) -> None:
    """A model too fast for the sample rate gets at most max_n inferences, flagged as capped."""
    from farm.hil.power_rig import plan_window

    plan = plan_window(twin.dut(), twin.facts, 1.0, max_n=3)  # 200 samples at 1 Hz: 200 s
    assert (plan.n, plan.capped) == (3, True)
    assert "capped at" in plan.describe()
