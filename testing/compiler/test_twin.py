"""Acceptance: on the Cortex-M4 twin (real firmware, real Thumb-2 DSP instructions under QEMU),
the optimized kernels give the same bytes as the host's plain-C kernels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from farm.compiler.blob_format import BlobFlag
from farm.compiler.host_runtime import HostModel
from farm.compiler.model_check import random_inputs
from farm.compiler.model_compiler import compile_model
from farm.compiler.reference import TflmReference
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
        model_dir / "fc_shapes.tflite",
        model_dir / "conv_triples.tflite",
        model_dir / "depthwise_tall.tflite",
        model_dir / "depthwise_wide.tflite",
        model_dir / "conv_slices.tflite",
        model_dir / "conv_tiles.tflite",
    ):
        model = compile_model(path)
        xs = random_inputs(model, 2, seed=21)
        run = run_on_twin(elf, model.blob, xs)
        host = HostModel(model.blob, "plain")
        for x, out in zip(xs, run.outputs, strict=True):
            np.testing.assert_array_equal(out, host.run(x))
        # The run did the work: no instruction does more than two MACs (SMLAD).
        assert all(n > model.macs // 2 for n in run.instructions)


# Today's arena of the MLPerf-shaped zoo models (before the issue-15 kernels): faster kernels
# must not buy their speed with activation memory.
MLPERF_ZOO_ARENA_BYTES = {
    "kws_dscnn_64": 16000,
    "vww_mbv1_025": 64512,
    "ic_resnet8_16": 49296,
    "ad_fc_128": 768,
}


@pytest.mark.emulator
@pytest.mark.slow
def test_mlperf_zoo_models_bit_exact_on_m4_twin(tmp_path: Path) -> None:
    """Each MLPerf-shaped zoo model on the twin (DSP kernels, fast requantization) gives TFLite
    Micro's bytes and the host's plain-C bytes on 20 inputs, within today's arena."""
    elf = build_firmware(tmp_path / "fw", "dsp")
    for name, arena_limit in MLPERF_ZOO_ARENA_BYTES.items():
        path = REPO / "models" / f"{name}.tflite"
        model = compile_model(path)
        assert model.flags == BlobFlag(0), f"{name}: int8 in and out expected"
        assert model.arena_bytes <= arena_limit, f"{name}: arena {model.arena_bytes} B"
        xs = random_inputs(model, 20, seed=15)
        run = run_on_twin(elf, model.blob, xs)
        tflm = TflmReference(path)
        host = HostModel(model.blob, "plain")
        for i, (x, out) in enumerate(zip(xs, run.outputs, strict=True)):
            ref = tflm.run(x).reshape(-1)
            assert np.array_equal(out, ref), f"{name} input {i}: twin differs from TFLite Micro"
            assert np.array_equal(out, host.run(x)), f"{name} input {i}: twin differs from host"


@pytest.mark.emulator
@pytest.mark.slow
def test_conv_tiles_model_runs_the_tiled_paths(tmp_path: Path, model_dir: Path) -> None:
    """The conv_tiles sample model (equal to the host in the test above) reaches the packed-tile
    code on the twin, not the generic paths it would fall back to: by the firmware functions
    its traced inference executed."""
    from farm.devices.cortex_m_timing import CORTEX_M4
    from farm.devices.cycle_model import core_cycles_by_place
    from farm.devices.elf_symbols import FunctionMap
    from farm.devices.protocols import FirmwareFiles
    from farm.file_digest import file_sha256
    from farm.virtual.cycle_trace import trace_profile
    from testing.compiler.twin import MACHINE, model_region_addr

    elf = build_firmware(tmp_path / "fw", "dsp")
    model = compile_model(model_dir / "conv_tiles.tflite")
    image = FirmwareFiles(elf, elf, file_sha256(elf), model_region_addr(elf), len(model.blob))
    profile, _ = trace_profile(image, model.blob, MACHINE, timeout_s=300)
    ran = {
        name.split(".")[0]
        for name, cost in core_cycles_by_place(profile, CORTEX_M4, FunctionMap(elf).name_of).items()
        if cost.core_cycles > 0
    }
    # The first layer; the other convolutions, their windows read tap by tap (dilated, or at
    # a border) or three in one row in place.
    assert {"first_tiled", "conv_tiles", "expand_pixel", "expand_inside_triple"} <= ran
    assert {"farm_tile_pack", "farm_tile_rows", "row_triple_x_asm"} <= ran
    assert not {"conv_first_fast_sat8", "conv_windows", "direct_triple_sat8"} & ran
