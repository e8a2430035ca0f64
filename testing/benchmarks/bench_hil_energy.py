"""Energy rig of the virtual lab on several zoo models: N and window chosen, error vs truth.

Run: ``.venv/bin/python testing/benchmarks/bench_hil_energy.py [model ...]``. One QEMU twin runs
the real harness; for each model and each monitor setup of the default inventory (STLINK-V3PWR
binary 100 kHz, LPM01A ASCII 1 kHz) it prints the window plan and the measured error.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
MODELS = ("ad_fc_32", "kws_dscnn_16", "ic_resnet8_8", "vww_mbv1_010")


def main(models: list[str]) -> None:
    """Print one line per model and monitor."""
    from farm.build import build_firmware
    from farm.catalog import Catalog
    from farm.compiler.model_compiler import compile_model
    from farm.devices.registry import open_board
    from farm.hil.power_rig import open_power_rig
    from farm.inventory_loader import load_inventory

    inventory = load_inventory(ROOT / "inventory.yaml")
    configs = [inventory.board("l4r5-twin-1"), inventory.board("l4r5-twin-2")]
    target = Catalog.load().get("NUCLEO_L4R5ZI")
    cache = ROOT / ".farm" / "cache"
    image = build_firmware(ROOT / "firmware" / "harness", "1.0", "mps2_an386", cache_dir=cache)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with open_board(configs[0], target, workdir=work, log_path=work / "c.log") as board:
            for name in models:
                compiled = compile_model(ROOT / "models" / f"{name}.tflite")
                board.prepare(image, compiled.blob)
                dut = board.dut()
                size = int(np.prod(compiled.input.shape))
                data = np.random.default_rng(1).integers(-128, 128, size, dtype=np.int8)
                dut.load_input(data.tobytes())
                for config in configs:
                    rig = open_power_rig(config, target, virtual=True)
                    try:
                        start = time.monotonic()
                        plan = rig.plan_window(dut, board.facts)
                        capture = rig.capture(dut, board.facts, plan.n, warmup=1)
                        wall = time.monotonic() - start
                    finally:
                        rig.close()
                    error, bound = capture.truth_error or 0.0, capture.truth_bound or 0.0
                    print(
                        f"{name:14s} {rig.kind:12s} {rig.sample_rate_hz:>7g} Hz  "
                        f"t_inf {plan.inference_s * 1e3:8.3f} ms  N {plan.n:5d}  "
                        f"window {plan.window_s:7.4f} s  E {capture.energy.energy_uj:9.3f} uJ  "
                        f"error {error:+.3%} (claimed {bound:.3%})  {wall:5.2f} s wall"
                    )


if __name__ == "__main__":
    main(sys.argv[1:] or list(MODELS))
