"""Linux boards (Jetson, Raspberry Pi) over SSH: outputs, latency and energy in the same rows."""

from __future__ import annotations

import pytest

from farm.devices.linux_result import RuntimeMissingError
from farm.hil.host_reference import check_outputs, host_outputs, linux_inputs
from farm.hil.row_fields import linux_energy_fields, linux_latency_fields


def _run(linux, model, hil, *, power: bool):
    inputs = linux_inputs(model.path, model.key, hil.inputs, hil.seed)
    try:
        result = linux.run_model(
            model.path, inputs, warmup=2, iterations=10 * hil.timed_inferences, power=power
        )
    except RuntimeMissingError as exc:
        pytest.skip(str(exc))
    return inputs, result


@pytest.mark.farm_kind("linux")
def test_inference_linux(model, board_pool, linux, hil, record):
    """Outputs equal the host reference (int8 exact, float within tolerance); latency."""
    inputs, result = _run(linux, model, hil, power=False)
    check = check_outputs(result.first_outputs, host_outputs(model.path, inputs))
    record.set(
        **linux_latency_fields(result),
        outputs_bit_exact=check.bit_exact if model.path.suffix == ".tflite" else None,
        max_abs_diff=check.max_abs_diff,
    )
    assert check.ok, (
        f"{model.key} on {linux.name}: outputs differ from the host "
        f"({check.rule}; max {check.max_abs_diff})"
    )


@pytest.mark.farm_kind("linux")
def test_energy_linux(model, board_pool, linux, hil, record):
    """Energy per inference from the board's rail monitor over the timed window."""
    _, result = _run(linux, model, hil, power=True)
    if result.power is None:
        pytest.skip(f"board '{linux.name}' has no power monitor the farm reads")
    record.set(**linux_energy_fields(result))
    assert result.power.energy_per_inference_uj > 0
