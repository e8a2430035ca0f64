"""A loopback fleet whose parent is killed outright (SIGKILL: no atexit, no finally) leaves no
server behind: the kernel stops its children (farm.child_process)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

SCRIPT = """
import sys, time
from pathlib import Path
from farm.fleet.loopback import LoopbackFleet
lab = LoopbackFleet(Path(sys.argv[1]))
lab.start_s3()
print(lab.procs["s3"].pid, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purpose (it waits for a reaper, it runs nothing).
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"


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
        assert _alive(server)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 60.0  # the kernel's signal, then the exit: a loaded host
    while _alive(server) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(server), f"moto_server pid {server} outlived its killed parent"
