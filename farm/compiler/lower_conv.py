"""Lowering of the MAC-heavy operators: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED.

Per-channel requantization (multiplier, shift) is computed here exactly as TFLite Micro's
Prepare does. The input zero point is folded into the bias (`bias + in_offset * sum(w)`), so
the kernels' inner loops are plain int8 dot products; convolutions keep the raw bias too,
for output pixels whose window crosses the padding (TFLite skips those taps).
"""

from __future__ import annotations

import numpy as np

from farm.compiler import fc_layout
from farm.compiler.blob_format import OpCode, OpRecord
from farm.compiler.fixedpoint import quantize_multiplier
from farm.compiler.lower_common import LowerContext, i32, out_size_and_pad
from farm.compiler.tflite_reader import OpInfo, TensorInfo


def _requant(
    ctx: LowerContext, op: OpInfo, inp: TensorInfo, w: TensorInfo, out: TensorInfo, channels: int
) -> tuple[list[int], list[int]]:
    scales = w.scale
    ctx.require(
        op,
        scales is not None and len(scales) in (1, channels),
        f"weights tensor '{w.name}' quantization",
        f"has {0 if scales is None else len(scales)} scales",
        f"expected 1 or {channels} (per channel)",
    )
    assert scales is not None
    zps = w.zero_point if w.zero_point is not None else np.zeros(1, np.int64)
    ctx.require(
        op,
        bool(np.all(zps == 0)),
        f"weights tensor '{w.name}' zero_point",
        "is not 0",
        "int8 weights must be symmetric",
    )
    mults, shifts = [], []
    for c in range(channels):
        f_scale = float(np.float32(scales[c if len(scales) > 1 else 0]))
        m, s = quantize_multiplier(inp.scale0 * f_scale / out.scale0)
        mults.append(m)
        shifts.append(s)
    return mults, shifts


def _requant_record(
    mults: list[int], shifts: list[int], bias: np.ndarray, taps: int
) -> tuple[bytes, int]:
    """Per-channel requantization in the form the kernels' inner loops want, and the fast flag.

    Each channel is four int32: multiplier, L = max(shift, 0) + 1, R = max(-shift, 0) and the
    rounding addend 2^(R-1) (0 when R is 0); TFLite's shift is L - 1 - R. With double rounding,
    SRDHM(x << left, m) is floor((x*m*2^left + 2^30) / 2^31) = SMMULR(x << L, m) (one Cortex-M
    instruction) whenever x << L cannot overflow, and RoundingDivideByPOT by R >= 1 is
    (y + 2^(R-1) + (y >> 31)) >> R. The flag says both hold for every channel of the layer:
    |acc| <= max|bias| + taps * 255 * 128 (input minus zero point times an int8 weight), and
    R >= 1. Otherwise the kernels use the general formulas, so the bytes never change.
    """
    words: list[int] = []
    fast = 1
    bound = int(np.max(np.abs(bias))) if bias.size else 0
    bound += taps * 255 * 128
    for m, s in zip(mults, shifts, strict=True):
        left, right = max(s, 0) + 1, max(-s, 0)
        words += [m, left, right, (1 << (right - 1)) if right > 0 else 0]
        if right < 1 or right > 31 or (bound << left) >= (1 << 31):
            fast = 0
    return i32(words), fast


def _bias(ctx: LowerContext, op: OpInfo, channels: int) -> np.ndarray:
    if len(op.inputs) < 3 or op.inputs[2] < 0:
        return np.zeros(channels, np.int64)
    b = ctx.const(op, op.inputs[2], "bias", "INT32")
    ctx.require(
        op,
        b.size == channels,
        f"bias tensor '{b.name}' shape",
        f"has {b.size} values",
        f"expected {channels}",
    )
    assert b.data is not None
    return b.data.astype(np.int64).reshape(-1)


def _fold(bias: np.ndarray, weights: np.ndarray, in_offset: int) -> np.ndarray:
    """bias + in_offset * sum(w) per output channel, wrapped to int32 like the C arithmetic."""
    folded = bias + in_offset * weights.reshape(weights.shape[0], -1).astype(np.int64).sum(axis=1)
    return ((folded + (1 << 31)) % (1 << 32)) - (1 << 31)


