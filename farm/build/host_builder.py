"""Runs a recipe's build command with the host toolchain."""

from __future__ import annotations

import logging
from pathlib import Path

from farm.build.build_log import run_logged
from farm.build.toolchain import host_toolchain_version

log = logging.getLogger(__name__)


class HostBuilder:
    """The recipe's command in ``bash`` on this machine (``arm-none-eabi-gcc`` on PATH)."""

    kind = "host"

    def toolchain_version(self) -> str:
        """``arm-none-eabi-gcc --version`` on the host (raises ToolchainNotFoundError)."""
        return host_toolchain_version()

    def paths(self, source: Path, out: Path) -> tuple[str, str]:
        """How the command sees the source tree and output directory."""
        return str(source), str(out)

    def run(self, command: str, source: Path, out: Path, log_path: Path, timeout_s: float) -> int:
        """Run ``command``; output to ``log_path``; returns the exit status."""
        log.info("host build: %s", command)
        return run_logged(["bash", "-c", command], log_path, timeout_s, shown=command, cwd=out)
