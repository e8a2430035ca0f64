"""`farm linux hostkey|check|twin`: set up and verify Linux boards reached over SSH."""

from __future__ import annotations

import time
from pathlib import Path

import typer

linux_app = typer.Typer(help="Linux boards over SSH: pin host keys, check boards, run twins.")


@linux_app.command("hostkey")
def hostkey_command(
    host: str = typer.Argument(..., help="Board address."),
    port: int = typer.Option(22, "--port", help="SSH port."),
) -> None:
    """Print the host key a board offers (key exchange only: no login, no command)."""
    import asyncio

    import asyncssh

    from farm.errors import SshError

    async def fetch() -> asyncssh.SSHKey | None:
        probe = asyncssh.get_server_host_key(host, port, config=None)
        return await asyncio.wait_for(probe, 15.0)

    try:
        key = asyncio.run(fetch())
    except (OSError, asyncssh.Error, TimeoutError) as exc:
        raise SshError(f"host '{host}:{port}': cannot read its SSH host key: {exc}") from exc
    if key is None:
        raise SshError(f"host '{host}:{port}': offered no host key")
    line = " ".join(key.export_public_key("openssh").decode().split()[:2])
    typer.echo(f"# {key.get_algorithm()} {key.get_fingerprint()} offered by {host}:{port}")
    typer.echo("# compare with `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` ON the board")
    typer.echo(f'known_host_key: "{line}"')


@linux_app.command("check")
def check_command(
    board_id: str = typer.Argument(..., help="Board id in the inventory."),
    inventory: Path | None = typer.Option(None, "--inventory", help="Inventory file."),
) -> None:
    """Connect to a Linux board (host key checked), list its runtimes and power rails."""
    import tempfile

    from farm.catalog import Catalog
    from farm.devices.linux import LinuxBoard
    from farm.devices.registry import get_backend
    from farm.errors import OptionError
    from farm.inventory_loader import load_inventory
    from farm.powermon.registry import Reading
    from farm.settings import resolve_settings
    from farm.virtual.boards import open_lab_board

    values = resolve_settings({"inventory": inventory}).values
    catalog = Catalog.load()
    inv = load_inventory(values.inventory, catalog)
    try:
        config = inv.board(board_id)
    except KeyError as exc:
        linux = [b.id for b in inv.boards if get_backend(b.backend).spec.target_kind == "linux"]
        known = ", ".join(linux) or "none"
        raise OptionError(f"board '{board_id}': not in {values.inventory}; Linux boards: {known}",
                          field="board_id") from exc  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        device = open_lab_board(config, catalog.get(config.target), workdir=Path(tmp),
                                log_path=Path(tmp) / "check.log",
                                state_dir=values.state_dir)  # fmt: skip
        if not isinstance(device, LinuxBoard):
            raise OptionError(f"board '{board_id}': backend {config.backend} drives no Linux board",
                              field="board_id")  # fmt: skip
        with device:
            typer.echo(f"{board_id}: connected ({'virtual twin' if device.virtual else 'ssh'})")
            for name, version in device.runtimes().items():
                typer.echo(f"  runtime {name} {version}")
            if device.power.reading is Reading.ON_BOARD:  # the board's own sensor
                rails = device.power_rails()
                for label, files in rails.items():
                    typer.echo(f"  rail {label}: {' '.join(files)}")
                if device.power.rail not in rails:
                    typer.echo(f"  WARNING: power_monitor.rail {device.power.rail} not found")
            else:
                typer.echo(f"  power monitor: {device.power.type}")


@linux_app.command("twin")
def twin_command(
    name: str = typer.Argument(..., help="Board id of the twin."),
    target: str = typer.Option("JETSON_ORIN_NANO", "--target", help="Catalog target."),
    power: str = typer.Option("ina3221", "--power", help="ina3221, external or none."),
    directory: Path = typer.Option(Path(".farm/twins"), "--dir", help="Parent of the sandbox."),
) -> None:
    """Run a virtual Linux board until Ctrl-C and print its inventory entry."""
    from farm.virtual.linux_twin import start_linux_twin

    twin = start_linux_twin(name, target, power, directory / name)
    typer.echo(f"- id: {name}\n  target: {target}\n  backend: ssh\n  ssh:")
    typer.echo(f"    host: {twin.host}\n    port: {twin.port}\n    user: farm")
    typer.echo(f'    key: {twin.client_key_path}\n    known_host_key: "{twin.host_key_line}"')
    if twin.sysfs_root is not None:
        typer.echo(f"    sysfs_root: {twin.sysfs_root}")
    typer.echo(f"  power_monitor:\n    type: {power if twin.rail else 'none'}")
    if twin.power_command:
        typer.echo(f'    command: "{twin.power_command}"')
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        twin.stop()


def register(app: typer.Typer) -> None:
    """Add the ``linux`` sub-app to the root ``farm`` app."""
    app.add_typer(linux_app, name="linux")
