"""A twin's latency from the cycle model: the harness traced once per (image, model), cached,
and the estimate (or the labelled flat-factor fallback) carried into facts, latency and method."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from farm.build import FirmwareArtifact, build_firmware
from farm.catalog import Catalog
from farm.compiler.model_compiler import compile_model
from farm.devices.cycle_model import estimate_for_target
from farm.devices.exec_trace import TraceProfile
from farm.devices.qemu import QemuBoard
from farm.hil.mcu_inference import time_windows
from farm.inventory import BoardConfig
from farm.virtual import cycle_trace
from farm.virtual.boards import open_lab_board
from testing.build.conftest import HARNESS, REPO

pytestmark = pytest.mark.emulator
MODEL = REPO / "models" / "kws_dscnn_16.tflite"


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> FirmwareArtifact:
    cache = tmp_path_factory.mktemp("firmware-cache")
    return build_firmware(HARNESS, "1.1", "mps2_an386", cache_dir=cache, builder="host")


@pytest.fixture(scope="module")
def blob() -> bytes:
    return compile_model(MODEL).blob


@pytest.fixture
def open_twin(tmp_path: Path) -> Iterator:
    """Opens L4R5 twins the way the farm does (profile cache in ``tmp_path/cache``)."""
    boards: list[QemuBoard] = []

    def opener(name: str = "l4r5-twin") -> QemuBoard:
        config = BoardConfig(id=name, target="NUCLEO_L4R5ZI", backend="qemu")
        board = open_lab_board(
            config,
            Catalog.load().get("NUCLEO_L4R5ZI"),
            workdir=tmp_path / name,
            log_path=tmp_path / f"{name}.log",
            state_dir=tmp_path / "state",
            cache_dir=tmp_path / "cache",
        )
        assert isinstance(board, QemuBoard)
        boards.append(board)
        return board

    yield opener
    for board in boards:
        board.close()


def test_twin_latency_uses_the_cycle_estimate(harness, blob, open_twin) -> None:
    board = open_twin()
    board.prepare(harness, blob)
    facts = board.facts
    estimate = facts.cycle_estimate
    assert estimate is not None and facts.cycle_fallback is None
    # Every Cortex-M4 instruction takes at least one cycle, and flash wait states add more.
    assert estimate.cycles > estimate.instructions
    assert facts.cycles_per_instruction == pytest.approx(estimate.cycles / estimate.instructions)

    timing = time_windows(board, n=2, warmup=0, windows=1)
    window = timing.windows[0]
    assert window.cycles is not None
    # Another run than the trace: a SysTick (1 ms of virtual time, whose phase follows the host's
    # clock while the core sleeps) may land in the region once more or less, ~1000 instructions
    # on this ~1 M-instruction model; the trace's own count check is within one run.
    assert window.cycles // 2 == pytest.approx(estimate.instructions, rel=1e-2)
    cpi = estimate.cycles / estimate.instructions
    assert timing.latency_us[0] == pytest.approx(window.cycles / 2 * cpi / 120e6 * 1e6)
    assert timing.cycles_estimated_per_inference == pytest.approx(estimate.cycles, rel=1e-2)
    assert "cycle model from the QEMU exec trace" in timing.method
    assert "5 WS at 120 MHz" in timing.method and "P=2" in timing.method
    # The data side: the traced reads of flash the L4R5's 256 B data cache misses.
    cached = next((board.workdir.parent / "cache" / "cycle-profiles").glob("*.json"))
    profile = TraceProfile.from_json(json.loads(cached.read_text())["profile"])
    reads = profile.flash_reads
    assert reads is not None and reads.reads > reads.misses(256) >= len(blob) // 8 // 2
    figures = estimate_for_target(profile, Catalog.load().get("NUCLEO_L4R5ZI"), len(blob))
    assert figures.data_stall_cycles == reads.misses(256) * 5
    assert figures.cycles == estimate.cycles
    assert f"{reads.reads} reads of flash in the region" in estimate.method


def test_profile_traced_once_per_image_and_model(harness, blob, open_twin, monkeypatch) -> None:
    first = open_twin("twin-a")
    first.prepare(harness, blob)
    profiles = list((first.workdir.parent / "cache" / "cycle-profiles").glob("*.json"))
    assert len(profiles) == 1

    def no_second_trace(*args: object, **kwargs: object) -> None:
        raise AssertionError("traced again: the cached profile was not used")

    monkeypatch.setattr(cycle_trace, "trace_profile", no_second_trace)
    second = open_twin("twin-b")
    second.prepare(harness, blob)
    assert second.facts.cycle_estimate == first.facts.cycle_estimate


def test_firmware_without_the_bracket_falls_back_to_the_labelled_flat_factor(
    harness, blob, open_twin, tmp_path: Path
) -> None:
    elf = tmp_path / "no_bracket.elf"
    subprocess.run(
        ["arm-none-eabi-objcopy", "--strip-symbol=bsp_cycles", str(harness.elf), str(elf)],
        check=True,
    )
    image = dataclasses.replace(harness, elf=elf, image_hash="no-bracket-" + harness.image_hash)
    board = open_twin()
    board.prepare(image, blob)
    target = Catalog.load().get("NUCLEO_L4R5ZI")
    assert board.facts.cycle_estimate is None
    assert "bsp_cycles" in (board.facts.cycle_fallback or "")
    assert board.facts.cycles_per_instruction == target.virtual_cycles_per_instruction

    timing = time_windows(board, n=1, warmup=0, windows=1)
    assert "flat catalog factor, fallback" in timing.method
    assert timing.cycles_estimated_per_inference is None

    # The image cannot be traced: that is cached too, the next board does not try again.
    again = open_twin("twin-again")
    again.prepare(image, blob)
    assert (again.facts.cycle_fallback or "").endswith("(cached)")


def test_energy_build_gets_the_inference_cycle_factor(
    harness, blob, open_twin, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The energy build's timed region also holds the timestamp pulse (100 us of clock polling,
    100,000 instructions in the untimed trace): the factor comes from the rest, so it is the
    inference's, as the performance build's."""
    cache = tmp_path_factory.mktemp("energy-cache")
    energy = build_firmware(
        HARNESS, "1.1", "mps2_an386", cache_dir=cache, builder="host", extra_vars={"MODE": "energy"}
    )
    performance = open_twin("performance")
    performance.prepare(harness, blob)
    pulsed = open_twin("energy")
    pulsed.prepare(energy, blob)
    want, got = performance.facts.cycle_estimate, pulsed.facts.cycle_estimate
    assert want is not None and got is not None
    assert got.cycles_per_instruction == pytest.approx(want.cycles_per_instruction, rel=1e-3)
    records = [
        json.loads(p.read_text())
        for p in (pulsed.workdir.parent / "cache" / "cycle-profiles").glob("*.json")
    ]
    (record,) = [r for r in records if r["image_hash"] == energy.image_hash]
    left_out = record["firmware_instructions"] - got.instructions
    assert 100_000 <= left_out < 110_000, f"pulse instructions left out: {left_out}"
