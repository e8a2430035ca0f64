"""Inference: outputs equal the host reference bit for bit; latency from timed windows."""

from __future__ import annotations

import pytest

from farm.hil.mcu_inference import check_outputs, time_windows


@pytest.mark.farm_kind("mcu")
def test_inference(model, board_pool, firmware, mcu, reference, hil, record):
    """N seeded inputs: raw int8 outputs == TFLite Micro's; latency = median timed window."""
    check = check_outputs(mcu, reference.inputs, reference.outputs)
    record.set(
        outputs_bit_exact=check.bit_exact,
        max_abs_diff=float(check.max_abs_diff),
        n_inferences=len(reference.inputs),
    )
    timing = time_windows(mcu, hil.timed_inferences, warmup=2, windows=hil.windows)
    cycles = timing.cycles_per_inference
    record.set(
        latency_ms=timing.median_ms,
        latency_p90_ms=timing.p90_ms,
        latency_method=timing.method,
        runtime=reference.runtime,
    )
    if mcu.facts.virtual:
        record.set(instructions_per_inference=cycles)
    else:
        record.set(cycles_per_inference=cycles)
    assert check.bit_exact, (
        f"{model.key} on {mcu.name}: outputs differ from {reference.runtime} for inputs "
        f"{check.mismatched_inputs} (max |diff| {check.max_abs_diff} LSB)"
    )
