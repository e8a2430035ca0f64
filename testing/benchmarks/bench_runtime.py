"""Runtime benchmark: memory against TFLite Micro, and cycles per MAC on the L4R5 twin.

    .venv/bin/python -m testing.benchmarks.bench_runtime [--no-twin] [--plain] [--by-function N]
        [MODEL.tflite ...]

For each MLPerf Tiny-shaped model of the zoo (kws_dscnn_64, vww_mbv1_025, ic_resnet8_16,
ad_fc_128, or the given models) it prints our arena and blob bytes next to TFLite Micro's arena
use (total, and the activation part) and the .tflite size. Then, on the Cortex-M4 twin
(qemu-system-arm -M mps2-an386 -icount shift=0, the reference firmware built with the host
toolchain, DSP kernels, -O2), per model: the instructions per MAC of one inference, the cycle
model's estimated cycles per MAC on the NUCLEO_L4R5ZI (Cortex-M4 TRM timings plus the flash
wait states at 120 MHz, farm.devices.cycle_model), the latency those cycles take at 120 MHz, and
the target: the best published MLPerf Tiny latency on the same board scaled by the zoo model's
MACs over the MLPerf reference model's, with whether we are at or below it. Last column: the
twin's int8 output equals the host runtime's on a random input. With --by-function N, the N
firmware functions that took the most core cycles per model (where a kernel's cycles go: its
share, and its cycles per MAC of the whole model).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from farm.catalog import Catalog
from farm.compiler.host_runtime import HostModel
from farm.compiler.model_check import random_inputs
from farm.compiler.model_compiler import compile_model
from farm.compiler.reference import TflmReference
from farm.devices.cycle_model import PlaceCost

REPO = Path(__file__).resolve().parents[2]
TARGET = "NUCLEO_L4R5ZI"


@dataclass(frozen=True)
class Published:
    """Best published MLPerf Tiny latency on the NUCLEO-L4R5ZI at 120 MHz, and the MACs of the
    MLPerf reference model it was measured with."""

    latency_ms: float
    source: str
    reference_macs: int
    macs_note: str


# MLPerf Tiny v1.2/v1.3 closed division, NUCLEO-L4R5ZI at 120 MHz (X-CUBE-AI 10.2, Plumerai
# 2023.05: the best of them per benchmark, as issue 15 quotes them). Reference MACs: counted layer
# by layer from the MLPerf Tiny reference models (training/*/keras_model.py of mlcommons/tiny).
PUBLISHED: dict[str, Published] = {
    "kws_dscnn_64": Published(
        43.2, "MLPerf Tiny v1.x best", 2_656_768,
        "DS-CNN 64: CONV 10x4/2 (25x5x64x40) + 4 x (DW 3x3 + PW 64x64) + FC 64x12: same as zoo",
    ),
    "vww_mbv1_025": Published(
        88.9, "MLPerf Tiny v1.x best", 7_489_664,
        "MobileNetV1 0.25 on 96x96x3 (CONV 3x3/2 to 8, 13 DW+PW up to 256), FC 256x2: same as zoo",
    ),
    "ic_resnet8_16": Published(
        165.1, "MLPerf Tiny v1.x best", 12_501_632,
        "ResNet-8 (16/32/64, 1x1 stride-2 shortcuts) on 32x32x3: same as zoo",
    ),
    "ad_fc_128": Published(
        4.05, "MLPerf Tiny v1.x best", 264_192,
        "FC autoencoder 640-128x4-8-128x4-640 (10 layers, 0.264 M); the zoo's has 8 (231,424)",
    ),
}  # fmt: skip
MLPERF_MODELS = tuple(PUBLISHED)


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


@dataclass(frozen=True)
class TwinFigures:
    macs: int
    instructions: int
    cycles: int
    core_cycles: int
    flash_stall_cycles: int
    data_reads: int
    """Data reads of flash in the timed region (the trace's plugin)."""
    data_misses: int
    """Of those, the ones the L4R5's 256 B flash data cache misses (each stalls 5 WS)."""
    same_as_host: bool
    trace_s: float
    by_function: dict[str, PlaceCost]


def twin_figures(path: Path, elf: Path) -> TwinFigures:
    """One inference of ``path`` on the M4 twin: instructions, estimated L4R5 cycles (also per
    firmware function), and whether the twin's output equals the host runtime's."""
    from farm.devices.cortex_m_timing import CORE_TIMINGS
    from farm.devices.cycle_model import core_cycles_by_place, estimate_for_target
    from farm.devices.elf_symbols import FunctionMap
    from farm.devices.protocols import FirmwareFiles
    from farm.file_digest import file_sha256
    from farm.virtual.cycle_trace import trace_profile
    from farm.virtual.flash_read_plugin import build_plugin
    from testing.compiler.twin import MACHINE, model_region_addr, run_on_twin

    model = compile_model(path)
    xs = random_inputs(model, 1, seed=5)
    run = run_on_twin(elf, model.blob, xs)
    same = bool(np.array_equal(run.outputs[0], HostModel(model.blob).run(xs[0])))
    image = FirmwareFiles(elf, elf, file_sha256(elf), model_region_addr(elf), len(model.blob))
    plugin = build_plugin(Path(tempfile.gettempdir()) / "joulefarm-bench")
    if plugin is None:
        raise SystemExit("bench_runtime: the flash read plugin needs the host gcc")
    started = time.monotonic()
    profile, _ = trace_profile(image, model.blob, MACHINE, timeout_s=900, plugin=plugin)
    trace_s = time.monotonic() - started
    target = Catalog.load().get(TARGET)
    reads, cache_bytes = profile.flash_reads, target.flash_data_cache_bytes
    assert reads is not None and cache_bytes is not None
    estimate = estimate_for_target(profile, target, len(model.blob))
    by_function = core_cycles_by_place(profile, CORE_TIMINGS[target.core], FunctionMap(elf).name_of)
    stalls = estimate.fetch_stall_cycles + estimate.data_stall_cycles
    return TwinFigures(
        model.macs,
        run.instructions[0],
        estimate.cycles,
        estimate.core_cycles,
        stalls,
        reads.reads,
        reads.misses(cache_bytes),
        same,
        trace_s,
        by_function,
    )


def print_memory(models: list[Path]) -> None:
    print(
        f"{'model':16s} {'MACs':>9s} {'arena B':>8s} {'TFLM arena B':>12s} {'TFLM act. B':>11s} {'blob B':>8s} {'tflite B':>9s}"
    )
    for p in models:
        r = memory_row(p)
        print(
            f"{r['model']:16s} {r['macs']:9d} {r['arena_B']:8d} {r['tflm_arena_B']:12d} {r['tflm_activations_B']:11d} {r['blob_B']:8d} {r['tflite_B']:9d}"
        )


def print_by_function(name: str, f: TwinFigures, top: int) -> None:
    print(
        f"\n{name}: core cycles by firmware function (top {top}; cyc/MAC: the function's cycles "
        "per MAC of the whole model, adding up to its core figure)"
    )
    print(
        f"  {'function':28s} {'instructions':>12s} {'core cycles':>12s} {'share':>6s} {'cyc/MAC':>7s}"
    )
    ranked = sorted(f.by_function.items(), key=lambda kv: -kv[1].core_cycles)
    for fn, cost in ranked[:top]:
        print(
            f"  {fn:28s} {cost.instructions:12,d} {cost.core_cycles:12,d} "
            f"{cost.core_cycles / f.core_cycles:6.1%} {cost.core_cycles / f.macs:7.2f}"
        )


def print_twin(models: list[Path], elf: Path, by_function: int = 0) -> None:
    target = Catalog.load().get(TARGET)
    clock = target.max_clock_hz
    print(
        f"\n{TARGET} twin (mps2-an386, -icount shift=0, harness DSP kernels -O2), one inference; "
        f"cycles: farm.devices.cycle_model at {clock / 1e6:g} MHz, {target.flash_wait_states} WS, "
        f"{target.flash_fetch_hit_rate:.0%} fetch hits"
    )
    print(
        f"{'model':14s} {'MACs':>10s} {'instr/MAC':>9s} {'cyc/MAC':>8s} {'core':>5s} {'flash':>5s} "
        f"{'data rd':>9s} {'missed':>8s} {'instr ms':>8s} "
        f"{'est. ms':>8s} {'target ms':>9s} {'at/below':>8s} {'== host':>7s} {'trace s':>7s}"
    )
    notes = []
    figures = []
    for p in models:
        f = twin_figures(p, elf)
        figures.append((p.stem, f))
        ref = PUBLISHED.get(p.stem)
        est_ms = f.cycles / clock * 1e3
        flat_ms = f.instructions / clock * 1e3
        if ref is not None:
            target_ms = ref.latency_ms * f.macs / ref.reference_macs
            verdict = "yes" if est_ms <= target_ms else "no"
            target_txt = f"{target_ms:9.2f}"
            notes.append(
                f"  {p.stem}: {ref.latency_ms} ms published x {f.macs:,} / {ref.reference_macs:,} "
                f"MACs; {ref.macs_note}"
            )
        else:
            verdict, target_txt = "-", f"{'-':>9s}"
        print(
            f"{p.stem:14s} {f.macs:10d} {f.instructions / f.macs:9.2f} {f.cycles / f.macs:8.2f} "
            f"{f.core_cycles / f.macs:5.2f} {f.flash_stall_cycles / f.macs:5.2f} "
            f"{f.data_reads:9d} {f.data_misses:8d} {flat_ms:8.2f} {est_ms:8.2f} {target_txt} {verdict:>8s} {str(f.same_as_host):>7s} "
            f"{f.trace_s:7.1f}"
        )
    print(
        "core / flash: cycles per MAC of the core's timings / of flash wait states (instruction"
        " fetch, and the data reads of flash the 256 B data cache misses)."
    )
    print("data rd / missed: data reads of flash in the timed region / those the cache misses.")
    print("instr ms: instructions x 1.0 / 120 MHz (the old flat factor), for comparison.")
    print("target: best published latency scaled by zoo MACs / MLPerf reference MACs:")
    print("\n".join(notes))
    for name, f in figures if by_function else ():
        print_by_function(name, f, by_function)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="*", type=Path)
    ap.add_argument("--no-twin", action="store_true", help="skip the QEMU figures")
    ap.add_argument("--plain", action="store_true", help="also instructions/MAC, plain-C kernels")
    ap.add_argument(
        "--by-function", type=int, default=0, metavar="N", help="top N functions by core cycles"
    )
    args = ap.parse_args(argv)
    models = args.models or [REPO / "models" / f"{m}.tflite" for m in MLPERF_MODELS]
    print_memory(models)
    if args.no_twin:
        return
    from testing.compiler.twin import build_firmware, run_on_twin

    with tempfile.TemporaryDirectory(prefix="bench-fw-") as tmp:
        print_twin(models, build_firmware(Path(tmp) / "dsp", "dsp"), args.by_function)
        if args.plain:
            elf = build_firmware(Path(tmp) / "plain", "plain")
            print("\nplain-C kernels:")
            for p in models:
                model = compile_model(p)
                run = run_on_twin(elf, model.blob, random_inputs(model, 1, seed=5))
                print(f"{p.stem:14s} {run.instructions[0] / model.macs:9.2f} instr/MAC")


if __name__ == "__main__":
    main()
