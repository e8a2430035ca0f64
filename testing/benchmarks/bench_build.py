"""Build pipeline benchmark: compiler runs and wall time for the zoo x 5 targets x 2 versions,
cold and warm, and the int8 runtime's instructions per MAC on the Cortex-M4 twin.

Run: ``.venv/bin/python -m testing.benchmarks.bench_build`` (from the repository root).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from farm.build import build_firmware

REPO = Path(__file__).resolve().parents[2]
HARNESS = REPO / "firmware" / "harness"
TARGETS = ["NUCLEO_L4R5ZI", "NUCLEO_L476RG", "NUCLEO_F767ZI", "NUCLEO_U575ZI_Q", "NUCLEO_G431RB"]
VERSIONS = ["1.0", "1.1"]
KWS_MODELS = ["kws_dscnn_16", "kws_dscnn_32", "kws_dscnn_64"]


def pinned_recipe() -> Path:
    """The harness recipe with both versions pinned to the committed tree (git HEAD), so that
    edits in the shared checkout during the run cannot add compiler runs."""
    data = yaml.safe_load((HARNESS / "recipe.yaml").read_text())
    for spec in data["versions"].values():
        spec["source"] = {"ref": "HEAD", "path": "firmware"}
    path = REPO / "build-cache" / "bench-recipe" / "recipe.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data))
    return path


def matrix_pass(models: list[str], cache: Path, recipe: Path) -> tuple[int, int, float]:
    """One pass over models x targets x versions; returns (builds asked, compiler runs, s)."""
    start = time.monotonic()
    asked = runs = 0
    for _model in models:
        for version in VERSIONS:
            for target in TARGETS:
                art = build_firmware(recipe, version, target, cache_dir=cache, builder="host")
                asked += 1
                runs += art.cache == "miss"
    return asked, runs, time.monotonic() - start


def instructions_per_mac(cache: Path) -> list[tuple[str, str, int, int, float]]:
    """cycles% on the mps2-an386 twin (instructions) / (N x MACs) for the DS-CNN KWS models."""
    from farm.compiler.model_compiler import compile_model
    from testing.build.qemu_twin import Twin

    meta = yaml.safe_load((REPO / "models" / "models.yaml").read_text())
    rows = []
    n = 10
    for version in VERSIONS:
        art = build_firmware(HARNESS, version, "mps2_an386", cache_dir=cache, builder="host")
        for name in KWS_MODELS:
            compiled = compile_model(REPO / "models" / f"{name}.tflite")
            blob = cache / f"{name}.blob"
            blob.write_bytes(compiled.blob)
            with Twin("mps2-an386", art.elf, blob, art.model_region_addr) as twin:
                twin.load(bytes(int(np.prod(meta[name]["input_shape"]))))
                twin.cmd(f"infer {n} 1")
                instructions = int(twin.cmd("cycles")[0].removeprefix("m-cycles-"))
            macs = int(meta[name]["macs"])
            rows.append((version, name, instructions // n, macs, instructions / n / macs))
    return rows


def main() -> None:
    models = sorted(p.stem for p in (REPO / "models").glob("*.tflite"))
    print(f"zoo: {len(models)} models x {len(TARGETS)} targets x {len(VERSIONS)} versions")
    recipe = pinned_recipe()
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        cache = Path(tmp)
        for label in ("cold", "warm"):
            asked, runs, seconds = matrix_pass(models, cache, recipe)
            print(f"{label}: {asked} firmware requests, {runs} compiler runs, {seconds:.1f} s wall")
        print("instructions per MAC on the mps2-an386 twin (cycles% / (N x MACs)):")
        for version, name, per_inf, macs, ratio in instructions_per_mac(cache):
            print(
                f"  harness {version} {name}: {per_inf} instructions/inference, {macs} MACs,"
                f" {ratio:.2f} instructions/MAC"
            )


if __name__ == "__main__":
    main()
