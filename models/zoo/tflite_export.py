"""Write a :class:`Graph` as an int8 TFLite flatbuffer with the schema's object API.

The schema module is the one shipped inside the ``tflite-micro`` wheel, so no TensorFlow is
needed. Constant buffers are 16-byte aligned like the TFLite converter's, and every tensor has
its own buffer (empty for activations), also like the converter.
"""

from __future__ import annotations

import flatbuffers
import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as S

from zoo.graph import Graph, Op, Tensor

# Operator versions as the converter stamps them for int8 kernels.
_VERSIONS = {
    "CONV_2D": 3,
    "DEPTHWISE_CONV_2D": 3,
    "FULLY_CONNECTED": 4,
    "AVERAGE_POOL_2D": 2,
    "MAX_POOL_2D": 2,
    "ADD": 2,
    "MUL": 2,
    "RESHAPE": 1,
    "SOFTMAX": 2,
    "QUANTIZE": 2,
    "DEQUANTIZE": 2,
    "PAD": 2,
    "CONCATENATION": 2,
    "MEAN": 2,
    "LOGISTIC": 2,
}
_ACT = {"NONE": 0, "RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3}
_PAD = {"SAME": S.Padding.SAME, "VALID": S.Padding.VALID}
_TYPES = {
    "int8": S.TensorType.INT8,
    "int32": S.TensorType.INT32,
    "float32": S.TensorType.FLOAT32,
}


class _AlignedBuffer(S.BufferT):
    """A buffer whose data vector starts on a 16-byte boundary (the object API aligns to 1)."""

    def Pack(self, builder: flatbuffers.Builder) -> int:
        data = None
        if self.data is not None:
            raw = bytes(self.data)
            builder.StartVector(1, len(raw), 16)
            builder.head = builder.head - len(raw)
            builder.Bytes[builder.head : builder.head + len(raw)] = raw
            data = builder.EndVector()
        S.BufferStart(builder)
        if data is not None:
            S.BufferAddData(builder, data)
        return S.BufferEnd(builder)


def _options(op: Op) -> tuple[int, object]:
    o, kind, B = op.options, op.kind, S.BuiltinOptions
    if kind == "CONV_2D":
        opt = S.Conv2DOptionsT()
        opt.padding, opt.strideW, opt.strideH = _PAD[o["padding"]], o["stride"], o["stride"]
        opt.fusedActivationFunction = _ACT[o["act"]]
        return B.Conv2DOptions, opt
    if kind == "DEPTHWISE_CONV_2D":
        opt = S.DepthwiseConv2DOptionsT()
        opt.padding, opt.strideW, opt.strideH = _PAD[o["padding"]], o["stride"], o["stride"]
        opt.depthMultiplier, opt.fusedActivationFunction = 1, _ACT[o["act"]]
        return B.DepthwiseConv2DOptions, opt
    if kind == "FULLY_CONNECTED":
        opt = S.FullyConnectedOptionsT()
        opt.fusedActivationFunction = _ACT[o["act"]]
        return B.FullyConnectedOptions, opt
    if kind in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        opt = S.Pool2DOptionsT()
        opt.padding, opt.strideW, opt.strideH = _PAD[o["padding"]], o["stride"], o["stride"]
        opt.filterHeight, opt.filterWidth = o["size"]
        opt.fusedActivationFunction = _ACT[o["act"]]
        return B.Pool2DOptions, opt
    if kind == "ADD":
        opt = S.AddOptionsT()
        opt.fusedActivationFunction = _ACT[o["act"]]
        return B.AddOptions, opt
    if kind == "MUL":
        opt = S.MulOptionsT()
        opt.fusedActivationFunction = _ACT[o["act"]]
        return B.MulOptions, opt
    if kind == "RESHAPE":
        opt = S.ReshapeOptionsT()
        opt.newShape = list(o["shape"])
        return B.ReshapeOptions, opt
    if kind == "SOFTMAX":
        opt = S.SoftmaxOptionsT()
        opt.beta = o["beta"]
        return B.SoftmaxOptions, opt
    if kind == "CONCATENATION":
        opt = S.ConcatenationOptionsT()
        opt.axis, opt.fusedActivationFunction = o["axis"], _ACT[o["act"]]
        return B.ConcatenationOptions, opt
    if kind == "MEAN":
        opt = S.ReducerOptionsT()
        opt.keepDims = o["keep_dims"]
        return B.ReducerOptions, opt
    if kind == "PAD":
        return B.PadOptions, S.PadOptionsT()
    if kind == "QUANTIZE":
        return B.QuantizeOptions, S.QuantizeOptionsT()
    return B.NONE, None


def _tensor(t: Tensor, buffer: int) -> S.TensorT:
    out = S.TensorT()
    out.name, out.shape, out.type, out.buffer = t.name, list(t.shape), _TYPES[t.dtype], buffer
    if t.qparams is not None:
        q = S.QuantizationParametersT()
        q.scale = [float(s) for s in t.qparams.scale]
        q.zeroPoint = [int(z) for z in t.qparams.zero_point]
        q.quantizedDimension = t.qparams.axis
        out.quantization = q
    return out


def to_tflite(graph: Graph) -> bytes:
    """Serialize ``graph`` into .tflite bytes (schema version 3, identifier TFL3)."""
    names = list(graph.tensors)
    index = {name: i for i, name in enumerate(names)}
    buffers: list[S.BufferT] = [S.BufferT()]  # buffer 0 is the empty sentinel by convention
    tensors = []
    for name in names:
        t = graph.tensors[name]
        buf = _AlignedBuffer()
        if t.data is not None:
            buf.data = np.ascontiguousarray(t.data).astype(t.data.dtype.newbyteorder("<"))
            buf.data = buf.data.tobytes()
        buffers.append(buf)
        tensors.append(_tensor(t, len(buffers) - 1))

    kinds = list(dict.fromkeys(op.kind for op in graph.ops))
    codes = []
    for kind in kinds:
        code = S.OperatorCodeT()
        code.builtinCode = getattr(S.BuiltinOperator, kind)
        code.deprecatedBuiltinCode = min(code.builtinCode, 127)
        code.version = _VERSIONS[kind]
        codes.append(code)

    ops = []
    for op in graph.ops:
        o = S.OperatorT()
        o.opcodeIndex = kinds.index(op.kind)
        o.inputs = [index[n] for n in op.inputs]
        o.outputs = [index[n] for n in op.outputs]
        o.builtinOptionsType, o.builtinOptions = _options(op)
        ops.append(o)

    sub = S.SubGraphT()
    sub.tensors, sub.operators, sub.name = tensors, ops, "main"
    sub.inputs = [index[n] for n in graph.inputs]
    sub.outputs = [index[n] for n in graph.outputs]

    model = S.ModelT()
    model.version, model.operatorCodes, model.subgraphs = 3, codes, [sub]
    model.description, model.buffers = f"joulefarm zoo: {graph.name}", buffers
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())
