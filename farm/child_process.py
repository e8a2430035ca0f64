"""Child processes that do not outlive the process that started them.

A pytest worker or a demo killed with SIGKILL runs no cleanup; the kernel can still stop its
children: ``PR_SET_PDEATHSIG`` (Linux prctl(2)) sends the child SIGKILL when the thread that
forked it ends. The child also leads its own process group, so a terminal's Ctrl-C reaches
only the parent, which then stops its children in order.
"""

from __future__ import annotations

import ctypes
import os
import signal
from collections.abc import Callable

PR_SET_PDEATHSIG = 1


def _die_with(parent_pid: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)
    os.setpgrp()


def die_with_parent() -> Callable[[], None]:
    """A ``preexec_fn`` for :class:`subprocess.Popen`: SIGKILL the child when this process
    (the calling thread) dies, and put it in its own process group."""
    parent = os.getpid()
    return lambda: _die_with(parent)
