"""Turning a failed build's log into an error that names the failing file."""

from __future__ import annotations

import re
from pathlib import Path

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
