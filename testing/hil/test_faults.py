"""Fault handling of the HIL suite on QEMU twins (issue 5, "Failure handling" and acceptance).

The fault-injection firmware (``testing/hil/data/hang``) stops answering at the 6th inference
since boot; the inference test runs 1 checked inference, then a timed window of 2 warm-up and 5
timed inferences, so it hangs in its first window, every attempt.
"""

from __future__ import annotations

import os
import re
import signal
import time

import pytest

from farm.results.exitcodes import FarmExitCode
from testing.processes import pid_alive

from .conftest import GOOD, HANG, MakeProject, wait_until

# A run with hangs takes ~15-30 s on an idle machine when the DUT timeout is the configured
# 3 s. The cap only stops a run that never ends; whether the configured timeout fired is judged
# from the error text ("within 3.0 s"), not from wall time, which a loaded machine stretches.
HANG_RUN_TIMEOUT_S = 300
# How long processes may take to go after a signal on a loaded 2-core machine.
SIGNAL_SETTLE_S = 60
HANG_HINT = "; is FARM_DUT_INFERENCE_TIMEOUT_S (3 s here) applied to the DUT session?"


def _console_events(log_text: str) -> list[str]:
    """Host notes (``#``) and boot banners of a console log, in order."""
    events = []
    for line in log_text.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and (parts[1] == "#" or parts[2] == "m-init-done"):
            events.append(parts[2])
    return events


@pytest.mark.slow
def test_hung_firmware_is_an_error_board_reset_next_test_passes(hil_project: MakeProject) -> None:
    project = hil_project(["NUCLEO_L476RG"])
    board = next(iter(project.boards))
    hang_id, good_id = project.node_id(board, HANG), project.node_id(board, GOOD)

    # One board, so the good test runs on the board the hung firmware left.
    run = project.run(hang_id, good_id, timeout_s=HANG_RUN_TIMEOUT_S, hint=HANG_HINT)

    # pytest itself says error (not failed), and the farm's exit code says "infra only".
    assert re.search(r"\b1 passed, (\d+ warnings?, )?1 error\b", run.output), run.output
    assert re.search(rf"^ERROR \S*{re.escape(hang_id)}", run.output, re.M), run.output
    assert "failed" not in run.output.splitlines()[-1], run.output
    assert run.returncode == FarmExitCode.INFRA_ERRORS_ONLY, run.output

    hung = run.row(hang_id)
    assert hung["outcome"] == "error", hung
    assert hung["error_kind"] == "dut-timeout", hung
    assert hung["board_id"] == board
    assert "no m-ready within" in hung["error_details"]

    # Retried once after a reset: the console log shows the timeout, then QEMU restarted on
    # the same image (host note) and the firmware booting again, then the second timeout.
    log_text = (run.run_dir / hung["console_log"]).read_text()
    events = _console_events(log_text)
    starts = [i for i, e in enumerate(events) if e.startswith("qemu ")]
    timeouts = [i for i, e in enumerate(events) if e.startswith("timeout after")]
    assert len(starts) == 2 and len(timeouts) == 2, events
    assert starts[0] < timeouts[0] < starts[1] < timeouts[1], events
    assert "m-init-done" in events[starts[1] : timeouts[1]], events
    assert "retrying (1 of 1)" in run.log_text

    # The next test on the same board passes, on a fresh QEMU.
    good = run.row(good_id)
    assert good["outcome"] == "passed", good
    assert good["board_id"] == board
    assert good["outputs_bit_exact"] is True
    pids = run.qemu_pids_started()
    assert len(pids) == 3 and len(set(pids)) == 3, run.log_text  # attempt, retry, next test

    # No QEMU left: neither the ones the run logged (the cycle model's traced runs included) nor
    # any other with this project's boards.
    assert not [p for p in run.qemu_pids_started(traces=True) if pid_alive(p)]
    assert project.qemu_pids() == []

    # The configured DUT timeout (FARM_DUT_INFERENCE_TIMEOUT_S=3) is the one that fired.
    assert "no m-ready within 3.0 s" in hung["error_details"], hung["error_details"]


@pytest.mark.slow
def test_quarantine_after_repeated_infra_errors(hil_project: MakeProject) -> None:
    project = hil_project(["NUCLEO_L476RG"])
    board = next(iter(project.boards))
    hang_id, good_id = project.node_id(board, HANG), project.node_id(board, GOOD)

    # The hang errors twice on the single board (attempt and retry): quarantined at 2.
    run = project.run(
        "--farm-quarantine-after=2", hang_id, good_id, timeout_s=HANG_RUN_TIMEOUT_S, hint=HANG_HINT
    )

    assert run.row(hang_id)["outcome"] == "error"
    skipped = run.row(good_id)
    assert skipped["outcome"] == "skipped", skipped
    reason = skipped["reason"] or ""
    assert f"board '{board}' quarantined after 2 infra errors" in reason, reason
    # The first cause, with the console log of the first attempt.
    assert "dut-timeout: DUT" in reason and "no m-ready within" in reason, reason
    assert f"farm: board '{board}' quarantined" in run.output, run.output
    assert re.search(r"\b1 skipped, (\d+ warnings?, )?1 error\b", run.output), run.output
    assert run.returncode == FarmExitCode.INFRA_ERRORS_ONLY, run.output
    assert len(run.qemu_pids_started()) == 2  # the skipped test never started its QEMU
    assert project.qemu_pids() == []


@pytest.mark.slow
def test_sigint_to_xdist_run_leaves_no_qemu(hil_project: MakeProject) -> None:
    project = hil_project(["NUCLEO_L476RG", "NUCLEO_L4R5ZI"])
    ids = [project.node_id(board, HANG) for board in project.boards]
    # A long DUT timeout keeps both hung twins running until the signal comes.
    run = project.popen("-n", "2", *ids, FARM_DUT_INFERENCE_TIMEOUT_S="120")
    try:
        assert wait_until(lambda: project.qemu_pids() or run.poll() is not None, 240)
        assert run.poll() is None, run.communicate()[0].decode(errors="replace")
        # Both workers hold a twin within moments of each other; a little later is fine too.
        wait_until(lambda: len(project.qemu_pids()) == 2, 60)
        time.sleep(0.5)  # let the twins boot and the tests start talking to them
        running = project.qemu_pids()
        assert running and run.poll() is None
        os.killpg(run.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
        # Judged before pytest is waited for: the twins must go with the signal. The limit only
        # bounds the wait; a loaded machine may take seconds to schedule the handlers.
        left = (
            []
            if wait_until(lambda: not project.qemu_pids(), SIGNAL_SETTLE_S)
            else project.qemu_pids()
        )
        out, _ = run.communicate(timeout=SIGNAL_SETTLE_S * 2)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.communicate()
    output = out.decode(errors="replace")
    assert left == [], (
        f"QEMU {left} still running {SIGNAL_SETTLE_S} s after SIGINT (had {running}):\n{output}"
    )
    assert not [p for p in running if pid_alive(p)]
    assert run.returncode == FarmExitCode.INTERRUPTED, output
    assert "KeyboardInterrupt" in output, output
