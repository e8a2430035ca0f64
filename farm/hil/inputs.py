"""Deterministic test inputs and host reference outputs for a model.

Inputs are int8 tensors drawn from a seeded generator (the seed is part of the run's options,
so two runs with the same seed feed the boards the same bytes). For MCU targets the reference
is TFLite Micro's own kernels (the ``tflite-micro`` package); bit-exactness is judged against it.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from farm.settings import FarmSettings

if TYPE_CHECKING:
    from farm.compiler.reference import TflmReference

# One default, declared with the setting (FARM_HIL_SEED / --farm-hil-seed).
DEFAULT_SEED: int = FarmSettings.model_fields["hil_seed"].default


def seeded_rng(name: str, seed: int = DEFAULT_SEED) -> np.random.Generator:
    """A generator stable per model name and seed (the same bytes on every run and machine)."""
    digest = hashlib.sha256(f"{name}:{seed}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def model_inputs(
    name: str, shape: tuple[int, ...], n: int, seed: int = DEFAULT_SEED
) -> list[np.ndarray]:
    """``n`` int8 inputs of ``shape`` for model ``name`` (stable per name and seed)."""
    rng = seeded_rng(name, seed)
    return [rng.integers(-128, 128, size=shape, dtype=np.int8) for _ in range(n)]


@functools.cache
def _tflm(path: Path) -> TflmReference:
    from farm.compiler.reference import TflmReference

    return TflmReference(path)


def tflm_outputs(path: Path, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """TFLite Micro's int8 outputs for ``inputs`` (one interpreter per model and process)."""
    reference = _tflm(path.resolve())
    return [np.array(reference.run(x), copy=True) for x in inputs]
