"""Write the float twin of a :class:`Graph` as ONNX (opset 13, dequantized weights).

The twin keeps the TFLite model's NHWC interface: its input is NHWC float (the dequantized int8
input) and one Transpose turns it into ONNX's NCHW; a 4D tensor is transposed back to NHWC
before any RESHAPE so flattening orders elements like TFLite does. QUANTIZE (an int8-only
requantization) has no float counterpart and disappears.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from zoo.float_ops import same_padding
from zoo.graph import Graph, Op

OPSET = 13


class _Emitter:
    def __init__(self, graph: Graph) -> None:
        self.g = graph
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.alias: dict[str, str] = {}  # TFLite tensor -> ONNX value name
        self.rank: dict[str, int] = {}

    def v(self, name: str) -> str:
        return self.alias.get(name, name)

    def node(self, kind: str, inputs: list[str], output: str, **attrs: object) -> str:
        self.nodes.append(helper.make_node(kind, inputs, [output], name=output, **attrs))
        return output

    def init(self, name: str, value: np.ndarray) -> str:
        self.inits.append(numpy_helper.from_array(value, name))
        return name

    def act(self, out: str, kind: str) -> None:
        pre = out + "/pre"
        self.nodes[-1].output[0] = pre
        self.nodes[-1].name = pre
        if kind == "RELU":
            self.node("Relu", [pre], out)
        elif kind in ("RELU6", "RELU_N1_TO_1"):
            bounds = (0.0, 6.0) if kind == "RELU6" else (-1.0, 1.0)
            lo = self.init(out + "/min", np.array(bounds[0], np.float32))
            hi = self.init(out + "/max", np.array(bounds[1], np.float32))
            self.node("Clip", [pre, lo, hi], out)
        else:
            self.nodes[-1].output[0] = self.nodes[-1].name = out

    def conv(self, op: Op, depthwise: bool) -> None:
        x, w, b = op.inputs
        wf = self.g.tensor(w).float_data
        bf = self.g.tensor(b).float_data
        # OHWI -> OIHW; depthwise 1HWC -> C1HW with group = C.
        wt = wf.transpose(3, 0, 1, 2) if depthwise else wf.transpose(0, 3, 1, 2)
        kh, kw = wt.shape[2:]
        hin, win_ = self.g.tensor(x).shape[1:3]
        s = op.options["stride"]
        if op.options["padding"] == "SAME":
            (pt, pb), (pl, pr) = same_padding(hin, kh, s), same_padding(win_, kw, s)
        else:
            pt = pb = pl = pr = 0
        out = op.outputs[0]
        attrs = {"strides": [s, s], "pads": [pt, pl, pb, pr], "kernel_shape": [kh, kw]}
        if depthwise:
            attrs["group"] = wt.shape[0]
        ins = [self.v(x), self.init(w, np.ascontiguousarray(wt)), self.init(b, bf)]
        self.node("Conv", ins, out, **attrs)
        self.act(out, op.options["act"])

    def emit(self, op: Op) -> None:
        k, ins, out = op.kind, op.inputs, op.outputs[0]
        if k in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            self.conv(op, k == "DEPTHWISE_CONV_2D")
        elif k == "FULLY_CONNECTED":
            x, w, b = ins
            wt = self.init(w, np.ascontiguousarray(self.g.tensor(w).float_data.T))
            self.node("Gemm", [self.v(x), wt, self.init(b, self.g.tensor(b).float_data)], out)
            self.act(out, op.options["act"])
        elif k in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
            kind = "AveragePool" if k == "AVERAGE_POOL_2D" else "MaxPool"
            s = op.options["stride"]
            self.node(
                kind, [self.v(ins[0])], out, kernel_shape=list(op.options["size"]), strides=[s, s]
            )
        elif k in ("ADD", "MUL"):
            self.node(k.capitalize(), [self.v(ins[0]), self.v(ins[1])], out)
            self.act(out, op.options["act"])
        elif k == "RESHAPE":
            src = self.v(ins[0])
            if len(self.g.tensor(ins[0]).shape) == 4:
                src = self.node("Transpose", [src], out + "/nhwc", perm=[0, 2, 3, 1])
            shape = self.init(out + "/shape", np.asarray(op.options["shape"], np.int64))
            self.node("Reshape", [src, shape], out)
        elif k == "PAD":
            pads = np.asarray(op.options["pads"])[[0, 3, 1, 2]]  # NHWC -> NCHW order
            onnx_pads = np.concatenate([pads[:, 0], pads[:, 1]]).astype(np.int64)
            self.node("Pad", [self.v(ins[0]), self.init(out + "/pads", onnx_pads)], out)
        elif k == "CONCATENATION":
            self.node("Concat", [self.v(x) for x in ins], out, axis=1)
        elif k == "MEAN":
            keep = int(op.options["keep_dims"])
            self.node("ReduceMean", [self.v(ins[0])], out, axes=[2, 3], keepdims=keep)
        elif k == "SOFTMAX":
            self.node("Softmax", [self.v(ins[0])], out, axis=-1)
        elif k == "LOGISTIC":
            self.node("Sigmoid", [self.v(ins[0])], out)
        elif k in ("QUANTIZE", "DEQUANTIZE"):
            self.alias[out] = self.v(ins[0])
        else:
            raise ValueError(f"operator {k} has no ONNX mapping")


def to_onnx(graph: Graph) -> bytes:
    """Serialize the float twin of ``graph`` (input 'input' NHWC, output 'output')."""
    em = _Emitter(graph)
    (gin,), (gout,) = graph.inputs, graph.outputs
    in_shape = list(graph.tensor(gin).shape)
    if len(in_shape) == 4:
        em.node("Transpose", ["input"], gin, perm=[0, 3, 1, 2])
    else:
        em.alias[gin] = "input"
    for op in graph.ops:
        em.emit(op)
    out_name = em.v(gout)
    em.node("Identity", [out_name], "output")
    model = helper.make_model(
        helper.make_graph(
            em.nodes,
            graph.name.replace("/", "_"),
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, in_shape)],
            [
                helper.make_tensor_value_info(
                    "output", TensorProto.FLOAT, list(graph.tensor(gout).shape)
                )
            ],
            em.inits,
        ),
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="joulefarm-zoo",
        ir_version=8,
    )
    onnx.checker.check_model(model)
    return model.SerializeToString()
