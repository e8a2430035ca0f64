"""A build's log: the command run into it, and a failed log turned into an error that names
the failing file."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

TIMEOUT_STATUS = 124
"""Exit status of a build that ran out of time (as coreutils ``timeout`` reports it)."""

# gcc/ld diagnostics: "path/file.c:12:5: error: ..." or "file.ld:3 ... error".
_DIAGNOSTIC = re.compile(
    r"^(?P<file>[^\s:]+\.(?:c|h|S|s|cpp|cc|hpp|ld)):(?P<line>\d+)(?::\d+)?:\s*(?:fatal )?error:\s*(?P<msg>.*)$"
)
_LINKER = re.compile(
    r"(undefined reference to .*|region `\w+' overflowed by \d+ bytes|cannot find .*)"
)


def first_error(log_text: str) -> str | None:
    """``file:line: message`` of the first compiler error, or the first linker error."""
    for line in log_text.splitlines():
        match = _DIAGNOSTIC.match(line.strip())
        if match:
            return f"{match['file']}:{match['line']}: {match['msg']}"
    for line in log_text.splitlines():
        match = _LINKER.search(line)
        if match:
            return f"link: {match.group(1)}"
    return None


def tail(log_path: Path, lines: int = 15) -> str:
    """Last ``lines`` lines of a log file ('' when unreadable)."""
    try:
        return "\n".join(
            log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
        )
    except OSError:
        return ""


def run_logged(
    argv: list[str],
    log_path: Path,
    timeout_s: float,
    *,
    shown: str,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> int:
    """Run ``argv`` with stdout and stderr appended to ``log_path`` after a ``$ <shown>`` line;
    returns the exit status, TIMEOUT_STATUS (with a line saying so) when it ran too long."""
    with log_path.open("ab") as fh:
        fh.write(f"$ {shown}\n".encode())
        fh.flush()
        try:
            proc = subprocess.run(
                argv,
                env=env,
                cwd=cwd,
                stdout=fh,
                stderr=subprocess.STDOUT,
                timeout=timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired:
            fh.write(f"\nfarm: build timed out after {timeout_s:.0f} s\n".encode())
            return TIMEOUT_STATUS
    return proc.returncode
