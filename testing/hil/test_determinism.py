"""Running the HIL suite twice with the same seed gives identical latency figures on the twins.

QEMU twins run with ``-icount shift=0``, so the instruction count of a window, and the latency
derived from it with the real target's clock, must not depend on the host's load or on which
run it is. The two runs are separate pytest processes with fresh QEMUs.
"""

from __future__ import annotations

import pytest

from .conftest import MODEL, MakeProject

FIRMWARE = ("joulefarm-harness@1.0", "joulefarm-harness@1.1")
FIGURES = ("latency_ms", "latency_p90_ms", "instructions_per_inference")


@pytest.mark.slow
def test_same_seed_gives_identical_latency_figures(hil_project: MakeProject) -> None:
    project = hil_project(["NUCLEO_L476RG"])
    board = next(iter(project.boards))
    ids = [project.node_id(board, fw) for fw in FIRMWARE]
    seed = {"FARM_HIL_SEED": "7"}

    first = project.run(*ids, **seed)
    second = project.run(*ids, **seed)

    for run in (first, second):
        assert run.returncode == 0, run.output
    for test_id in ids:
        a, b = first.row(test_id), second.row(test_id)
        assert a["outcome"] == b["outcome"] == "passed", (a, b)
        assert a["model"] == MODEL and a["virtual"] is True
        assert a["instructions_per_inference"] > 0 and a["latency_ms"] > 0, a
        got = {k: (a[k], b[k]) for k in FIGURES}
        assert all(x == y for x, y in got.values()), f"{test_id}: run 1 vs run 2: {got}"
        assert a["latency_method"] == b["latency_method"]
        assert a["latency_method"].startswith("virtual: QEMU -icount"), a["latency_method"]
    # Two firmware versions with different kernels: the figures are per build, not constants.
    counts = {first.row(i)["instructions_per_inference"] for i in ids}
    assert len(counts) == len(ids), counts
