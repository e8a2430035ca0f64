"""`farm inventory check|scan`, `farm matrix`, `farm leases`, `farm config`."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import typer

from farm.settings import resolve_settings

inventory_app = typer.Typer(help="Check the inventory or propose entries for connected boards.")


@inventory_app.command("check")
def inventory_check(
    path: Path | None = typer.Argument(None, help="Inventory file (default: the settings')."),
) -> None:
    """Validate an inventory file: exit 0 when valid, 2 with every problem otherwise."""
    from farm.inventory_loader import load_inventory

    path = path or resolve_settings().values.inventory
    inventory = load_inventory(path)
    kinds = Counter(b.backend for b in inventory.boards)
    disabled = len(inventory.boards) - len(inventory.enabled_boards)
    detail = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    typer.echo(f"{path}: ok, {len(inventory.boards)} boards ({detail}), {disabled} disabled")


@inventory_app.command("scan")
def inventory_scan() -> None:
    """List connected ST-LINK probes and power monitors as ready-to-paste inventory YAML."""
    from farm.lab_scan import render_scan, scan_lab

    typer.echo(render_scan(scan_lab()))


def config_command(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Print the effective settings and where each value came from."""
    resolved = resolve_settings()
    if as_json:
        rows = [{"name": n, "value": v, "source": s} for n, v, s in resolved.rows()]
        typer.echo(json.dumps(rows, indent=2))
        return
    width = max(len(n) for n, _, _ in resolved.rows())
    for name, value, source in resolved.rows():
        typer.echo(f"{name:<{width}}  {value}  ({source})")


def matrix_command(
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list."),
    inventory: Path | None = typer.Option(None, "--inventory", help="Inventory file."),
    models: str | None = typer.Option(None, "--models", help="Comma list of model globs."),
    boards: str | None = typer.Option(None, "--boards", help="Comma list of board/pool globs."),
    targets: str | None = typer.Option(None, "--targets", help="Comma list of target globs."),
    firmware: str | None = typer.Option(None, "--firmware", help="Comma list of firmware globs."),
    models_dir: str | None = typer.Option(
        None, "--models-dir", help="Folder of model files or s3://bucket/prefix."
    ),
) -> None:
    """List every matrix item (model x board pool x firmware) with run, skip or n/a and why.

    ``n/a`` items can never run (pytest does not collect them); ``skip`` items are collected
    and reported as skipped.
    """
    from farm.catalog import Catalog
    from farm.discovery import discover_firmware
    from farm.inventory_loader import load_inventory
    from farm.matrix import Selection, expand
    from farm.model_store import find_models

    values = resolve_settings({"inventory": inventory, "models_dir": models_dir}).values
    catalog = Catalog.load()
    found = find_models(values.models_dir, values.cache_dir.resolve())
    if not as_json:
        typer.echo(found.summary())
    matrix = expand(
        load_inventory(values.inventory, catalog),
        catalog,
        found.models,
        discover_firmware(values.firmware_dir),
        Selection.parse(models, boards, targets, firmware),
    )
    records = [item.as_json() for item in matrix.items]
    if as_json:
        typer.echo(json.dumps(records, indent=2))
        return
    if not records:
        typer.echo(
            f"empty matrix: {len(matrix.models)} models, {len(matrix.pools)} board pools, "
            f"{len(matrix.firmware)} firmware versions"
        )
        return
    width = max(len(r["id"]) for r in records)
    for r in records:
        typer.echo(f"{r['id']:<{width}}  {r['status']:<4}  {r['reason']}".rstrip())
    counts = Counter(str(r["status"]) for r in records)
    typer.echo(
        f"{len(records)} items: {counts['run']} run, {counts['skip']} skip, {counts['n/a']} n/a"
    )


def leases_command() -> None:
    """Show who holds which board right now."""
    from farm.lease import LeaseManager

    lock_dir = resolve_settings().values.lock_dir
    held = LeaseManager(lock_dir).holders()
    if not held:
        typer.echo(f"no leases held ({lock_dir})")
        return
    for board_id, holder, alive in held:
        state = {True: "", False: "  [stale: holder is dead, next lease reclaims it]", None: ""}
        typer.echo(f"{board_id}: {holder.describe()}{state[alive]}")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root `farm` app."""
    app.add_typer(inventory_app, name="inventory")
    app.command("config")(config_command)
    app.command("matrix")(matrix_command)
    app.command("leases")(leases_command)
