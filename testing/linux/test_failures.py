"""Lab failures and skips: dropped SSH link, timeout, missing runtime, missing rail."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from farm.devices.linux import LinuxPower
from farm.devices.linux_result import RemoteRunResult, RuntimeMissingError
from farm.errors import InfraError, PowerMonitorError, SshError
from farm.virtual.ssh_server import VirtualSshServer, start_virtual_linux_board
from testing.linux.tiny_models import float_inputs, int8_inputs
from testing.linux.twins import JETSON_MODEL, board_for


def wait_for(condition, timeout_s: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_dropped_connection_mid_run_is_an_infra_error_and_the_retry_reconnects(
    tmp_path: Path, tflite_model: Path
) -> None:
    with start_virtual_linux_board("drop-twin", tmp_path / "drop", power_model=JETSON_MODEL) as srv:
        board = board_for(srv, power=LinuxPower(type="ina3221", min_window_s=20.0))
        board.open()
        outcome: list[RemoteRunResult | BaseException] = []

        def run() -> None:
            try:
                outcome.append(board.run_model(tflite_model, int8_inputs(1), iterations=10))
            except BaseException as exc:  # collected for the assertions below
                outcome.append(exc)

        worker = threading.Thread(target=run)
        worker.start()
        assert srv.rail is not None
        assert wait_for(srv.rail.active, 30.0), "runner never reached its timed window"
        assert srv.drop_connections() == 1
        worker.join(timeout=30.0)
        assert len(outcome) == 1
        error = outcome[0]
        assert isinstance(error, SshError) and isinstance(error, InfraError)
        assert error.board == "drop-twin" and "connection was lost" in str(error)
        assert wait_for(lambda: not srv.rail.active(), 10.0), "remote runner survived the drop"
        retry = board.run_model(tflite_model, int8_inputs(1), iterations=5, power=False)
        assert retry.iterations == 5
        board.close()


def test_remote_command_timeout_is_an_ssh_error(jetson: VirtualSshServer,
                                                tflite_model: Path) -> None:  # fmt: skip
    with board_for(jetson, power=LinuxPower(type="ina3221", min_window_s=30.0)) as board:
        started = time.monotonic()
        with pytest.raises(SshError, match="timed out after 2 s"):
            board.run_model(tflite_model, int8_inputs(1), iterations=5, timeout_s=2.0)
        assert time.monotonic() - started < 10.0
    assert jetson.rail is not None
    assert wait_for(lambda: not jetson.rail.active(), 5.0), "timed-out runner still running"
    assert not list(jetson.sandbox_dir.glob(".cache/joulefarm/runs/*"))


def test_board_without_onnxruntime_gives_a_skip_with_reason(
    tmp_path: Path, onnx_model: Path, tflite_model: Path
) -> None:
    with start_virtual_linux_board("no-ort", tmp_path / "no-ort",
                                   missing_modules=("onnxruntime",)) as srv:  # fmt: skip
        with board_for(srv) as board:
            runtimes = board.runtimes()
            assert "onnxruntime" not in runtimes
            assert {"ai_edge_litert", "numpy"} <= set(runtimes)
            with pytest.raises(RuntimeMissingError) as info:
                board.run_model(onnx_model, float_inputs(1), iterations=5)
    assert not isinstance(info.value, InfraError)  # a skip, never retried as a lab failure
    assert info.value.board == "no-ort"
    assert "onnxruntime is not importable" in info.value.reason
    assert set(info.value.runtimes) == {"numpy"}  # what the board could import for .onnx


def test_missing_ina3221_rail_is_a_power_monitor_error(jetson: VirtualSshServer,
                                                       tflite_model: Path) -> None:  # fmt: skip
    power = LinuxPower(type="ina3221", rail="VDD_GPU", baseline_s=0.0, min_window_s=0.0)
    with board_for(jetson, power=power) as board:
        with pytest.raises(PowerMonitorError, match="VDD_GPU not found .*VDD_CPU_GPU_CV, VDD_IN"):
            board.run_model(tflite_model, int8_inputs(1), iterations=5)


def test_inputs_the_model_rejects_are_a_model_error_not_infra(jetson: VirtualSshServer,
                                                              tflite_model: Path) -> None:  # fmt: skip
    from farm.devices.linux_result import RemoteModelError

    with board_for(jetson) as board:
        with pytest.raises(RemoteModelError, match="input dtype float32 but the model expects"):
            board.run_model(tflite_model, float_inputs(1), iterations=5, power=False)
    assert not issubclass(RemoteModelError, InfraError)


def test_board_python_without_numpy_gives_a_skip_with_reason(tmp_path: Path,
                                                             tflite_model: Path) -> None:  # fmt: skip
    with start_virtual_linux_board("no-numpy", tmp_path / "no-numpy",
                                   missing_modules=("numpy",)) as srv:  # fmt: skip
        with board_for(srv) as board:
            with pytest.raises(RuntimeMissingError, match="numpy is not importable"):
                board.run_model(tflite_model, int8_inputs(1), iterations=5, power=False)
