"""What a board can do, as small protocols (STYLE.md section 3).

A board is prepared (firmware image flashed if needed, model blob written), reset, gives its
console (a pyserial stream) and a DUT session over it, and is closed. Optional abilities are
explicit :class:`Capability` members; callers check them, never catch ``NotImplementedError``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from farm.errors import FarmError

if TYPE_CHECKING:
    import serial

    from farm.devices.dut import DutSession, InferResult


class Capability(enum.Enum):
    """Optional abilities of a board."""

    FLASH = "flash"
    """Firmware is programmed into non-volatile memory (a real probe), not loaded per start."""
    INSTRUCTION_COUNT = "instruction-count"
    """``cycles%`` counts instructions (a QEMU twin), converted with the catalog factor."""
    POWER_CYCLE = "power-cycle"
    """The inventory gives a power-cycle hook the farm can run to recover a probe."""
    TWIN_WIRE = "twin-wire"
    """Pin edges and sleep/wake of the firmware come out as records (``board.wire``)."""


@runtime_checkable
class FirmwareImage(Protocol):
    """The fields of a firmware build a board needs (``farm.build.FirmwareArtifact`` has them)."""

    @property
    def elf(self) -> Path: ...
    @property
    def bin(self) -> Path: ...
    @property
    def image_hash(self) -> str: ...
    @property
    def model_region_addr(self) -> int: ...
    @property
    def model_region_bytes(self) -> int: ...


@dataclass(frozen=True)
class FirmwareFiles:
    """A plain :class:`FirmwareImage` (tests, or images built outside ``farm.build``)."""

    elf: Path
    bin: Path
    image_hash: str
    model_region_addr: int
    model_region_bytes: int
    load_addr: int = 0x0800_0000
    console_baud: int | None = None


class ModelRegionOverflowError(FarmError):
    """The model blob is larger than the firmware's model region: a product finding."""

    kind = "model-too-large"


@dataclass(frozen=True)
class CycleFigure:
    """A twin's estimated core cycles of one inference (:mod:`farm.devices.cycle_model`).

    Attributes:
        instructions: instructions of the traced inference (QEMU's count).
        cycles: estimated cycles of that inference on the real target.
        method: how the cycles were counted, with every assumption.
    """

    instructions: int
    cycles: int
    method: str

    @property
    def cycles_per_instruction(self) -> float:
        return self.cycles / self.instructions


@dataclass(frozen=True)
class BoardFacts:
    """What a result row needs to know about the board that produced it.

    Attributes:
        board_id: inventory id.
        target: catalog target name (``NUCLEO_L4R5ZI``).
        clock_hz: core clock of the real target (max clock from the catalog).
        virtual: True for twins: numbers are instruction-count based, labelled virtual.
        cycles_per_instruction: factor a twin's instruction count is scaled by: the cycle
            model's cycles / instructions of the prepared (image, model), or the catalog's flat
            factor when there is no estimate (None on real hardware).
        machine: QEMU machine (twins) or pyocd target (Nucleo).
        cycle_estimate: the cycle model's figure behind ``cycles_per_instruction`` (twins).
        cycle_fallback: why a twin uses the catalog's flat factor instead (None otherwise).
    """

    board_id: str
    target: str
    clock_hz: int
    virtual: bool
    cycles_per_instruction: float | None = None
    machine: str | None = None
    cycle_estimate: CycleFigure | None = None
    cycle_fallback: str | None = None

    def cycles_estimated(self, result: InferResult) -> int | None:
        """Estimated core cycles of one inference of ``result`` (twins with a cycle estimate)."""
        if not self.virtual or self.cycle_estimate is None or result.cycles is None:
            return None
        return round(result.cycles / result.n * self.cycle_estimate.cycles_per_instruction)

    def latency_us(self, result: InferResult) -> float | None:
        """Latency of one inference in microseconds, the way this board measures it.

        Twins: ``cycles% instructions / N x factor / real clock``, the factor being the cycle
        model's cycles per instruction of this (image, model) (the catalog's flat factor when
        there is no estimate); virtual time of QEMU's SysTick would describe a 1 GHz core. Real boards: the device's
        ``m-lap-us`` timestamps, or in energy mode (no lap lines) ``cycles%`` / clock.
        """
        if self.virtual and result.cycles is not None and self.cycles_per_instruction:
            return result.cycles / result.n * self.cycles_per_instruction / self.clock_hz * 1e6
        # A twin's m-lap-us is already the real target's time (farm.devices.twin_timebase), so
        # a firmware without cycles% (plain MLPerf Tiny) is timed by its own laps.
        if result.us_per_inference is None and result.cycles is not None and self.clock_hz:
            # Energy mode prints no m-lap-us: the core cycles of cycles% give the time.
            return result.cycles / result.n / self.clock_hz * 1e6
        return result.us_per_inference


@dataclass(frozen=True)
class PrepareReport:
    """What ``Board.prepare`` did: whether the image was (re)flashed, how long it took."""

    flashed: bool
    model_bytes: int
    duration_s: float


@runtime_checkable
class Console(Protocol):
    """A board's UART as a pyserial stream."""

    def console(self) -> serial.SerialBase: ...


@runtime_checkable
class Flasher(Protocol):
    """Writes an image and a model blob into a board's memory."""

    def flash_image(self, image: FirmwareImage) -> None: ...
    def write_region(self, addr: int, data: bytes) -> None: ...


@runtime_checkable
class Board(Console, Protocol):
    """One leased board, real or virtual. Use it as a context manager (``close`` on exit)."""

    name: str
    virtual: bool
    capabilities: frozenset[Capability]

    @property
    def facts(self) -> BoardFacts: ...
    def prepare(self, image: FirmwareImage, model_blob: bytes) -> PrepareReport: ...
    def reset(self) -> None: ...
    def dut(self) -> DutSession: ...
    def close(self) -> None: ...
    def __enter__(self) -> Board: ...
    def __exit__(self, *exc: object) -> None: ...


def check_blob_fits(board: str, image: FirmwareImage, model_blob: bytes) -> None:
    """Raise :class:`ModelRegionOverflowError` when the blob does not fit the model region."""
    if len(model_blob) > image.model_region_bytes:
        raise ModelRegionOverflowError(
            f"model blob for board '{board}': {len(model_blob)} bytes do not fit the "
            f"firmware's model region of {image.model_region_bytes} bytes at "
            f"0x{image.model_region_addr:08x}; use a smaller model or a firmware with a "
            "larger region"
        )
