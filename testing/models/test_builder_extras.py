"""The generator can also write ops the zoo does not use (for runtime tests): DEQUANTIZE to a
float output and the RELU_N1_TO_1 fused activation; TFLite Micro and onnxruntime run them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from zoo import validate
from zoo.builder import GraphBuilder
from zoo.onnx_export import to_onnx
from zoo.tflite_export import to_tflite


def test_dequantize_and_relu_n1_to_1_run_in_tflm(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    b = GraphBuilder("extras", 7, rng.normal(size=(16, 8, 8, 2)), None)
    x = b.conv2d(b.input, 4, (3, 3), act="RELU_N1_TO_1")
    x = b.fully_connected(b.reshape(x, (1, 256)), 5, act="NONE")
    graph = b.finish(b.dequantize(x))
    path = tmp_path / "extras.tflite"
    path.write_bytes(to_tflite(graph))
    (tmp_path / "extras.onnx").write_bytes(to_onnx(graph))

    qin = graph.tensor(graph.inputs[0]).qparams
    q_fc = graph.tensor(x).qparams
    xs = qin.quantize(rng.normal(size=(4, 1, 8, 8, 2)))
    out = validate.run_tflm(path, xs)
    assert out.dtype == np.float32 and out.shape == (4, 1, 5)
    steps = out / q_fc.scale[0] + q_fc.zero_point[0]  # DEQUANTIZE of int8: integral steps
    np.testing.assert_allclose(steps, np.round(steps), atol=1e-3)
    twin = validate.run_onnx(tmp_path / "extras.onnx", qin.dequantize(xs))
    assert np.abs(twin - out).max() < 0.5 * np.abs(twin).max()
