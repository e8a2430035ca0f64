"""Deterministic test inputs and host reference outputs for a model.

Inputs are int8 tensors drawn from a seeded generator (the seed is part of the run's options,
so two runs with the same seed feed the boards the same bytes). For MCU targets the reference
is TFLite Micro's own kernels (the ``tflite-micro`` package); bit-exactness is judged against it.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import numpy as np

DEFAULT_SEED = 20261122


def model_inputs(
    name: str, shape: tuple[int, ...], n: int, seed: int = DEFAULT_SEED
) -> list[np.ndarray]:
    """``n`` int8 inputs of ``shape`` for model ``name`` (stable per name and seed)."""
    digest = hashlib.sha256(f"{name}:{seed}".encode()).digest()
    rng = np.random.default_rng(int.from_bytes(digest[:8], "little"))
    return [rng.integers(-128, 128, size=shape, dtype=np.int8) for _ in range(n)]


@functools.cache
def _tflm_interpreter(path: Path) -> object:
    from tflite_micro.python.tflite_micro import runtime

    return runtime.Interpreter.from_file(str(path), arena_size=4 * 1024 * 1024)


def tflm_outputs(path: Path, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """TFLite Micro's int8 outputs for ``inputs`` (one interpreter per model and process)."""
    interpreter = _tflm_interpreter(path.resolve())
    outputs = []
    for x in inputs:
        interpreter.reset()  # type: ignore[attr-defined]
        interpreter.set_input(x, 0)  # type: ignore[attr-defined]
        interpreter.invoke()  # type: ignore[attr-defined]
        outputs.append(np.array(interpreter.get_output(0), copy=True))  # type: ignore[attr-defined]
    return outputs
