"""Lowering of data-movement and reduction operators: RESHAPE, PAD, CONCATENATION, MEAN, pools."""

from __future__ import annotations

import numpy as np

from farm.compiler.blob_format import MAX_OP_TENSORS, OpCode, OpRecord
from farm.compiler.fixedpoint import quantize_multiplier, wrap32
from farm.compiler.lower_common import LowerContext, out_size_and_pad, shape4
from farm.compiler.tflite_reader import OpInfo


def lower_reshape(ctx: LowerContext, op: OpInfo) -> OpRecord:
    a = ctx.int8_activation(op, op.inputs[0], "input")
    out = ctx.int8_activation(op, op.outputs[0], "output")
    ctx.require(
        op,
        a.size == out.size,
        "output shape",
        f"{list(out.shape)} has {out.size} values",
        f"the input has {a.size}",
    )
    return OpRecord(OpCode.COPY, op.name, op.index, [op.inputs[0], op.outputs[0]], [], [a.size])


def _same_quant(ctx: LowerContext, op: OpInfo, a_index: int, out_index: int) -> None:
    a, out = ctx.tensor(a_index), ctx.tensor(out_index)
    ok = abs(a.scale0 - out.scale0) <= 1e-6 and a.zp0 == out.zp0
    ctx.require(
        op,
        ok,
        f"tensor '{a.name}' quantization",
        f"(scale {a.scale0}, zero point {a.zp0}) differs from the output's",
        "inputs and output must share scale and zero point",
    )


def lower_pool(ctx: LowerContext, op: OpInfo, opcode: OpCode) -> OpRecord:
    o = op.options
    a = ctx.int8_activation(op, op.inputs[0], "input")
    out = ctx.int8_activation(op, op.outputs[0], "output")
    _same_quant(ctx, op, op.inputs[0], op.outputs[0])
    ctx.require(
        op, len(a.shape) == 4, "input shape", f"is {list(a.shape)}", "pools need 4-D NHWC input"
    )
    n, h, w, c = a.shape
    fh, fw, sh, sw = o.filterHeight, o.filterWidth, o.strideH, o.strideW
    ctx.require(
        op, min(fh, fw, sh, sw) > 0, "filter/stride", f"is {fh}x{fw}/{sh}x{sw}", "must be positive"
    )
    oh, ph = out_size_and_pad(o.padding, h, fh, sh, 1)
    ow, pw = out_size_and_pad(o.padding, w, fw, sw, 1)
    ctx.require(
        op,
        out.shape == (n, oh, ow, c),
        "output shape",
        f"is {list(out.shape)}",
        f"the operator computes {[n, oh, ow, c]}",
    )
    act_min, act_max = ctx.activation(op, o.fusedActivationFunction, out)
    params = [n, h, w, c, oh, ow, fh, fw, sh, sw, ph, pw, act_min, act_max]
    return OpRecord(opcode, op.name, op.index, [op.inputs[0], op.outputs[0]], [], params)


def lower_pad(ctx: LowerContext, op: OpInfo) -> OpRecord:
    a = ctx.int8_activation(op, op.inputs[0], "input")
    out = ctx.int8_activation(op, op.outputs[0], "output")
    pads = ctx.const(op, op.inputs[1], "paddings", "INT32")
    assert pads.data is not None
    ctx.require(
        op,
        len(a.shape) <= 4 and pads.data.shape == (len(a.shape), 2),
        "paddings shape",
        f"is {list(pads.data.shape)}",
        "one (before, after) pair per dim, at most 4 dims",
    )
    ctx.require(
        op, bool(np.all(pads.data >= 0)), "paddings", "has negative values", "paddings must be >= 0"
    )
    pad_value = out.zp0
    if len(op.inputs) > 2 and op.inputs[2] >= 0:
        cv = ctx.const(op, op.inputs[2], "constant_values", "INT8")
        assert cv.data is not None
        pad_value = int(cv.data.reshape(-1)[0])
    lead = 4 - len(a.shape)
    before = [0] * lead + [int(p) for p in pads.data[:, 0]]
    after = [0] * lead + [int(p) for p in pads.data[:, 1]]
    dims = shape4(a.shape)
    odims = [d + x + y for d, x, y in zip(dims, before, after, strict=True)]
    ctx.require(
        op,
        shape4(out.shape) == odims,
        "output shape",
        f"is {list(out.shape)}",
        f"the operator computes {odims[lead:]}",
    )
    return OpRecord(
        OpCode.PAD,
        op.name,
        op.index,
        [op.inputs[0], op.outputs[0]],
        [],
        dims + before + odims + [pad_value],
    )


