"""Firmware source trees: copied into a private staging directory and hashed.

A build never reads the live checkout: the tree is copied first (or exported from git for a
``ref``), hashed, and the build runs on the copy, so an edit during a build cannot produce an
artifact whose cache key describes other sources.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

from farm.build.recipe import SourceRef
from farm.errors import BuildError, RecipeError

log = logging.getLogger(__name__)

# Build outputs and editor/VCS litter inside a source tree are not sources.
IGNORED_NAMES = frozenset({"build", "cmake_build", "__pycache__", ".git", ".venv", "node_modules"})


def _ignore(_dir: str, names: list[str]) -> set[str]:
    return {n for n in names if n in IGNORED_NAMES or n.startswith(".") or n.endswith(".pyc")}


def stage_source(source: SourceRef, repo_root: Path, dest: Path) -> Path:
    """Put the source tree of ``source`` at ``dest`` (which must not exist); returns ``dest``."""
    if source.ref is None:
        src = (repo_root / source.path).resolve()
        if not src.is_dir():
            raise RecipeError(f"source '{source.path}': not a directory of {repo_root}")
        shutil.copytree(src, dest, ignore=_ignore, symlinks=True)
        return dest
    try:
        tar = subprocess.run(
            ["git", "-C", str(repo_root), "archive", "--format=tar", source.ref, source.path],
            check=True,
            capture_output=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        raise RecipeError(
            f"source '{source.ref}:{source.path}': git archive failed: "
            f"{detail.decode(errors='replace').strip() or exc}; check the ref exists"
        ) from exc
    tmp = dest.with_name(dest.name + ".git-export")
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        archive.extractall(tmp, filter="data")
    os.replace(tmp / source.path, dest)
    shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _source_files(root: Path) -> list[Path]:
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(set(dirnames) - _ignore(dirpath, dirnames))
        for name in set(filenames) - _ignore(dirpath, filenames):
            path = Path(dirpath) / name
            if path.is_file() and not path.is_symlink():
                files.append(path)
    return sorted(files)


def source_hash(source: SourceRef, repo_root: Path) -> str:
    """Hash of a source without copying it: the live directory's files (as :func:`stage_source`
    would copy them), or git's tree id for a ``ref`` (content-addressed already)."""
    if source.ref is None:
        return hash_tree(repo_root / source.path)
    try:
        tree = subprocess.run(
            ["git", "-C", str(repo_root), "rev-parse", f"{source.ref}:{source.path}"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as exc:
        raise RecipeError(
            f"source '{source.ref}:{source.path}': not found in git; check the ref exists"
        ) from exc
    return "git-tree:" + tree


def hash_tree(root: Path) -> str:
    """sha256 over (relative path, executable bit, content) of every source file, sorted
    (build outputs and dot-files excluded, as in :func:`stage_source`)."""
    digest = hashlib.sha256()
    files = _source_files(root)
    if not files:
        raise BuildError(f"source tree '{root}': no files; check the recipe's source path")
    for path in files:
        rel = path.relative_to(root).as_posix()
        mode = "x" if os.access(path, os.X_OK) else "-"
        digest.update(f"{rel}\0{mode}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
