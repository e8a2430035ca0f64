"""An InfraError becomes a pytest error naming the board, is retried once after the reset
hook, and repeated infra errors quarantine the board for the rest of the run."""

from __future__ import annotations

from pathlib import Path

from testing.core.conftest import make_project
from testing.plugin.conftest import run_pytest

BOARDS = """\
  - id: q1
    target: NUCLEO_L4R5ZI
    backend: qemu
    hooks: {reset: "echo reset >> resets.log"}
"""

TESTS = """
from pathlib import Path

import pytest

from farm.errors import PowerMonitorError, ProbeError, SerialLinkError

ATTEMPTS = Path(__file__).parent / "attempts.log"


def test_a_flaky(board):
    with ATTEMPTS.open("a") as fh:
        fh.write(board.id + "\\n")
    if len(ATTEMPTS.read_text().splitlines()) == 1:
        raise ProbeError("probe lost the target", board=board.id)


def test_b_broken(board):
    raise SerialLinkError("port vanished")


def test_c_after(board):
    pass


def test_d_plain_failure(board_pool):
    assert False, "a product failure stays a failure"


def test_e_infra_without_board(board_pool):
    raise PowerMonitorError("no ack to 'start'")
"""


def test_retry_error_and_quarantine(tmp_path: Path) -> None:
    make_project(tmp_path, BOARDS, settings="quarantine_after = 2\ninfra_retries = 1\n")
    (tmp_path / "test_lab.py").write_text(TESTS)
    done = run_pytest(tmp_path, "-rA", "-p", "no:randomly", "--junitxml=junit.xml")
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    # flaky: failed once, reset, retried on the pool and passed
    assert (tmp_path / "attempts.log").read_text().splitlines() == ["q1", "q1"]
    assert "PASSED test_lab.py::test_a_flaky[q1]" in out
    # broken: error (not failure) naming the board, after two attempts
    assert "ERROR test_lab.py::test_b_broken[q1]" in out
    assert "serial error on board 'q1' during call: port vanished" in out
    # three infra errors, three resets while the lease was held
    assert (tmp_path / "resets.log").read_text().splitlines() == ["reset"] * 3
    # the board is quarantined for the rest of the run
    assert (
        "SKIPPED [1] test_lab.py:22: board 'q1' quarantined after 2 infra errors: "
        "serial: port vanished" in out
    )
    assert "FAILED test_lab.py::test_d_plain_failure[q1]" in out
    assert "ERROR test_lab.py::test_e_infra_without_board[q1]" in out
    assert "powermon error on board '?' during call: no ack to 'start'" in out
    assert "1 failed, 1 passed, 1 skipped, 2 errors" in out
    assert "farm: board 'q1' quarantined after 2 infra errors" in out
    junit = (tmp_path / "junit.xml").read_text()
    assert 'errors="2" failures="1" skipped="1"' in junit


FIXTURE_TESTS = """
from pathlib import Path

import pytest

from farm.errors import ProbeError

FLASHES = Path(__file__).parent / "flashes.log"


@pytest.fixture
def image(board_pool):
    return "built outside the lease"


@pytest.fixture
def flashed(image, board):
    with FLASHES.open("a") as fh:
        fh.write(board.id + "\\n")
    if len(FLASHES.read_text().splitlines()) == 1:
        raise ProbeError("flash verify failed", board=board.id)
    return board


def test_runs_after_flash(flashed):
    assert flashed.id in ("p1", "p2")
"""


def test_infra_error_in_fixture_setup_is_retried_on_the_pool(tmp_path: Path) -> None:
    boards = (
        "  - {id: p1, target: NUCLEO_F767ZI, backend: qemu, hooks: {reset: 'echo p1 >> resets.log'}}\n"
        "  - {id: p2, target: NUCLEO_F767ZI, backend: qemu, hooks: {reset: 'echo p2 >> resets.log'}}\n"
    )
    make_project(tmp_path, boards)
    (tmp_path / "test_flash.py").write_text(FIXTURE_TESTS)
    done = run_pytest(tmp_path, "-q")
    assert done.returncode == 0, done.stdout
    assert "1 passed" in done.stdout
    # p1 failed to flash and was reset; the retry took the pool's other board, p2.
    assert (tmp_path / "flashes.log").read_text().splitlines() == ["p1", "p2"]
    assert (tmp_path / "resets.log").read_text().splitlines() == ["p1"]


MODULE_ONE = """
import pytest

LOG = __import__("pathlib").Path(__file__).parent / "order.log"


@pytest.fixture(scope="module")
def rig():
    yield "rig"
    with LOG.open("a") as fh:
        fh.write("module one torn down\\n")
    raise RuntimeError("rig teardown failed")


def test_one(rig, board):
    with LOG.open("a") as fh:
        fh.write("test one\\n")
"""

MODULE_TWO = """
LOG = __import__("pathlib").Path(__file__).parent / "order.log"


def test_two(board):
    with LOG.open("a") as fh:
        fh.write("test two\\n")
"""


def test_module_teardown_runs_before_the_next_module(tmp_path: Path) -> None:
    make_project(tmp_path, "  - {id: m1, target: NUCLEO_G431RB, backend: qemu}\n")
    (tmp_path / "test_m1.py").write_text(MODULE_ONE)
    (tmp_path / "test_m2.py").write_text(MODULE_TWO)
    done = run_pytest(tmp_path, "-rA", "-p", "no:randomly")
    assert (tmp_path / "order.log").read_text().splitlines() == [
        "test one",
        "module one torn down",
        "test two",
    ]
    assert "2 passed, 1 error" in done.stdout, done.stdout
    assert "ERROR test_m1.py::test_one[m1] - RuntimeError: rig teardown failed" in done.stdout
