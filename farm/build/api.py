"""``build_firmware``: a firmware image for (recipe, version, bsp), from the cache or built.

Steps: load the recipe, pick the builder, hash the source tree, compute the cache key, then
under the key's lock either return the valid cache entry (``cache="hit"``) or stage the sources,
run the recipe's command, collect ELF/BIN/map, write the memory report and ``image.json``, seal
the entry (``cache="miss"``). Errors: RecipeError for a bad recipe/version, ToolchainNotFoundError
for a missing compiler or engine, BuildError (with the failing file and the log path) when the
command fails.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

from farm.build.artifact import FirmwareArtifact
from farm.build.build_log import first_error, tail
from farm.build.builders import Builder, select_builder
from farm.build.cache import BuildCache, RemoteBuildCache, cache_key
from farm.build.elf_report import memory_report
from farm.build.embedded_model import EmbeddedModel, write_model_files
from farm.build.recipe import Recipe, resolve_recipe
from farm.build.sources import hash_tree, source_hash, stage_source
from farm.build.stack_depth import check_stack
from farm.build.toolchain import toolchain_id
from farm.errors import BuildError, RecipeError
from farm.file_digest import file_sha256

log = logging.getLogger(__name__)

BUILD_TIMEOUT_S = 900.0
KEY_SCHEMA = 1  # bump when the meaning of a cache entry changes
# Parallel compile jobs per build: builds also run side by side (one per pytest worker).
BUILD_JOBS = min(4, os.cpu_count() or 1)


def _key_fields(
    recipe: Recipe,
    version: str,
    bsp: str,
    source_hash: str,
    toolchain: str,
    extra_vars: dict[str, str],
) -> dict:
    spec = recipe.version(version)
    fields = {
        "schema": KEY_SCHEMA,
        "recipe": hashlib.sha256(recipe.path.read_bytes()).hexdigest(),
        "source": source_hash,
        "target": recipe.target_name(bsp),
        "version": version,
        "vars": spec.vars,
        "command": recipe.build.command,
        "toolchain": toolchain,
    }
    if extra_vars:  # absent when empty: keys of the images built before this field stay valid
        fields["extra_vars"] = dict(sorted(extra_vars.items()))
    return fields


def _model_key_fields(recipe: Recipe, model: EmbeddedModel | None) -> dict:
    """A recipe that embeds the model is keyed by the model too (one image per model); the
    others ignore ``model``, so their key, and their cache entries, are unchanged."""
    if not recipe.model_in_image:
        return {}
    if model is None:
        raise RecipeError(
            f"recipe '{recipe.name}': embeds the model (model: embedded); build it for a model",
            path=recipe.path,
            field="model",
        )
    return model.key_fields()


def _collect(recipe: Recipe, out: Path, entry: Path, bsp: str) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for role, pattern in recipe.build.artifacts.items():
        matches = sorted(glob.glob(str(out / pattern.format(target=recipe.target_name(bsp)))))
        if not matches:
            if role in ("elf", "bin"):
                raise BuildError(
                    f"build '{recipe.name}' for '{bsp}': no {role} matching '{pattern}' in the "
                    "output; fix build.artifacts in the recipe",
                    build_dir=out,
                )
            continue
        dest = entry / f"firmware.{role}"
        shutil.copy2(matches[0], dest)
        found[role] = dest
    return found


def _failed_log(root: Path, recipe: Recipe, version: str, bsp: str, build_id: str) -> Path:
    return root / "failed" / f"{recipe.name}-{version}-{bsp}-{build_id}.log"


def _keep_log(log_path: Path, kept: Path) -> None:
    """Copy a failed build's log out of its staging entry (which is removed)."""
    if log_path.exists():
        kept.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(log_path, kept)


def _run_build(
    recipe: Recipe,
    version: str,
    bsp: str,
    builder: Builder,
    staged_src: Path,
    out: Path,
    entry: Path,
    build_id: str,
    extra_vars: dict[str, str],
    model: EmbeddedModel | None = None,
) -> float:
    source_arg, out_arg = builder.paths(staged_src, out)
    model_files = None
    if recipe.model_in_image and model is not None:
        written = write_model_files(model, out / "model")
        shutil.copy2(written["model_c"], entry / "model.h")  # kept with the image, for review
        model_files = {k: f"{out_arg}/model/{p.name}" for k, p in written.items()}
    command = recipe.render_command(
        version,
        bsp,
        source=source_arg,
        out=out_arg,
        build_id=build_id,
        jobs=BUILD_JOBS,
        extra_vars=extra_vars,
        model_files=model_files,
    )
    log_path = entry / "build.log"
    start = time.monotonic()
    status = builder.run(command, staged_src, out, log_path, BUILD_TIMEOUT_S)
    seconds = time.monotonic() - start
    if status != 0:
        kept = _failed_log(entry.parent.parent, recipe, version, bsp, build_id)
        _keep_log(log_path, kept)
        where = first_error(log_path.read_text(encoding="utf-8", errors="replace"))
        raise BuildError(
            f"build '{recipe.name}@{version}' for '{bsp}': {builder.kind} build failed "
            f"(exit {status})"
            + (f" at {where}" if where else "")
            + f"; full log: {kept}\n{tail(kept)}",
            build_dir=out,
            returncode=status,
            log_path=kept,
        )
    return seconds


