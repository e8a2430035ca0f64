"""Run a model blob on the Cortex-M4 twin: the reference firmware (firmware/harness) with the
runtime's Cortex-M kernels, on ``qemu-system-arm -M mps2-an386 -icount shift=0``.

Used by the twin test (optimized path gives the same bytes on a real ISA model) and by the
runtime benchmark (instructions per MAC: one instruction is one nanosecond of virtual time).
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
MACHINE = "mps2-an386"
BSP = "mps2_an386"


@dataclass
class TwinRun:
    """Outputs (int8) and instruction counts of the timed region, one per input."""

    outputs: list[np.ndarray]
    instructions: list[int]


def build_firmware(out_dir: Path, kernels: str = "dsp", opt: str = "-O2") -> Path:
    """Build the harness for the M4 twin with the host arm-none-eabi toolchain; return the ELF."""
    subprocess.run(
        ["make", "-s", "-B", "-C", str(REPO / "firmware" / "harness"), f"BSP={BSP}", f"KERNELS={kernels}",
         f"OPT={opt}", f"OUT={out_dir}"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return out_dir / "firmware.elf"


def model_region_addr(elf: Path) -> int:
    from elftools.elf.elffile import ELFFile

    with elf.open("rb") as f:
        symtab = ELFFile(f).get_section_by_name(".symtab")
        return int(symtab.get_symbol_by_name("__model_region_start")[0]["st_value"])


def run_on_twin(elf: Path, blob: bytes, inputs: list[np.ndarray], *, runs: int = 1) -> TwinRun:
    """Boot the twin with `blob` in the model region and run each input `runs` times."""
    from farm.devices.console_log import ConsoleLog
    from farm.devices.dut import DutSession
    from farm.devices.qemu import qemu_args
    from farm.devices.qemu_process import QemuProcess

    with tempfile.TemporaryDirectory(prefix="h3-twin-") as tmp:
        work = Path(tmp)
        blob_path = work / "model.blob"
        blob_path.write_bytes(blob)
        proc = QemuProcess(
            "m4-twin",
            qemu_args(MACHINE, elf, blob_path, model_region_addr(elf)),
            work / "qemu.stderr",
        )
        try:
            # Generous waits: beside other work a starved QEMU once took over 5 s (the default)
            # to answer a `db` line. A hung firmware still fails, after a minute.
            dut = DutSession(
                proc.start(),
                console_log=ConsoleLog(work / "console.log"),
                board="m4-twin",
                timeout_s=60,
                boot_timeout_s=60,
                infer_timeout_s=300,
            )
            dut.wait_boot()
            outputs, counts = [], []
            for x in inputs:
                dut.load_input(np.ascontiguousarray(x, np.int8).tobytes())
                result = dut.infer(runs, 0)
                raw = dut.results_raw()
                assert raw is not None, "firmware lacks results-raw%"
                outputs.append(np.frombuffer(raw, np.int8).copy())
                counts.append(int(result.cycles or 0) // runs)
            return TwinRun(outputs, counts)
        finally:
            proc.stop()
