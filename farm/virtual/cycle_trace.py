"""Trace one inference of a twin and cache the executed-block profile per (image, model).

The cycle model (:mod:`farm.devices.cycle_model`) needs which blocks of code the timed region
ran and how often. This module starts a second QEMU on the same image and blob with
``-d in_asm,exec,nochain``, the log going to a FIFO that a thread folds into a
:class:`~farm.devices.exec_trace.TraceProfile` as QEMU writes it (a large model's log is
hundreds of MB: never written to disk), sends one ``infer 1 0`` (the input buffer left empty:
the firmware runs the model on zeros; the int8 kernels' paths do not depend on the data), and
checks that the region's instruction count equals the firmware's ``cycles%`` within 0.1 %.

The profile depends on the image and the model only (not on the target: the flash wait states
are applied afterwards), so it is cached under ``<cache_dir>/cycle-profiles/`` keyed by
(image hash, sha256 of the blob, QEMU machine, profile format). A file lock makes parallel
workers trace a pair once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from pathlib import Path

from filelock import FileLock

from farm.devices.console_log import ConsoleLog
from farm.devices.cortex_m_timing import CORTEX_M4
from farm.devices.cycle_model import CycleModelUnavailableError, estimate_cycles
from farm.devices.dut import DutSession
from farm.devices.elf_symbols import elf_symbol
from farm.devices.exec_trace import TraceFormatError, TraceProfile, profile_region
from farm.devices.protocols import FirmwareImage
from farm.devices.qemu import qemu_args
from farm.devices.qemu_process import QemuProcess
from farm.errors import FarmError
from farm.virtual.flash_read_plugin import build_plugin, plugin_arg, read_counts, read_only_ranges

log = logging.getLogger(__name__)

REGION_SYMBOL = "bsp_cycles"
"""The harness reads its cycle counter through this function at both ends of the timed region."""
PROFILE_FORMAT = 3
"""3: profiles carry the region's data reads of flash (flash_read_plugin)."""
UNLOGGED_FUNCTIONS = ("Reset_Handler", "farm_model_init", "systick_time_sync")
"""Never in the timed region, and most of the log without a filter (measured on ad_fc_128:
startup copies, the blob check at model load and the wait for a SysTick edge before ``c0`` were
1.0 M of the 1.07 M blocks logged before the region): QEMU's ``-dfilter`` leaves them out. Were
one of them run inside the region, the count check against ``cycles%`` would refuse the trace."""
PULSE_FUNCTIONS = (
    "bsp_timestamp_pulse", "twin_delay_us", "twin_wire_now", "systick_time_ns",
    "twin_wire_record", "twin_wire_putc", "cmsdk_uart_write", "twin_instructions_in_us",
    "__aeabi_uldivmod", "__udivmoddi4",
)  # fmt: skip
"""The energy build's timestamp pulse, inside the timed region: the pin's low time as a wait on
the twin's clock, and the edge records on the wire. It stands in for a GPIO write and a delay,
not for the firmware's work, yet a traced inference of a small model was half pulse (100 us is
100,000 instructions at QEMU's 1 ns: the trace runs without a timebase) and its clock-polling
loop set the cycle factor of the whole window (ad_fc_32 on the F767 twin: 1.206 cycles per
instruction with the pulse, against the inference's own). The profile leaves these blocks out
once the count check has seen them; the factor then applies to the pulse's instructions too,
which the twin counts for the target's 100 us with that same factor, so the pulse keeps its
width."""
COUNT_TOLERANCE = 0.001
"""Traced instructions vs the firmware's cycles%: the bracket differs by the counter reads."""


