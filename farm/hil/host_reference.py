"""Host references for Linux boards: LiteRT's reference kernels for int8 .tflite models (exact),
onnxruntime for the float .onnx twins (within a stated tolerance)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from farm.hil.inputs import model_inputs, seeded_rng

if TYPE_CHECKING:
    from farm.compiler.reference import LiteRtReference

ONNX_ATOL = 1e-4
"""Float outputs of the same graph on two onnxruntime builds/CPUs: allowed absolute difference."""
ONNX_RTOL = 1e-3


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


def compare(path: Path, got: list[np.ndarray], want: list[np.ndarray]) -> tuple[bool, float, str]:
    """(equal, max |diff|, rule): int8 exact; float within ONNX_ATOL + ONNX_RTOL*|ref|."""
    max_diff = 0.0
    equal = True
    for g, w in zip(got, want, strict=True):
        g64, w64 = np.asarray(g, np.float64).reshape(-1), np.asarray(w, np.float64).reshape(-1)
        if g64.shape != w64.shape:
            return False, float("inf"), "shape"
        max_diff = max(max_diff, float(np.max(np.abs(g64 - w64))) if g64.size else 0.0)
        if path.suffix == ".onnx":
            equal &= bool(np.allclose(g64, w64, atol=ONNX_ATOL, rtol=ONNX_RTOL))
        else:
            equal &= bool(np.array_equal(g64, w64))
    rule = (
        f"float: |diff| <= {ONNX_ATOL} + {ONNX_RTOL}*|ref| vs onnxruntime"
        if path.suffix == ".onnx"
        else "int8: exact vs LiteRT reference kernels (BUILTIN_REF)"
    )
    return equal, max_diff, rule
