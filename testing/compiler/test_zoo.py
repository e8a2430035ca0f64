"""Every model of the zoo (models/*.tflite) runs bit-exact on the host kernels."""

from __future__ import annotations

from pathlib import Path

import pytest

from farm.compiler.model_check import check_model

ZOO = sorted((Path(__file__).resolve().parents[2] / "models").glob("*.tflite"))


def test_zoo_present() -> None:
    assert len(ZOO) >= 12, "models/*.tflite missing: run models/build_zoo.py"


@pytest.mark.parametrize("path", ZOO, ids=[p.stem for p in ZOO])
def test_zoo_model_bit_exact(path: Path) -> None:
    r = check_model(path, 2, flavour="dsp-emulated", litert=False, seed=11)
    assert r.bit_exact, r
    assert r.arena_bytes <= r.tflm_arena_bytes
