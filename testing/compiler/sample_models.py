"""The generated test models: together they use every supported operator and activation."""

from __future__ import annotations

import numpy as np

from testing.compiler.modelgen import ModelBuilder

RELU, RELU_N1_TO_1, RELU6 = 1, 2, 3
SAME, VALID = 0, 1


def _conv(b: ModelBuilder, x: int, shape: list[int], s_in: float, oc: int, k: tuple[int, int],
          stride: int = 1, pad: int = SAME, act: int = 0, dil: int = 1) -> tuple[int, list[int], float]:  # fmt: skip
    n, h, w, c = shape
    wt, ws = b.weights([oc, k[0], k[1], c], 0)
    bias = b.bias(oc, s_in, ws)
    s_out = b.out_scale(s_in, ws, k[0] * k[1] * c)
    eff = [(kk - 1) * dil + 1 for kk in k]
    oh = (h + stride - 1) // stride if pad == SAME else (h - eff[0] + stride) // stride
    ow = (w + stride - 1) // stride if pad == SAME else (w - eff[1] + stride) // stride
    out_shape = [n, oh, ow, oc]
    y = b.act(out_shape, s_out, int(b.rng.integers(-20, 20)))
    b.op("CONV_2D", [x, wt, bias], [y], "Conv2DOptions", padding=pad, strideW=stride, strideH=stride,
         fusedActivationFunction=act, dilationWFactor=dil, dilationHFactor=dil)  # fmt: skip
    return y, out_shape, s_out


def _dw(b: ModelBuilder, x: int, shape: list[int], s_in: float, k: int, stride: int, pad: int,
        act: int, dm: int = 1, dil: int = 1) -> tuple[int, list[int], float]:  # fmt: skip
    n, h, w, c = shape
    wt, ws = b.weights([1, k, k, c * dm], 3)
    bias = b.bias(c * dm, s_in, ws)
    s_out = b.out_scale(s_in, ws, k * k)
    eff = (k - 1) * dil + 1
    oh = (h + stride - 1) // stride if pad == SAME else (h - eff + stride) // stride
    ow = (w + stride - 1) // stride if pad == SAME else (w - eff + stride) // stride
    out_shape = [n, oh, ow, c * dm]
    y = b.act(out_shape, s_out, int(b.rng.integers(-20, 20)))
    b.op("DEPTHWISE_CONV_2D", [x, wt, bias], [y], "DepthwiseConv2DOptions", padding=pad,
         strideW=stride, strideH=stride, depthMultiplier=dm, fusedActivationFunction=act,
         dilationWFactor=dil, dilationHFactor=dil)  # fmt: skip
    return y, out_shape, s_out


def _fc(b: ModelBuilder, x: int, rows: int, depth: int, s_in: float, oc: int, act: int = 0,
        per_channel: bool = False) -> tuple[int, float]:  # fmt: skip
    w = b.rng.integers(-127, 128, size=(oc, depth)).astype(np.int8)
    if per_channel:
        ws = b.rng.uniform(0.002, 0.02, size=oc).astype(np.float32)
        wt = b.tensor([oc, depth], "INT8", ws, np.zeros(oc, np.int64), w)
    else:
        ws = np.array([0.01], np.float32)
        wt = b.tensor([oc, depth], "INT8", ws, [0], w)
    bias = b.bias(oc, s_in, ws if per_channel else np.full(oc, ws[0], np.float32))
    s_out = b.out_scale(s_in, ws, depth)
    y = b.act([rows, oc], s_out, int(b.rng.integers(-20, 20)))
    b.op(
        "FULLY_CONNECTED", [x, wt, bias], [y], "FullyConnectedOptions", fusedActivationFunction=act
    )
    return y, s_out


