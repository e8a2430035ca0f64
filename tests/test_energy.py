"""Energy per inference from the board's power monitor, aligned on the inference window."""

from __future__ import annotations

import pytest

from farm.results.schema import safe_id


@pytest.mark.farm_kind("mcu")
def test_energy(model, board_pool, firmware, mcu, power, reference, hil, farm, record, request):
    """Energy per inference over a window of N inferences, with its method and uncertainty."""
    from farm.powermon.trace_store import save_trace

    dut = mcu.dut()
    dut.load_input(reference.inputs[0].tobytes())
    capture = power.capture(dut, mcu.facts, hil.timed_inferences, warmup=1)
    trace_path = farm.run_dir / "traces" / f"{safe_id(request.node.nodeid)}.parquet"
    trace_path.parent.mkdir(parents=True, exist_ok=True)
    save_trace(capture.trace, trace_path, capture.windows)
    fields = capture.energy.as_row()
    fields["energy_method"] = capture.method
    record.set(**fields, trace_parquet=str(trace_path.relative_to(farm.run_dir)))
    assert capture.energy.energy_uj > 0, f"{model.key} on {mcu.name}: no energy measured"
    if capture.truth_uj is not None:
        # The virtual lab knows the truth: the measurement chain must reproduce it.
        error = abs(capture.energy.energy_uj - capture.truth_uj) / capture.truth_uj
        bound = 2 * capture.energy.energy_uncertainty_uj / capture.truth_uj + 0.005
        assert error <= bound, (
            f"energy {capture.energy.energy_uj:.4f} uJ vs ground truth {capture.truth_uj:.4f} uJ "
            f"({error:.2%} > {bound:.2%})"
        )