def build_firmware(
    recipe_path_or_name: str | Path,
    version: str,
    bsp: str,
    *,
    cache_dir: str | Path,
    builder: str = "auto",
    extra_vars: dict[str, str] | None = None,
    rootfs_dir: Path | None = None,
    remote: RemoteBuildCache | None = None,
    model: EmbeddedModel | None = None,
) -> FirmwareArtifact:
    """Build (or fetch from the cache) the firmware image of ``version`` for board ``bsp``.

    Args:
        recipe_path_or_name: recipe file or folder, or a firmware name under ``./firmware``.
        version: a key of the recipe's ``versions``.
        bsp: board support name (``mps2_an386``, ``nucleo_l4r5zi``) or catalog target name
            (``NUCLEO_L4R5ZI``); spelled for the recipe by its ``target_names``.
        cache_dir: the build cache root (shared by all processes; locking is per key).
        builder: ``auto``, ``host``, ``container``, ``podman`` or ``docker``.
        extra_vars: build variables added to the version's (``{"MODE": "energy"}``); part of
            the cache key.
        rootfs_dir: the podman toolchain rootfs (default: ``~/.cache/joulefarm/rootfs/arm-gcc``).
        remote: a cache shared by several lab PCs, asked on a local miss and given what is
            built here (``farm fleet``).
        model: the model to compile in, for a recipe with ``model: embedded`` (ignored by
            the others, which load a blob at run time).

    Returns:
        The artifact, with ``cache`` ``"hit"``, ``"remote"`` or ``"miss"`` and ``seconds``.
    """
    start = time.monotonic()
    recipe = resolve_recipe(recipe_path_or_name)
    cache = BuildCache(Path(cache_dir))
    chosen = select_builder(recipe, builder, cache.root, rootfs_dir)
    toolchain_text = chosen.toolchain_version()
    spec = recipe.version(version)
    for _attempt in range(3):
        src_hash = source_hash(spec.source, recipe.repo_root)
        fields = _key_fields(recipe, version, bsp, src_hash, toolchain_text, extra_vars or {})
        key = cache_key(fields | _model_key_fields(recipe, model))
        with cache.lock(key), remote.exclusive(key) if remote else contextlib.nullcontext():
            if cache.valid(key):
                return FirmwareArtifact.read(
                    cache.entry(key), cache="hit", seconds=time.monotonic() - start
                )
            fetched = _from_remote(cache, remote, key) if remote else None
            if fetched is not None:
                return FirmwareArtifact.read(
                    fetched, cache="remote", seconds=time.monotonic() - start
                )
            with tempfile.TemporaryDirectory(prefix="farm-src-", dir=cache.root) as scratch:
                staged = stage_source(spec.source, recipe.repo_root, Path(scratch) / "src")
                if spec.source.ref is None and hash_tree(staged) != src_hash:
                    log.warning("sources of %s changed while staging; hashing again", recipe.name)
                    continue
                final = _build_entry(
                    recipe,
                    version,
                    bsp,
                    chosen,
                    toolchain_text,
                    staged,
                    cache,
                    key,
                    model,
                    extra_vars=extra_vars,
                )
            if remote is not None:
                remote.publish(key, final)
            return FirmwareArtifact.read(final, cache="miss", seconds=time.monotonic() - start)
    raise BuildError(
        f"build '{recipe.name}@{version}' for '{bsp}': the source tree kept changing while it "
        "was copied; retry when edits have stopped"
    )


def _from_remote(cache: BuildCache, remote: RemoteBuildCache, key: str) -> Path | None:
    """The entry fetched from ``remote`` and committed locally, or None (absent or corrupt)."""
    staged = cache.staging(key)
    if not remote.fetch(key, staged):
        shutil.rmtree(staged, ignore_errors=True)
        return None
    return cache.adopt(key, staged)


def _build_entry(
    recipe: Recipe,
    version: str,
    bsp: str,
    chosen: Builder,
    toolchain_text: str,
    staged_src: Path,
    cache: BuildCache,
    key: str,
    model: EmbeddedModel | None = None,
    extra_vars: dict[str, str] | None = None,
) -> Path:
    """Build into a staging entry, describe it (image.json) and seal it into the cache."""
    entry = cache.staging(key)
    out = entry / "out"
    out.mkdir()
    build_id = key[:16]
    try:
        seconds = _run_build(
            recipe, version, bsp, chosen, staged_src, out, entry, build_id, extra_vars or {}, model
        )
        files = _collect(recipe, out, entry, bsp)
        stack = check_stack(
            sorted(out.rglob("*.ci")),
            files["elf"],
            f"build '{recipe.name}@{version}' for '{bsp}'",
        )
    except BaseException:
        _keep_log(entry / "build.log", _failed_log(cache.root, recipe, version, bsp, build_id))
        shutil.rmtree(entry, ignore_errors=True)
        raise
    shutil.rmtree(out)
    report = memory_report(files["elf"])
    report["stack"] = stack.to_json() if stack is not None else None
    artifact = FirmwareArtifact(
        firmware=recipe.name,
        version=version,
        bsp=recipe.target_name(bsp),
        elf=files["elf"],
        bin=files["bin"],
        map=files.get("map"),
        image_hash=file_sha256(files["bin"]),
        build_id=build_id,
        key=key,
        model_region_addr=report["model_region_addr"],
        model_region_bytes=report["model_region_bytes"],
        load_addr=report["load_addr"],
        entry=report["entry"],
        flash_bytes=report["flash_bytes"],
        ram_bytes=report["ram_bytes"],
        arena_bytes=report["arena_bytes"],
        memory=report,
        builder=chosen.kind,
        toolchain=toolchain_id(toolchain_text),
        build_seconds=round(seconds, 3),
        model_name=model.name if recipe.model_in_image and model else None,
        model_sha256=model.sha256 if recipe.model_in_image and model else None,
        console_baud=recipe.version(version).console_baud,
    )
    artifact.write(entry)
    log.info("built %s@%s for %s in %.1f s (%s)", recipe.name, version, bsp, seconds, chosen.kind)
    return cache.commit(key, entry)
