"""Fixtures of the HIL suite: what a matrix test builds, leases, prepares and records.

Build products come first and never hold a board (``compiled``, ``image``); fixtures that talk
to hardware depend on ``board`` (the lease), so a board is held only while it is used:

==================  =====================================================================
fixture             value
==================  =====================================================================
``hil``             :class:`HilOptions`: inputs per test, timed windows, seed
``compiled``        the model blob and its facts (``farm.compiler``), MCU tests only
``build_image``     ``image_for`` with this run's build settings bound (session-wide)
``image``           the firmware image a board of the pool runs (``farm.build``)
``reference``       the inputs of this test and TFLite Micro's outputs for them
``mcu``             the leased board, opened and prepared (image + model blob), closed after
``console_log``     path of this test's console log (an artifact of the run)
==================  =====================================================================
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from farm.errors import ConfigError
from farm.plugin.fixtures import LeasedBoard
from farm.plugin.item_state import RowDraft
from farm.plugin.session import FarmSession
from farm.results.schema import safe_id

if TYPE_CHECKING:
    from farm.build.artifact import FirmwareArtifact
    from farm.build.cache import RemoteBuildCache
    from farm.compiler.model_compiler import CompiledModel
    from farm.devices.protocols import Board
    from farm.discovery import FirmwareSpec, ModelSpec
    from farm.matrix import BoardPool
    from farm.settings import FarmSettings


@dataclass(frozen=True)
class HilOptions:
    """How much each HIL test measures (settings ``hil_*``: ``FARM_HIL_*``, ``--farm-hil-*``)."""

    inputs: int
    """Inputs checked bit for bit per inference test."""
    timed_inferences: int
    """Inferences per timed window."""
    windows: int
    """Timed windows; latency is their median."""
    seed: int

    @classmethod
    def from_settings(cls, settings: FarmSettings) -> HilOptions:
        """The ``hil_*`` settings of this run."""
        return cls(
            inputs=settings.hil_inputs,
            timed_inferences=settings.hil_timed_inferences,
            windows=settings.hil_windows,
            seed=settings.hil_seed,
        )


@pytest.fixture(scope="session")
def hil(farm: FarmSession) -> HilOptions:
    """Measurement sizes of this run."""
    return HilOptions.from_settings(farm.settings.values)


@pytest.fixture(scope="session")
def build_remote(pytestconfig: pytest.Config, farm: FarmSession) -> RemoteBuildCache | None:
    """Second tier of the build cache (``pytest_farm_build_remote``; None: local cache only)."""
    return pytestconfig.hook.pytest_farm_build_remote(farm=farm)


@pytest.fixture
def compiled(model: ModelSpec, record: RowDraft) -> CompiledModel:
    """The model blob; a model the runtime cannot run fails with the compiler's message."""
    from farm.hil.artifacts import model_blob

    try:
        blob = model_blob(model)
    except ConfigError as exc:
        pytest.fail(str(exc), pytrace=False)
    record.set(blob_bytes=blob.blob_bytes, arena_bytes=blob.arena_bytes, macs=blob.macs)
    return blob


@pytest.fixture(scope="session")
def build_image(
    farm: FarmSession, build_remote: RemoteBuildCache | None
) -> Callable[..., FirmwareArtifact]:
    """``image_for`` with this run's build settings bound (cache, builder, rootfs, remote tier),
    so every test that needs an image asks for it the same way."""
    from farm.hil.artifacts import image_for

    settings = farm.settings.values
    return functools.partial(
        image_for,
        cache_dir=_cache_dir(farm),
        builder=settings.builder,
        rootfs_dir=settings.rootfs_dir,
        remote=build_remote,
    )


@pytest.fixture
def image(
    firmware: FirmwareSpec,
    board_pool: BoardPool,
    model: ModelSpec,
    compiled: CompiledModel,
    record: RowDraft,
    build_image: Callable[..., FirmwareArtifact],
) -> FirmwareArtifact:
    """The firmware image for this pool (with the model compiled in, for a firmware that
    embeds it), built (or taken from the cache) before the lease."""
    artifact = build_image(firmware, board_pool, model=model)
    record.set(image_hash=artifact.image_hash)
    return artifact


@dataclass(frozen=True)
class Reference:
    """Inputs of a test and the host reference outputs for them."""

    inputs: list[np.ndarray]
    outputs: list[np.ndarray]
    runtime: str


