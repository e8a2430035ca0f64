"""`pytest --collect-only` over 5 boards x 3 models x 2 firmware versions collects exactly the
`run` and `skip` items `farm matrix --json` lists; `n/a` items are counted, not collected."""

from __future__ import annotations

import json
from pathlib import Path

from testing.core.conftest import FIVE_BOARDS, HARNESS, THREE_MODELS, make_project, run_farm
from testing.plugin.conftest import run_pytest

HIL_TEST = """
def test_measure(model, board_pool, firmware, board):
    assert board.id in board_pool.board_ids
"""


LINUX_TEST = """
import pytest


@pytest.mark.farm_kind("linux")
def test_linux(model, board_pool, board):
    assert board_pool.target.kind == "linux"
"""


def _collected(stdout: str, prefix: str) -> set[str]:
    return {
        line.split("[", 1)[1].rstrip("]")
        for line in stdout.splitlines()
        if line.startswith(prefix + "[")
    }


def test_collect_only_matches_farm_matrix(tmp_path: Path) -> None:
    make_project(tmp_path, FIVE_BOARDS, THREE_MODELS, HARNESS)
    (tmp_path / "test_hil.py").write_text(HIL_TEST)
    (tmp_path / "test_linux.py").write_text(LINUX_TEST)
    done = run_pytest(tmp_path, "--collect-only", "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    listed = json.loads(run_farm("matrix", "--json", cwd=tmp_path).stdout)
    wanted = {r["id"] for r in listed if r["status"] in ("run", "skip")}
    assert len(listed) == 27 and len(wanted) == 19  # 8 onnx-on-MCU items are n/a
    assert _collected(done.stdout, "test_hil.py::test_measure") == wanted
    linux = {r["id"] for r in listed if r["board"] == "rpi5-01"}
    assert _collected(done.stdout, "test_linux.py::test_linux") == linux
    assert "22 tests collected" in done.stdout  # 19 + 3 Linux items of the Linux-only test
    assert (
        "farm: 8 matrix items n/a (can never run, not collected): "
        "8 model format the board kind cannot run" in done.stdout
    )


def test_na_counted_across_xdist_workers_and_no_empty_parameter_set(tmp_path: Path) -> None:
    make_project(tmp_path, FIVE_BOARDS, THREE_MODELS, HARNESS)
    (tmp_path / "test_hil.py").write_text(HIL_TEST)
    (tmp_path / "test_linux.py").write_text(LINUX_TEST)
    done = run_pytest(
        tmp_path, "-n", "2", "-rs", "--farm-targets=NUCLEO_*", "--farm-models=ad*,kws*"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # ad.onnx on the 4 MCU pools x 2 firmware is n/a; the Linux test has no item: deselected.
    assert "got empty parameter set" not in done.stdout
    assert "= 8 passed in" in done.stdout  # no skip row for the n/a items or the Linux test
    assert "farm: 8 matrix items n/a (can never run, not collected)" in done.stdout


def test_skips_carry_reasons_and_selection_applies(tmp_path: Path) -> None:
    make_project(tmp_path, FIVE_BOARDS, THREE_MODELS, HARNESS)
    (tmp_path / "test_hil.py").write_text(HIL_TEST)
    done = run_pytest(tmp_path, "-q", "-rs", "--farm-models=vww*", "--farm-firmware=harness@1.0")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed, 1 skipped" in done.stdout
    assert "does not fit: model blob 400000 B > flash 131072 B of NUCLEO_G431RB" in done.stdout
    assert "n/a" not in done.stdout  # vww* has no n/a item


def test_bad_option_is_a_usage_error(tmp_path: Path) -> None:
    make_project(tmp_path, FIVE_BOARDS, THREE_MODELS, HARNESS)
    done = run_pytest(tmp_path, "--farm-lease-timeout=soon")
    assert done.returncode == 4
    assert "option '--farm-lease-timeout': 'soon' is not valid; use seconds" in done.stderr


def test_broken_inventory_is_reported_at_collection(tmp_path: Path) -> None:
    make_project(tmp_path, "  - {id: x1, target: NUCLEO_L4R5Z, backend: qemu}\n", THREE_MODELS)
    (tmp_path / "test_hil.py").write_text(HIL_TEST)
    done = run_pytest(tmp_path, "-q")
    assert done.returncode != 0
    assert "inventory.yaml:2:22: board 'x1' target='NUCLEO_L4R5Z' unknown" in done.stdout
    assert "Traceback" not in done.stdout


STATUS_CONFTEST = """
def pytest_farm_item_status(model, pool, firmware):
    if model.name == "kws_s" and pool.id == "u575-01":
        return ("skip", "memory report: arena does not fit with this firmware")
    return None
"""

KIND_TEST = """
import pytest


@pytest.mark.farm_kind("linux")
def test_linux_only(board_pool):
    assert board_pool.target.kind == "linux"


@pytest.mark.farm_kind("fpga")
def test_bad_kind(board_pool):
    pass
"""


def test_status_hook_and_kind_marker(tmp_path: Path) -> None:
    make_project(tmp_path, FIVE_BOARDS, THREE_MODELS, HARNESS)
    (tmp_path / "conftest.py").write_text(STATUS_CONFTEST)
    (tmp_path / "test_hil.py").write_text(HIL_TEST)
    done = run_pytest(tmp_path, "-q", "-rs", "--farm-models=kws_s", "--farm-firmware=*1.0")
    assert "SKIPPED [1] test_hil.py: memory report: arena does not fit" in done.stdout
    assert "4 passed, 1 skipped" in done.stdout
    (tmp_path / "test_hil.py").unlink()
    (tmp_path / "test_kinds.py").write_text(KIND_TEST)
    done = run_pytest(tmp_path, "-q")
    assert (
        "marker 'farm_kind' on test_kinds.py::test_bad_kind: bad arguments ['fpga']" in done.stdout
    )
    assert "use @pytest.mark.farm_kind('mcu')" in done.stdout
    (tmp_path / "test_kinds.py").write_text(KIND_TEST.split('@pytest.mark.farm_kind("fpga")')[0])
    done = run_pytest(tmp_path, "-q", "-rA")
    assert "PASSED test_kinds.py::test_linux_only[rpi5-01]" in done.stdout
    assert "1 passed" in done.stdout
