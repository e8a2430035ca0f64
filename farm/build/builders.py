"""Choosing the builder for a recipe: host toolchain or a container engine.

``auto`` (the default; the farm's ``builder`` setting, ``FARM_BUILDER``, picks another): a
recipe with ``build.builder: container`` gets a container;
otherwise a container is used when an engine is present *and* its image is ready (a named image
the engine has, or a prepared podman rootfs), else the host toolchain, else a container
(preparing the rootfs). Which one ran is recorded in every artifact.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Protocol

from farm.build.container_builder import ContainerBuilder
from farm.build.host_builder import HostBuilder
from farm.build.recipe import BuilderChoice, Recipe
from farm.build.rootfs import STAMP, build_rootfs
from farm.build.toolchain import COMPILER, find_engine, require_engine
from farm.errors import OptionError

BUILDER_NAMES = ("auto", "host", "container", "podman", "docker")


class Builder(Protocol):
    """Runs a rendered build command; ``kind`` is recorded with the artifact."""

    kind: str

    def toolchain_version(self) -> str: ...

    def paths(self, source: Path, out: Path) -> tuple[str, str]: ...

    def run(
        self, command: str, source: Path, out: Path, log_path: Path, timeout_s: float
    ) -> int: ...


def default_rootfs_dir() -> Path:
    """Where the podman toolchain rootfs lives unless the caller names one (``rootfs_dir``)."""
    return Path.home() / ".cache" / "joulefarm" / "rootfs" / "arm-gcc"


def _image_present(engine: str, image: str) -> bool:
    argv = [engine, "image", "inspect", image]
    try:
        return subprocess.run(argv, capture_output=True, timeout=30, check=False).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _container(
    recipe: Recipe, engine: str, cache_dir: Path, prepare: bool, rootfs: Path
) -> ContainerBuilder | None:
    conf_dir = cache_dir / ".engine"
    if recipe.container is not None and _image_present(engine, recipe.container.image):
        return ContainerBuilder(engine, image=recipe.container.image, conf_dir=conf_dir)
    if engine != "podman":
        return None
    if (rootfs / STAMP).exists() or prepare:
        return ContainerBuilder(engine, rootfs=build_rootfs(rootfs), conf_dir=conf_dir)
    return None


def select_builder(
    recipe: Recipe, choice: str, cache_dir: Path, rootfs_dir: Path | None = None
) -> Builder:
    """The builder for ``choice`` (one of BUILDER_NAMES), see the module docstring.

    ``rootfs_dir``: the podman toolchain rootfs (default :func:`default_rootfs_dir`).
    """
    rootfs = rootfs_dir or default_rootfs_dir()
    choice = "" if choice == "auto" else choice
    choice = choice or (
        "container"
        if recipe.build.builder is BuilderChoice.CONTAINER
        else recipe.build.builder.value
    )
    if choice not in BUILDER_NAMES:
        raise OptionError(
            f"builder '{choice}': unknown; allowed: {', '.join(BUILDER_NAMES)}", field="builder"
        )
    if choice == "host":
        return HostBuilder()
    if choice in ("container", "podman", "docker"):
        engine = require_engine(None if choice == "container" else choice)
        found = _container(recipe, engine, cache_dir, prepare=True, rootfs=rootfs)
        if found is None:
            image = recipe.container.image if recipe.container else "(none)"
            raise OptionError(
                f"builder '{engine}': image '{image}' not present; build it with "
                f"'{engine} build -t {image} -f {recipe.containerfile} .'",
                field="builder",
            )
        return found
    engine = find_engine()
    if engine is not None:
        found = _container(recipe, engine, cache_dir, prepare=False, rootfs=rootfs)
        if found is not None:
            return found
    if shutil.which(COMPILER) is not None or engine is None:
        return HostBuilder()  # raises ToolchainNotFoundError at toolchain_version() if absent
    return _container(recipe, engine, cache_dir, prepare=True, rootfs=rootfs) or HostBuilder()