@pytest.fixture
def reference(model: ModelSpec, compiled: CompiledModel, hil: HilOptions) -> Reference:
    """Seeded int8 inputs and TFLite Micro's outputs for them."""
    from farm.hil.inputs import model_inputs, tflm_outputs

    inputs = model_inputs(model.key, compiled.input.shape, hil.inputs, hil.seed)
    return Reference(inputs, tflm_outputs(model.path, inputs), "tflite-micro")


@pytest.fixture
def console_log(request: pytest.FixtureRequest, farm: FarmSession, record: RowDraft) -> Path:
    """This test's console log file under ``<run_dir>/logs/``."""
    path = farm.run_dir / "logs" / f"{safe_id(request.node.nodeid)}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    record.set(console_log=str(path.relative_to(farm.run_dir)))
    return path


@pytest.fixture
def mcu(
    board: LeasedBoard,
    image: FirmwareArtifact,
    compiled: CompiledModel,
    console_log: Path,
    farm: FarmSession,
) -> Iterator[Board]:
    """The leased MCU board running ``image`` with the model blob written."""
    with _opened(board, console_log, farm) as device:
        # A firmware with the model compiled in is flashed per model; no blob is written.
        device.prepare(image, b"" if image.model_sha256 else compiled.blob)
        settings = farm.settings.values
        dut = device.dut()
        dut.boot_timeout_s = settings.dut_handshake_timeout_s
        dut.infer_timeout_s = settings.dut_inference_timeout_s
        yield device


def _cache_dir(farm: FarmSession) -> Path:
    return farm.settings.values.cache_dir.resolve()


@contextmanager
def _opened(board: LeasedBoard, console_log: Path, farm: FarmSession) -> Iterator[Any]:
    """Open the leased board with its backend (closed on exit); the row knows the board from
    the lease (:mod:`farm.plugin.item_state`)."""
    from farm.plugin.target_power import power_on_target
    from farm.virtual.boards import open_lab_board

    workdir = _cache_dir(farm) / "boards" / board.id
    state_dir = farm.settings.values.state_dir
    with open_lab_board(
        board.config,
        board.target,
        workdir=workdir,
        log_path=console_log,
        state_dir=state_dir,
        cache_dir=_cache_dir(farm),
    ) as device:
        power_on_target(board.config, device, farm)  # before prepare() flashes
        yield device


@pytest.fixture
def power(board: LeasedBoard, mcu: Board, farm: FarmSession) -> Iterator[Any]:
    """The power rig of the leased board: the monitor's driver on its port, the same rig for
    every board. A twin's monitor is the virtual lab's emulator, wired to the twin's own pin
    and rail (:mod:`farm.virtual.power_bench`); its port is a pty. Skips when the board has no
    monitor the farm drives."""
    from farm.devices.protocols import Capability
    from farm.hil.power_rig import WINDOW_RULES, open_power_rig
    from farm.powermon.from_inventory import has_driven_monitor

    if not has_driven_monitor(board.config):
        kind = board.config.power_monitor.type
        pytest.skip(f"board '{board.id}' has power_monitor.type {kind}: no energy measurement")
    rule = WINDOW_RULES[str(farm.settings.values.energy_rule)]
    from farm.plugin.target_power import wire_log_into

    with ExitStack() as stack:
        stack.enter_context(wire_log_into(getattr(mcu, "console_log", None)))
        bench = None
        if Capability.TWIN_WIRE in mcu.capabilities:  # the device at the end of the port
            from farm.virtual.power_bench import TwinPowerBench

            bench = TwinPowerBench(mcu.wire, mcu.facts, board.config, board.target)  # type: ignore[attr-defined]
            stack.callback(bench.close)
        port = bench.port if bench is not None else None
        rig = open_power_rig(
            board.config,
            port=port,
            overrides=bench.driver_overrides if bench is not None else None,
            rule=rule,
            truth=bench,
        )
        stack.callback(rig.close)
        yield rig


@pytest.fixture
def linux(board: LeasedBoard, console_log: Path, farm: FarmSession) -> Iterator[Any]:
    """The leased Linux board, connected over SSH (a twin's SSH server for a virtual board)."""
    with _opened(board, console_log, farm) as device:
        yield device
