"""A loopback fleet whose parent is killed outright (SIGKILL: no atexit, no finally) leaves no
server behind: the kernel stops its children (farm.child_process)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from testing.processes import pid_alive

SCRIPT = """
import sys, time
from pathlib import Path
from farm.fleet.loopback import LoopbackFleet
lab = LoopbackFleet(Path(sys.argv[1]))
lab.start_s3()
print(lab.procs["s3"].pid, flush=True)
time.sleep(600)
"""


def test_killed_parent_takes_the_s3_server_with_it(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout is not None
        line = parent.stdout.readline()  # after moto answered: up to a minute when loaded
        assert line.strip().isdigit(), f"the parent printed no server pid: {line!r}"
        server = int(line)
        assert pid_alive(server)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 60.0  # the kernel's signal, then the exit: a loaded host
    while pid_alive(server) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not pid_alive(server), f"moto_server pid {server} outlived its killed parent"
