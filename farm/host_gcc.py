"""Shared objects built with the host's gcc, once per source hash (the host runtime, the QEMU
flash read plugin): a file lock so parallel workers build once, the log kept on failure."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

from filelock import FileLock

from farm.errors import BuildError, ToolchainNotFoundError

log = logging.getLogger(__name__)

WARNINGS = ["-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC"]


def build_shared_object(out_dir: Path, name: str, args: list[str], what: str) -> Path:
    """``out_dir/name`` compiled from ``args`` (sources and flags) unless already there.

    Raises:
        ToolchainNotFoundError: no gcc on PATH.
        BuildError: gcc failed (its output is in ``out_dir/build.log``).
    """
    gcc = shutil.which("gcc")
    if gcc is None:
        raise ToolchainNotFoundError(
            f"toolchain 'gcc': not found on PATH; install gcc to build {what}"
        )
    lib = out_dir / name
    out_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(str(out_dir / ".lock")):
        if lib.exists():
            return lib
        proc = subprocess.run(
            [gcc, *WARNINGS, *args, "-o", str(lib) + ".tmp"],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            log_path = out_dir / "build.log"
            log_path.write_text(proc.stdout + proc.stderr)
            raise BuildError(
                f"{what}: gcc failed; see {log_path}",
                build_dir=out_dir,
                returncode=proc.returncode,
                log_path=log_path,
            )
        os.replace(str(lib) + ".tmp", lib)
        log.info("built %s at %s", what, lib)
    return lib
