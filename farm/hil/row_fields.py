"""Result-row fields of a measurement: the lower layers return typed results, this names them
as :class:`farm.results.schema.ResultRow` fields."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from farm.powermon.registry import get_powermon

if TYPE_CHECKING:
    from farm.devices.linux_result import RemoteRunResult
    from farm.hil.energy_window import WindowPlan
    from farm.hil.power_rig import Capture
    from farm.powermon.energy import EnergyResult


def energy_fields(energy: EnergyResult) -> dict[str, Any]:
    """An MCU energy capture's figures and method."""
    return {
        "energy_uj": energy.energy_uj,
        "energy_uncertainty_uj": energy.energy_uncertainty_uj,
        "mean_power_mw": energy.mean_power_mw,
        "peak_power_mw": energy.peak_power_mw,
        "n_inferences": energy.n_inferences,
        "energy_method": str(energy.method.get("device", "")),
        "sample_rate_hz": energy.method.get("sample_rate_hz"),
        "window_s": energy.window_s,
        "voltage_mv": energy.method.get("voltage_mv"),
    }


def capture_fields(capture: Capture, plan: WindowPlan) -> dict[str, Any]:
    """An MCU energy test's row: the capture's figures, where its window came from, the
    latency of the same window, and on a twin the ground truth and the error against it."""
    fields = energy_fields(capture.energy)
    fields["energy_method"] = f"{capture.method}; {plan.describe()}"
    # The same window gives the latency, so energy and latency of one row belong together
    # (the energy-vs-latency plot pairs them).
    start_s, end_s = capture.windows[0]
    fields["latency_ms"] = (end_s - start_s) / plan.n * 1e3
    fields["latency_method"] = f"energy window of N={plan.n} inferences / N"
    error = capture.truth_error
    if error is not None:
        fields["energy_truth_uj"] = capture.truth_uj
        fields["energy_error_pct"] = error * 100.0
    return fields


def linux_latency_fields(result: RemoteRunResult) -> dict[str, Any]:
    """A Linux board's timed run: latency, runtime and how it was timed. Measurements only:
    board, backend and ``virtual`` are the test's identity (:mod:`farm.plugin.item_state`)."""
    resolver = f" ({result.resolver})" if result.resolver else ""
    return {
        "runtime": result.runtime,
        "runtime_version": result.runtime_version,
        "latency_ms": result.latency.median_ms,
        "latency_p90_ms": result.latency.p90_ms,
        "n_inferences": result.iterations,
        "latency_method": (
            f"{result.runtime} {result.runtime_version}{resolver}, {result.threads} "
            f"thread(s): median of {result.iterations} invocations after {result.warmup} warm-ups"
        ),
    }


def linux_energy_fields(result: RemoteRunResult) -> dict[str, Any]:
    """A Linux board's rail power over the timed window (empty when no monitor was read), with
    the latency of the same run."""
    p = result.power
    if p is None:
        return {}
    label = get_powermon(p.monitor).energy_method or p.monitor  # the kind names its method
    return {
        "runtime": result.runtime,
        "runtime_version": result.runtime_version,
        "latency_ms": result.latency.median_ms,
        "energy_uj": p.energy_per_inference_uj,
        "energy_uncertainty_uj": p.energy_uncertainty_uj,
        "mean_power_mw": p.mean_power_mw,
        "peak_power_mw": p.peak_power_mw,
        "n_inferences": p.inferences,
        "sample_rate_hz": p.sample_rate_hz,
        "window_s": p.window_s,
        "voltage_mv": p.voltage_mv,
        "energy_method": f"{label} rails {','.join(p.rails)}: mean rail power x window / N",
    }
