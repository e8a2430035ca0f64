"""DutSession against the farm's real harness firmware on a QEMU twin."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from farm.devices.dut import DutCommandError
from farm.devices.protocols import FirmwareFiles
from farm.devices.qemu import QemuBoard


def test_harness_identity_and_extensions(
    harness: FirmwareFiles, open_twin: Callable[[str], QemuBoard]
) -> None:
    board = open_twin("twin-l4r5-01")
    board.prepare(harness, b"")
    dut = board.dut()
    assert dut.name() == "joulefarm"
    profile = dut.profile()
    assert profile.firmware.startswith("joulefarm-harness") and profile.model == "none"
    info = dut.farm_info()
    assert info is not None
    assert info["build"] == "h7test" and info["cycle_unit"] == "instructions"
    assert info["model_status"] == "bad-magic"
    with pytest.raises(DutCommandError, match="No model in the model region"):
        dut.infer(1, 0)
    log_text = board.console_log.path.read_text()
    assert "< m-init-done" in log_text and "> farm-info%" in log_text