def lower_conv(ctx: LowerContext, op: OpInfo) -> OpRecord:
    o = op.options
    inp = ctx.int8_activation(op, op.inputs[0], "input")
    out = ctx.int8_activation(op, op.outputs[0], "output")
    w = ctx.const(op, op.inputs[1], "weights", "INT8")
    ctx.require(
        op,
        len(inp.shape) == 4 and len(w.shape) == 4,
        "input shape",
        f"is {list(inp.shape)}",
        "CONV_2D needs 4-D NHWC input and OHWI weights",
    )
    n, h, wd, c = inp.shape
    oc, kh, kw, ic = w.shape
    ctx.require(
        op,
        ic == c,
        f"weights tensor '{w.name}' shape",
        f"has {ic} input channels for a {c}-channel input",
        "grouped convolution is not supported",
    )
    sh, sw, dh, dw = o.strideH, o.strideW, o.dilationHFactor or 1, o.dilationWFactor or 1
    ctx.require(op, sh > 0 and sw > 0, "stride", f"is {sh}x{sw}", "strides must be positive")
    oh, ph = out_size_and_pad(o.padding, h, kh, sh, dh)
    ow, pw = out_size_and_pad(o.padding, wd, kw, sw, dw)
    ctx.require(
        op,
        out.shape == (n, oh, ow, oc),
        "output shape",
        f"is {list(out.shape)}",
        f"the operator computes {[n, oh, ow, oc]}",
    )
    act_min, act_max = ctx.activation(op, o.fusedActivationFunction, out)
    mult, shift = _requant(ctx, op, inp, w, out, oc)
    bias = _bias(ctx, op, oc)
    assert w.data is not None
    folded = _fold(bias, w.data, -inp.zp0)
    rq, fast = _requant_record(mult, shift, bias, kh * kw * ic)
    wbytes = np.ascontiguousarray(w.data).astype(np.int8).tobytes()
    macs = n * oh * ow * oc * kh * kw * ic
    if kh == 1 and kw == 1 and sh == 1 and sw == 1:
        # A pointwise convolution is a matrix product over all pixels.
        return OpRecord(
            OpCode.FULLY_CONNECTED,
            op.name,
            op.index,
            [op.inputs[0], op.outputs[0]],
            [wbytes, i32(folded), rq],
            [n * h * wd, c, oc, out.zp0, act_min, act_max, fast],
            macs,
        )
    params = [
        n,
        h,
        wd,
        c,
        oh,
        ow,
        oc,
        kh,
        kw,
        sh,
        sw,
        dh,
        dw,
        ph,
        pw,
        -inp.zp0,
        out.zp0,
        act_min,
        act_max,
    ]
    rec = OpRecord(
        OpCode.CONV,
        op.name,
        op.index,
        [op.inputs[0], op.outputs[0]],
        [wbytes, i32(folded), rq],
        params,
        macs,
    )
    rec.params.append(2)  # window pixels per gather; the compiler may lower it to 1
    rec.params.append(fast)
    rec.scratch_bytes = 2 * kh * kw * ic  # the windows of two output pixels
    return rec


