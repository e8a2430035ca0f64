"""Runs a recipe's build command in a container (podman or docker CLI).

The source tree is bind-mounted read-only at ``/src``, the output directory at ``/out``, the
command runs as the calling user (``--user uid:gid``) with no network. The image is either a
named image (``docker``/``podman`` on the lab PC, built from the recipe's Containerfile) or, for
podman, a root filesystem directory (``--rootfs``, see :mod:`farm.build.rootfs`), which is how
the virtual lab runs containers without any registry.

Podman on hosts like the virtual lab needs ``--runtime runc --cgroup-manager=cgroupfs`` and a
containers.conf whose ``default_ulimits`` is empty; we generate that file and point
``CONTAINERS_CONF`` at it for our own invocations only.
"""

from __future__ import annotations

import logging
import os
import subprocess
from pathlib import Path

from farm.build.build_log import run_logged
from farm.errors import ToolchainNotFoundError

log = logging.getLogger(__name__)

CONTAINERS_CONF = "[containers]\ndefault_ulimits = []\n"
# `--version` output per (engine, image or rootfs): one container start per process, not per
# build request (cache hits must stay cheap).
_VERSIONS: dict[tuple[str, str], str] = {}
SRC_MOUNT = "/src"
OUT_MOUNT = "/out"


class ContainerBuilder:
    """The recipe's command in ``/bin/sh -c`` inside a container."""

    def __init__(
        self, engine: str, *, image: str | None = None, rootfs: Path | None = None, conf_dir: Path
    ) -> None:
        if (image is None) == (rootfs is None):
            raise ValueError("give exactly one of image or rootfs")
        if rootfs is not None and engine != "podman":
            raise ToolchainNotFoundError(
                f"container engine '{engine}': --rootfs needs podman; build the image from the "
                "recipe's Containerfile instead"
            )
        self.engine = engine
        self.kind = engine
        self.image = image
        self.rootfs = rootfs
        self.conf_dir = conf_dir
        self._version: str | None = None

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.engine == "podman":
            conf = self.conf_dir / "containers.conf"
            if not conf.exists():
                conf.parent.mkdir(parents=True, exist_ok=True)
                conf.write_text(CONTAINERS_CONF, encoding="utf-8")
            env["CONTAINERS_CONF"] = str(conf)
        return env

    def argv(self, command: str, source: Path, out: Path) -> list[str]:
        """The full engine command line (exposed for tests and logs)."""
        argv = [self.engine]
        if self.engine == "podman":
            argv += ["--runtime", "runc", "--cgroup-manager=cgroupfs"]
        argv += [
            "run",
            "--rm",
            "--network=none",
            "--read-only",
            "--tmpfs",
            "/tmp",
            "-v",
            f"{source}:{SRC_MOUNT}:ro",
            "-v",
            f"{out}:{OUT_MOUNT}",
            "--user",
            f"{os.getuid()}:{os.getgid()}",
            "-w",
            OUT_MOUNT,
        ]
        argv += ["--rootfs", str(self.rootfs)] if self.rootfs is not None else [str(self.image)]
        return [*argv, "/bin/sh", "-c", command]

    def paths(self, source: Path, out: Path) -> tuple[str, str]:
        """How the command sees the source tree and output directory."""
        return SRC_MOUNT, OUT_MOUNT

    def toolchain_version(self) -> str:
        """``arm-none-eabi-gcc --version`` inside the container (once per builder)."""
        ident = (self.engine, str(self.image or self.rootfs))
        if self._version is None and ident in _VERSIONS:
            self._version = _VERSIONS[ident]
        if self._version is None:
            argv = self.argv("arm-none-eabi-gcc --version", Path("/tmp"), Path("/tmp"))
            try:
                proc = subprocess.run(
                    argv, env=self._env(), capture_output=True, text=True, timeout=300, check=False
                )
            except (OSError, subprocess.SubprocessError) as exc:
                raise ToolchainNotFoundError(
                    f"container engine '{self.engine}': cannot run ({exc}); check the engine works"
                ) from exc
            if proc.returncode != 0:
                raise ToolchainNotFoundError(
                    f"container '{self.image or self.rootfs}': arm-none-eabi-gcc --version failed "
                    f"(exit {proc.returncode}): {proc.stderr.strip()[-300:]}; build the image "
                    "from the recipe's Containerfile"
                )
            self._version = _VERSIONS[ident] = proc.stdout.strip()
        return self._version

    def run(self, command: str, source: Path, out: Path, log_path: Path, timeout_s: float) -> int:
        """Run ``command`` in the container; output to ``log_path``; returns the exit status."""
        argv = self.argv(command, source, out)
        log.info("container build: %s", " ".join(argv))
        return run_logged(argv, log_path, timeout_s, shown=" ".join(argv), env=self._env())
