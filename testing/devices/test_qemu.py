"""QEMU twin: process management, UART over TCP, DUT session on the tiny DUT, no orphans."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from farm.devices.dut import DutCommandError
from farm.devices.protocols import Board, FirmwareFiles, ModelRegionOverflowError
from farm.devices.qemu import QemuBoard
from farm.devices.qemu_process import _owns_listener
from farm.errors import DutTimeoutError, EmulatorError, InfraError
from testing.processes import pid_alive, sigint_as_from_a_terminal

ROOT = Path(__file__).resolve().parents[2]


# Returns as soon as the process is gone; the limit only has to hold on a loaded machine.
def wait_gone(pid: int, timeout_s: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return True
        time.sleep(0.02)
    return False


def test_twin_boots_and_talks_dut_protocol(twin: QemuBoard, tiny_image: FirmwareFiles) -> None:
    assert isinstance(twin, Board)
    report = twin.prepare(tiny_image, b"\xde\xad\xbe\xef")
    assert report.model_bytes == 4
    dut = twin.dut()
    assert dut.name() == "tiny"
    assert dut.command("blob%") == ["m-blob-[deadbeef]"]
    assert dut.farm_info() is None  # unknown command: falls back to the standard set
    with pytest.raises(DutCommandError, match="Unknown command: bogus"):
        dut.command("bogus%")
    log_text = twin.console_log.path.read_text()
    assert "< m-init-done" in log_text and "> name%" in log_text
    assert twin.virtual and twin.facts.virtual
    assert twin.facts.clock_hz == 120_000_000 and twin.facts.machine == "mps2-an386"


def test_hang_times_out_with_log_path_and_reset_recovers(
    twin: QemuBoard, tiny_image: FirmwareFiles
) -> None:
    twin.prepare(tiny_image, b"\x01\x02\x03\x04")
    dut = twin.dut()
    first_pid = twin.pid
    with pytest.raises(DutTimeoutError) as info:
        dut.command("hang%", timeout_s=0.5)
    assert str(twin.console_log.path) in str(info.value)
    assert isinstance(info.value, InfraError) and info.value.board == "twin-l4r5-01"
    twin.reset()
    assert twin.pid != first_pid and first_pid is not None and wait_gone(first_pid)
    assert twin.dut().name() == "tiny"


def test_dead_qemu_is_an_emulator_error_with_its_exit(
    twin: QemuBoard, tiny_image: FirmwareFiles
) -> None:
    twin.prepare(tiny_image, b"")
    dut = twin.dut()
    with pytest.raises(EmulatorError, match="exited with code 0"):
        dut.command("exit%", timeout_s=5)


def test_blob_larger_than_region_is_refused(twin: QemuBoard, tiny_image: FirmwareFiles) -> None:
    with pytest.raises(ModelRegionOverflowError, match="4097 bytes do not fit"):
        twin.prepare(tiny_image, bytes(4097))


def test_close_kills_qemu(twin: QemuBoard, tiny_image: FirmwareFiles) -> None:
    twin.prepare(tiny_image, b"")
    pid = twin.pid
    assert pid is not None and pid_alive(pid)
    twin.close()
    assert wait_gone(pid)


def test_foreign_listener_is_not_taken_for_ours(twin: QemuBoard, tiny_image: FirmwareFiles) -> None:
    twin.prepare(tiny_image, b"")
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        assert twin.pid is not None and not _owns_listener(twin.pid, port)


PARENT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from farm.catalog import Catalog
    from farm.devices.protocols import FirmwareFiles
    from farm.devices.registry import open_board
    from farm.inventory import BoardConfig

    work = Path(sys.argv[2])
    cfg = BoardConfig(id="twin-orphan", target="NUCLEO_L4R5ZI", backend="qemu")
    board = open_board(cfg, Catalog.load().get(cfg.target), workdir=work, log_path=work / "c.log")
    image = FirmwareFiles(Path(sys.argv[1]), Path(sys.argv[1]), "tiny", 0x100000, 4096)
    board.prepare(image, b"")
    board.dut().name()
    print(board.pid, flush=True)
    time.sleep(3600)  # far beyond the test's wait: only the signal may end this process
    """
)


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGINT, signal.SIGTERM])
def test_no_orphan_when_parent_is_killed(
    signum: signal.Signals, tiny_image: FirmwareFiles, tmp_path: Path
) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(tiny_image.elf), str(tmp_path)],
        stdout=subprocess.PIPE,
        cwd=ROOT,
        text=True,
        preexec_fn=sigint_as_from_a_terminal,
    )
    try:
        assert parent.stdout is not None
        qemu_pid = int(parent.stdout.readline())
        assert pid_alive(qemu_pid)
        os.kill(parent.pid, signum)
        parent.wait(timeout=60)
        assert wait_gone(qemu_pid), f"QEMU {qemu_pid} survived {signum.name} of its parent"
    finally:
        parent.kill()
        parent.wait()


def test_qemu_that_cannot_start_reports_its_stderr(
    tiny_image: FirmwareFiles, tmp_path: Path
) -> None:
    from farm.catalog import Catalog
    from farm.devices.registry import open_board
    from farm.inventory import BoardConfig

    config = BoardConfig.model_validate(
        {"id": "bad-twin", "target": "NUCLEO_L4R5ZI", "backend": "qemu",
         "qemu": {"machine": "no-such-machine"}}
    )  # fmt: skip
    target = Catalog.load().get(config.target)
    with open_board(config, target, workdir=tmp_path, log_path=tmp_path / "c.log") as board:
        with pytest.raises(
            EmulatorError, match="twin 'bad-twin': failed to start: .*unsupported machine type"
        ):
            board.prepare(tiny_image, b"")


def thread_cpus(pid: int) -> list[set[int]]:
    """CPU affinity of every thread of ``pid``."""
    masks = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            masks.append(os.sched_getaffinity(int(tid)))
        except OSError:
            continue
    return masks


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs to pin to one")
def test_upload_keeps_qemu_on_one_cpu_then_restores(
    twin: QemuBoard, tiny_image: FirmwareFiles
) -> None:
    twin.prepare(tiny_image, b"")
    dut = twin.dut()
    assert dut.name() == "tiny"
    pid = twin.pid
    assert pid is not None
    before = os.sched_getaffinity(pid)
    with twin.bulk_transfer():
        inside = thread_cpus(pid)
        assert inside and all(len(mask) == 1 for mask in inside)
        assert len({frozenset(mask) for mask in inside}) == 1
        assert dut.name() == "tiny"
    assert all(mask == before for mask in thread_cpus(pid))
