"""Ctrl-C on a `pytest -n 2` run that holds QEMU twins leaves no QEMU process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from farm.devices.protocols import FirmwareFiles
from testing.processes import sigint_as_from_a_terminal

from .test_qemu import wait_gone

INNER_TEST = textwrap.dedent(
    """
    import os, time
    from pathlib import Path
    import pytest
    from farm.catalog import Catalog
    from farm.devices.protocols import FirmwareFiles
    from farm.devices.registry import open_board
    from farm.inventory import BoardConfig

    @pytest.mark.parametrize("n", [1, 2])
    def test_hold_a_twin(n, tmp_path):
        elf = Path(os.environ["TINY_ELF"])
        cfg = BoardConfig(id=f"twin-{n}", target="NUCLEO_L4R5ZI", backend="qemu")
        with open_board(cfg, Catalog.load().get(cfg.target), workdir=tmp_path,
                        log_path=tmp_path / "c.log") as board:
            board.prepare(FirmwareFiles(elf, elf, "tiny", 0x100000, 4096), b"")
            board.dut().name()
            Path(os.environ["PID_DIR"], str(board.pid)).touch()
            time.sleep(60)
    """
)


def test_sigint_to_an_xdist_run_leaves_no_qemu(tiny_image: FirmwareFiles, tmp_path: Path) -> None:
    (tmp_path / "test_inner.py").write_text(INNER_TEST)
    pids = tmp_path / "pids"
    pids.mkdir()
    env = {**os.environ, "TINY_ELF": str(tiny_image.elf), "PID_DIR": str(pids)}
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-n", "2", "-p", "no:farm", "-p", "no:cacheprovider",
         "test_inner.py"],
        cwd=tmp_path, env=env, start_new_session=True, preexec_fn=sigint_as_from_a_terminal,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 240  # two xdist workers and two twins, on a busy box
        while len(list(pids.iterdir())) < 2 and time.monotonic() < deadline:
            assert run.poll() is None, "inner pytest ended before its twins started"
            time.sleep(0.1)
        qemu_pids = [int(p.name) for p in pids.iterdir()]
        assert len(qemu_pids) == 2
        os.killpg(run.pid, signal.SIGINT)  # what a terminal's Ctrl-C does to the foreground group
        run.wait(timeout=120)
        for pid in qemu_pids:
            assert wait_gone(pid), f"QEMU {pid} survived Ctrl-C of the pytest run"
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
