"""A toolchain root filesystem for the container builder, made from installed Debian packages.

No image registry is reachable from the virtual lab, so ``podman run --rootfs DIR`` gets a tree
built from the files of the host's own packages (``dpkg -L``) and their installed dependencies,
hard-linked when on the same filesystem (seconds, no extra disk) and copied otherwise. The tree
is built once under a lock and marked complete with a stamp file; the container mounts it
read-only, so the hard links can never be written through.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

from filelock import FileLock

from farm.errors import ToolchainNotFoundError

log = logging.getLogger(__name__)

PACKAGES = (
    "gcc-arm-none-eabi",
    "binutils-arm-none-eabi",
    "libnewlib-arm-none-eabi",
    "libnewlib-dev",
    "make",
    "bash",
    "dash",
    "coreutils",
    "sed",
    "grep",
)
STAMP = ".farm-rootfs-complete"
_SPLIT = re.compile(r"\s*,\s*")


def _installed(package: str) -> bool:
    out = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True, check=False
    )
    return out.returncode == 0 and "install ok installed" in out.stdout


def _depends(package: str) -> list[str]:
    out = subprocess.run(
        ["dpkg-query", "-W", "-f=${Pre-Depends},${Depends}", package],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    found = []
    for clause in _SPLIT.split(out):
        for alternative in clause.split("|"):
            name = alternative.strip().split(" ")[0].split(":")[0]
            if name and _installed(name):
                found.append(name)
                break
    return found


def package_closure(seeds: tuple[str, ...] = PACKAGES) -> list[str]:
    """The seed packages and every installed package they depend on."""
    missing = [p for p in seeds if not _installed(p)]
    if missing:
        raise ToolchainNotFoundError(
            f"rootfs packages '{' '.join(missing)}': not installed; "
            f"apt-get install -y --no-install-recommends {' '.join(missing)}"
        )
    seen: set[str] = set()
    todo = list(seeds)
    while todo:
        pkg = todo.pop()
        if pkg in seen:
            continue
        seen.add(pkg)
        todo.extend(d for d in _depends(pkg) if d not in seen)
    return sorted(seen)


def _place(src: str, dest_root: Path) -> None:
    target = dest_root / src.lstrip("/")
    if os.path.lexists(target) or not os.path.lexists(src):
        return
    if os.path.isdir(src) and not os.path.islink(src):
        target.mkdir(parents=True, exist_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    if os.path.islink(src):
        os.symlink(os.readlink(src), target)
        return
    try:
        os.link(os.path.realpath(src), target)
    except OSError:
        shutil.copy2(src, target)


def build_rootfs(dest: Path) -> Path:
    """Make (once) and return a root filesystem holding the Arm toolchain, make and a shell."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(dest) + ".lock", timeout=600):
        if (dest / STAMP).exists():
            return dest
        if shutil.which("dpkg-query") is None:
            raise ToolchainNotFoundError(
                "rootfs 'toolchain': dpkg-query not found; build the image from the recipe's "
                "Containerfile instead (podman build / docker build)"
            )
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir()
        # Debian's merged /usr: top-level directories are links into usr/.
        for name in ("bin", "sbin", "lib", "lib64"):
            if os.path.islink(f"/{name}"):
                link = os.readlink(f"/{name}")
                (dest / link.lstrip("/")).mkdir(parents=True, exist_ok=True)
                os.symlink(link, dest / name)
        packages = package_closure()
        directories: set[str] = set()
        for package in packages:
            listing = subprocess.run(
                ["dpkg", "-L", package], capture_output=True, text=True, check=True
            ).stdout
            for path in listing.splitlines():
                if path.startswith("/") and not path.startswith(
                    ("/usr/share/doc", "/usr/share/man")
                ):
                    _place(path, dest)
                    if os.path.isdir(path) and not os.path.islink(path):
                        directories.add(path)
        # update-alternatives links (e.g. usr/lib/arm-none-eabi/include -> newlib headers) are
        # made by maintainer scripts, not listed by dpkg -L: take every symlink of the packages'
        # directories and the whole /etc/alternatives.
        for directory in sorted(directories) + ["/etc/alternatives"]:
            for entry in os.scandir(directory):
                if entry.is_symlink():
                    _place(entry.path, dest)
        for name in ("tmp", "out", "src", "etc", "proc", "dev", "sys"):
            (dest / name).mkdir(exist_ok=True)
        (dest / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/sh\n", encoding="utf-8")
        (dest / "etc/group").write_text("root:x:0:\n", encoding="utf-8")
        (dest / STAMP).write_text("\n".join(packages) + "\n", encoding="utf-8")
        log.info("rootfs %s: %d packages", dest, len(packages))
    return dest
