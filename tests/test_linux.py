"""Linux boards (Jetson, Raspberry Pi) over SSH: outputs, latency and energy in the same rows."""

from __future__ import annotations

import pytest

from farm.devices.linux_result import RuntimeMissingError
from farm.hil.host_reference import check_outputs, host_outputs, linux_inputs


def _run(linux, model, hil, *, power: bool):
    inputs = linux_inputs(model.path, model.key, hil.inputs, hil.seed)
    try:
        result = linux.run_model(
            model.path, inputs, warmup=2, iterations=10 * hil.timed_inferences, power=power
        )
    except RuntimeMissingError as exc:
        pytest.skip(str(exc))
    return inputs, result


def _method(result) -> str:
    resolver = f" ({result.resolver})" if result.resolver else ""
    return (
        f"{result.runtime} {result.runtime_version}{resolver}, {result.threads} thread(s): "
        f"median of {result.iterations} invocations after {result.warmup} warm-ups"
    )


@pytest.mark.farm_kind("linux")
def test_inference_linux(model, board_pool, linux, hil, record):
    """Outputs equal the host reference (int8 exact, float within tolerance); latency."""
    inputs, result = _run(linux, model, hil, power=False)
    check = check_outputs(result.first_outputs, host_outputs(model.path, inputs))
    record.set(
        latency_ms=result.latency.median_ms,
        latency_p90_ms=result.latency.p90_ms,
        latency_method=_method(result),
        runtime=result.runtime,
        runtime_version=result.runtime_version,
        outputs_bit_exact=check.bit_exact if model.path.suffix == ".tflite" else None,
        max_abs_diff=check.max_abs_diff,
        n_inferences=result.iterations,
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
    power = result.power
    record.set(
        energy_uj=power.energy_per_inference_uj,
        mean_power_mw=power.mean_power_mw,
        n_inferences=power.inferences,
        window_s=power.window_s,
        sample_rate_hz=power.sample_rate_hz,
        energy_method=f"{power.monitor} rails {','.join(power.rails)}: mean rail power x window / N",
        latency_ms=result.latency.median_ms,
        runtime=result.runtime,
        runtime_version=result.runtime_version,
    )
    assert power.energy_per_inference_uj > 0
