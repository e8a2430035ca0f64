"""Turn a checked TFLite graph into runtime operator records.

Rejections happen here, before anything runs: float models, operators the runtime lacks
(name and index), and per-operator shape/parameter limits (the lowering functions name the
field). A float32 model input feeding a QUANTIZE, or a DEQUANTIZE producing a float32 model
output, is peeled off: the blob stays int8 end to end and the host does that conversion
exactly as TFLite does (flags in the blob header record it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from farm.compiler import lower_arith, lower_conv, lower_layout
from farm.compiler.blob_format import BlobFlag, OpCode, OpRecord
from farm.compiler.fixedpoint import mbqm, mbqm_single
from farm.compiler.lower_common import LowerContext
from farm.compiler.tflite_reader import Graph, OpInfo
from farm.errors import ModelFormatError

Lowerer = Callable[[LowerContext, OpInfo], OpRecord]


def _lowerers(single_rounding: bool) -> dict[str, Lowerer]:
    requant = mbqm_single if single_rounding else mbqm
    return {
        "CONV_2D": lower_conv.lower_conv,
        "DEPTHWISE_CONV_2D": lower_conv.lower_depthwise,
        "FULLY_CONNECTED": lower_conv.lower_fully_connected,
        "AVERAGE_POOL_2D": functools.partial(lower_layout.lower_pool, opcode=OpCode.AVERAGE_POOL),
        "MAX_POOL_2D": functools.partial(lower_layout.lower_pool, opcode=OpCode.MAX_POOL),
        "ADD": functools.partial(lower_arith.lower_add, mbqm=requant),
        "MUL": lower_arith.lower_mul,
        "RESHAPE": lower_layout.lower_reshape,
        "SQUEEZE": lower_layout.lower_reshape,
        "EXPAND_DIMS": lower_layout.lower_reshape,
        "SOFTMAX": functools.partial(lower_arith.lower_softmax, mbqm=requant),
        "QUANTIZE": functools.partial(lower_arith.lower_requantize, mbqm=requant),
        "LOGISTIC": functools.partial(lower_arith.lower_logistic, mbqm=requant),
        "PAD": lower_layout.lower_pad,
        "PADV2": lower_layout.lower_pad,
        "CONCATENATION": lower_layout.lower_concat,
        "MEAN": lower_layout.lower_mean,
    }


SUPPORTED_OPS = sorted([*_lowerers(False), "DEQUANTIZE"])


@dataclass
class LoweredGraph:
    """Operator records plus the int8 tensors that are the blob's input and output."""

    graph: Graph
    records: list[OpRecord]
    input_tensor: int
    output_tensor: int
    flags: BlobFlag


def _model_error(graph: Graph, fld: str, what: str) -> ModelFormatError:
    return ModelFormatError(f"model '{graph.path.name}': {what}", path=graph.path, field=fld)


def _peel_edges(graph: Graph) -> tuple[list[OpInfo], int, int, BlobFlag]:
    if len(graph.inputs) != 1 or len(graph.outputs) != 1:
        raise _model_error(
            graph,
            "inputs",
            f"has {len(graph.inputs)} inputs and {len(graph.outputs)} outputs; the runtime supports exactly one of each",
        )
    ops = list(graph.ops)
    inp, out = graph.inputs[0], graph.outputs[0]
    flags = BlobFlag(0)
    if graph.tensors[inp].dtype == "FLOAT32":
        users = [op for op in ops if inp in op.inputs]
        if (
            len(users) == 1
            and users[0].name == "QUANTIZE"
            and graph.tensors[users[0].outputs[0]].dtype == "INT8"
        ):
            ops.remove(users[0])
            inp = users[0].outputs[0]
            flags |= BlobFlag.FLOAT_INPUT
    if graph.tensors[out].dtype == "FLOAT32":
        makers = [op for op in ops if out in op.outputs]
        if (
            len(makers) == 1
            and makers[0].name == "DEQUANTIZE"
            and graph.tensors[makers[0].inputs[0]].dtype == "INT8"
        ):
            ops.remove(makers[0])
            out = makers[0].inputs[0]
            flags |= BlobFlag.FLOAT_OUTPUT
    return ops, inp, out, flags


def _check_float(graph: Graph, ops: list[OpInfo]) -> None:
    for op in ops:
        for t in op.inputs + op.outputs:
            if t >= 0 and graph.tensors[t].dtype == "FLOAT32":
                raise _model_error(
                    graph,
                    "dtype",
                    f"is a float model (operator {op.index} '{op.name}' uses float32 tensor "
                    f"'{graph.tensors[t].name}'); the runtime runs int8-quantized models only",
                )


def lower_graph(graph: Graph, *, single_rounding: bool = False) -> LoweredGraph:
    """Check every operator and lower it; raise ModelFormatError on the first problem."""
    ops, inp, out, flags = _peel_edges(graph)
    _check_float(graph, ops)
    table = _lowerers(single_rounding)
    for op in ops:
        if op.name not in table:
            raise ModelFormatError(
                f"operator {op.index} '{op.name}': not supported by the farm runtime; "
                f"supported: {', '.join(SUPPORTED_OPS)}",
                path=graph.path,
                field="operator",
            )
    for t in (inp, out):
        if graph.tensors[t].dtype != "INT8":
            raise _model_error(
                graph,
                "dtype",
                f"model input/output tensor '{graph.tensors[t].name}' has type {graph.tensors[t].dtype}; int8 (or float32 with QUANTIZE/DEQUANTIZE) is supported",
            )
    ctx = LowerContext(graph)
    records = [table[op.name](ctx, op) for op in ops]
    if single_rounding:
        flags |= BlobFlag.SINGLE_ROUNDING
    return LoweredGraph(graph, records, inp, out, flags)
