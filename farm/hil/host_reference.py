"""Host references for Linux boards, and the one rule board outputs are judged by.

The host runs LiteRT's reference kernels for int8 .tflite models and onnxruntime for the float
.onnx twins. Integer outputs must be bit-exact (reference kernels are deterministic integer
code); float outputs must satisfy ``|board - host| <= FLOAT_ATOL + FLOAT_RTOL * |host|`` (the
board's CPU, SIMD width and thread count change the summation order of float reductions)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from farm.hil.inputs import model_inputs, seeded_rng

if TYPE_CHECKING:
    from farm.compiler.reference import LiteRtReference

# Float outputs of the same graph on two runtime builds/CPUs may differ by this much.
FLOAT_ATOL = 1e-4
FLOAT_RTOL = 1e-3


@functools.cache
def _litert(path: Path) -> LiteRtReference:
    from farm.compiler.reference import LiteRtReference

    return LiteRtReference(path)


@functools.cache
def _onnx(path: Path) -> object:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def input_spec(path: Path) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype of the model's first input."""
    if path.suffix == ".onnx":
        first = _onnx(path.resolve()).get_inputs()[0]  # type: ignore[attr-defined]
        shape = tuple(d if isinstance(d, int) else 1 for d in first.shape)
        return shape, np.dtype(np.float32 if "float" in first.type else np.int8)
    detail = _litert(path.resolve()).interpreter.get_input_details()[0]
    return tuple(int(d) for d in detail["shape"]), np.dtype(detail["dtype"])


def linux_inputs(path: Path, name: str, n: int, seed: int) -> list[np.ndarray]:
    """Seeded inputs in the model's dtype (int8 range for int8, N(0,1) for float)."""
    shape, dtype = input_spec(path)
    if dtype == np.int8:
        return model_inputs(name, shape, n, seed)
    rng = seeded_rng(name, seed)
    return [rng.standard_normal(shape).astype(dtype) for _ in range(n)]


def host_outputs(path: Path, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """First output tensor for each input on the lab PC."""
    path = path.resolve()
    if path.suffix == ".onnx":
        session = _onnx(path)
        name = session.get_inputs()[0].name  # type: ignore[attr-defined]
        return [session.run(None, {name: x})[0] for x in inputs]  # type: ignore[attr-defined]
    reference = _litert(path)
    return [np.array(reference.run(x), copy=True) for x in inputs]


@dataclass(frozen=True)
class OutputCheck:
    """Board outputs judged against the host reference."""

    ok: bool
    bit_exact: bool
    max_abs_diff: float
    rule: str  # "bit-exact", or the float tolerance when any reference tensor is float


def check_outputs(got: Sequence[np.ndarray], want: Sequence[np.ndarray]) -> OutputCheck:
    """Judge board tensors against host tensors, pairwise: a tensor whose host reference has an
    integer dtype must be bit-exact, a float one within FLOAT_ATOL + FLOAT_RTOL * |host|.
    Tensors are compared element by element (a board may drop a leading batch axis of 1)."""
    floating = any(np.issubdtype(np.asarray(w).dtype, np.floating) for w in want)
    rule = f"|diff| <= {FLOAT_ATOL} + {FLOAT_RTOL}*|host|" if floating else "bit-exact"
    ok = exact = True
    max_diff = 0.0
    for g, w in zip(got, want, strict=True):
        g64, w64 = np.asarray(g, np.float64).reshape(-1), np.asarray(w, np.float64).reshape(-1)
        if g64.shape != w64.shape:
            return OutputCheck(
                False, False, float("inf"), f"shape: {g64.size} vs {w64.size} values"
            )
        diff = np.abs(g64 - w64)
        max_diff = max(max_diff, float(diff.max()) if diff.size else 0.0)
        same = bool(np.array_equal(g64, w64))
        exact &= same
        if np.issubdtype(np.asarray(w).dtype, np.floating):
            ok &= bool(np.all(diff <= FLOAT_ATOL + FLOAT_RTOL * np.abs(w64)))
        else:
            ok &= same
    return OutputCheck(ok=ok, bit_exact=exact, max_abs_diff=max_diff, rule=rule)
