"""Build products a matrix test needs before it leases a board: firmware image and model blob.

Both are cached on disk by their own modules (the build cache, keyed by recipe, sources, BSP and
toolchain; the compiled blob, keyed by the model's hash); this module only picks *which* image a
board pool needs and memoizes per process so a worker asks once.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from farm.inventory import Backend

if TYPE_CHECKING:
    from farm.build.artifact import FirmwareArtifact
    from farm.compiler.model_compiler import CompiledModel
    from farm.discovery import FirmwareSpec, ModelSpec
    from farm.matrix import BoardPool

log = logging.getLogger(__name__)


def bsp_for(pool: BoardPool, *, real_target: bool = False) -> str:
    """Board-support folder to build for a pool.

    A QEMU pool runs the twin's BSP (``mps2-an386`` -> ``mps2_an386``); ``real_target`` asks for
    the real Nucleo BSP instead (the memory test measures the image the real board would run).
    """
    if pool.backend is Backend.QEMU and not real_target:
        machine = pool.boards[0].qemu.machine if pool.boards[0].qemu else None
        machine = machine or pool.target.qemu_machine
        if machine is None:
            raise ValueError(f"target {pool.target.name} has no QEMU twin")
        return machine.replace("-", "_")
    return pool.target.slug


def has_bsp(firmware_dir: Path, bsp: str) -> bool:
    """True when ``firmware/bsp/<bsp>/`` exists."""
    return (firmware_dir / "bsp" / bsp).is_dir()


@functools.cache
def firmware_image(recipe_path: Path, version: str, bsp: str, cache_dir: Path) -> FirmwareArtifact:
    """The image of (firmware version, BSP), from the build cache (built on a miss)."""
    from farm.build import build_firmware

    artifact = build_firmware(recipe_path, version, bsp, cache_dir=cache_dir)
    log.info("firmware %s@%s for %s: cache %s", artifact.firmware, version, bsp, artifact.cache)
    return artifact


def image_for(firmware: FirmwareSpec, pool: BoardPool, cache_dir: Path) -> FirmwareArtifact:
    """The image a board of ``pool`` runs for ``firmware``."""
    return firmware_image(
        firmware.recipe_path.resolve(), firmware.version, bsp_for(pool), cache_dir
    )


@functools.cache
def compiled_model(path: Path, sha256: str) -> CompiledModel:
    """The model blob of a .tflite file (``sha256`` keys the memo: a changed file recompiles)."""
    from farm.compiler.model_compiler import compile_model

    del sha256
    return compile_model(path)


def model_blob(model: ModelSpec) -> CompiledModel:
    """Compile ``model`` (ModelFormatError for a model the runtime cannot run)."""
    return compiled_model(model.path.resolve(), model.sha256)
