"""`pytest --collect-only` over 5 boards x 3 models x 2 firmware versions collects 30 items,
the same ones `farm matrix --json` lists."""

from __future__ import annotations

import json
from pathlib import Path

from testing.core.conftest import FIVE_BOARDS, HARNESS, THREE_MODELS, make_project, run_farm
from testing.plugin.conftest import run_pytest

HIL_TEST = """
def test_measure(model, board_pool, firmware, board):
    assert board.id in board_pool.board_ids
"""


def test_collect_only_matches_farm_matrix(tmp_path: Path) -> None:
    make_project(tmp_path, FIVE_BOARDS, THREE_MODELS, HARNESS)
    (tmp_path / "test_hil.py").write_text(HIL_TEST)
    done = run_pytest(tmp_path, "--collect-only", "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "30 tests collected" in done.stdout
    collected = {
        line.split("[", 1)[1].rstrip("]")
        for line in done.stdout.splitlines()
        if line.startswith("test_hil.py::test_measure[")
    }
    listed = json.loads(run_farm("matrix", "--json", cwd=tmp_path).stdout)
    assert collected == {r["id"] for r in listed} and len(collected) == 30


def test_skips_carry_reasons_and_selection_applies(tmp_path: Path) -> None:
    make_project(tmp_path, FIVE_BOARDS, THREE_MODELS, HARNESS)
    (tmp_path / "test_hil.py").write_text(HIL_TEST.replace("assert board.id", "assert board.id"))
    done = run_pytest(tmp_path, "-q", "-rs", "--farm-models=vww*", "--farm-firmware=harness@1.0")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed, 1 skipped" in done.stdout
    assert "does not fit: model blob 400000 B > flash 131072 B of NUCLEO_G431RB" in done.stdout


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
