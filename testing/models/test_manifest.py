"""models/models.yaml describes the committed files, and the zoo covers what it promises."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as S

from .tflite_reader import op_kinds, read_model

RUNTIME_OPS = {
    "CONV_2D",
    "DEPTHWISE_CONV_2D",
    "FULLY_CONNECTED",
    "AVERAGE_POOL_2D",
    "MAX_POOL_2D",
    "ADD",
    "MUL",
    "RESHAPE",
    "SOFTMAX",
    "QUANTIZE",
    "PAD",
    "CONCATENATION",
    "MEAN",
    "LOGISTIC",
}
G431_BLOB_BYTES, G431_ARENA_BYTES = 100 * 1024, 24 * 1024


def test_every_file_has_an_entry(models_dir: Path, manifest: dict[str, dict]) -> None:
    stems = {p.stem for p in models_dir.glob("*.tflite")}
    assert stems == set(manifest)
    assert stems == {p.stem for p in models_dir.glob("*.onnx")}
    assert len(stems) >= 12
    assert {e["task"] for e in manifest.values()} == {"kws", "vww", "ic", "ad"}


def test_entries_match_files(models_dir: Path, manifest: dict[str, dict]) -> None:
    for name, e in manifest.items():
        tflite = models_dir / e["tflite"]
        assert e["tflite_bytes"] == tflite.stat().st_size, name
        assert e["onnx_bytes"] == (models_dir / e["onnx"]).stat().st_size, name
        model = read_model(tflite)
        sub = model.subgraphs[0]
        assert sorted(set(op_kinds(model))) == e["ops"], name
        (tin,), (tout,) = (
            [sub.tensors[i] for i in sub.inputs],
            [sub.tensors[i] for i in sub.outputs],
        )
        for t, prefix in ((tin, "input"), (tout, "output")):
            assert t.type == S.TensorType.INT8, name
            assert list(t.shape) == e[f"{prefix}_shape"], name
            assert np.float32(t.quantization.scale[0]) == np.float32(e[f"{prefix}_scale"]), name
            assert t.quantization.zeroPoint[0] == e[f"{prefix}_zero_point"], name


def test_zoo_exercises_every_runtime_operator(manifest: dict[str, dict]) -> None:
    used = set().union(*(set(e["ops"]) for e in manifest.values()))
    assert used == RUNTIME_OPS


def test_some_models_fit_the_g431_and_some_do_not(manifest: dict[str, dict]) -> None:
    fits = {
        n
        for n, e in manifest.items()
        if e["tflite_bytes"] <= G431_BLOB_BYTES and e["tflm_arena_bytes"] <= G431_ARENA_BYTES
    }
    assert {"kws", "ic", "ad"} <= {manifest[n]["task"] for n in fits}
    assert len(fits) >= 4 and len(set(manifest) - fits) >= 4


def test_compute_stays_within_the_twin_budget(manifest: dict[str, dict]) -> None:
    macs = sorted(e["macs"] for e in manifest.values())
    assert macs[-1] <= 15_000_000
    assert sum(m <= 3_000_000 for m in macs) > len(macs) // 2


def test_compiler_sizes_are_recorded(manifest: dict[str, dict]) -> None:
    # The matrix skips models that cannot fit a target using these (build_zoo.py --sizes).
    for name, e in manifest.items():
        assert isinstance(e.get("blob_bytes"), int) and e["blob_bytes"] > 0, name
        assert isinstance(e.get("arena_bytes"), int) and e["arena_bytes"] > 0, name
