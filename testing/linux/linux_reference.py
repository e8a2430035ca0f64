"""Host reference outputs for Linux boards, and how board outputs are judged against them.

The host runs the model with the *same* session code the board's runner uses
(``farm.devices.remote_runner.open_session``): LiteRT with the reference kernels
(``OpResolverType.BUILTIN_REF``) for ``.tflite``, onnxruntime on the CPU for ``.onnx``.

* int8 / integer outputs must be bit-exact (reference kernels are deterministic integer code);
* float outputs must satisfy ``|board - host| <= FLOAT_ATOL + FLOAT_RTOL * |host|``: the
  board's CPU, SIMD width and thread count change the summation order of float reductions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from farm.devices import remote_runner

FLOAT_ATOL = 1e-4
FLOAT_RTOL = 1e-4


@dataclass(frozen=True)
class OutputCheck:
    """Board outputs compared with the host reference."""

    ok: bool
    bit_exact: bool
    max_abs_diff: float
    rule: str  # "bit-exact" or "atol=..., rtol=..."


def host_reference(model: Path, inputs: list[np.ndarray], *,
                   resolver: str = "ref") -> list[list[np.ndarray]]:  # fmt: skip
    """Outputs ``[input][output tensor]`` of ``model`` on this machine.

    Raises:
        RuntimeError: the host lacks the runtime (install the ``reference`` extra).
    """
    runtimes = remote_runner.runtimes_for(str(model))
    session, runtime = remote_runner.open_session(str(model), 1, resolver, runtimes)
    if session is None:
        raise RuntimeError(f"host reference for {Path(model).name}: {runtime}")
    outputs = []
    for array in inputs:
        session.set_input(array)
        session.invoke()
        outputs.append(session.outputs())
    return outputs


def compare_outputs(board: list[list[np.ndarray]], host: list[list[np.ndarray]]) -> OutputCheck:
    """Judge board outputs: bit-exact for integer tensors, tolerance for float ones."""
    pairs = [(b, h) for per_b, per_h in zip(board, host, strict=True)
             for b, h in zip(per_b, per_h, strict=True)]  # fmt: skip
    floating = any(np.issubdtype(h.dtype, np.floating) for _, h in pairs)
    max_diff = 0.0
    exact = True
    ok = True
    for b, h in pairs:
        if b.shape != h.shape or b.dtype != h.dtype:
            return OutputCheck(False, False, float("inf"), "shape/dtype mismatch")
        diff = np.abs(b.astype(np.float64) - h.astype(np.float64))
        max_diff = max(max_diff, float(diff.max()) if diff.size else 0.0)
        exact = exact and bool(np.array_equal(b, h))
        if np.issubdtype(h.dtype, np.floating):
            ok = ok and bool(np.all(diff <= FLOAT_ATOL + FLOAT_RTOL * np.abs(h)))
        else:
            ok = ok and bool(np.array_equal(b, h))
    rule = f"atol={FLOAT_ATOL}, rtol={FLOAT_RTOL}" if floating else "bit-exact"
    return OutputCheck(ok=ok, bit_exact=exact, max_abs_diff=max_diff, rule=rule)
