"""Process liveness for the project's tests that check nothing is left running."""

from __future__ import annotations

import signal
from pathlib import Path


def pid_alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie (one waiting for its reaper counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def sigint_as_from_a_terminal() -> None:
    """``preexec_fn`` for a child a test interrupts: SIGINT at its default disposition.

    bash starts ``cmd &`` with SIGINT ignored when job control is off (a script, nohup, some CI
    runners), and an ignored signal is inherited across exec; Python then never installs its
    KeyboardInterrupt handler, so a test's Ctrl-C would be lost and the test would only pass if
    the child ends by itself in time.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
