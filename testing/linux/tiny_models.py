"""Tiny models built in-process for the Linux-board tests (no model zoo needed).

An int8 FULLY_CONNECTED ``.tflite`` (via the LiteRT schema's object API) and a float ``.onnx``
(via ``onnx.helper``) with the same weights, so the tests do not depend on ``models/``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

IN_FEATURES = 64
OUT_FEATURES = 16


def _weights(seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    w = rng.integers(-127, 128, size=(OUT_FEATURES, IN_FEATURES), dtype=np.int8)
    b = rng.integers(-2000, 2000, size=(OUT_FEATURES,), dtype=np.int32)
    return w, b


def _quant(scale: float, zero_point: int):
    from ai_edge_litert import schema_py_generated as s

    q = s.QuantizationParametersT()
    q.scale = [scale]
    q.zeroPoint = [zero_point]
    return q


def _tensor(name: str, shape: list[int], ttype: int, buffer: int, quant):
    from ai_edge_litert import schema_py_generated as s

    t = s.TensorT()
    t.name, t.shape, t.type, t.buffer, t.quantization = name, shape, ttype, buffer, quant
    return t


def build_int8_fc_tflite(path: Path) -> Path:
    """Write an int8 ``input[1,64] -> FULLY_CONNECTED -> output[1,16]`` model to ``path``."""
    import flatbuffers
    from ai_edge_litert import schema_py_generated as s

    w, b = _weights()
    buffers = []
    for data in (None, None, w.tobytes(), b.tobytes(), None):
        buf = s.BufferT()
        buf.data = None if data is None else list(data)
        buffers.append(buf)
    tt = s.TensorType
    tensors = [
        _tensor("input", [1, IN_FEATURES], tt.INT8, 1, _quant(0.05, -3)),
        _tensor("weights", [OUT_FEATURES, IN_FEATURES], tt.INT8, 2, _quant(0.01, 0)),
        _tensor("bias", [OUT_FEATURES], tt.INT32, 3, _quant(0.05 * 0.01, 0)),
        _tensor("output", [1, OUT_FEATURES], tt.INT8, 4, _quant(0.4, 5)),
    ]
    op = s.OperatorT()
    op.opcodeIndex, op.inputs, op.outputs = 0, [0, 1, 2], [3]
    op.builtinOptionsType = s.BuiltinOptions.FullyConnectedOptions
    op.builtinOptions = s.FullyConnectedOptionsT()
    code = s.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = s.BuiltinOperator.FULLY_CONNECTED
    code.version = 4
    graph = s.SubGraphT()
    graph.tensors, graph.inputs, graph.outputs, graph.operators = tensors, [0], [3], [op]
    model = s.ModelT()
    model.version, model.operatorCodes, model.subgraphs, model.buffers = 3, [code], [graph], buffers
    model.description = "joulefarm testing/linux tiny int8 FC"
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    path.write_bytes(bytes(builder.Output()))
    return path


def build_float_fc_onnx(path: Path) -> Path:
    """Write a float ``input[1,64] -> Gemm -> Relu -> output[1,16]`` ONNX model to ``path``."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w, b = _weights()
    wf, bf = w.astype(np.float32) * 0.01, b.astype(np.float32) * 0.0005
    graph = helper.make_graph(
        [
            helper.make_node("Gemm", ["input", "w", "b"], ["mm"], transB=1),
            helper.make_node("Relu", ["mm"], ["output"]),
        ],
        "tiny_fc",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, IN_FEATURES])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, OUT_FEATURES])],
        initializer=[numpy_helper.from_array(wf, "w"), numpy_helper.from_array(bf, "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.write_bytes(model.SerializeToString())
    return path


def int8_inputs(count: int, seed: int = 1) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(-128, 128, size=(1, IN_FEATURES), dtype=np.int8) for _ in range(count)]


def float_inputs(count: int, seed: int = 2) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((1, IN_FEATURES)).astype(np.float32) for _ in range(count)]
