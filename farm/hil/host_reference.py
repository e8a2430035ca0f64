"""Host references for Linux boards: LiteRT's reference kernels for int8 .tflite models (exact),
onnxruntime for the float .onnx twins (within a stated tolerance)."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

ONNX_ATOL = 1e-4
"""Float outputs of the same graph on two onnxruntime builds/CPUs: allowed absolute difference."""
ONNX_RTOL = 1e-3


@functools.cache
def _litert(path: Path) -> object:
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    interpreter = Interpreter(
        model_path=str(path), experimental_op_resolver_type=OpResolverType.BUILTIN_REF
    )
    interpreter.allocate_tensors()
    return interpreter


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
    detail = _litert(path.resolve()).get_input_details()[0]  # type: ignore[attr-defined]
    return tuple(int(d) for d in detail["shape"]), np.dtype(detail["dtype"])


def linux_inputs(path: Path, name: str, n: int, seed: int) -> list[np.ndarray]:
    """Seeded inputs in the model's dtype (int8 range for int8, N(0,1) for float)."""
    import hashlib

    shape, dtype = input_spec(path)
    digest = hashlib.sha256(f"{name}:{seed}".encode()).digest()
    rng = np.random.default_rng(int.from_bytes(digest[:8], "little"))
    if dtype == np.int8:
        return [rng.integers(-128, 128, size=shape, dtype=np.int8) for _ in range(n)]
    return [rng.standard_normal(shape).astype(dtype) for _ in range(n)]


def host_outputs(path: Path, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """First output tensor for each input on the lab PC."""
    path = path.resolve()
    if path.suffix == ".onnx":
        session = _onnx(path)
        name = session.get_inputs()[0].name  # type: ignore[attr-defined]
        return [session.run(None, {name: x})[0] for x in inputs]  # type: ignore[attr-defined]
    interpreter = _litert(path)
    inp = interpreter.get_input_details()[0]["index"]  # type: ignore[attr-defined]
    out = interpreter.get_output_details()[0]["index"]  # type: ignore[attr-defined]
    outputs = []
    for x in inputs:
        interpreter.set_tensor(inp, x)  # type: ignore[attr-defined]
        interpreter.invoke()  # type: ignore[attr-defined]
        outputs.append(np.array(interpreter.get_tensor(out), copy=True))  # type: ignore[attr-defined]
    return outputs


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
