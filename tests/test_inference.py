"""Inference: outputs equal the host reference (bit for bit when the firmware gives the raw
int8 tensor, else within half a display step of its 3-decimal m-results); latency from timed
windows."""

from __future__ import annotations

import pytest

from farm.hil.mcu_inference import check_outputs, checks_possible, time_windows


@pytest.mark.farm_kind("mcu")
def test_inference(model, board_pool, firmware, mcu, compiled, reference, hil, record):
    """N seeded inputs: outputs == TFLite Micro's; latency = median timed window."""
    quant = (compiled.output.scale, compiled.output.zero_point)
    check = check_outputs(mcu, reference.inputs, reference.outputs, quant)
    record.set(
        outputs_bit_exact=check.bit_exact,
        outputs_match=check.passed,
        output_method=check.method,
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
        checks=checks_possible(mcu.dut().extensions()),
    )
    if mcu.facts.virtual:
        record.set(
            instructions_per_inference=cycles,
            cycles_estimated_per_inference=timing.cycles_estimated_per_inference,
        )
    else:
        record.set(cycles_per_inference=cycles)
    assert check.passed, (
        f"{model.key} on {mcu.name}: outputs differ from {reference.runtime} for inputs "
        f"{check.mismatched_inputs} (max |diff| {check.max_abs_diff}; {check.method})"
    )
