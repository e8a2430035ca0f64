"""Shared checks and arithmetic for lowering TFLite operators to runtime records."""

from __future__ import annotations

from typing import NoReturn

import numpy as np

from farm.compiler.fixedpoint import round_half_away
from farm.compiler.tflite_reader import Graph, OpInfo, TensorInfo
from farm.errors import ModelFormatError

# TFLite ActivationFunctionType values.
ACT_NONE, ACT_RELU, ACT_RELU_N1_TO_1, ACT_RELU6 = 0, 1, 2, 3
ACT_NAMES = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH", 5: "SIGN_BIT"}
PADDING_SAME = 0


class LowerContext:
    """What an operator lowering needs: the graph and a way to reject with a clear message."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def tensor(self, index: int) -> TensorInfo:
        return self.graph.tensors[index]

    def reject(self, op: OpInfo, fld: str, what: str, allowed: str) -> NoReturn:
        """Raise the one-line error that names file, operator (name and index) and field."""
        raise ModelFormatError(
            f"operator {op.index} '{op.name}': {fld} {what}; {allowed}",
            path=self.graph.path,
            field=fld,
        )

    def int8_activation(
        self, op: OpInfo, index: int, role: str, allow_const: bool = False
    ) -> TensorInfo:
        """An int8, per-tensor quantized tensor with a static shape (or reject).

        Constants are accepted where the kernel only reads the tensor (`allow_const`); they stay
        in the blob's constant section and never take arena space.
        """
        if index < 0:
            self.reject(op, role, "is missing", "the operator needs this tensor")
        t = self.tensor(index)
        if any(d <= 0 for d in t.shape):
            self.reject(
                op,
                f"{role} tensor '{t.name}' shape",
                f"is {list(t.shape)}",
                "the runtime needs static shapes with every dim >= 1",
            )
        if t.dtype != "INT8":
            what = "is float32 (a float model)" if t.dtype == "FLOAT32" else f"has type {t.dtype}"
            self.reject(
                op, f"{role} tensor '{t.name}'", what, "the runtime runs int8-quantized models only"
            )
        if t.scale is None or len(t.scale) != 1 or t.zero_point is None:
            self.reject(
                op,
                f"{role} tensor '{t.name}' quantization",
                "is not per-tensor",
                "int8 activations need one scale and zero point",
            )
        if not 0 < t.scale0 < float("inf"):
            self.reject(
                op,
                f"{role} tensor '{t.name}' scale",
                f"is {t.scale0}",
                "scales must be positive and finite",
            )
        if t.is_const and not allow_const:
            self.reject(
                op,
                f"{role} tensor '{t.name}'",
                "is a constant",
                "this operator needs a computed tensor here",
            )
        return t

    def const(self, op: OpInfo, index: int, role: str, dtype: str) -> TensorInfo:
        """A constant tensor of the given TFLite type (or reject)."""
        if index < 0:
            self.reject(op, role, "is missing", f"a constant {dtype} tensor is required")
        t = self.tensor(index)
        if not t.is_const:
            self.reject(
                op, f"{role} tensor '{t.name}'", "is not a constant", "weights must be constant"
            )
        if t.dtype != dtype:
            self.reject(op, f"{role} tensor '{t.name}'", f"has type {t.dtype}", f"expected {dtype}")
        return t

    def activation(self, op: OpInfo, act: int, out: TensorInfo) -> tuple[int, int]:
        """Fused activation as a quantized clamp range (CalculateActivationRangeQuantized)."""
        if act not in (ACT_NONE, ACT_RELU, ACT_RELU_N1_TO_1, ACT_RELU6):
            name = ACT_NAMES.get(act, str(act))
            self.reject(
                op,
                "fused_activation_function",
                f"is {name}",
                "allowed: NONE, RELU, RELU6, RELU_N1_TO_1",
            )
        return activation_range(act, out.scale0, out.zp0)

    def require(self, op: OpInfo, cond: bool, fld: str, what: str, allowed: str) -> None:
        if not cond:
            self.reject(op, fld, what, allowed)


def quantize_float(f: float, scale: float, zero_point: int) -> int:
    """`zero_point + round(f / scale)` in float32, as TFLite's activation-range Quantize."""
    return zero_point + round_half_away(float(np.float32(f) / np.float32(scale)))


def activation_range(act: int, scale: float, zero_point: int) -> tuple[int, int]:
    lo, hi = -128, 127
    if act == ACT_RELU:
        return max(lo, quantize_float(0.0, scale, zero_point)), hi
    if act == ACT_RELU6:
        return max(lo, quantize_float(0.0, scale, zero_point)), min(
            hi, quantize_float(6.0, scale, zero_point)
        )
    if act == ACT_RELU_N1_TO_1:
        return max(lo, quantize_float(-1.0, scale, zero_point)), min(
            hi, quantize_float(1.0, scale, zero_point)
        )
    return lo, hi


def out_size_and_pad(
    padding: int, size: int, k: int, stride: int, dilation: int
) -> tuple[int, int]:
    """TFLite ComputeOutSize and ComputePaddingWithOffset (the leading padding)."""
    eff = (k - 1) * dilation + 1
    out = (
        (size + stride - 1) // stride
        if padding == PADDING_SAME
        else (size + stride - eff) // stride
    )
    total = max((out - 1) * stride + eff - size, 0)
    return out, total // 2


def i32(values: np.ndarray | list[int]) -> bytes:
    """Little-endian int32 array bytes."""
    return np.asarray(values, dtype=np.int64).astype("<i4").tobytes()


def shape4(shape: tuple[int, ...]) -> list[int]:
    """Left-pad a shape of up to 4 dims with ones."""
    return [1] * (4 - len(shape)) + list(shape)
