"""Inference through the DUT protocol on a QEMU twin: determinism and fault injection."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import pytest

from farm.devices.protocols import FirmwareFiles
from farm.devices.qemu import QemuBoard
from farm.errors import DutTimeoutError, InfraError

KWS_INPUT = bytes((i * 37) % 256 for i in range(49 * 10))


def pid_gone(pid: int, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not os.path.exists(f"/proc/{pid}"):
            return True
        time.sleep(0.02)
    return False


def test_same_input_gives_identical_counts_on_a_fresh_twin(
    harness: FirmwareFiles, kws_blob: bytes, open_twin: Callable[[str], QemuBoard]
) -> None:
    runs = []
    for board_id in ("twin-a", "twin-b"):
        board = open_twin(board_id)
        board.prepare(harness, kws_blob)
        dut = board.dut()
        assert dut.profile().model == "kws_dscnn_16"
        dut.load_input(KWS_INPUT)
        result = dut.infer(2, 1)
        raw = dut.results_raw()
        assert raw is not None and len(raw) == 12 and len(result.results) == 12
        latency_us = board.facts.latency_us(result)
        assert latency_us is not None and latency_us > 0
        runs.append((result.cycles, raw, latency_us))
        board.close()
    assert runs[0] == runs[1]


def test_hung_firmware_times_out_then_reset_recovers(
    hang_harness: FirmwareFiles, kws_blob: bytes, open_twin: Callable[[str], QemuBoard]
) -> None:
    board = open_twin("twin-hang")
    board.prepare(hang_harness, kws_blob)
    dut = board.dut()
    dut.load_input(KWS_INPUT)
    first_pid = board.pid
    answered = 0
    with pytest.raises(DutTimeoutError) as info:
        # One window is one or two inferences (the harness reruns once for the results if
        # the timed runs overwrote the input): the 4th inference since boot is in call <= 4.
        for _ in range(4):
            dut.infer(1, 0, timeout_s=3.0)
            answered += 1
    assert answered >= 1
    assert isinstance(info.value, InfraError) and info.value.board == "twin-hang"
    assert str(board.console_log.path) in str(info.value)
    assert "> infer 1 0%" in board.console_log.path.read_text()
    board.reset()
    assert first_pid is not None and pid_gone(first_pid)
    dut = board.dut()
    dut.load_input(KWS_INPUT)
    assert len(dut.infer(1, 0).results) == 12
    pid = board.pid
    board.close()
    assert pid is not None and pid_gone(pid)
