"""The `farm` command: this root app plus one module per area in this package (lab, compiler,
firmware, power, results, linux, twin, fleet). Each area adds its own commands through a
`register(app)` function, so a new area never edits the others (STYLE.md, section 5). Nothing
below the CLIs imports from this package (the layer rule)."""

from __future__ import annotations

import importlib
import sys

import typer

from farm import __version__
from farm.errors import ConfigError, FarmError

# Area modules, each exposing `register(app: typer.Typer) -> None`.
AREAS = (
    "farm.cli.lab",  # inventory, matrix, leases, config
    "farm.cli.compiler",  # model inspect / compile / check
    "farm.cli.firmware",  # build
    "farm.cli.power",  # power probe / capture / emulate / target
    "farm.cli.results",  # report, push, trends
    "farm.cli.linux",  # linux hostkey / check / twin
    "farm.cli.twin",  # twin serve
    "farm.cli.fleet",  # fleet run / deploy / status (Prefect imported only when used)
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
