"""A Nucleo board: flashed through its ST-LINK with pyocd, driven over the ST-LINK VCP.

pyocd is imported lazily (only labs with real boards pay for it). The probe is chosen by the
inventory's uid, never "the first probe"; targets pyocd lacks use the pack file the inventory
names. A probe error is retried once after the board's power-cycle hook, then raised as
:class:`ProbeError`. The image is not re-flashed when ``farm-info%`` reports its hash already.
"""

from __future__ import annotations

import logging
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import serial

from farm.devices.console_log import ConsoleLog
from farm.devices.console_port import find_vcp
from farm.devices.dut import DutCommandError, DutSession
from farm.devices.protocols import (
    BoardFacts,
    Capability,
    FirmwareImage,
    PrepareReport,
    check_blob_fits,
)
from farm.errors import DutError, InventoryError, ProbeError, SerialLinkError
from farm.step import step

if TYPE_CHECKING:
    from farm.catalog import TargetSpec
    from farm.inventory import BoardConfig

log = logging.getLogger(__name__)

_T = TypeVar("_T")
HOOK_TIMEOUT_S = 120.0
INFO_TIMEOUT_S = 2.0
DEFAULT_LOAD_ADDR = 0x0800_0000
IMAGE_HASH_KEYS = ("image_hash", "image")


def image_matches(info: dict[str, str] | None, image: FirmwareImage) -> bool:
    """True when ``farm-info%`` shows the board runs ``image``.

    The harness reports its build id (``build=``, the cache key that image.json records as
    ``build_id``); a firmware may instead report the image hash (a prefix of >= 8 hex digits
    counts). A ``dev`` build id never matches: it names no particular build.
    """
    if not info:
        return False
    build_id = getattr(image, "build_id", None)
    if build_id and build_id != "dev" and info.get("build") == build_id:
        return True
    for key in IMAGE_HASH_KEYS:
        reported = info.get(key, "").lower()
        if len(reported) >= 8 and image.image_hash.lower().startswith(reported):
            return True
    return False


