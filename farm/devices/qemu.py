"""The QEMU twin of an MCU board: the real firmware image on ``qemu-system-arm``.

``prepare`` (re)starts QEMU with the image's ELF as ``-kernel`` and the model blob loaded at the
firmware's model region (``-device loader``); ``-icount shift=0`` makes every run instruction
for instruction deterministic. The UART is a TCP server QEMU opens with ``wait=on``, so nothing
the firmware prints is lost. A reset restarts the process (it also recovers a hung firmware).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import serial

from farm.devices.console_log import ConsoleLog
from farm.devices.cycle_model import (
    CycleModelUnavailableError,
    CycleProfileSource,
    estimate_for_target,
)
from farm.devices.dut import DutSession
from farm.devices.elf_symbols import embedded_blob_bytes
from farm.devices.protocols import (
    BoardFacts,
    Capability,
    CycleFigure,
    FirmwareImage,
    PrepareReport,
    check_blob_fits,
)
from farm.devices.qemu_process import QemuProcess
from farm.devices.qemu_wire import TwinWire
from farm.devices.twin_timebase import timebase_qemu_args
from farm.errors import EmulatorError, InventoryError
from farm.step import step

if TYPE_CHECKING:
    from farm.catalog import TargetSpec
    from farm.inventory import BoardConfig

log = logging.getLogger(__name__)


def qemu_args(
    machine: str, elf: Path, blob: Path | None, blob_addr: int, extra: tuple[str, ...] = ()
) -> list[str]:
    """QEMU arguments of a twin, without ``-serial`` (added by :class:`QemuProcess`).

    ``-icount shift=0``: one instruction is 1 ns of virtual time, so counts are exact.
    ``sleep=on`` (QEMU's default, spelled out): a guest idling in WFI lets virtual time follow
    the host clock while QEMU sleeps; ``sleep=off`` jumps to the next timer instead, so an idle
    twin spins through its 1 ms SysTicks (measured: ~96 % of a core instead of ~9 %) for no
    faster answers. ``align`` only slows a guest that runs ahead of real time: not wanted.
    """
    args = [
        "-M", machine,
        "-icount", "shift=0,sleep=on",
        "-nographic",
        "-monitor", "none",
        "-semihosting-config", "enable=on,target=native",
        "-kernel", str(elf),
    ]  # fmt: skip
    if blob is not None:
        args += ["-device", f"loader,file={blob},addr=0x{blob_addr:08x},force-raw=on"]
    return [*args, *extra]


class QemuBoard:
    """A virtual twin standing for one inventory board.

    Args:
        config: the board's inventory entry (``qemu.machine`` overrides the catalog).
        target: catalog entry of the real target (clock, cycles-per-instruction factor).
        workdir: scratch directory (model blob, QEMU stderr).
        log_path: per-test console log file.
    """

    virtual = True
    capabilities = frozenset({Capability.INSTRUCTION_COUNT, Capability.TWIN_WIRE})

    def __init__(
        self, config: BoardConfig, target: TargetSpec, *, workdir: Path, log_path: Path
    ) -> None:
        self.name = config.id
        self.config = config
        machine = (config.qemu.machine if config.qemu else None) or target.qemu_machine
        if machine is None:
            raise InventoryError(
                f"board '{config.id}': target {target.name} has no QEMU twin; "
                "set qemu.machine or use another backend",
                field="qemu.machine",
            )
        self.machine: str = machine
        self.extra_args: tuple[str, ...] = config.qemu.extra_args if config.qemu else ()
        self.target = target
        self._flat_facts = BoardFacts(
            board_id=config.id,
            target=target.name,
            clock_hz=target.max_clock_hz,
            virtual=True,
            cycles_per_instruction=target.virtual_cycles_per_instruction,
            machine=machine,
            cycle_fallback="no cycle model attached to this twin",
        )
        self._facts = self._flat_facts
        self.cycle_profiles: CycleProfileSource | None = None
        """Where ``prepare`` gets the executed-block profile of (image, model) for the cycle
        model (the farm attaches ``farm.virtual.cycle_trace.TraceProfileCache``); None keeps
        the catalog's flat cycles-per-instruction factor."""
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.console_log = ConsoleLog(log_path)
        self._process: QemuProcess | None = None
        self._args: list[str] | None = None
        self._session: DutSession | None = None
        self.wire = TwinWire(config.id)
        """The firmware's pin edges and sleep/wake, for the virtual lab's bench wiring."""

    @property
    def facts(self) -> BoardFacts:
        """Clock of the real target, virtual flag and instruction-to-cycle factor."""
        return self._facts

    def _estimate_facts(self, image: FirmwareImage, model_blob: bytes) -> BoardFacts:
        """Facts whose factor is the cycle model's estimate for (image, model), or the flat
        catalog factor with the reason when there is none."""
        if self.cycle_profiles is None:
            return self._flat_facts
        try:
            profile = self.cycle_profiles.profile(image, model_blob, self.machine)
            const_bytes = len(model_blob) or embedded_blob_bytes(Path(image.elf))
            estimate = estimate_for_target(profile, self.target, const_bytes)
        except CycleModelUnavailableError as exc:
            log.warning("board '%s': %s; latency uses the flat catalog factor", self.name, exc)
            return replace(self._flat_facts, cycle_fallback=str(exc))
        figure = CycleFigure(estimate.instructions, estimate.cycles, estimate.method)
        return replace(
            self._flat_facts,
            cycles_per_instruction=figure.cycles_per_instruction,
            cycle_estimate=figure,
            cycle_fallback=None,
        )

    @step("prepare", args=("model_blob",))
    def prepare(self, image: FirmwareImage, model_blob: bytes) -> PrepareReport:
        """Start QEMU on ``image`` with ``model_blob`` at the model region."""
        started = time.monotonic()
        check_blob_fits(self.name, image, model_blob)
        blob_path = self.workdir / "model.blob"
        blob_path.write_bytes(model_blob)
        blob = blob_path if model_blob else None
        self._facts = self._estimate_facts(image, model_blob)
        wire_args, _ = self.wire.qemu_args()
        # m-lap-us in the real target's time (twin_timebase.py), so any host agrees with the farm.
        timebase = timebase_qemu_args(
            Path(image.elf), self._facts.clock_hz, self._facts.cycles_per_instruction or 1.0
        )
        self._args = qemu_args(
            self.machine,
            Path(image.elf),
            blob,
            image.model_region_addr,
            (*wire_args, *timebase, *self.extra_args),
        )
        self.console_log.note(
            f"qemu {self.machine}: image {image.image_hash[:12]}, model {len(model_blob)} bytes"
        )
        self._restart()
        return PrepareReport(
            flashed=True, model_bytes=len(model_blob), duration_s=time.monotonic() - started
        )

    def _restart(self) -> None:
        if self._args is None:
            raise EmulatorError(
                f"QEMU twin '{self.name}': nothing to run; call prepare(image, blob) first",
                board=self.name,
            )
        if self._process is not None:
            self._process.stop()
        _, wire_serial = self.wire.qemu_args()
        self._process = QemuProcess(
            self.name, self._args, self.workdir / "qemu.stderr", extra_serials=(wire_serial,)
        )
        stream = self._process.start()
        if self._session is not None:
            self._session.rebind(stream)

    @step("reset")
    def reset(self) -> None:
        """Restart QEMU with the same image and blob (recovers a hung firmware)."""
        self.console_log.note("reset: restarting QEMU")
        self._restart()

    def console(self) -> serial.SerialBase:
        """The twin's UART (pyserial ``socket://`` stream)."""
        if self._process is None or self._process.stream is None:
            raise EmulatorError(
                f"QEMU twin '{self.name}': not running; call prepare(image, blob) first",
                board=self.name,
            )
        return self._process.stream

    def check_alive(self, link_lost: bool = False) -> None:
        """Raise :class:`EmulatorError` (with QEMU's stderr) if QEMU died.

        Args:
            link_lost: the UART socket closed, so QEMU is probably exiting: wait for it.
        """
        if self._process is not None:
            self._process.check_alive(grace_s=2.0 if link_lost else 0.0)

    def dut(self) -> DutSession:
        """DUT session on the UART (the same object across resets; after a (re)start its next
        exchange first waits for the boot banner)."""
        if self._session is None:
            self._session = DutSession(
                self.console(),
                console_log=self.console_log,
                board=self.name,
                check_alive=self.check_alive,
                bulk_transfer=self.bulk_transfer,
            )
            self._session.expect_boot()
        return self._session

    @contextmanager
    def bulk_transfer(self) -> Iterator[None]:
        """Context for a burst of UART traffic (input upload): QEMU stays on one CPU meanwhile
        (see :meth:`QemuProcess.one_cpu`); follows the process across resets."""
        if self._process is None:
            yield
            return
        with self._process.one_cpu():
            yield

    @property
    def pid(self) -> int | None:
        """QEMU's process id while running (tests check for orphans with it)."""
        return self._process.pid if self._process is not None else None

    def close(self) -> None:
        """Kill QEMU and close the console log (idempotent)."""
        if self._process is not None:
            self._process.stop()
            self._process = None
        self.wire.close()
        self.console_log.close()

    def __enter__(self) -> QemuBoard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