def convnet() -> bytes:
    """CONV (RELU) -> DEPTHWISE (RELU6) -> pointwise CONV -> AVERAGE_POOL -> RESHAPE -> FC -> SOFTMAX."""
    b = ModelBuilder(1)
    x = b.act([1, 9, 7, 3], 0.05, -3)
    y, shp, s = _conv(b, x, [1, 9, 7, 3], 0.05, 8, (3, 3), act=RELU)
    y, shp, s = _dw(b, y, shp, s, 3, 2, SAME, RELU6)
    y, shp, s = _conv(b, y, shp, s, 6, (1, 1))
    p = b.act([1, 3, 2, 6], s, b.tensors[y].quantization.zeroPoint[0])
    b.op(
        "AVERAGE_POOL_2D",
        [y],
        [p],
        "Pool2DOptions",
        padding=SAME,
        strideW=2,
        strideH=2,
        filterWidth=3,
        filterHeight=3,
    )
    r = b.act([1, 36], s, b.tensors[y].quantization.zeroPoint[0])
    b.op("RESHAPE", [p], [r], "ReshapeOptions", newShape=[1, 36])
    f, s2 = _fc(b, r, 1, 36, s, 10, act=RELU_N1_TO_1)
    o = b.act([1, 10], 1.0 / 256, -128)
    b.op("SOFTMAX", [f], [o], "SoftmaxOptions", beta=1.0)
    return b.build([x], [o])


def convnet_odd() -> bytes:
    """Dilated VALID conv, strided conv with odd channels, depth multiplier 2, MAX_POOL."""
    b = ModelBuilder(2)
    x = b.act([2, 12, 11, 5], 0.04, 7)
    y, shp, s = _conv(b, x, [2, 12, 11, 5], 0.04, 7, (3, 2), pad=VALID, dil=2)
    y, shp, s = _conv(b, y, shp, s, 5, (4, 3), stride=2, act=RELU6)
    y, shp, s = _dw(b, y, shp, s, 3, 1, SAME, 0, dm=2)
    y, shp, s = _dw(b, y, shp, s, 2, 1, VALID, RELU, dm=1, dil=2)
    zp = b.tensors[y].quantization.zeroPoint[0]
    oh, ow = (shp[1] + 1) // 2, (shp[2] + 1) // 2
    p = b.act([shp[0], oh, ow, shp[3]], s, zp)
    b.op("MAX_POOL_2D", [y], [p], "Pool2DOptions", padding=SAME, strideW=2, strideH=2, filterWidth=2, filterHeight=2,
         fusedActivationFunction=RELU)  # fmt: skip
    return b.build([x], [p])


def elementwise() -> bytes:
    """ADD (broadcast, RELU), MUL, LOGISTIC, QUANTIZE, PAD, CONCATENATION, MEAN, FC."""
    b = ModelBuilder(3)
    x = b.act([1, 4, 5, 8], 0.03, 2)
    a, shp, sa = _conv(b, x, [1, 4, 5, 8], 0.03, 8, (1, 1))
    c, _, sc = _conv(b, x, [1, 4, 5, 8], 0.03, 8, (3, 3))
    m = b.act([1, 1, 1, 8], sc, 1)
    axes = b.tensor([2], "INT32", data=np.array([1, 2], np.int32))
    b.op("MEAN", [c, axes], [m], "ReducerOptions", keepDims=True)
    s_add = max(sa, sc) * 1.5
    d = b.act(shp, s_add, -5)
    b.op("ADD", [a, m], [d], "AddOptions", fusedActivationFunction=RELU)
    e = b.act(shp, s_add * sc * 20, 3)
    b.op("MUL", [d, c], [e], "MulOptions", fusedActivationFunction=0)
    g = b.act(shp, 1.0 / 256, -128)
    b.op("LOGISTIC", [e], [g])
    h = b.act(shp, 1.0 / 300, -100)
    b.op("QUANTIZE", [g], [h])
    pads = b.tensor([4, 2], "INT32", data=np.array([[0, 0], [1, 0], [0, 2], [0, 0]], np.int32))
    pd = b.act([1, 5, 7, 8], 1.0 / 300, -100)
    b.op("PAD", [h, pads], [pd])
    q2 = b.act([1, 5, 7, 8], 1.0 / 300, -100)
    b.op(
        "MAX_POOL_2D",
        [pd],
        [q2],
        "Pool2DOptions",
        padding=SAME,
        strideW=1,
        strideH=1,
        filterWidth=3,
        filterHeight=2,
    )
    cat = b.act([1, 5, 7, 16], 1.0 / 300, -100)
    b.op("CONCATENATION", [pd, q2], [cat], "ConcatenationOptions", axis=3)
    mean = b.act([1, 7, 16], 1.0 / 400, -90)
    ax2 = b.tensor([1], "INT32", data=np.array([1], np.int32))
    b.op("MEAN", [cat, ax2], [mean], "ReducerOptions", keepDims=False)
    f, _ = _fc(b, mean, 7, 16, 1.0 / 400, 5, act=RELU6, per_channel=True)
    return b.build([x], [f])


