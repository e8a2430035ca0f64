"""Lowering of element-wise int8 operators: ADD, MUL, QUANTIZE, LOGISTIC, SOFTMAX.

Functions of one int8 value (int8->int8 QUANTIZE, LOGISTIC) become 256-entry lookup tables
computed here with TFLite's own fixed-point arithmetic, so the board does one load per value
and never touches float. SOFTMAX keeps its row-wise reciprocal on the board but takes its
exponentials from a 256-entry table indexed by `max - x`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from farm.compiler.blob_format import OpCode, OpRecord
from farm.compiler.fixedpoint import (
    exp_on_negative_values,
    logistic_q,
    quantize_multiplier,
    rdbpot,
    round_half_away,
    wrap32,
)
from farm.compiler.lower_common import LowerContext, i32, shape4
from farm.compiler.tflite_reader import OpInfo, TensorInfo

Requant = Callable[[int, int, int], int]


def _broadcast(
    ctx: LowerContext, op: OpInfo, a: TensorInfo, b: TensorInfo, out: TensorInfo
) -> list[int]:
    """4-D output dims followed by each input's element strides (0 where it broadcasts)."""
    for t in (a, b, out):
        ctx.require(
            op,
            len(t.shape) <= 4,
            f"tensor '{t.name}' shape",
            f"has {len(t.shape)} dims",
            "at most 4 dims are supported",
        )
    so = shape4(out.shape)
    strides: list[int] = []
    for t in (a, b):
        st = shape4(t.shape)
        step, mine = 1, [0, 0, 0, 0]
        for d in (3, 2, 1, 0):
            ctx.require(
                op,
                st[d] in (1, so[d]),
                f"tensor '{t.name}' shape",
                f"{list(t.shape)} does not broadcast to {list(out.shape)}",
                "shapes must be equal or 1 per dim",
            )
            mine[d] = step if st[d] > 1 else 0
            step *= st[d]
        strides += mine
    return so + strides


def _add_input_table(
    offset: int, left_shift: int, multiplier: int, shift: int, mbqm: Requant
) -> bytes:
    """One ADD input's scaled value for every int8 x, as TFLite computes it (the left shift,
    then its multiplier), int32 indexed by (uint8)x: the board adds two table reads instead."""
    table = np.zeros(256, np.int32)
    for x in range(-128, 128):
        table[x & 0xFF] = mbqm(wrap32((x + offset) * (1 << left_shift)), multiplier, shift)
    return table.tobytes()


def lower_add(ctx: LowerContext, op: OpInfo, mbqm: Requant) -> OpRecord:
    a = ctx.int8_activation(op, op.inputs[0], "input1", allow_const=True)
    b = ctx.int8_activation(op, op.inputs[1], "input2", allow_const=True)
    out = ctx.int8_activation(op, op.outputs[0], "output")
    act_min, act_max = ctx.activation(
        op, op.options.fusedActivationFunction if op.options else 0, out
    )
    left_shift = 20
    twice_max = 2 * max(a.scale0, b.scale0)
    m1, s1 = quantize_multiplier(a.scale0 / twice_max)
    m2, s2 = quantize_multiplier(b.scale0 / twice_max)
    mo, so = quantize_multiplier(twice_max / ((1 << left_shift) * out.scale0))
    params = _broadcast(ctx, op, a, b, out)
    params += [-a.zp0, -b.zp0, out.zp0, left_shift, m1, s1, m2, s2, mo, so, act_min, act_max]
    consts: list[bytes] = []
    if shape4(a.shape) == shape4(b.shape) == shape4(out.shape):
        # No broadcasting: each input's scaled value comes from its table (BLOB.md).
        consts = [
            _add_input_table(-a.zp0, left_shift, m1, s1, mbqm),
            _add_input_table(-b.zp0, left_shift, m2, s2, mbqm),
        ]
    return OpRecord(
        OpCode.ADD, op.name, op.index, [op.inputs[0], op.inputs[1], op.outputs[0]], consts, params
    )


