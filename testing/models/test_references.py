"""Every zoo model runs in TFLite Micro (non-degenerate), LiteRT and its ONNX twin."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from zoo import validate
from zoo.catalog import ZOO, ZooModel

INPUTS = 50


def _inputs(model: ZooModel, entry: dict) -> np.ndarray:
    xf = model.sample(np.random.default_rng(99), INPUTS)[:, None]
    s, z = entry["input_scale"], entry["input_zero_point"]
    return np.clip(np.round(xf / s) + z, -128, 127).astype(np.int8)


@pytest.fixture(scope="module")
def tflm_outputs(models_dir: Path, manifest: dict[str, dict]) -> dict[str, np.ndarray]:
    return {
        m.name: validate.run_tflm(models_dir / f"{m.name}.tflite", _inputs(m, manifest[m.name]))
        for m in ZOO
    }


@pytest.mark.parametrize("model", ZOO, ids=lambda m: m.name)
def test_tflm_outputs_are_not_degenerate(
    model: ZooModel, tflm_outputs: dict[str, np.ndarray], manifest: dict[str, dict]
) -> None:
    out = tflm_outputs[model.name].reshape(INPUTS, -1)
    assert out.dtype == np.int8
    assert list(tflm_outputs[model.name].shape[1:]) == manifest[model.name]["output_shape"]
    if model.task == "ad":
        assert out.std(axis=0).mean() > 4, "reconstructions barely depend on the input"
        assert (np.abs(out) == 127).mean() < 0.05 and (out == -128).mean() < 0.05
    else:
        classes = np.bincount(out.argmax(axis=1), minlength=out.shape[1])
        assert (classes > 0).sum() >= min(out.shape[1], 5), classes
        assert classes.max() <= 0.6 * INPUTS, classes


@pytest.mark.parametrize("model", ZOO, ids=lambda m: m.name)
def test_litert_reference_agrees_except_fully_connected_rounding(
    model: ZooModel,
    models_dir: Path,
    manifest: dict[str, dict],
    tflm_outputs: dict[str, np.ndarray],
) -> None:
    xs = _inputs(model, manifest[model.name])[:10]
    ref = validate.run_litert(models_dir / f"{model.name}.tflite", xs)
    # LiteRT's reference FULLY_CONNECTED rounds once, TFLite Micro twice: 1 LSB apart at the
    # FC output, which SOFTMAX or later FC layers may widen a little; never a different model.
    diff = np.abs(ref.astype(int) - tflm_outputs[model.name][:10].astype(int))
    assert diff.max() <= 8 and (diff > 0).mean() < 0.5


@pytest.mark.parametrize("model", ZOO, ids=lambda m: m.name)
def test_onnx_twin_roughly_agrees(
    model: ZooModel,
    models_dir: Path,
    manifest: dict[str, dict],
    tflm_outputs: dict[str, np.ndarray],
) -> None:
    e = manifest[model.name]
    xq = _inputs(model, e)
    xf = (xq.astype(np.float64) - e["input_zero_point"]) * e["input_scale"]
    twin = validate.run_onnx(models_dir / e["onnx"], xf).reshape(INPUTS, -1)
    ours = tflm_outputs[model.name].reshape(INPUTS, -1).astype(np.float64)
    deq = (ours - e["output_zero_point"]) * e["output_scale"]
    rel_rms = np.sqrt(((deq - twin) ** 2).mean()) / twin.std()
    assert rel_rms < 0.4, rel_rms
    if model.task != "ad":
        assert (deq.argmax(axis=1) == twin.argmax(axis=1)).mean() >= 0.8


def test_tflm_arena_is_measured(models_dir: Path, manifest: dict[str, dict]) -> None:
    e = manifest["kws_dscnn_16"]
    x = _inputs(ZOO[0], e)[0]
    assert validate.tflm_arena_bytes(models_dir / e["tflite"], x) == e["tflm_arena_bytes"]
