"""A plain MLPerf Tiny firmware (our harness built without farm-info%, results-raw%, cycles%)
passes test_inference on a twin by the 3-decimal route, and the row says which checks were
possible. Its latency comes from m-lap-us and agrees with the harness's cycles% figure."""

from __future__ import annotations

import pytest

from .conftest import REPO, MakeProject

PLAIN = "joulefarm-harness-plain@1.0"
FULL = "joulefarm-harness@1.0"


@pytest.mark.slow
def test_plain_firmware_passes_by_the_three_decimal_route(hil_project: MakeProject) -> None:
    project = hil_project(["NUCLEO_L4R5ZI"])
    (project.root / "firmware" / "harness_plain").symlink_to(REPO / "firmware" / "harness_plain")
    board = next(iter(project.boards))
    plain_id, full_id = (project.node_id(board, fw) for fw in (PLAIN, FULL))
    run = project.run(plain_id, full_id, timeout_s=600, FARM_HIL_INPUTS="3")
    assert run.returncode == 0, run.output
    plain, full = run.row(plain_id), run.row(full_id)
    assert plain["outcome"] == full["outcome"] == "passed"
    # The extensions are really absent: the farm fell back to the standard protocol.
    assert plain["outputs_bit_exact"] is None and plain["outputs_match"] is True
    assert plain["output_method"].startswith("m-results (3 decimals)"), plain
    assert "+/-0.0005" in plain["output_method"]
    assert 0 <= plain["max_abs_diff"] <= 0.0005 + 1e-6
    assert plain["checks"] == (
        "outputs: 3-decimal m-results; latency: m-lap-us; "
        "image identity: not reported (no farm-info%: reflashed every test)"
    )
    assert "m-lap-us" in plain["latency_method"] and "no cycles%" in plain["latency_method"]
    assert plain["instructions_per_inference"] is None
    # The full harness on the same board: bit-exact and cycles%-timed.
    assert full["outputs_bit_exact"] is True and full["output_method"].startswith("int8")
    assert full["checks"].startswith("outputs: bit-exact int8; latency: cycles%")
    # Same kernels, same model: the m-lap-us route gives the cycles% latency within 1 %
    # (lap timestamps are whole virtual microseconds).
    assert plain["latency_ms"] == pytest.approx(full["latency_ms"], rel=0.01)
    log = (run.run_dir / plain["console_log"]).read_text()
    assert "e-[Unknown command: results-raw]" in log and "m-results-[" in log
