"""`farm twin serve`: one QEMU twin on a pty, for programs that want a serial device."""

from __future__ import annotations

import signal
import sys
import tempfile
import threading
from pathlib import Path

import typer

twin_app = typer.Typer(help="MCU twins (QEMU) outside a test run.", no_args_is_help=True)


@twin_app.command("serve")
def serve_command(
    target: str = typer.Option(..., "--target", help="Catalog target, e.g. NUCLEO_L4R5ZI."),
    firmware: str = typer.Option(
        ..., "--firmware", help="Firmware as name@version, e.g. joulefarm-harness@1.1."
    ),
    model: Path = typer.Option(..., "--model", help="The int8 .tflite model to load."),
    model_id: str | None = typer.Option(
        None,
        "--model-id",
        help="Id profile% reports (MLPerf Tiny: kws01, vww01, ic01, ad01). Default: "
        "models.yaml's model_id, else the file stem.",
    ),
) -> None:
    """Boot one twin with the model loaded; print its pty path first; serve until SIGINT/SIGTERM.

    The pty is the twin's UART at the DUT protocol (specs/dut-protocol.md): open it with any
    serial program. m-lap-us counts the real target's time, as the farm's twin latency does.
    """
    from farm.settings import resolve_settings
    from farm.virtual.twin_serve import start_twin

    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    values = resolve_settings({}).values
    with tempfile.TemporaryDirectory(prefix="farm-twin-") as tmp:
        served = start_twin(
            target,
            firmware,
            model,
            model_id=model_id,
            firmware_dir=values.firmware_dir,
            cache_dir=values.cache_dir,
            workdir=Path(tmp),
        )
        try:
            sys.stdout.write(served.path + "\n")
            sys.stdout.flush()
            typer.echo(served.describe() + "; Ctrl-C or SIGTERM stops it", err=True)
            while not done.wait(0.2):
                served.check()  # EmulatorError (exit 1, QEMU's stderr) if the twin died
        finally:
            served.close()


def register(app: typer.Typer) -> None:
    """Add the ``twin`` sub-app to the root ``farm`` app."""
    app.add_typer(twin_app, name="twin")