def float_io() -> bytes:
    """float32 in -> QUANTIZE -> FC -> FC -> DEQUANTIZE -> float32 out (an autoencoder's shape)."""
    b = ModelBuilder(4)
    xf = b.tensor([1, 64], "FLOAT32")
    x = b.act([1, 64], 0.02, 10)
    b.op("QUANTIZE", [xf], [x])
    y, s = _fc(b, x, 1, 64, 0.02, 32, act=RELU)
    z, s = _fc(b, y, 1, 32, s, 64)
    zf = b.tensor([1, 64], "FLOAT32")
    b.op("DEQUANTIZE", [z], [zf])
    return b.build([xf], [zf])


def constants() -> bytes:
    """Constant operands read in place from the blob: ADD (const first), MUL, CONCATENATION."""
    b = ModelBuilder(5)
    x = b.act([1, 3, 4, 6], 0.04, -10)
    c1 = b.tensor(
        [1, 1, 1, 6], "INT8", 0.03, 4, b.rng.integers(-128, 128, (1, 1, 1, 6)).astype(np.int8)
    )
    y = b.act([1, 3, 4, 6], 0.06, 3)
    b.op("ADD", [c1, x], [y], "AddOptions", fusedActivationFunction=RELU6)
    c2 = b.tensor([1], "INT8", 0.02, 0, np.array([77], np.int8))
    z = b.act([1, 3, 4, 6], 0.05, -2)
    b.op("MUL", [y, c2], [z], "MulOptions", fusedActivationFunction=0)
    c3 = b.tensor(
        [1, 3, 4, 2], "INT8", 0.05, -2, b.rng.integers(-128, 128, (1, 3, 4, 2)).astype(np.int8)
    )
    o = b.act([1, 3, 4, 8], 0.05, -2)
    b.op("CONCATENATION", [z, c3], [o], "ConcatenationOptions", axis=3)
    return b.build([x], [o])


def fc_shapes() -> bytes:
    """One-row FULLY_CONNECTED chain (4-channel interleaved weights) over the shapes the kernel
    splits: depth groups of 4 a multiple of 4 or 1, 2, 3 past it (its loop's four entries),
    depth tails of 1-3 bytes, no whole group (depth 3), channels past the last block of 4."""
    b = ModelBuilder(6)
    x = b.act([1, 23], 0.04, -9)
    y, s = _fc(b, x, 1, 23, 0.04, 13, act=RELU)  # 5 groups + 3; 3 blocks + 1 channel
    y, s = _fc(b, y, 1, 13, s, 12)  # 3 groups + 1
    y, s = _fc(b, y, 1, 12, s, 3, act=RELU6, per_channel=True)  # 3 groups; 3 channels: plain
    y, s = _fc(b, y, 1, 3, s, 10)  # no whole group; 2 blocks + 2 channels
    y, s = _fc(b, y, 1, 10, s, 32, act=RELU, per_channel=True)  # 2 groups + 2
    y, s = _fc(b, y, 1, 32, s, 6)  # 8 groups
    return b.build([x], [y])


def conv_triples() -> bytes:
    """Convolutions with int8 outputs (no activation) and an odd channel count, which the DSP
    build's 3-row kernels take with their last-channel path: a 1x1 (42 rows: 14 triples) and a
    3x3 SAME (inner windows read in place, border windows gathered), both 8 -> 5, added."""
    b = ModelBuilder(7)
    x = b.act([1, 7, 6, 8], 0.05, -3)
    a, shp, sa = _conv(b, x, [1, 7, 6, 8], 0.05, 5, (1, 1))
    c, _, sc = _conv(b, x, [1, 7, 6, 8], 0.05, 5, (3, 3))
    d = b.act(shp, max(sa, sc) * 1.5, 4)
    b.op("ADD", [a, c], [d], "AddOptions", fusedActivationFunction=0)
    return b.build([x], [d])