class TraceProfileCache:
    """:class:`~farm.devices.cycle_model.CycleProfileSource` tracing a twin once per pair.

    Args:
        cache_dir: the farm's cache directory (settings ``cache_dir``).
        timeout_s: limit of the traced inference (logging slows QEMU about 3x; VWW, the
            zoo's largest, traces in about 15 s). An image that cannot be traced
            (no bracket, counts disagree) is cached as such.
    """

    def __init__(self, cache_dir: Path, timeout_s: float = 300.0) -> None:
        self.root = Path(cache_dir) / "cycle-profiles"
        self.timeout_s = timeout_s

    def key(self, image: FirmwareImage, model_blob: bytes, machine: str) -> str:
        blob = hashlib.sha256(model_blob).hexdigest()
        text = f"{PROFILE_FORMAT}:{image.image_hash}:{blob}:{machine}"
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def profile(self, image: FirmwareImage, model_blob: bytes, machine: str) -> TraceProfile:
        """The cached profile of (image, blob) on ``machine``, tracing it on a miss."""
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / f"{self.key(image, model_blob, machine)}.json"
        with FileLock(str(path) + ".lock"):
            if path.exists():
                record = json.loads(path.read_text())
                if "unavailable" in record:
                    raise CycleModelUnavailableError(f"{record['unavailable']} (cached)")
                return TraceProfile.from_json(record["profile"])
            started = time.monotonic()
            record = {
                "image_hash": image.image_hash,
                "blob_sha256": hashlib.sha256(model_blob).hexdigest(),
                "machine": machine,
            }
            try:
                plugin = build_plugin(self.root.parent)
                profile, counted = trace_profile(image, model_blob, machine, self.timeout_s, plugin)
            except CycleModelUnavailableError as exc:
                # Cached too: a firmware that cannot be traced is not traced again per test.
                if not exc.transient:
                    _write_atomic(path, {**record, "unavailable": str(exc)})
                raise
            record |= {
                "firmware_instructions": counted,
                "trace_s": round(time.monotonic() - started, 2),
                "profile": profile.to_json(),
            }
            _write_atomic(path, record)
            log.info("cycle profile of %s traced in %.1f s", path.name, record["trace_s"])
            return profile


def _write_atomic(path: Path, record: dict[str, object]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record))
    tmp.replace(path)


def trace_profile(
    image: FirmwareImage,
    model_blob: bytes,
    machine: str,
    timeout_s: float,
    plugin: Path | None = None,
) -> tuple[TraceProfile, int | None]:
    """Run one traced inference; (profile, the firmware's own instruction count or None).
    With ``plugin`` (:func:`~farm.virtual.flash_read_plugin.build_plugin`) the profile carries
    the region's data reads of flash.

    Raises:
        CycleModelUnavailableError: the firmware has no ``bsp_cycles``, or the trace failed.
    """
    elf = Path(image.elf)
    symbol = elf_symbol(elf, REGION_SYMBOL)
    if symbol is None:
        raise CycleModelUnavailableError(
            f"image {image.image_hash[:12]}: no '{REGION_SYMBOL}' symbol in {elf}; the cycle "
            "model brackets the timed region by it (the farm's harness has it)"
        )
    with tempfile.TemporaryDirectory(prefix="farm-cycle-trace-") as tmp:
        work = Path(tmp)
        fifo = work / "exec.fifo"
        os.mkfifo(fifo)
        blob = None
        if model_blob:
            blob = work / "model.blob"
            blob.write_bytes(model_blob)
        reader = _FifoProfiler(fifo, symbol.address)
        reader.start()
        counts = work / "flash_reads.txt"
        extra: tuple[str, ...] = ("-d", "in_asm,exec,nochain", "-D", str(fifo))
        if plugin is not None:
            flash = read_only_ranges(elf)
            if model_blob:
                flash.append((image.model_region_addr, image.model_region_addr + len(model_blob)))
            skip = _function_spans(elf, PULSE_FUNCTIONS)
            extra += ("-plugin", plugin_arg(plugin, symbol.address, flash, skip, counts))
        args = qemu_args(machine, elf, blob, image.model_region_addr, extra)
        proc = QemuProcess("cycle-trace", args, work / "qemu.stderr")
        try:
            dut = DutSession(
                proc.start(),
                console_log=ConsoleLog(work / "console.log"),
                board="cycle-trace",
                check_alive=lambda link_lost=False: proc.check_alive(2.0 if link_lost else 0.0),
                infer_timeout_s=timeout_s,
            )
            dut.wait_boot()
            result = dut.infer(1, 0)
        except FarmError as exc:
            raise CycleModelUnavailableError(
                f"cycle trace of {elf.name}: {exc}", transient=True
            ) from exc
        finally:
            proc.stop()
            reader.finish(fifo)
        flash_reads = read_counts(counts) if plugin is not None else None
    profile = reader.result()
    _check_count(profile, result.cycles, elf)
    if plugin is not None and flash_reads is None:
        raise CycleModelUnavailableError(
            f"cycle trace of {elf.name}: the flash read plugin wrote no counts (the region "
            f"by '{REGION_SYMBOL}' did not close)",
            transient=True,
        )
    kept = _without(profile, elf, PULSE_FUNCTIONS)
    return TraceProfile(kept.blocks, kept.block_runs, flash_reads), result.cycles


