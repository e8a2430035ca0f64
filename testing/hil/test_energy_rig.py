"""The energy rig on the virtual lab, end to end and with nothing circular in it.

The real harness firmware, built in energy mode, runs on a QEMU twin; its timestamp pin and its
sleep/wake leave QEMU on the twin's wire; the virtual lab turns them into the emulated monitor's
supply current and trigger/event input; the real driver reads the monitor through a pty and the
rig finds the window from what the monitor saw. The ground truth is the energy of the twin's
activity over the firmware's own timed region, computed by the virtual lab apart from all that.

For both monitor setups of MLPerf Tiny (STLINK-V3PWR binary 100 kHz with the TGI trigger, LPM01A
ASCII 1 kHz with D7 events) the measurement matches the truth; a firmware whose pin is in the
wrong place is caught; a cut or late wire, an extra edge and a too short window are errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from farm.build.artifact import FirmwareArtifact
from farm.catalog import Catalog, TargetSpec
from farm.devices.qemu import QemuBoard
from farm.errors import EnergyWindowError
from farm.hil.power_rig import PowerRig, open_power_rig
from farm.inventory import BoardConfig
from farm.virtual.power_bench import TwinPowerBench

from .conftest import wait_until

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".farm" / "cache"  # the farm's default build cache: CI builds each image once
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
WARMUPS = 1


def _config(monitor: str, rate_hz: int | None = None, **qemu: Any) -> BoardConfig:
    power = dict(MONITORS[monitor])
    if rate_hz is not None:
        power["sample_rate_hz"] = rate_hz
    return BoardConfig.model_validate(
        {
            "id": f"energy-rig-{monitor}",
            "target": TARGET,
            "backend": "qemu",
            "power_monitor": power,
            "qemu": qemu,
            "tags": ["virtual"],
        }
    )


def _image(fault_pin: str | None = None) -> FirmwareArtifact:
    from farm.build import build_firmware

    extra = {"MODE": "energy"} | ({"FAULT_PIN": fault_pin} if fault_pin else {})
    return build_firmware(
        ROOT / "firmware" / "harness", "1.0", "mps2_an386", cache_dir=CACHE, extra_vars=extra
    )


@pytest.fixture(scope="module")
def target() -> TargetSpec:
    """Catalog entry of the MLPerf Tiny reference board."""
    return Catalog.load().get(TARGET)


@pytest.fixture(scope="module")
def kws_blob() -> tuple[bytes, int]:
    """The smallest keyword-spotting model of the zoo and its input size."""
    from farm.compiler.model_compiler import compile_model

    compiled = compile_model(ROOT / "models" / "kws_dscnn_16.tflite")
    return compiled.blob, int(np.prod(compiled.input.shape))


@pytest.fixture
def wired(tmp_path: Path, target: TargetSpec, kws_blob: tuple[bytes, int]) -> Iterator[Any]:
    """``wired(config, image)``: a twin running ``image``, its bench and a rig on its monitor."""
    opened: list[Any] = []

    @contextmanager
    def _wired(
        config: BoardConfig, image: FirmwareArtifact
    ) -> Iterator[tuple[QemuBoard, PowerRig]]:
        from farm.devices.registry import open_board

        work = tmp_path / f"twin{len(opened)}"
        board = open_board(config, target, workdir=work, log_path=work / "console.log")
        assert isinstance(board, QemuBoard)
        opened.append(board)
        board.prepare(image, kws_blob[0])
        data = np.random.default_rng(7).integers(-128, 128, kws_blob[1], dtype=np.int8)
        board.dut().load_input(data.tobytes())
        bench = TwinPowerBench(board.wire, board.facts, config, target)
        opened.append(bench)
        rig = open_power_rig(config, port=bench.port, overrides=bench.driver_overrides, truth=bench)
        opened.append(rig)
        yield board, rig

    yield _wired
    for item in reversed(opened):
        item.close()


@pytest.mark.parametrize("monitor", list(MONITORS))
def test_energy_matches_ground_truth(wired: Any, monitor: str) -> None:
    """The firmware's pin gives the window; the energy matches the twin's activity."""
    with wired(_config(monitor), _image()) as (board, rig):
        dut = board.dut()
        plan = rig.plan_window(dut, board.facts)
        assert plan.window_s >= plan.min_window_s
        assert plan.n == 1 or (plan.n - 1) * plan.inference_s < plan.min_window_s
        capture = rig.capture(dut, board.facts, plan.n, warmup=WARMUPS)
    error, bound = capture.truth_error, capture.truth_bound
    assert error is not None and bound is not None and capture.truth_uj is not None
    print(
        f"{monitor}: {capture.energy.energy_uj:.3f} uJ vs truth {capture.truth_uj:.3f} uJ, "
        f"error {error:+.3%} (claimed <= {bound:.3%}); {plan.describe()}"
    )
    assert abs(error) <= TOLERANCE[monitor], f"{monitor}: error {error:+.3%}"
    assert abs(error) <= bound, f"{monitor}: error {error:+.3%} beyond the claimed {bound:.3%}"
    assert capture.energy.n_inferences == plan.n
    start_s, end_s = capture.windows[0]
    # The window's length is the firmware's, found from the pin (not planned by the farm).
    assert end_s - start_s == pytest.approx(plan.window_s, rel=0.02, abs=2e-3)
    samples = len(capture.trace.samples)
    f = capture.trace.sample_rate_hz
    assert samples > end_s * f + 1, "the trace goes on after the window (result printing)"
    if monitor == "lpm01a":  # software start: the warm-up is in the trace, before the window
        assert start_s >= plan.inference_s * WARMUPS * 0.9
        assert "D7 events" in capture.method
    else:
        assert "TGI trigger from the firmware's pin" in capture.method


def test_pin_before_the_warmups_is_seen(wired: Any) -> None:
    """A firmware pulsing its start edge before the warm-ups: the window holds W + N
    inferences, the measured energy per inference grows by about (W + N) / N and the check
    against the truth sees it (the old rig fired the trigger itself and could not)."""
    with wired(_config("lpm01a"), _image("before-warmup")) as (board, rig):
        dut = board.dut()
        plan = rig.plan_window(dut, board.facts)
        capture = rig.capture(dut, board.facts, plan.n, warmup=WARMUPS)
    error = capture.truth_error
    assert error is not None
    print(f"pin before the warm-ups: error {error:+.2%} with N={plan.n}, W={WARMUPS}")
    assert error > TOLERANCE["lpm01a"]
    # At least the warm-ups' share; a little more: the tick alignment and the UART lines
    # between the warm-ups and the timed region are in the window too.
    assert WARMUPS / plan.n * 0.95 <= error <= WARMUPS / plan.n + 0.1


@pytest.mark.parametrize("monitor", list(MONITORS))
def test_cut_wire_is_an_error_naming_the_wiring(wired: Any, monitor: str) -> None:
    """No edge reaches the monitor: an infrastructure error naming the board and the wire."""
    config = _config(monitor, timestamp_wire="cut")
    with wired(config, _image()) as (board, rig):
        dut = board.dut()
        plan = rig.plan_window(dut, board.facts)
        with pytest.raises(EnergyWindowError, match=r"board 'energy-rig-.*wire.*timestamp pin"):
            rig.capture(dut, board.facts, plan.n, warmup=WARMUPS)


def test_extra_edge_is_an_error(wired: Any) -> None:
    """A third edge on D7: the window is ambiguous, the error names the D7 wiring."""
    with wired(_config("lpm01a"), _image("extra-edge")) as (board, rig):
        dut = board.dut()
        plan = rig.plan_window(dut, board.facts)
        with pytest.raises(EnergyWindowError, match="3 edges on the monitor's D7"):
            rig.capture(dut, board.facts, plan.n, warmup=WARMUPS)


def test_idle_twin_sleeps_between_ticks(wired: Any) -> None:
    """A twin waiting for its next command sleeps in WFI and wakes for a few instructions each
    1 ms tick: over half a second of its idle time the rail draws little more than the idle
    current. (A wake stamped before the waking SysTick had counted its millisecond once made
    every sleep look like running.)"""
    with wired(_config("stlink-v3pwr"), _image()) as (board, rig):
        board.dut().infer(1, 0)
        bench = rig.truth
        assert isinstance(bench, TwinPowerBench) and bench.regions
        start = bench.regions[-1].end_s + 0.1  # after the answer's UART lines
        timeline = bench.timeline
        advanced = wait_until(lambda: timeline.horizon_s >= start + 0.5, timeout_s=120.0)
        assert advanced, "the idle twin's time did not advance"
        mean_a = float(timeline.mean_a(np.array([start]), np.array([start + 0.5]))[0])
    run_a, idle_a = timeline.run_current_a, timeline.idle_current_a
    print(f"idle twin: {mean_a * 1e6:.2f} uA (idle {idle_a * 1e6:.2f}, run {run_a * 1e6:.0f})")
    assert idle_a <= mean_a < idle_a + 0.01 * (run_a - idle_a)


def test_late_trigger_is_seen(wired: Any) -> None:
    """A wire delaying the edge by 1 s, far past the timed region: normally the trigger comes
    after the acquisition was stopped (an error naming the wire). If the host was so slow that
    the twin idled for over a second before ``stop``, the window holds the twin's sleep
    instead of the inference, and the ground truth check sees that instead."""
    config = _config("stlink-v3pwr", timestamp_wire_delay_us=1_000_000)
    with wired(config, _image()) as (board, rig):
        dut = board.dut()
        try:
            capture = rig.capture(dut, board.facts, 1, warmup=0)
        except EnergyWindowError as exc:
            assert re.search("trigger came late|trigger never came", str(exc)), exc
            assert "TGI" in str(exc)
        else:
            assert capture.truth_error is not None and capture.truth_error < -0.5


@pytest.mark.parametrize("monitor", list(MONITORS))
def test_window_shorter_than_the_monitor_resolves(wired: Any, monitor: str) -> None:
    """One inference (~23 ms) at 100 Hz spans ~2 samples: an error naming the rate."""
    with wired(_config(monitor, rate_hz=100), _image()) as (board, rig):
        with pytest.raises(EnergyWindowError, match="at 100 Hz, shorter than the monitor"):
            rig.capture(board.dut(), board.facts, 1, warmup=0)


def test_window_cap(wired: Any) -> None:
    """A model too fast for the sample rate gets at most max_n inferences, flagged as capped."""
    from farm.hil.power_rig import plan_window

    with wired(_config("stlink-v3pwr"), _image()) as (board, _rig):
        plan = plan_window(board.dut(), board.facts, 1.0, max_n=3)  # 200 samples at 1 Hz
    assert (plan.n, plan.capped) == (3, True)
    assert "capped at 3" in plan.describe()


def test_mlperf_rule_plans_ten_second_windows(wired: Any) -> None:
    """MLPerf Tiny's rule (a lab setting): windows of >= 10 s, median of 5, in the method."""
    from farm.hil.power_rig import WINDOW_RULES
    from farm.settings import EnergyRule, FarmSettings

    assert FarmSettings(energy_rule="mlperf").energy_rule is EnergyRule.MLPERF
    rule = WINDOW_RULES[str(EnergyRule.MLPERF)]
    with wired(_config("lpm01a"), _image()) as (board, rig):
        rig.rule = rule
        plan = rig.plan_window(board.dut(), board.facts)
    assert plan.window_s >= 10.0 and (plan.n - 1) * plan.inference_s < 10.0
    assert rule.windows == 5
    assert "rule mlperf: windows >= 10 s and >= 200 samples, median of 5" in plan.describe()
