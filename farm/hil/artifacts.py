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

from farm.build.recipe import twin_of_vars
from farm.devices.registry import get_backend

if TYPE_CHECKING:
    from farm.build.artifact import FirmwareArtifact
    from farm.build.cache import RemoteBuildCache
    from farm.build.embedded_model import EmbeddedModel
    from farm.compiler.model_compiler import CompiledModel
    from farm.discovery import FirmwareSpec, ModelSpec
    from farm.matrix import BoardPool

log = logging.getLogger(__name__)


def bsp_for(pool: BoardPool) -> str:
    """Board-support folder a pool runs: a QEMU pool its twin's (``mps2-an386`` ->
    ``mps2_an386``), a real pool its target's (``nucleo_l4r5zi``)."""
    if get_backend(pool.backend).spec.twin:
        machine = pool.boards[0].qemu.machine if pool.boards[0].qemu else None
        machine = machine or pool.target.qemu_machine
        if machine is None:
            raise ValueError(f"target {pool.target.name} has no QEMU twin")
        return machine.replace("-", "_")
    return pool.target.slug


@functools.cache
def firmware_image(
    recipe_path: Path,
    version: str,
    bsp: str,
    cache_dir: Path,
    builder: str = "auto",
    rootfs_dir: Path | None = None,
    remote: RemoteBuildCache | None = None,
    model: EmbeddedModel | None = None,
    extra_vars: tuple[tuple[str, str], ...] = (),
) -> FirmwareArtifact:
    """The image of (firmware version, BSP[, model compiled in][, build variables]), from the
    build cache (built on a miss).

    ``builder`` and ``rootfs_dir``: the farm's settings of the same names; ``remote``: the
    fleet's shared build cache (``farm fleet``), None for the local cache only;
    ``extra_vars``: build variables added to the version's (``MODE=energy``).
    """
    from farm.build import build_firmware

    artifact = build_firmware(
        recipe_path,
        version,
        bsp,
        cache_dir=cache_dir,
        builder=builder,
        rootfs_dir=rootfs_dir,
        remote=remote,
        model=model,
        extra_vars=dict(extra_vars) or None,
    )
    log.info(
        "firmware %s@%s for %s%s: cache %s",
        artifact.firmware,
        version,
        bsp,
        f" with {model.name}" if model else "",
        artifact.cache,
    )
    return artifact


def image_for(
    firmware: FirmwareSpec,
    pool: BoardPool,
    cache_dir: Path,
    *,
    firmware_dir: Path | None = None,
    builder: str = "auto",
    rootfs_dir: Path | None = None,
    remote: RemoteBuildCache | None = None,
    model: ModelSpec | None = None,
    energy_mode: bool = False,
) -> FirmwareArtifact:
    """The image a board of ``pool`` runs for ``firmware`` (built with ``builder``; with
    ``model`` compiled in for a firmware with ``model_in_image``: one image per model).

    With ``firmware_dir``, the image the *real* target runs when ``firmware_dir/bsp/<target>``
    exists (the memory test measures the real board's image, also for a twin pool), else the
    pool's own image. With ``energy_mode`` the build of MLPerf Tiny's energy mode
    (``MODE=energy``: timestamps are pin pulses only). A twin pool's image is built as its
    target's twin (:func:`~farm.build.recipe.twin_of_vars`).
    """
    bsp = bsp_for(pool)
    if firmware_dir is not None and (firmware_dir / "bsp" / pool.target.slug).is_dir():
        bsp = pool.target.slug
    embedded = None
    if firmware.model_in_image:
        if model is None:
            raise ValueError(f"firmware {firmware.key} compiles the model in; pass the model")
        embedded = embedded_model(model)
    recipe = firmware.recipe_path.resolve()
    extra: tuple[tuple[str, str], ...] = (("MODE", "energy"),) if energy_mode else ()
    if bsp != pool.target.slug:
        extra += tuple(twin_of_vars(firmware.targets, pool.target.slug).items())
    return firmware_image(
        recipe, firmware.version, bsp, cache_dir, builder, rootfs_dir, remote, embedded, extra
    )


def embedded_model(model: ModelSpec) -> EmbeddedModel:
    """What a firmware that compiles ``model`` in gets: the .tflite and the farm's blob."""
    from farm.build.embedded_model import EmbeddedModel

    blob = model_blob(model).blob
    return EmbeddedModel(model.name, model.path.resolve(), model.sha256, blob)


@functools.cache
def compiled_model(path: Path, sha256: str, model_id: str | None = None) -> CompiledModel:
    """The model blob of a .tflite file (``sha256`` keys the memo: a changed file recompiles);
    ``model_id`` is what ``profile%`` reports (None: the file stem)."""
    from farm.compiler.model_compiler import compile_model

    del sha256
    return compile_model(path, model_id=model_id)


def model_blob(model: ModelSpec) -> CompiledModel:
    """Compile ``model`` with its models.yaml ``model_id`` (ModelFormatError for a model the
    runtime cannot run)."""
    return compiled_model(model.path.resolve(), model.sha256, model.model_id)
