"""``farm build``: build firmware versions for catalog targets and twins (cache-aware)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from farm.build.api import build_firmware
from farm.build.embedded_model import EmbeddedModel
from farm.build.recipe import RECIPE_FILE, Recipe, load_recipe, resolve_recipe
from farm.errors import OptionError

DEFAULT_CACHE = Path("build-cache") / "firmware"


def _bsps_for(recipe: Recipe) -> list[str]:
    """Every catalog MCU target and every twin machine the recipe supports."""
    from farm.catalog import Catalog, TargetKind

    catalog = Catalog.load()
    names: list[str] = []
    for spec in catalog:
        if spec.kind is not TargetKind.MCU:
            continue
        names.append(recipe.target_name(spec.name))
        for machine in (spec.qemu_machine, *spec.core_spec.qemu_alternatives):
            if machine and recipe.target_names.value == "bsp":
                names.append(machine.replace("-", "_"))
    allowed = None if recipe.targets is None else {t.lower() for t in recipe.targets}
    return sorted({n for n in names if allowed is None or n.lower() in allowed})


def _recipes(firmware: str | None) -> list[Recipe]:
    if firmware:
        return [resolve_recipe(firmware)]
    return [load_recipe(p) for p in sorted(Path("firmware").glob(f"*/{RECIPE_FILE}"))]


def build_command(
    firmware: str | None = typer.Option(None, "--firmware", help="Recipe name or path."),
    target: str | None = typer.Option(
        None, "--target", help="One target: catalog name (NUCLEO_L4R5ZI) or BSP (mps2_an386)."
    ),
    version: str | None = typer.Option(None, "--version", help="One version (default: all)."),
    builder: str | None = typer.Option(
        None, "--builder", help="auto, host, container, podman, docker (default: setting builder)."
    ),
    cache_dir: Path = typer.Option(DEFAULT_CACHE, "--cache-dir", help="Build cache root."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list of the builds."),
    model: Path | None = typer.Option(
        None, "--model", help="A .tflite to compile into firmware that embeds the model."
    ),
) -> None:
    """Build every firmware version for every catalog MCU target and twin (or a selection)."""
    from farm.settings import resolve_settings

    settings = resolve_settings({"builder": builder}).values
    rows = []
    recipes = _recipes(firmware)
    if not recipes:
        raise OptionError("firmware: no recipes under ./firmware; run from the repository root")
    embedded = _embedded(model) if model is not None else None
    for recipe in recipes:
        if recipe.model_in_image and embedded is None:
            typer.echo(f"{recipe.name}: compiles the model in; skipped (pass --model)", err=True)
            continue
        bsps = [recipe.target_name(target)] if target else _bsps_for(recipe)
        versions = [version] if version else list(recipe.versions)
        for ver in versions:
            for bsp in bsps:
                art = build_firmware(
                    recipe.path,
                    ver,
                    bsp,
                    cache_dir=cache_dir,
                    builder=settings.builder,
                    rootfs_dir=settings.rootfs_dir,
                    model=embedded,
                )
                row = {
                    "firmware": art.firmware,
                    "version": art.version,
                    "target": art.bsp,
                    "cache": art.cache,
                    "seconds": round(art.seconds, 3),
                    "builder": art.builder,
                    "flash_bytes": art.flash_bytes,
                    "ram_bytes": art.ram_bytes,
                    "stack": art.memory.get("stack"),
                    "elf": str(art.elf),
                    "model": art.model_name,
                }
                rows.append(row)
                if not as_json:
                    stack = art.memory.get("stack")
                    depth = f"stack={stack['worst_bytes']}/{stack['limit_bytes']} " if stack else ""
                    typer.echo(
                        f"{art.firmware}@{art.version} {art.bsp:16s} {art.cache:4s} "
                        f"{art.seconds:6.2f}s {art.builder:6s} flash={art.flash_bytes} "
                        f"ram={art.ram_bytes} {depth}{art.elf}"
                    )
    if as_json:
        typer.echo(json.dumps(rows, indent=2))


def _embedded(path: Path) -> EmbeddedModel:
    """The model to compile in: the .tflite and the farm's blob of it."""
    import hashlib

    from farm.compiler.model_compiler import compile_model

    if not path.is_file():
        raise OptionError(f"option '--model': '{path}' is not a file; give a .tflite model")
    blob = compile_model(path).blob
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    return EmbeddedModel(path.stem, path.resolve(), sha, blob)


def register(app: typer.Typer) -> None:
    """Add ``farm build`` to the root app."""
    app.command("build")(build_command)