def _without(profile: TraceProfile, elf: Path, functions: tuple[str, ...]) -> TraceProfile:
    """``profile`` without the blocks that start inside ``functions`` (those in the ELF)."""
    spans = _function_spans(elf, functions)
    kept = [b for b in profile.blocks if not any(lo <= b.pc < hi for lo, hi in spans)]
    return TraceProfile(kept, sum(b.executions for b in kept))


def _function_spans(elf: Path, functions: tuple[str, ...]) -> list[tuple[int, int]]:
    """[start, end) of each of ``functions`` the ELF has, by address."""
    return sorted(
        (sym.address, sym.address + sym.size)
        for name in functions
        if (sym := elf_symbol(elf, name)) is not None and sym.size > 0
    )


def _dfilter(elf: Path) -> tuple[str, ...]:
    """``-dfilter`` ranges covering the address space but :data:`UNLOGGED_FUNCTIONS`."""
    holes = _function_spans(elf, UNLOGGED_FUNCTIONS)
    if not holes:
        return ()
    ranges, start = [], 0
    for begin, end in holes:
        if begin > start:
            ranges.append(f"0x{start:x}..0x{begin - 1:x}")
        start = max(start, end)
    ranges.append(f"0x{start:x}..0xffffffff")
    return ("-dfilter", ",".join(ranges))


def _check_count(profile: TraceProfile, counted: int | None, elf: Path) -> None:
    if counted is None:
        return  # a firmware without cycles% (EXTENSIONS=none) cannot be cross-checked
    # Any core's table counts the same instructions (runs cut short by an I/O rewind included).
    traced = estimate_cycles(profile, CORTEX_M4, None, 1).instructions
    if abs(traced - counted) > COUNT_TOLERANCE * counted + 64:
        raise CycleModelUnavailableError(
            f"cycle trace of {elf.name}: the traced region holds {traced} instructions but "
            f"the firmware counted {counted}; the bracket by '{REGION_SYMBOL}' is not the "
            "timed region"
        )


class _FifoProfiler(threading.Thread):
    """Folds QEMU's log into a profile while QEMU writes it, then drains the FIFO."""

    def __init__(self, fifo: Path, start_pc: int) -> None:
        super().__init__(name="cycle-trace-reader", daemon=True)
        self.fifo = fifo
        self.start_pc = start_pc
        self._profile: TraceProfile | None = None
        self._error: Exception | None = None

    def run(self) -> None:
        try:
            with self.fifo.open(encoding="utf-8", errors="replace") as fh:
                try:
                    self._profile = profile_region(fh, self.start_pc)
                except TraceFormatError as exc:
                    self._error = exc
                for _ in fh:  # QEMU blocks on a full pipe: keep reading until it exits
                    pass
        except OSError as exc:
            self._error = exc

    def finish(self, fifo: Path) -> None:
        """Wait for the reader; if QEMU never opened the FIFO, open it once to release it."""
        self.join(timeout=5.0)
        if self.is_alive():
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                pass
            self.join(timeout=5.0)

    def result(self) -> TraceProfile:
        if self._profile is None:
            raise CycleModelUnavailableError(
                f"cycle trace: no profile ({self._error})", transient=True
            )
        return self._profile