def depthwise_tall() -> bytes:
    """3x3 depthwise layers the DSP build runs from int16 lines (k_dw_planes.c), over two
    images of a batch, taller than wide, so read by columns: stride 1 SAME with int8 outputs
    (the two-channel requantization and its odd last position), stride 2 SAME with RELU (the
    clamped requantization), stride 1 VALID with RELU6 down to one column."""
    b = ModelBuilder(8)
    x = b.act([2, 13, 5, 8], 0.05, -3)
    y, shp, s = _dw(b, x, [2, 13, 5, 8], 0.05, 3, 1, SAME, 0)
    y, shp, s = _dw(b, y, shp, s, 3, 2, SAME, RELU)  # 7 x 3
    y, shp, s = _dw(b, y, shp, s, 3, 1, VALID, RELU6)  # 5 x 1
    return b.build([x], [y])


def depthwise_wide() -> bytes:
    """3x3 depthwise wider than the int16 lines hold (60 at stride 1, 30 at stride 2: the older
    kernels), then 30 wide by rows (stride 1 SAME), padded on the right only (stride 2 SAME of
    an even width) and stride 2 VALID."""
    b = ModelBuilder(9)
    x = b.act([1, 9, 60, 4], 0.04, 5)
    y, shp, s = _dw(b, x, [1, 9, 60, 4], 0.04, 3, 1, SAME, 0)
    y, shp, s = _dw(b, y, shp, s, 3, 2, SAME, 0)  # 5 x 30
    y, shp, s = _dw(b, y, shp, s, 3, 1, SAME, 0)
    y, shp, s = _dw(b, y, shp, s, 3, 2, SAME, RELU)  # 3 x 15
    y, shp, s = _dw(b, y, shp, s, 3, 2, VALID, 0)  # 1 x 7
    return b.build([x], [y])


def conv_slices() -> bytes:
    """3x3 SAME convolutions whose filters exceed the DSP build's 7 KB stack copy, so they run
    in slices of output channels (k_conv.c): 32 -> 28 with RELU (the clamped pair kernels,
    slices of 24 and 4) and 28 -> 31 with int8 outputs (the 3-row kernels, slices of 28 and 3:
    an odd last slice); border windows are gathered and their slice scattered back."""
    b = ModelBuilder(10)
    x = b.act([1, 6, 7, 32], 0.05, -3)
    y, shp, s = _conv(b, x, [1, 6, 7, 32], 0.05, 28, (3, 3), act=RELU)
    y, shp, s = _conv(b, y, shp, s, 31, (3, 3))
    return b.build([x], [y])


def conv_tiles() -> bytes:
    """Convolutions with int8 outputs that the DSP build runs over packed tiles of channel
    pairs, over two images of a batch of 5 x 7 maps (70 pixels: one past the last triple): an
    RGB 3x3 stride-2 first layer (27 bytes deep, zero-padded to 28; k_conv_first.c), a 3x3
    dilated by 2 (windows read tap by tap), a 3x3 16 -> 64 whose filters take two tiles (three
    inner pixels of a row read in place), and a 1x1 stride 2 (k_conv_tiled.c)."""
    b = ModelBuilder(11)
    x = b.act([2, 9, 13, 3], 0.05, -3)
    y, shp, s = _conv(b, x, [2, 9, 13, 3], 0.05, 12, (3, 3), stride=2)  # 2 x 5 x 7
    y, shp, s = _conv(b, y, shp, s, 16, (3, 3), dil=2)
    y, shp, s = _conv(b, y, shp, s, 64, (3, 3))
    y, shp, s = _conv(b, y, shp, s, 6, (1, 1), stride=2)  # 2 x 3 x 4
    return b.build([x], [y])


ALL = {
    "convnet": convnet,
    "convnet_odd": convnet_odd,
    "elementwise": elementwise,
    "float_io": float_io,
    "constants": constants,
    "fc_shapes": fc_shapes,
    "conv_triples": conv_triples,
    "depthwise_tall": depthwise_tall,
    "depthwise_wide": depthwise_wide,
    "conv_slices": conv_slices,
    "conv_tiles": conv_tiles,
}
