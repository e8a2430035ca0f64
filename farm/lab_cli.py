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
    from farm.inventory import load_inventory

    path = path or resolve_settings().values.inventory
    inventory = load_inventory(path)
    kinds = Counter(b.backend.value for b in inventory.boards)
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


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root `farm` app."""
    app.add_typer(inventory_app, name="inventory")
    app.command("config")(config_command)
