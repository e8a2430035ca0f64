"""The ``ssh`` backend opened as the farm does: a ``virtual`` board starts its own twin."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from farm.catalog import Catalog
from farm.devices.linux import LinuxBoard
from farm.inventory import BoardConfig
from farm.virtual.boards import open_lab_board
from testing.linux.tiny_models import int8_inputs


def test_virtual_jetson_from_inventory_entry(tmp_path: Path, tflite_model: Path) -> None:
    config = BoardConfig.model_validate({
        "id": "jetson-twin-01", "target": "JETSON_ORIN_NANO", "backend": "ssh",
        "tags": ["virtual"], "ssh": {"host": "127.0.0.1"},
        "power_monitor": {"type": "ina3221", "rail": "VDD_IN"},
    })  # fmt: skip
    target = Catalog.load().get("JETSON_ORIN_NANO")
    log_path = tmp_path / "test.log"
    board = open_lab_board(
        config, target, workdir=tmp_path / "work", log_path=log_path, state_dir=tmp_path
    )
    assert isinstance(board, LinuxBoard)
    with board:
        result = board.run_model(tflite_model, int8_inputs(1), warmup=1, iterations=5)
    assert board.facts.virtual and board.facts.target == "JETSON_ORIN_NANO"
    assert board.facts.clock_hz == target.max_clock_hz
    assert result.method["virtual"] is True and result.method["power"] == "ina3221"
    power = result.power
    assert power is not None and power.baseline_power_mw is not None
    # The twin's rail (4.5 W idle, 7 W active) reached its active draw inside the window; its
    # mean may lag on a loaded host (the rail polls the runner's phase), but not below idle.
    assert power.peak_power_mw == pytest.approx(7000, rel=0.01)
    assert power.baseline_power_mw == pytest.approx(4500, rel=0.02)
    assert power.baseline_power_mw < power.mean_power_mw <= 7000 * 1.01
    assert result.first_outputs[0].shape == (1, 16) and result.first_outputs[0].dtype == np.int8
    assert "@@phase timed" in log_path.read_text()
