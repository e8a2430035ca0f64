"""Regenerate joulefarm's int8 model zoo (.tflite + float .onnx twins + models.yaml).

Usage: ``.venv/bin/python models/build_zoo.py [--out DIR] [--only NAME ...] [--check] [--sizes]``

Deterministic: fixed seeds, and calibrated floats are snapped to 10 significant bits, so two
runs (on any machine with the same package versions) give byte-identical files. No TensorFlow:
the flatbuffer is written with the schema module shipped in the tflite-micro wheel.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from zoo import manifest, validate
from zoo.catalog import ZOO, ZooModel
from zoo.onnx_export import to_onnx
from zoo.tflite_export import to_tflite

log = logging.getLogger("build_zoo")
HERE = Path(__file__).resolve().parent
CHECK_SEED = 2024
CHECK_INPUTS = 50


def build_one(model: ZooModel, out: Path) -> dict:
    """Write one model's .tflite and .onnx into ``out`` and return its models.yaml entry."""
    graph = model.build()
    tflite, onnx = to_tflite(graph), to_onnx(graph)
    (out / f"{model.name}.tflite").write_bytes(tflite)
    (out / f"{model.name}.onnx").write_bytes(onnx)
    q = graph.tensor(graph.inputs[0]).qparams
    x = q.quantize(model.sample(np.random.default_rng(CHECK_SEED), 1))
    arena = validate.tflm_arena_bytes(out / f"{model.name}.tflite", x)
    log.info(
        "%s: %d MACs, %d params, %d bytes, arena %d",
        model.name,
        graph.macs,
        graph.params,
        len(tflite),
        arena,
    )
    return manifest.entry(model, graph, tflite, onnx, arena)


def check_one(model: ZooModel, out: Path, entry: dict) -> None:
    """Run TFLite Micro, LiteRT and onnxruntime on generated inputs and log the agreement."""
    rng = np.random.default_rng(CHECK_SEED + 1)
    xf = model.sample(rng, CHECK_INPUTS)[:, None]
    s, z = entry["input_scale"], entry["input_zero_point"]
    xq = np.clip(np.round(xf / s) + z, -128, 127).astype(np.int8)
    tflite = out / entry["tflite"]
    ours = validate.run_tflm(tflite, xq)
    litert = validate.run_litert(tflite, xq)
    twin = validate.run_onnx(out / entry["onnx"], ((xq.astype(np.float64) - z) * s))
    deq = (ours.astype(np.float64) - entry["output_zero_point"]) * entry["output_scale"]
    flat_ours, flat_twin = ours.reshape(CHECK_INPUTS, -1), twin.reshape(CHECK_INPUTS, -1)
    if model.task == "ad":
        rel_rms = float(np.sqrt(((deq - twin) ** 2).mean()) / twin.std())
        quality = f"relative RMS error {rel_rms:.3f}"
    else:
        classes = len(set(flat_ours.argmax(axis=1).tolist()))
        agree = float((flat_ours.argmax(axis=1) == flat_twin.argmax(axis=1)).mean())
        quality = f"argmax agreement {agree:.2f}, {classes} classes over {CHECK_INPUTS} inputs"
    log.info(
        "%s: onnx max|diff| %.4f (output range %.3f), %s, LiteRT-ref mismatches %d/%d",
        model.name,
        np.abs(deq - twin).max(),
        twin.max() - twin.min(),
        quality,
        int((litert != ours).sum()),
        ours.size,
    )


def refresh_compiler_sizes(out: Path) -> None:
    """Add farm's compiled ``blob_bytes`` / ``arena_bytes`` to every models.yaml entry.

    Sizes depend on shapes and the blob format, not on weight values, so they stay valid when the
    zoo is regenerated; rerun this after a blob format change.
    """
    from farm.compiler.model_compiler import compile_model

    path = out / "models.yaml"
    entries = manifest.load(path)
    for name, entry in entries.items():
        compiled = compile_model(out / entry["tflite"])
        entry["blob_bytes"], entry["arena_bytes"] = compiled.blob_bytes, compiled.arena_bytes
        log.info(
            "%s: blob %d bytes, arena %d bytes", name, compiled.blob_bytes, compiled.arena_bytes
        )
    manifest.write(path, entries)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output directory")
    parser.add_argument("--only", nargs="*", default=None, help="model names to build")
    parser.add_argument("--check", action="store_true", help="also compare with LiteRT/ONNX")
    parser.add_argument(
        "--sizes", action="store_true", help="add farm's compiled blob/arena bytes to models.yaml"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args.out.mkdir(parents=True, exist_ok=True)
    chosen = [m for m in ZOO if args.only is None or m.name in args.only]
    entries = {m.name: build_one(m, args.out) for m in chosen}
    if args.only is None:
        manifest.write(args.out / "models.yaml", entries)
    if args.sizes:
        refresh_compiler_sizes(args.out)
    if args.check:
        for m in chosen:
            check_one(m, args.out, entries[m.name])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
