"""The .tflite files follow TFLite's full-integer int8 quantization scheme."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as S
from zoo.quant import activation_qparams, quantize_weights, snap

from .tflite_reader import op_kinds, read_model

T = S.TensorType
SAME_QUANT_OPS = {"AVERAGE_POOL_2D", "MAX_POOL_2D", "RESHAPE", "PAD"}


def _q(t: S.TensorT) -> tuple[list[float], list[int]]:
    return list(t.quantization.scale), list(t.quantization.zeroPoint)


def _check_weighted(kind: str, ts: list[S.TensorT], name: str) -> None:
    x, w, b = ts[:3]
    out_ch = w.shape[3] if kind == "DEPTHWISE_CONV_2D" else w.shape[0]
    assert w.type == T.INT8 and b.type == T.INT32, name
    w_scale, w_zp = _q(w)
    assert set(w_zp) == {0}, name
    if kind == "FULLY_CONNECTED":
        assert len(w_scale) == 1, name
    else:
        axis = 3 if kind == "DEPTHWISE_CONV_2D" else 0
        assert w.quantization.quantizedDimension == axis, name
        assert len(w_scale) == out_ch, name
    b_scale, b_zp = _q(b)
    expected = np.float32(np.float64(x.quantization.scale[0]) * np.asarray(w_scale))
    np.testing.assert_allclose(b_scale, expected, rtol=1e-6, err_msg=name)
    assert set(b_zp) == {0}, name


@pytest.mark.parametrize(
    "stem", ["kws_dscnn_16", "kws_mix_16", "vww_mbv1_010", "ic_resnet8_8", "ad_fc_32"]
)
def test_tensors_follow_the_int8_scheme(models_dir: Path, stem: str) -> None:
    model = read_model(models_dir / f"{stem}.tflite")
    sub = model.subgraphs[0]
    for op, kind in zip(sub.operators, op_kinds(model), strict=True):
        ins = [sub.tensors[i] for i in op.inputs]
        out = sub.tensors[op.outputs[0]]
        assert out.type == T.INT8 and ins[0].type == T.INT8, kind
        weights = model.buffers[ins[1].buffer].data if len(ins) > 1 else None
        if kind in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            assert weights is not None and len(weights) > 0
            _check_weighted(kind, ins, f"{stem}:{kind}")
        if kind in ("SOFTMAX", "LOGISTIC"):
            assert _q(out) == ([1.0 / 256.0], [-128]), kind
        if kind in SAME_QUANT_OPS or kind == "CONCATENATION":
            for t in ins[: len(ins) if kind == "CONCATENATION" else 1]:
                assert _q(t) == _q(out), f"{stem}:{kind}"


def test_constant_buffers_are_16_byte_aligned(models_dir: Path) -> None:
    buf = (models_dir / "kws_dscnn_16.tflite").read_bytes()
    model = S.Model.GetRootAs(buf, 0)
    for i in range(model.BuffersLength()):
        b = model.Buffers(i)
        if b.DataLength():
            offset = b._tab.Vector(b._tab.Offset(4))
            assert offset % 16 == 0, i


def test_activation_range_always_contains_zero() -> None:
    relu = activation_qparams(0.0, 5.0)
    assert relu.zero_point == (-128,)
    positive = activation_qparams(2.0, 5.0)  # 0 must stay representable
    assert positive.zero_point == (-128,)
    q = activation_qparams(-3.0, 1.0)
    assert q.quantize(np.array([0.0]))[0] == q.zero_point[0]


def test_weights_are_symmetric_per_channel() -> None:
    w = np.stack([np.linspace(-1, 1, 9), np.linspace(-0.01, 0.02, 9)]).reshape(2, 3, 3, 1)
    q, params = quantize_weights(w, axis=0)
    assert q.dtype == np.int8 and q.min() >= -127
    assert np.abs(q).reshape(2, -1).max(axis=1).tolist() == [127, 127]
    assert params.zero_point == (0, 0)
    assert params.scale[0] == pytest.approx(1 / 127) and params.scale[1] == pytest.approx(
        0.02 / 127
    )


def test_snap_keeps_ten_significant_bits() -> None:
    assert snap(1.0) == 1.0
    assert snap(1.0 + 2**-12) == 1.0
    assert snap(0.1) == pytest.approx(0.1, rel=2**-10)
