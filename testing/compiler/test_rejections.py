"""Models the runtime cannot run are refused by the real `farm` CLI: exit 2, one line, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from testing.compiler import sample_models
from testing.compiler.modelgen import ModelBuilder

FARM = Path(sys.executable).with_name("farm")


def _tanh_model() -> bytes:
    b = ModelBuilder(5)
    x, y = b.act([1, 8], 0.1, 0), b.act([1, 8], 1 / 128, 0)
    b.op("TANH", [x], [y])
    return b.build([x], [y])


def _float_model() -> bytes:
    b = ModelBuilder(6)
    x, y = b.tensor([1, 4], "FLOAT32"), b.tensor([1, 3], "FLOAT32")
    w = b.tensor([3, 4], "FLOAT32", data=np.ones((3, 4), np.float32))
    b.op("FULLY_CONNECTED", [x, w, -1], [y], "FullyConnectedOptions")
    return b.build([x], [y])


def _conv_tanh_activation() -> bytes:
    b = ModelBuilder(7)
    x, y = b.act([1, 4, 4, 2], 0.1, 0), b.act([1, 4, 4, 3], 0.2, 0)
    w, _ = b.weights([3, 1, 1, 2], 0)
    b.op(
        "CONV_2D", [x, w, -1], [y], "Conv2DOptions", strideW=1, strideH=1, fusedActivationFunction=4
    )
    return b.build([x], [y])


def _add_5d() -> bytes:
    b = ModelBuilder(8)
    shape = [1, 2, 2, 2, 2]
    x, y = b.act(shape, 0.1, 0), b.act(shape, 0.2, 0)
    b.op("ADD", [x, x], [y], "AddOptions")
    return b.build([x], [y])


def _grouped_conv() -> bytes:
    b = ModelBuilder(9)
    x, y = b.act([1, 4, 4, 4], 0.1, 0), b.act([1, 4, 4, 3], 0.2, 0)
    w, _ = b.weights([3, 1, 1, 2], 0)
    b.op("CONV_2D", [x, w, -1], [y], "Conv2DOptions", strideW=1, strideH=1)
    return b.build([x], [y])


CASES = {
    "unsupported_op": (_tanh_model, ["operator 0 'TANH'", "not supported"]),
    "float_model": (_float_model, ["float model", "float32"]),
    "truncated": (lambda: sample_models.convnet()[:300], ["truncated or corrupt"]),
    "not_tflite": (lambda: b"hello, this is not a model at all", ["file identifier"]),
    "garbage": (lambda: b"\x10\x00\x00\x00TFL3" + bytes(range(256)) * 4, ["corrupt"]),
    "bad_activation": (
        _conv_tanh_activation,
        ["operator 0 'CONV_2D'", "fused_activation_function is TANH"],
    ),
    "bad_shape": (_add_5d, ["has 5 dims"]),
    "grouped_conv": (_grouped_conv, ["weights tensor", "grouped convolution"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_rejected_before_running(tmp_path: Path, case: str) -> None:
    make, needles = CASES[case]
    path = tmp_path / f"{case}.tflite"
    path.write_bytes(make())
    proc = subprocess.run(
        [str(FARM), "model", "check", str(path), "--inputs", "1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert f"{case}.tflite" in lines[0]
    for needle in needles:
        assert needle in lines[0]
