"""Acceptance: on the Cortex-M4 twin (real firmware, real Thumb-2 DSP instructions under QEMU),
the optimized kernels give the same bytes as the host's plain-C kernels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from farm.compiler.host_runtime import HostModel
from farm.compiler.model_check import random_inputs
from farm.compiler.model_compiler import compile_model
from testing.compiler.twin import REPO, build_firmware, run_on_twin


@pytest.mark.emulator
@pytest.mark.slow
def test_dsp_kernels_on_m4_twin_equal_host(tmp_path: Path, model_dir: Path) -> None:
    elf = build_firmware(tmp_path / "fw", "dsp")
    for path in (
        REPO / "models" / "kws_dscnn_16.tflite",
        model_dir / "convnet_odd.tflite",
        model_dir / "elementwise.tflite",
        model_dir / "constants.tflite",
    ):
        model = compile_model(path)
        xs = random_inputs(model, 2, seed=21)
        run = run_on_twin(elf, model.blob, xs)
        host = HostModel(model.blob, "plain")
        for x, out in zip(xs, run.outputs, strict=True):
            np.testing.assert_array_equal(out, host.run(x))
        assert all(n > model.macs for n in run.instructions)