def lower_mul(ctx: LowerContext, op: OpInfo) -> OpRecord:
    a = ctx.int8_activation(op, op.inputs[0], "input1", allow_const=True)
    b = ctx.int8_activation(op, op.inputs[1], "input2", allow_const=True)
    out = ctx.int8_activation(op, op.outputs[0], "output")
    act_min, act_max = ctx.activation(
        op, op.options.fusedActivationFunction if op.options else 0, out
    )
    m, s = quantize_multiplier(a.scale0 * b.scale0 / out.scale0)
    params = _broadcast(ctx, op, a, b, out) + [-a.zp0, -b.zp0, out.zp0, m, s, act_min, act_max]
    return OpRecord(
        OpCode.MUL,
        op.name,
        op.index,
        [op.inputs[0], op.inputs[1], op.outputs[0]],
        [],
        params,
        out.size,
    )


def _lut(op: OpInfo, values: list[int], size: int) -> OpRecord:
    """A LUT8 record: table[x & 0xff] for x in int8 order -128..127."""
    table = np.zeros(256, np.int8)
    for x, v in zip(range(-128, 128), values, strict=True):
        table[x & 0xFF] = max(-128, min(127, v))
    return OpRecord(
        OpCode.LUT8, op.name, op.index, [op.inputs[0], op.outputs[0]], [table.tobytes()], [size]
    )


def lower_requantize(ctx: LowerContext, op: OpInfo, mbqm: Requant) -> OpRecord:
    """int8 -> int8 QUANTIZE (TFLite's Requantize) as a lookup table."""
    a = ctx.int8_activation(op, op.inputs[0], "input")
    out = ctx.int8_activation(op, op.outputs[0], "output")
    m, s = quantize_multiplier(a.scale0 / out.scale0)
    return _lut(op, [mbqm(x - a.zp0, m, s) + out.zp0 for x in range(-128, 128)], a.size)


def lower_logistic(ctx: LowerContext, op: OpInfo, mbqm: Requant) -> OpRecord:
    a = ctx.int8_activation(op, op.inputs[0], "input")
    out = ctx.int8_activation(op, op.outputs[0], "output")
    ctx.require(
        op,
        out.zp0 == -128,
        f"output tensor '{out.name}' zero_point",
        f"is {out.zp0}",
        "LOGISTIC needs -128 (TFLite's int8 spec)",
    )
    q, left_shift = math.frexp(a.scale0 * float(1 << 27))
    multiplier = wrap32(round_half_away(q * (1 << 31)))
    radius = math.floor(15.0 * (1 << 27) / (1 << left_shift))  # CalculateInputRadius(4, shift, 31)
    values = []
    for x in range(-128, 128):
        v = x - a.zp0
        if v <= -radius:
            values.append(-128)
        elif v >= radius:
            values.append(127)
        else:
            values.append(rdbpot(logistic_q(mbqm(v, multiplier, left_shift), 4), 23) - 128)
    return _lut(op, values, a.size)


def lower_softmax(ctx: LowerContext, op: OpInfo, mbqm: Requant) -> OpRecord:
    a = ctx.int8_activation(op, op.inputs[0], "input")
    out = ctx.int8_activation(op, op.outputs[0], "output")
    ok = out.zp0 == -128 and out.scale0 == float(np.float32(1.0 / 256))
    ctx.require(
        op,
        ok,
        f"output tensor '{out.name}' quantization",
        f"is scale {out.scale0}, zero point {out.zp0}",
        "SOFTMAX needs scale 1/256 and zero point -128",
    )
    ctx.require(
        op,
        len(a.shape) >= 1 and a.shape == out.shape,
        "input shape",
        f"is {list(a.shape)}",
        "input and output shapes must match",
    )
    beta = float(np.float32(op.options.beta)) if op.options is not None else 1.0
    max_real = float((1 << 31) - 1)
    m, left_shift = quantize_multiplier(min(beta * a.scale0 * float(1 << 26), max_real))
    diff_min = -math.floor(31.0 * (1 << 26) / (1 << left_shift))  # -CalculateInputRadius(5, shift)
    table = [0] * 256
    for d in range(256):
        if -d >= diff_min:
            table[d] = exp_on_negative_values(mbqm(-d, m, left_shift), 5)
    depth = a.shape[-1]
    return OpRecord(
        OpCode.SOFTMAX,
        op.name,
        op.index,
        [op.inputs[0], op.outputs[0]],
        [i32(table)],
        [a.size // depth, depth],
    )
