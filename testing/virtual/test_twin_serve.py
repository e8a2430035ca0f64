"""`farm twin serve`: a pty any host program opens, a real DUT exchange over it, clean exit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial

from testing.processes import pid_alive

REPO = Path(__file__).resolve().parents[2]
MODEL = REPO / "models" / "kws_dscnn_16.tflite"
SERVE = [sys.executable, "-m", "farm.cli", "twin", "serve"]


def _env(cache: Path) -> dict[str, str]:
    return {**os.environ, "FARM_CACHE_DIR": str(cache)}


def _exchange(port: serial.Serial, command: str, timeout_s: float = 30.0) -> list[str]:
    """Send one command; the lines before m-ready (as MLPerf's runner reads them)."""
    port.write(command.encode())
    lines: list[str] = []
    deadline = time.monotonic() + timeout_s
    buf = b""
    while time.monotonic() < deadline:
        buf += port.read(port.in_waiting or 1)
        while b"\n" in buf:
            raw, buf = buf.split(b"\n", 1)
            line = raw.decode().strip()
            if line == "m-ready":
                return lines
            if line:
                lines.append(line)
    raise AssertionError(f"no m-ready after {command!r}; got {lines}")


@pytest.fixture
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[subprocess.Popen[str]]:
    cache = tmp_path_factory.getbasetemp() / "twin-serve-cache"
    proc = subprocess.Popen(
        [*SERVE, "--target", "NUCLEO_L4R5ZI", "--firmware", "joulefarm-harness@1.1",
         "--model", str(MODEL), "--model-id", "kws01"],
        cwd=REPO, env=_env(cache), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.emulator
def test_pty_serves_the_dut_protocol_and_sigterm_leaves_no_qemu(
    served: subprocess.Popen[str],
) -> None:
    assert served.stdout is not None and served.stderr is not None
    path = served.stdout.readline().strip()  # the first line of stdout, whatever the build took
    assert path.startswith("/dev/pts/")
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    try:
        assert os.isatty(fd)
    finally:
        os.close(fd)
    about = served.stderr.readline()
    qemu_pid = int(about.split("pid ", 1)[1].split(")", 1)[0])
    assert pid_alive(qemu_pid)
    with serial.Serial(path, 115200, timeout=0.1) as port:
        assert _exchange(port, "name%") == ["m-name-dut-[joulefarm]"]
        assert _exchange(port, "profile%") == [
            "m-profile-[joulefarm-harness 1.1]",
            "m-model-[kws01]",
        ]
        load = _exchange(port, "db load 490%")
        for start in range(0, 490, 31):
            load += _exchange(port, f"db {'7f' * min(31, 490 - start)}%")
        assert load[0] == "m-[Expecting 490 bytes]" and load[-1] == "m-load-done"
        infer = _exchange(port, "infer 3 1%")
        laps = [int(line.removeprefix("m-lap-us-")) for line in infer if line.startswith("m-lap")]
        instructions = int(_exchange(port, "cycles%")[0].removeprefix("m-cycles-"))
        # m-lap-us is the L4R5's time at 120 MHz by the cycle model's cycles per instruction
        # for this (image, model), the factor the farm's rows use (named on stderr).
        cpi = float(about.split("cycle model: ", 1)[1].split(" cycles/instr", 1)[0])
        assert 1.0 < cpi < 3.0, about
        expected_us = instructions * cpi / 120
        assert len(laps) == 2 and abs((laps[1] - laps[0]) - expected_us) <= 2 + 1e-3 * expected_us
    # A second client opens the same path later, as a runner does between modes.
    with serial.Serial(path, 115200, timeout=0.1) as port:
        assert _exchange(port, "name%") == ["m-name-dut-[joulefarm]"]
    served.send_signal(signal.SIGTERM)
    assert served.wait(timeout=20) == 0
    deadline = time.monotonic() + 5
    while pid_alive(qemu_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not pid_alive(qemu_pid), "QEMU outlived farm twin serve"


@pytest.mark.emulator
def test_a_dying_qemu_ends_the_serve_with_its_cause(served: subprocess.Popen[str]) -> None:
    assert served.stdout is not None and served.stderr is not None
    assert served.stdout.readline().startswith("/dev/pts/")
    qemu_pid = int(served.stderr.readline().split("pid ", 1)[1].split(")", 1)[0])
    os.kill(qemu_pid, signal.SIGKILL)  # a QEMU crash, as the firmware or the host could cause
    assert served.wait(timeout=20) == 1
    assert "QEMU twin 'twin-nucleo_l4r5zi'" in served.stderr.read()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "NUCLEO_X"], "target 'NUCLEO_X': not in the catalog"),
        (["--target", "RPI5"], "target 'RPI5' has no QEMU twin"),
        (["--firmware", "joulefarm-harness"], "'joulefarm-harness' is not name@version"),
        (["--firmware", "joulefarm-harness@9.9"], "no version '9.9'"),
        (["--firmware", "nosuch@1.0"], "firmware 'nosuch': no such recipe"),
        (["--model", "models/nosuch.tflite"], "file 'models/nosuch.tflite' does not exist"),
        (["--model", "models/kws_dscnn_16.onnx"], "runs int8 .tflite models"),
        (["--model-id", "kws 01"], "option '--model-id'"),
    ],
)
def test_bad_input_exits_2_naming_it(args: list[str], message: str, tmp_path: Path) -> None:
    defaults = {"--target": "NUCLEO_L4R5ZI", "--firmware": "joulefarm-harness@1.1",
                "--model": str(MODEL)}  # fmt: skip
    defaults.update(dict(zip(args[::2], args[1::2], strict=True)))
    argv = [word for pair in defaults.items() for word in pair]
    done = subprocess.run(
        [*SERVE, *argv], cwd=REPO, env=_env(tmp_path / "cache"), capture_output=True,
        text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stdout == "" and message in done.stderr
    assert "Traceback" not in done.stderr
