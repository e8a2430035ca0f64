"""The `farm` command. Each area adds its own commands through a `register(app)` function,
so a new area never edits the others (STYLE.md, section 5)."""

from __future__ import annotations

import importlib
import sys

import typer

from farm import __version__
from farm.errors import ConfigError, FarmError

# Area modules, each exposing `register(app: typer.Typer) -> None`.
AREAS = (
    "farm.lab_cli",  # inventory, matrix, leases, config
    "farm.compiler.cli",  # model inspect / compile / check
    "farm.firmware_cli",  # build
    "farm.powermon.cli",  # power probe / capture / emulate
    "farm.results.cli",  # report, push, trends
    "farm.linux_cli",  # linux hostkey / check / twin
    "farm.virtual.twin_cli",  # twin serve
    "farm.fleet.cli",  # fleet run / deploy / status (Prefect imported only when used)
)

app = typer.Typer(
    name="farm",
    help="joulefarm: measure energy, latency and memory of ML models on a lab of boards.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"joulefarm {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """joulefarm command line."""


for _module in AREAS:
    importlib.import_module(_module).register(app)


def main() -> None:
    """Console-script entry: bad input exits 2 with a one-line message, never a traceback."""
    try:
        app()
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except FarmError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
