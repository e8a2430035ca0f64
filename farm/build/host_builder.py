"""Runs a recipe's build command with the host toolchain."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

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
        with log_path.open("ab") as fh:
            fh.write(f"$ {command}\n".encode())
            fh.flush()
            try:
                proc = subprocess.run(
                    ["bash", "-c", command],
                    cwd=out,
                    stdout=fh,
                    stderr=subprocess.STDOUT,
                    timeout=timeout_s,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                fh.write(f"\nfarm: build timed out after {timeout_s:.0f} s\n".encode())
                return 124
        return proc.returncode
