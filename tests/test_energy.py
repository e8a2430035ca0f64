"""Energy per inference from the board's power monitor, aligned on the inference window.

As in MLPerf Tiny's energy mode the window is long, so its edges do not matter: one timed
inference gives the time per inference and N is chosen for a window of at least 200 samples at
the monitor's rate (``hil.timed_inferences`` is the floor). The virtual lab knows the energy the
emulator streamed, so there the test checks the whole chain against that ground truth.
"""

from __future__ import annotations

import pytest

from farm.results.schema import safe_id


@pytest.mark.farm_kind("mcu")
def test_energy(model, board_pool, firmware, mcu, power, reference, hil, farm, record, request):
    """Energy per inference over a window of N inferences, with its method and uncertainty."""
    from farm.hil.row_fields import energy_fields
    from farm.powermon.trace_store import save_trace

    dut = mcu.dut()
    dut.load_input(reference.inputs[0].tobytes())
    plan = power.plan_window(dut, mcu.facts, at_least=hil.timed_inferences)
    capture = power.capture(dut, mcu.facts, plan.n, warmup=1)
    trace_path = farm.run_dir / "traces" / f"{safe_id(request.node.nodeid)}.parquet"
    trace_path.parent.mkdir(parents=True, exist_ok=True)
    save_trace(capture.trace, trace_path, capture.windows)
    fields = energy_fields(capture.energy)
    fields["energy_method"] = f"{capture.method}; {plan.describe()}"
    # The same window gives the latency, so energy and latency of one row belong together
    # (the energy-vs-latency plot pairs them).
    start_s, end_s = capture.windows[0]
    fields["latency_ms"] = (end_s - start_s) / plan.n * 1e3
    fields["latency_method"] = f"energy window of N={plan.n} inferences / N"
    record.set(**fields, trace_parquet=str(trace_path.relative_to(farm.run_dir)))
    assert capture.energy.energy_uj > 0, f"{model.key} on {mcu.name}: no energy measured"
    error, bound = capture.truth_error, capture.truth_bound
    if error is not None and bound is not None:
        # The virtual lab knows the truth: the chain must stay within what it claims.
        assert abs(error) <= bound, (
            f"energy {capture.energy.energy_uj:.4f} uJ vs ground truth {capture.truth_uj:.4f} uJ "
            f"({error:+.3%}, beyond the reported edge uncertainty + rounding {bound:.3%})"
        )
