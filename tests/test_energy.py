"""Energy per inference, measured as in the lab on every MCU board, real or twin.

The board runs the energy-mode build of its firmware (MLPerf Tiny's energy mode: timestamps are
pulses of the timestamp pin, no text). One timed inference gives the time per inference and N is
chosen for a window the energy rule accepts (>= 200 monitor samples, or MLPerf's >= 10 s);
``hil.timed_inferences`` is the floor. The monitor finds the window from the pin's edges. On a
twin the virtual lab also knows the energy the firmware's activity drew in its timed region, and
the measurement must match it within what it claims.
"""

from __future__ import annotations

import pytest

from farm.results.schema import safe_id


@pytest.fixture
def image(firmware, board_pool, model, compiled, record, build_image):  # type: ignore[no-untyped-def]
    """The energy-mode build of the firmware for this pool (from the build cache)."""
    artifact = build_image(firmware, board_pool, model=model, energy_mode=True)
    record.set(image_hash=artifact.image_hash)
    return artifact


@pytest.mark.farm_kind("mcu")
def test_energy(model, board_pool, firmware, mcu, power, reference, hil, farm, record, request):
    """Energy per inference over a window of N inferences, with its method and uncertainty."""
    from farm.hil.row_fields import capture_fields
    from farm.powermon.trace_store import save_trace

    dut = mcu.dut()
    if dut.farm_info() is None:
        # Energy mode prints no m-lap-us; without the farm's cycles% the firmware gives the
        # farm no time at all, so neither N nor a hardware-trigger window can be found.
        pytest.skip(
            f"firmware {firmware.key}: energy mode needs the farm extensions (cycles%) to time "
            "its window; this build has none (EXTENSIONS=none)"
        )
    dut.load_input(reference.inputs[0].tobytes())
    plan = power.plan_window(dut, mcu.facts, at_least=hil.timed_inferences)
    capture = power.capture(dut, mcu.facts, plan.n, warmup=1)
    trace_path = farm.run_dir / "traces" / f"{safe_id(request.node.nodeid)}.parquet"
    trace_path.parent.mkdir(parents=True, exist_ok=True)
    save_trace(capture.trace, trace_path, capture.windows)
    fields = capture_fields(capture, plan)
    error, bound = capture.truth_error, capture.truth_bound
    record.set(**fields, trace_parquet=str(trace_path.relative_to(farm.run_dir)))
    assert capture.energy.energy_uj > 0, f"{model.key} on {mcu.name}: no energy measured"
    if error is not None and bound is not None:
        # The virtual lab knows the truth: the chain must stay within what it claims.
        assert abs(error) <= bound, (
            f"energy {capture.energy.energy_uj:.4f} uJ vs ground truth {capture.truth_uj:.4f} uJ "
            f"({error:+.3%}, beyond the reported edge uncertainty + rounding {bound:.3%})"
        )