class NucleoBoard:
    """A real MCU board behind an ST-LINK probe.

    Args:
        config: inventory entry (``probe.uid`` required; ``console`` optional).
        target: catalog entry (pyocd target name, clock).
        workdir: scratch directory (blob file for the programmer).
        log_path: per-test console log file.
    """

    virtual = False

    def __init__(
        self, config: BoardConfig, target: TargetSpec, *, workdir: Path, log_path: Path
    ) -> None:
        self.name = config.id
        self.config = config
        if config.probe is None or not config.probe.uid:
            raise InventoryError(
                f"board '{config.id}': backend pyocd needs probe.uid; run `pyocd list` and "
                "copy the unique id",
                field="probe.uid",
            )
        self.probe = config.probe
        self.uid: str = config.probe.uid
        pyocd_target = config.probe.pyocd_target or target.pyocd_target
        if pyocd_target is None:
            raise InventoryError(
                f"board '{config.id}': no pyocd target for {target.name}; set probe.pyocd_target",
                field="probe.pyocd_target",
            )
        self.pyocd_target: str = pyocd_target
        caps = {Capability.FLASH}
        if config.hooks.power_cycle:
            caps.add(Capability.POWER_CYCLE)
        self.capabilities = frozenset(caps)
        self._facts = BoardFacts(
            board_id=config.id,
            target=target.name,
            clock_hz=target.max_clock_hz,
            virtual=False,
            machine=pyocd_target,
        )
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.console_log = ConsoleLog(log_path)
        self._console: serial.SerialBase | None = None
        self._session: DutSession | None = None

    @property
    def facts(self) -> BoardFacts:
        """Clock of the target; real-hardware numbers."""
        return self._facts

    # --- probe ------------------------------------------------------------------------------

    def session_options(self) -> dict[str, Any]:
        """pyocd session options from the inventory's probe section."""
        options: dict[str, Any] = {
            "frequency": self.probe.frequency_hz,
            "connect_mode": str(self.probe.connect_mode),
            "target_override": self.pyocd_target,
        }
        if self.probe.pack is not None:
            options["pack"] = str(self.probe.pack)
        return options

    def _open_probe(self) -> Any:
        from pyocd.core.helpers import ConnectHelper

        session = ConnectHelper.session_with_chosen_probe(
            blocking=False, unique_id=self.uid, options=self.session_options()
        )
        if session is None:
            raise ProbeError(
                f"probe '{self.uid}' of board '{self.name}': not connected; check the USB "
                "cable and `pyocd list`",
                board=self.name,
            )
        session.open()
        return session

    def _run_hook(self, which: str, command: str) -> None:
        self.console_log.note(f"hook {which}: {command}")
        try:
            subprocess.run(command, shell=True, check=True, timeout=HOOK_TIMEOUT_S)
        except (subprocess.SubprocessError, OSError) as exc:
            raise ProbeError(
                f"board '{self.name}': hook {which} ({command!r}) failed: {exc}; fix the hook "
                "command in the inventory",
                board=self.name,
            ) from exc

    def with_probe(self, what: str, action: Callable[[Any], _T]) -> _T:
        """Run ``action(session)`` on an open pyocd session; one retry after a power cycle."""
        from pyocd.core.exceptions import Error as PyocdError

        attempts = 2 if self.config.hooks.power_cycle else 1
        for attempt in range(1, attempts + 1):
            try:
                session = self._open_probe()
                try:
                    return action(session)
                finally:
                    session.close()
            except (PyocdError, OSError, ProbeError) as exc:
                log.warning("board %s: %s failed (attempt %d): %s", self.name, what, attempt, exc)
                if attempt < attempts and self.config.hooks.power_cycle:
                    self._run_hook("power_cycle", self.config.hooks.power_cycle)
                    continue
                if isinstance(exc, ProbeError):
                    raise
                raise ProbeError(
                    f"probe '{self.uid}' of board '{self.name}': {what} failed: {exc}; "
                    "check the probe, the target name and the pack file",
                    board=self.name,
                ) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    # --- board API --------------------------------------------------------------------------

    def _console_baud(self, image: FirmwareImage) -> int:
        """The rate ``image`` talks at: its recipe's ``console_baud``, else the inventory's."""
        declared = getattr(image, "console_baud", None)
        if declared:
            return int(declared)
        return self.config.console.baud if self.config.console else 115_200

    def _follow_baud(self, image: FirmwareImage) -> None:
        """Talk at ``image``'s rate from now on (pyserial applies it to the open port)."""
        baud = self._console_baud(image)
        console = self._open_console()
        if console.baudrate != baud:
            self.console_log.note(f"console: {console.baudrate} -> {baud} baud for this image")
            console.baudrate = baud

    def running_image_hash_matches(self, image: FirmwareImage) -> bool:
        """Ask the running firmware (``farm-info%``) whether it is ``image`` already (at
        ``image``'s console rate: a board running another image at another rate answers
        garbage, which means "flash")."""
        try:
            self._follow_baud(image)
            dut = self._dut_session()
            return image_matches(dut.farm_info(INFO_TIMEOUT_S), image)
        except (DutError, DutCommandError, SerialLinkError) as exc:
            self.console_log.note(f"farm-info not answered ({exc.__class__.__name__}): flashing")
            return False

    def _program(self, session: Any, path: Path, addr: int, what: str) -> None:
        from pyocd.flash.file_programmer import FileProgrammer

        self.console_log.note(f"program {what} ({path.stat().st_size} bytes) at 0x{addr:08x}")
        FileProgrammer(session).program(str(path), file_format="bin", base_address=addr)

    def _write_blob(self, session: Any, addr: int, data: bytes) -> None:
        blob_path = self.workdir / "model.blob"
        blob_path.write_bytes(data)
        self._program(session, blob_path, addr, "model blob")
        self._verify(session, addr, data)

    @step("flash image")
    def flash_image(self, image: FirmwareImage) -> None:
        """Program the image's .bin at its load address (Flasher capability)."""
        load_addr = int(getattr(image, "load_addr", DEFAULT_LOAD_ADDR))
        self.with_probe("flash", lambda s: self._program(s, Path(image.bin), load_addr, "image"))

    @step("write region", args=("addr", "data"))
    def write_region(self, addr: int, data: bytes) -> None:
        """Program ``data`` at ``addr`` and read it back (Flasher capability)."""
        self.with_probe("write region", lambda s: self._write_blob(s, addr, data))

    @step("prepare", args=("model_blob",))
    def prepare(self, image: FirmwareImage, model_blob: bytes) -> PrepareReport:
        """Flash ``image`` unless it already runs, write ``model_blob``, verify it, reset."""
        started = time.monotonic()
        check_blob_fits(self.name, image, model_blob)
        flash_image = not self.running_image_hash_matches(image)
        if self.config.hooks.before_flash:
            self._run_hook("before_flash", self.config.hooks.before_flash)
        load_addr = int(getattr(image, "load_addr", DEFAULT_LOAD_ADDR))

        def program(session: Any) -> None:
            if flash_image:
                self._program(session, Path(image.bin), load_addr, f"image {image.image_hash[:12]}")
            if model_blob:
                self._write_blob(session, image.model_region_addr, model_blob)
            self._follow_baud(image)  # before the reset, so the boot banner is not lost
            session.target.reset()

        self.with_probe("flash", program)
        self._dut_session().expect_boot()
        return PrepareReport(
            flashed=flash_image, model_bytes=len(model_blob), duration_s=time.monotonic() - started
        )

    def _verify(self, session: Any, addr: int, data: bytes) -> None:
        back = bytes(session.target.read_memory_block8(addr, len(data)))
        if back != data:
            first = next(i for i, (a, b) in enumerate(zip(back, data, strict=True)) if a != b)
            raise ProbeError(
                f"board '{self.name}': read-back differs at 0x{addr + first:08x} "
                f"(wrote 0x{data[first]:02x}, read 0x{back[first]:02x}); flash worn or "
                "write-protected, check option bytes",
                board=self.name,
            )

    def reset_target(self) -> None:
        """Reset the core through the probe (no console involved)."""
        self.with_probe("reset", lambda session: session.target.reset())

    @step("reset")
    def reset(self) -> None:
        """Reset the target (the inventory's reset hook if any, else through the probe)."""
        self.console_log.note("reset")
        self._open_console()
        if self.config.hooks.reset:
            self._run_hook("reset", self.config.hooks.reset)
        else:
            self.reset_target()
        self._dut_session().expect_boot()

    def _open_console(self) -> serial.SerialBase:
        if self._console is None:
            console = self.config.console
            baud = console.baud if console else 115_200
            try:
                if console is not None and console.url:
                    self._console = serial.serial_for_url(console.url, baudrate=baud, timeout=0.05)
                else:
                    port = console.port if console and console.port else None
                    port = port or find_vcp(self.uid, self.name)
                    self._console = serial.Serial(port, baudrate=baud, timeout=0.05)
            except serial.SerialException as exc:
                raise SerialLinkError(
                    f"console of board '{self.name}': cannot open: {exc}; check console.port "
                    "and that no other program holds it",
                    board=self.name,
                ) from exc
        return self._console

    def console(self) -> serial.SerialBase:
        """The target UART (opened on first use, found from the probe uid if not given)."""
        return self._open_console()

    def _dut_session(self) -> DutSession:
        if self._session is None:
            self._session = DutSession(
                self._open_console(), console_log=self.console_log, board=self.name
            )
        return self._session

    def dut(self) -> DutSession:
        """DUT session on the console (after a flash or reset, its next exchange first waits
        for the boot banner)."""
        return self._dut_session()

    def close(self) -> None:
        """Close the console and the console log (idempotent)."""
        if self._console is not None:
            self._console.close()
            self._console = None
        self._session = None
        self.console_log.close()

    def __enter__(self) -> NucleoBoard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
