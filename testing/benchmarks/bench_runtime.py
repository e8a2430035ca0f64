"""Runtime benchmark: memory against TFLite Micro, and instructions per MAC on the M4 twin.

    .venv/bin/python -m testing.benchmarks.bench_runtime [--no-twin] [MODEL.tflite ...]

For each keyword-spotting DS-CNN of the zoo (or the given models) it prints our arena and blob
bytes next to TFLite Micro's arena use (total, and the activation part) and the .tflite size;
then, on the Cortex-M4 twin (qemu-system-arm -M mps2-an386 -icount shift=0, the reference
firmware built with the host toolchain), the instructions per MAC of one inference with the
plain-C and the DSP kernels, and whether the twin's bytes equal the host's. On a twin one
instruction is one nanosecond of virtual time; instruction counts on the host are meaningless.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from farm.compiler.host_runtime import HostModel
from farm.compiler.model_check import random_inputs
from farm.compiler.model_compiler import compile_model
from farm.compiler.reference import TflmReference

REPO = Path(__file__).resolve().parents[2]


def count_instructions_per_mac(
    path: Path, kernels: str = "dsp", elf: Path | None = None
) -> tuple[float, bool]:
    """(instructions per MAC of one inference on the M4 twin, twin output == host output)."""
    from testing.compiler.twin import build_firmware, run_on_twin

    model = compile_model(path)
    with tempfile.TemporaryDirectory(prefix="bench-fw-") as tmp:
        elf = elf or build_firmware(Path(tmp), kernels)
        xs = random_inputs(model, 1, seed=5)
        run = run_on_twin(elf, model.blob, xs)
    same = bool(np.array_equal(run.outputs[0], HostModel(model.blob).run(xs[0])))
    return run.instructions[0] / model.macs, same


def memory_row(path: Path) -> dict[str, object]:
    model = compile_model(path)
    tflm = TflmReference(path)
    tflm.run(random_inputs(model, 1)[0])
    total, head = tflm.arena_bytes()
    return {
        "model": path.stem,
        "macs": model.macs,
        "arena_B": model.arena_bytes,
        "tflm_arena_B": total,
        "tflm_activations_B": head,
        "blob_B": model.blob_bytes,
        "tflite_B": path.stat().st_size,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="*", type=Path)
    ap.add_argument("--no-twin", action="store_true", help="skip the QEMU instruction counts")
    args = ap.parse_args(argv)
    models = args.models or sorted((REPO / "models").glob("kws_dscnn*.tflite"))
    print(
        f"{'model':16s} {'MACs':>9s} {'arena B':>8s} {'TFLM arena B':>12s} {'TFLM act. B':>11s} {'blob B':>8s} {'tflite B':>9s}"
    )
    for p in models:
        r = memory_row(p)
        print(
            f"{r['model']:16s} {r['macs']:9d} {r['arena_B']:8d} {r['tflm_arena_B']:12d} {r['tflm_activations_B']:11d} {r['blob_B']:8d} {r['tflite_B']:9d}"
        )
    if args.no_twin:
        return
    from testing.compiler.twin import build_firmware

    print("\nCortex-M4 twin (mps2-an386, -icount shift=0), one inference, firmware -O2:")
    print(f"{'model':16s} {'plain instr/MAC':>16s} {'DSP instr/MAC':>14s} {'twin == host':>12s}")
    with tempfile.TemporaryDirectory(prefix="bench-fw-") as tmp:
        elfs = {k: build_firmware(Path(tmp) / k, k) for k in ("plain", "dsp")}
        for p in models:
            plain, same_p = count_instructions_per_mac(p, "plain", elfs["plain"])
            dsp, same_d = count_instructions_per_mac(p, "dsp", elfs["dsp"])
            print(f"{p.stem:16s} {plain:16.2f} {dsp:14.2f} {str(same_p and same_d):>12s}")


if __name__ == "__main__":
    main()
