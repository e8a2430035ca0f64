"""Figures of the Linux-board path on virtual boards (real SSH server on 127.0.0.1).

Run: ``.venv/bin/python testing/benchmarks/bench_linux.py``. Prints connection and per-run
overheads, and the energy error of both power paths against the twins' ground truth.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the tiny models in testing/linux

from farm.devices.linux import LinuxBoard, LinuxPower
from farm.devices.linux_hostkeys import HostKeyPolicy
from farm.devices.linux_ssh import SshTarget
from farm.virtual.ssh_server import VirtualSshServer, start_virtual_linux_board
from farm.virtual.sysfs import RailPowerModel
from testing.linux.tiny_models import (
    build_float_fc_onnx,
    build_int8_fc_tflite,
    float_inputs,
    int8_inputs,
)


def board_for(server: VirtualSshServer, power: LinuxPower) -> LinuxBoard:
    policy = HostKeyPolicy(board=server.name, host=server.host, port=server.port,
                           known_host_key=server.host_key_line, user_known_hosts=None)  # fmt: skip
    ssh = SshTarget(board=server.name, host=server.host, port=server.port, user="farm",
                    key_path=server.client_key_path, host_keys=policy)  # fmt: skip
    sysfs = str(server.sysfs_root) if server.sysfs_root else "/sys"
    return LinuxBoard(server.name, ssh, sysfs_root=sysfs, power=power)


def timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = fn()
    return value, (time.perf_counter() - start) * 1000.0


def energy_error(server: VirtualSshServer, board: LinuxBoard, model: Path, inputs: list) -> None:  # type: ignore[type-arg]
    errors, bounds, rates = [], [], []
    for _ in range(3):
        result = board.run_model(model, inputs, warmup=2, iterations=20)
        power = result.power
        assert power is not None and server.rail is not None
        truth_uj = server.rail.energy_j(result.window_start_s, result.window_end_s) * 1e6
        errors.append(abs(power.energy_uj - truth_uj) / truth_uj * 100.0)
        bounds.append((power.energy_uncertainty_uj or 0.0) * power.inferences / truth_uj * 100.0)
        rates.append(power.sample_rate_hz)
    print(f"  {server.name}: energy error vs ground truth {statistics.mean(errors):.2f} % mean, "
          f"{max(errors):.2f} % max (stated bound {statistics.mean(bounds):.2f} %), "
          f"{statistics.mean(rates):.0f} reads/s in the window")  # fmt: skip


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        tflite = build_int8_fc_tflite(root / "fc.tflite")
        onnx = build_float_fc_onnx(root / "fc.onnx")
        jetson_model = RailPowerModel(idle_w=4.5, active_w=7.0)
        jetson, start_ms = timed(lambda: start_virtual_linux_board(
            "jetson", root / "jetson", power_model=jetson_model))  # fmt: skip
        pi = start_virtual_linux_board("pi", root / "pi", power_kind="external",
                                       power_model=RailPowerModel(idle_w=2.7, active_w=6.0))  # fmt: skip
        print(f"virtual board start: {start_ms:.1f} ms")
        board = board_for(jetson, LinuxPower(type="ina3221"))
        _, first_ms = timed(board.open)
        print(
            f"first open (host key check, auth, stale-run reap, runner upload): {first_ms:.1f} ms"
        )
        board.close()
        board = board_for(jetson, LinuxPower(type="ina3221"))
        _, again_ms = timed(board.open)
        print(f"open with runner cached: {again_ms:.1f} ms (uploads: {len(board.uploads)})")
        _, detect_ms = timed(board.runtimes)
        print(f"runtimes() round trip (python start + imports on the board): {detect_ms:.1f} ms")
        runs = [timed(lambda: board.run_model(tflite, int8_inputs(2), warmup=5, iterations=100,
                                              power=False))[1] for _ in range(3)]  # fmt: skip
        result = board.run_model(tflite, int8_inputs(2), warmup=5, iterations=100, power=False)
        print(f"run_model tflite (100 iterations, no power): {statistics.median(runs):.0f} ms "
              f"wall, model latency median {result.latency.median_ms * 1000:.1f} us")  # fmt: skip
        print("energy (window >= 0.5 s, 0.2 s baseline):")
        energy_error(jetson, board, tflite, int8_inputs(1))
        board.close()
        pi_board = board_for(pi, LinuxPower(type="external", command=pi.power_command,
                                            sample_rate_hz=100))  # fmt: skip
        with pi_board:
            energy_error(pi, pi_board, onnx, float_inputs(1))
        jetson.stop()
        pi.stop()


if __name__ == "__main__":
    main()
