"""``@step`` logs a device action with its arguments, result and duration, and re-raises."""

from __future__ import annotations

import logging

import pytest

from farm.step import step


class _Device:
    name = "l4r5-01"

    @step("write region", args=("addr", "data"))
    def write(self, addr: int, data: bytes) -> int:
        return len(data)

    @step("flash")
    def fail(self) -> None:
        raise OSError("probe lost")


def test_step_logs_arguments_result_and_duration(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    assert _Device().write(0x0802_0000, b"\x00" * 300) == 300
    text = caplog.text
    assert "l4r5-01 write region(addr=134348800, data=<300 bytes>)" in text
    assert "l4r5-01 write region -> 300 in" in text


def test_step_logs_failure_and_reraises(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with pytest.raises(OSError, match="probe lost"):
        _Device().fail()
    assert "l4r5-01 flash failed after" in caplog.text
    assert "probe lost" in caplog.text