def lower_depthwise(ctx: LowerContext, op: OpInfo) -> OpRecord:
    o = op.options
    inp = ctx.int8_activation(op, op.inputs[0], "input")
    out = ctx.int8_activation(op, op.outputs[0], "output")
    w = ctx.const(op, op.inputs[1], "weights", "INT8")
    ctx.require(
        op,
        len(inp.shape) == 4 and len(w.shape) == 4 and w.shape[0] == 1,
        "input shape",
        f"is {list(inp.shape)}",
        "DEPTHWISE_CONV_2D needs 4-D NHWC input and 1HWO weights",
    )
    n, h, wd, c = inp.shape
    _, kh, kw, oc = w.shape
    ctx.require(
        op,
        oc % c == 0,
        f"weights tensor '{w.name}' shape",
        f"has {oc} channels for a {c}-channel input",
        "output channels must be a multiple of input channels",
    )
    dm = oc // c
    sh, sw, dh, dw = o.strideH, o.strideW, o.dilationHFactor or 1, o.dilationWFactor or 1
    ctx.require(op, sh > 0 and sw > 0, "stride", f"is {sh}x{sw}", "strides must be positive")
    oh, ph = out_size_and_pad(o.padding, h, kh, sh, dh)
    ow, pw = out_size_and_pad(o.padding, wd, kw, sw, dw)
    ctx.require(
        op,
        out.shape == (n, oh, ow, oc),
        "output shape",
        f"is {list(out.shape)}",
        f"the operator computes {[n, oh, ow, oc]}",
    )
    act_min, act_max = ctx.activation(op, o.fusedActivationFunction, out)
    mult, shift = _requant(ctx, op, inp, w, out, oc)
    bias = _bias(ctx, op, oc)
    assert w.data is not None
    per_channel = np.ascontiguousarray(w.data.reshape(kh * kw, oc).T)
    folded = _fold(bias, per_channel, -inp.zp0)
    rq, fast = _requant_record(mult, shift, bias, kh * kw)
    params = [
        n,
        h,
        wd,
        c,
        oh,
        ow,
        oc,
        dm,
        kh,
        kw,
        sh,
        sw,
        dh,
        dw,
        ph,
        pw,
        -inp.zp0,
        out.zp0,
        act_min,
        act_max,
        fast,
    ]
    return OpRecord(
        OpCode.DEPTHWISE_CONV,
        op.name,
        op.index,
        [op.inputs[0], op.outputs[0]],
        [w.data.astype(np.int8).tobytes(), i32(bias), i32(folded), rq],
        params,
        n * oh * ow * oc * kh * kw,
    )


def lower_fully_connected(ctx: LowerContext, op: OpInfo) -> OpRecord:
    o = op.options
    inp = ctx.int8_activation(op, op.inputs[0], "input")
    out = ctx.int8_activation(op, op.outputs[0], "output")
    w = ctx.const(op, op.inputs[1], "weights", "INT8")
    ctx.require(
        op,
        len(w.shape) == 2,
        f"weights tensor '{w.name}' shape",
        f"is {list(w.shape)}",
        "FULLY_CONNECTED needs 2-D weights",
    )
    if o is not None:
        ctx.require(
            op,
            not o.weightsFormat,
            "weights_format",
            f"is {o.weightsFormat}",
            "only DEFAULT is supported",
        )
    oc, depth = w.shape
    ctx.require(
        op,
        inp.size % depth == 0,
        "input shape",
        f"is {list(inp.shape)}",
        f"its size must be a multiple of the weights' depth {depth}",
    )
    rows = inp.size // depth
    ctx.require(
        op,
        out.size == rows * oc,
        "output shape",
        f"is {list(out.shape)}",
        f"the operator computes {rows}x{oc}",
    )
    act = o.fusedActivationFunction if o is not None else 0
    act_min, act_max = ctx.activation(op, act, out)
    mult, shift = _requant(ctx, op, inp, w, out, oc)
    bias = _bias(ctx, op, oc)
    assert w.data is not None
    folded = _fold(bias, w.data, -inp.zp0)
    rq, fast = _requant_record(mult, shift, bias, depth)
    # One row uses each weight once: the interleaved layout lets that kernel group its loads.
    # Several rows (a batch) keep the plain rows for the 2-row kernel, which reuses them.
    layout = fc_layout.INTERLEAVED4 if rows == 1 and oc >= 4 else fc_layout.PLAIN
    weights = w.data.astype(np.int8)
    wbytes = (fc_layout.interleave4(weights) if layout else weights).tobytes()
    return OpRecord(
        OpCode.FULLY_CONNECTED,
        op.name,
        op.index,
        [op.inputs[0], op.outputs[0]],
        [wbytes, i32(folded), rq],
        [rows, depth, oc, out.zp0, act_min, act_max, fast, layout],
        rows * oc * depth,
    )
