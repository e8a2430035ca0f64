"""Energy of the zoo on the virtual lab, through the one energy path: error against the truth.

Run: ``.venv/bin/python testing/benchmarks/bench_hil_energy.py [model ...]``. For each model
(default: the whole zoo) and each MCU twin of the default inventory's L4R5 pool (STLINK-V3PWR
binary 100 kHz with the TGI trigger, LPM01A ASCII 1 kHz with D7 events), the energy-mode harness
runs on a QEMU twin, its pin and activity drive the emulated monitor, and the rig measures the
energy per inference from the pin's edges. Prints one line per model and board, then the error
against the ground truth (the twin's activity over the firmware's timed region) per monitor and
format: min / median / max.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
BOARDS = ("l4r5-twin-1", "l4r5-twin-2")


def main(models: list[str]) -> None:
    """Print one line per model and board, then the error distribution per monitor/format."""
    from farm.build import build_firmware
    from farm.catalog import Catalog
    from farm.compiler.model_compiler import compile_model
    from farm.devices.registry import open_board
    from farm.hil.power_rig import open_power_rig
    from farm.inventory_loader import load_inventory
    from farm.virtual.power_bench import TwinPowerBench

    inventory = load_inventory(ROOT / "inventory.yaml")
    target = Catalog.load().get("NUCLEO_L4R5ZI")
    cache = ROOT / ".farm" / "cache"
    image = build_firmware(
        ROOT / "firmware" / "harness",
        "1.0",
        "mps2_an386",
        cache_dir=cache,
        extra_vars={"MODE": "energy"},
    )
    errors: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp:
        for board_id in BOARDS:
            config = inventory.board(board_id)
            monitor = config.power_monitor
            setup = f"{monitor.type} {monitor.format} {monitor.sample_rate_hz} Hz"
            work = Path(tmp) / board_id
            with open_board(config, target, workdir=work, log_path=work / "c.log") as board:
                for name in models:
                    compiled = compile_model(ROOT / "models" / f"{name}.tflite")
                    board.prepare(image, compiled.blob)
                    dut = board.dut()
                    size = int(np.prod(compiled.input.shape))
                    data = np.random.default_rng(1).integers(-128, 128, size, dtype=np.int8)
                    dut.load_input(data.tobytes())
                    bench = TwinPowerBench(board.wire, board.facts, config, target)
                    rig = open_power_rig(
                        config, port=bench.port, overrides=bench.driver_overrides, truth=bench
                    )
                    try:
                        start = time.monotonic()
                        plan = rig.plan_window(dut, board.facts, at_least=5)
                        capture = rig.capture(dut, board.facts, plan.n, warmup=1)
                        wall = time.monotonic() - start
                    finally:
                        rig.close()
                        bench.close()
                    error, bound = capture.truth_error or 0.0, capture.truth_bound or 0.0
                    errors[setup].append(error * 100.0)
                    print(
                        f"{name:14s} {board_id:12s} {setup:26s} "
                        f"t_inf {plan.inference_s * 1e3:8.3f} ms  N {plan.n:5d}  "
                        f"window {plan.window_s:7.4f} s  E {capture.energy.energy_uj:10.3f} uJ  "
                        f"truth {capture.truth_uj or 0.0:10.3f} uJ  error {error:+.3%} "
                        f"(claimed {bound:.3%})  {wall:5.2f} s wall",
                        flush=True,
                    )
    print("\nenergy_error_pct per monitor and format (min / median / max, n):")
    for setup, values in errors.items():
        print(
            f"  {setup:26s} {min(values):+.4f} / {statistics.median(values):+.4f} / "
            f"{max(values):+.4f} %  (n={len(values)}, max |error| {max(map(abs, values)):.4f} %)"
        )


if __name__ == "__main__":
    main(sys.argv[1:] or sorted(p.stem for p in (ROOT / "models").glob("*.tflite")))
