"""The C kernels on the host equal TFLite Micro bit for bit, in both kernel builds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from farm.compiler.host_runtime import HostModel
from farm.compiler.model_check import check_model, random_inputs
from farm.compiler.model_compiler import compile_model
from farm.compiler.reference import LiteRtReference, TflmReference
from testing.compiler import sample_models
from testing.compiler.modelgen import ModelBuilder


@pytest.mark.parametrize("flavour", ["plain", "dsp-emulated"])
@pytest.mark.parametrize("name", sorted(sample_models.ALL))
def test_sample_models_bit_exact(model_dir: Path, name: str, flavour: str) -> None:
    result = check_model(model_dir / f"{name}.tflite", 8, flavour=flavour, litert=False, seed=7)
    assert result.bit_exact, result
    assert result.kernel_path == ("plain-c" if flavour == "plain" else "cortex-m-dsp-emulated")


def test_sample_models_cover_every_operator_and_activation(model_dir: Path) -> None:
    from farm.compiler.tflite_reader import read_tflite

    ops, acts = set(), set()
    for p in model_dir.glob("*.tflite"):
        for op in read_tflite(p).ops:
            ops.add(op.name)
            act = getattr(op.options, "fusedActivationFunction", None)
            if act is not None:
                acts.add(act)
    expected = {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "AVERAGE_POOL_2D", "MAX_POOL_2D", "ADD", "MUL",
                "RESHAPE", "SOFTMAX", "QUANTIZE", "DEQUANTIZE", "PAD", "CONCATENATION", "MEAN", "LOGISTIC"}  # fmt: skip
    assert expected <= ops
    assert {0, 1, 2, 3} <= acts


def _unary_model(
    op: str, in_scale: float, in_zp: int, out_scale: float, out_zp: int, **opts: object
) -> bytes:
    b = ModelBuilder(9)
    x = b.act([1, 256], in_scale, in_zp)
    y = b.act([1, 256], out_scale, out_zp)
    b.op(op, [x], [y], "SoftmaxOptions" if op == "SOFTMAX" else None, **opts)
    return b.build([x], [y])


@pytest.mark.parametrize(
    ("op", "args"),
    [
        ("LOGISTIC", (0.1, 3, 1 / 256, -128)),
        ("LOGISTIC", (0.017, -40, 1 / 256, -128)),
        ("QUANTIZE", (0.05, 10, 0.031, -7)),
        ("QUANTIZE", (0.02, 0, 0.5, 100)),
        ("SOFTMAX", (0.08, 5, 1 / 256, -128)),
    ],
)
def test_tabulated_functions_exhaustive(
    tmp_path: Path, op: str, args: tuple[float, int, float, int]
) -> None:
    """Every int8 input value at once: the compiler's tables equal TFLite Micro's kernels."""
    opts = {"beta": 1.0} if op == "SOFTMAX" else {}
    path = tmp_path / "m.tflite"
    path.write_bytes(_unary_model(op, *args, **opts))
    host, tflm = HostModel(compile_model(path).blob), TflmReference(path)
    x = np.arange(-128, 128, dtype=np.int8).reshape(1, 256)
    np.testing.assert_array_equal(host.run(x), tflm.run(x).reshape(-1))


def test_plain_and_dsp_emulated_give_same_bytes(model_dir: Path) -> None:
    for p in sorted(model_dir.glob("*.tflite")):
        m = compile_model(p)
        plain, dsp = HostModel(m.blob, "plain"), HostModel(m.blob, "dsp-emulated")
        for q in random_inputs(m, 10, seed=3):
            np.testing.assert_array_equal(plain.run(q), dsp.run(q))


def test_single_rounding_matches_litert_on_dense_model(model_dir: Path) -> None:
    """LiteRT's reference FULLY_CONNECTED uses single rounding; the blob option reproduces it."""
    from farm.compiler.model_check import _feed, _view

    path = model_dir / "float_io.tflite"
    m = compile_model(path, single_rounding=True)
    host, litert = HostModel(m.blob), LiteRtReference(path)
    for q in random_inputs(m, 20, seed=1):
        ref_in, blob_in = _feed(m, q)
        np.testing.assert_array_equal(_view(m, host.run(blob_in)), litert.run(ref_in).reshape(-1))
