"""Toolchain and container-engine discovery, with errors that say what to install."""

from __future__ import annotations

import functools
import hashlib
import logging
import shutil
import subprocess

from farm.errors import ToolchainNotFoundError

log = logging.getLogger(__name__)

COMPILER = "arm-none-eabi-gcc"
INSTALL_HINT = (
    "install the Arm GNU toolchain (Debian: apt-get install gcc-arm-none-eabi "
    "libnewlib-arm-none-eabi make) or use the container builder"
)
ENGINE_HINT = (
    "install podman (Debian: apt-get install podman runc) or docker, or use --builder host"
)


@functools.cache
def host_toolchain_version() -> str:
    """``arm-none-eabi-gcc --version`` of the host: the toolchain part of every cache key."""
    exe = shutil.which(COMPILER)
    if exe is None:
        raise ToolchainNotFoundError(f"toolchain '{COMPILER}': not found on PATH; {INSTALL_HINT}")
    return _version_of([exe])


def _version_of(argv: list[str]) -> str:
    try:
        out = subprocess.run(
            [*argv, "--version"], check=True, capture_output=True, text=True, timeout=60
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise ToolchainNotFoundError(
            f"toolchain '{argv[-1]}': '--version' failed ({exc}); {INSTALL_HINT}"
        ) from exc
    return out.strip()


def toolchain_id(version_text: str) -> str:
    """Short identity: the first line of ``--version`` plus a hash of the whole text."""
    first = version_text.splitlines()[0] if version_text else "unknown"
    return f"{first} [{hashlib.sha256(version_text.encode()).hexdigest()[:12]}]"


def find_engine(preferred: str | None = None) -> str | None:
    """``podman`` or ``docker`` found on PATH (podman first: it needs no daemon)."""
    for name in [preferred] if preferred else ["podman", "docker"]:
        if name and shutil.which(name):
            return name
    return None


def require_engine(preferred: str | None = None) -> str:
    """Like :func:`find_engine`, raising ToolchainNotFoundError when there is none."""
    engine = find_engine(preferred)
    if engine is None:
        raise ToolchainNotFoundError(
            f"container engine '{preferred or 'podman/docker'}': not found on PATH; {ENGINE_HINT}"
        )
    return engine