def lower_concat(ctx: LowerContext, op: OpInfo) -> OpRecord:
    out = ctx.int8_activation(op, op.outputs[0], "output")
    ins = op.inputs
    ctx.require(
        op,
        len(ins) < MAX_OP_TENSORS,
        "inputs",
        f"number {len(ins)}",
        f"at most {MAX_OP_TENSORS - 1} inputs",
    )
    axis = op.options.axis if op.options is not None else 0
    axis = axis + len(out.shape) if axis < 0 else axis
    ctx.require(
        op,
        0 <= axis < len(out.shape),
        "axis",
        f"is {op.options.axis}",
        f"allowed 0..{len(out.shape) - 1}",
    )
    act = op.options.fusedActivationFunction if op.options is not None else 0
    ctx.require(
        op, act == 0, "fused_activation_function", f"is {act}", "CONCATENATION supports NONE only"
    )
    inner = []
    for i in ins:
        t = ctx.int8_activation(op, i, "input", allow_const=True)
        _same_quant(ctx, op, i, op.outputs[0])
        ctx.require(
            op,
            len(t.shape) == len(out.shape),
            f"tensor '{t.name}' shape",
            f"is {list(t.shape)}",
            "inputs must have the output's rank",
        )
        inner.append(int(np.prod(t.shape[axis:], dtype=np.int64)))
    outer = int(np.prod(out.shape[:axis], dtype=np.int64))
    ctx.require(
        op,
        outer * sum(inner) == out.size,
        "output shape",
        f"is {list(out.shape)}",
        "must be the inputs joined along the axis",
    )
    return OpRecord(
        OpCode.CONCAT, op.name, op.index, list(ins) + [op.outputs[0]], [], [len(ins), outer] + inner
    )


def lower_mean(ctx: LowerContext, op: OpInfo) -> OpRecord:
    a = ctx.int8_activation(op, op.inputs[0], "input")
    out = ctx.int8_activation(op, op.outputs[0], "output")
    axes_t = ctx.const(op, op.inputs[1], "axis", "INT32")
    assert axes_t.data is not None
    ctx.require(op, len(a.shape) <= 4, "input shape", f"is {list(a.shape)}", "at most 4 dims")
    lead = 4 - len(a.shape)
    mask = 0
    for ax in axes_t.data.reshape(-1):
        ax = int(ax) + len(a.shape) if ax < 0 else int(ax)
        ctx.require(
            op, 0 <= ax < len(a.shape), "axis", f"contains {ax}", f"allowed 0..{len(a.shape) - 1}"
        )
        mask |= 1 << (ax + lead)
    dims = shape4(a.shape)
    count = int(np.prod([d for i, d in enumerate(dims) if mask >> i & 1], dtype=np.int64))
    ctx.require(
        op,
        out.size * count == a.size,
        "output shape",
        f"is {list(out.shape)}",
        "must be the input reduced over the axes",
    )
    m, s = quantize_multiplier(a.scale0 / out.scale0)
    # QuantizedMeanOrSum folds 1/count into the multiplier with a clamped shift.
    k = min(count.bit_length() - 1, 32, 31 + s)
    m = wrap32((m << k) // count)
    s -= k
    params = dims + [mask, count, a.zp0, m, s, out.zp0]
    return OpRecord(OpCode.MEAN, op.name, op.index, [op.inputs[0], op.outputs[0]], [], params)
