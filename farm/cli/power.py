"""``farm power kinds | probe | capture | emulate``."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from farm.did_you_mean import did_you_mean
from farm.errors import OptionError

if TYPE_CHECKING:
    from farm.inventory import BoardConfig
    from farm.powermon.protocols import AcquisitionSettings, PowerMonitor

power_app = typer.Typer(help="Power monitors: identify, capture raw traces, run an emulator.")


def _check_device(device: str) -> None:
    """``--device``: a registered type with a driver on the lab PC."""
    from farm.powermon.registry import driven_kinds

    kinds = driven_kinds()
    if device not in kinds:
        raise OptionError(
            f"option --device '{device}': unknown; one of {', '.join(kinds)}"
            + did_you_mean(device, kinds)
        )


@power_app.command("kinds")
def kinds_command() -> None:
    """Registered power monitor types (ours and installed plugins) and how each is read."""
    from farm.powermon.registry import get_powermon, powermon_kinds

    for kind in powermon_kinds():
        entry = get_powermon(kind)
        keys = ", ".join(k for k in entry.section.model_fields) or "-"
        typer.echo(f"{kind}: {entry.reading.value} ({entry.section.__module__}); keys: {keys}")


@power_app.command("probe")
def probe_command(
    port: str | None = typer.Argument(None, help="Port or pyserial URL; none: search by VID/PID."),
    device: str | None = typer.Option(
        None, help="Monitor type with a driver ('farm power kinds'; default: ask it)."
    ),
) -> None:
    """Identify a monitor and print its version and settings."""
    from farm.powermon.probe import discover, probe

    if device is not None:
        _check_device(device)
    targets = [(port, device)] if port else [(p, k) for p, k in discover()]
    if not targets:
        typer.echo("no power monitor found (no serial port that a registered type recognises)")
        raise typer.Exit(1)
    for target, kind in targets:
        info = probe(target, kind)
        typer.echo(f"{info['port']}: {info['device']} id {info['id']}")
        for key in ("version", "voltage", "status", "temp_degc"):
            typer.echo(f"  {key}: {info.get(key, '')}")


def _monitor_for(
    board: str | None,
    inventory: Path | None,
    port: str | None,
    device: str | None,
    cleanup: contextlib.ExitStack,
) -> tuple[PowerMonitor, AcquisitionSettings]:
    """Driver and settings of ``--port``/``--device`` or of ``--board`` in the inventory.

    A virtual board with no monitor port gets its emulator started here (stopped by
    ``cleanup``), streaming the catalog's idle current, so the command works on the virtual lab.
    """
    from farm.powermon.from_inventory import is_virtual_board, monitor_for_board
    from farm.powermon.protocols import AcquisitionSettings
    from farm.powermon.registry import create_powermon, driven_kinds

    if port is not None:
        if device is None:
            raise OptionError(
                f"option --device: needed with --port; one of {', '.join(driven_kinds())}"
            )
        _check_device(device)
        return create_powermon(device, port, {"port": port}), AcquisitionSettings()
    if board is None:
        raise OptionError("option --board: missing; give a board id (or --port and --device)")
    from farm.inventory_loader import load_inventory
    from farm.settings import resolve_settings

    path = inventory or resolve_settings().values.inventory
    try:
        entry = load_inventory(path).board(board)
    except KeyError as exc:
        raise OptionError(f"option --board '{board}': not in {path}") from exc
    if is_virtual_board(entry) and entry.power_monitor.port is None:
        return _emulated_monitor(entry, cleanup)
    return monitor_for_board(entry)


def _emulated_monitor(
    entry: BoardConfig, cleanup: contextlib.ExitStack
) -> tuple[PowerMonitor, AcquisitionSettings]:
    from farm.catalog import Catalog
    from farm.powermon.activity import ConstantSource
    from farm.powermon.from_inventory import emulated_monitor_for_board

    idle_ua = Catalog.load().get(entry.target).idle_current_ua or 0.0
    monitor, settings, handle = emulated_monitor_for_board(entry, ConstantSource(idle_ua * 1e-6))
    cleanup.callback(handle.stop)
    typer.echo(
        f"board {entry.id} is virtual: emulated {handle.device} on {handle.port}, "
        f"streaming the catalog idle current {idle_ua:g} uA"
    )
    return monitor, settings


@power_app.command("capture")
def capture_command(
    seconds: float = typer.Option(..., min=0.001, max=100, help="Acquisition time."),
    out: Path = typer.Option(..., help="Parquet file to write."),
    board: str | None = typer.Option(None, help="Board id in the inventory."),
    inventory: Path | None = typer.Option(None, help="Inventory file (default from settings)."),
    port: str | None = typer.Option(None, help="Port, instead of --board."),
    device: str | None = typer.Option(None, help="Monitor type with a driver, with --port."),
    rate: int | None = typer.Option(None, help="Sample rate in Hz (default from the inventory)."),
) -> None:
    """Capture a raw trace with a software trigger and print a summary.

    A virtual board (tag ``virtual`` or backend ``qemu``) with no monitor port is measured
    through its emulator, started for the capture with the catalog's idle current.
    """
    from farm.powermon.protocols import TriggerSource
    from farm.powermon.trace_store import save_trace

    with contextlib.ExitStack() as cleanup:
        monitor, settings = _monitor_for(board, inventory, port, device, cleanup)
        updates: dict[str, object] = {
            "acquisition_time_s": seconds,
            "trigger": TriggerSource.SOFTWARE,
        }
        if rate is not None:
            updates["sample_rate_hz"] = rate
        settings = settings.model_copy(update=updates)
        with monitor, monitor.capture_session(settings, timeout_s=seconds * 2 + 10) as cap:
            pass
    trace = cap.trace
    save_trace(trace, out)
    samples = trace.samples
    mean_a = float(samples.mean()) if len(samples) else 0.0
    typer.echo(f"{len(samples)} samples at {trace.sample_rate_hz:g} Hz -> {out}")
    typer.echo(f"mean current {mean_a * 1e3:.4f} mA, mean power {mean_a * trace.voltage_mv:.4f} mW")
    energy_mj = mean_a * trace.voltage_mv * trace.duration_s
    typer.echo(f"energy {energy_mj:.4f} mJ over {trace.duration_s:g} s at {trace.voltage_mv:g} mV")


@power_app.command("emulate")
def emulate_command(
    device: str = typer.Option(..., help="Monitor type the emulator speaks ('farm power kinds')."),
    current_ma: float = typer.Option(10.0, min=0, help="Constant current the emulator streams."),
    realtime: bool = typer.Option(True, help="Pace the stream at the sample rate."),
    recalibration_s: float = typer.Option(
        0.3, min=0, max=0.9, help="Delay of the 'volt' ack (ST's client reads it within 1 s)."
    ),
    trigger_after: float | None = typer.Option(
        None,
        min=0,
        help="Fire the TGI (D7) edge SECONDS after a hardware-trigger 'start' arms it.",
        metavar="SECONDS",
    ),
) -> None:
    """Run an emulator; prints its pty path first, serves until SIGINT/SIGTERM.

    With ``--trigger-after`` a third-party client (ST's capture scripts) can run a
    hardware-trigger capture: the edge stands in for the DUT's pin.
    """
    from farm.powermon.activity import ConstantSource
    from farm.powermon.emulator import TRAITS, start_emulator

    if device not in TRAITS:
        raise OptionError(
            f"option --device '{device}': unknown; one of {', '.join(TRAITS)}"
            + did_you_mean(device, TRAITS)
        )
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    handle = start_emulator(
        device,  # type: ignore[arg-type]
        ConstantSource(current_ma / 1000.0),
        realtime=realtime,
        recalibration_s=recalibration_s,
        trigger_after_s=trigger_after,
    )
    sys.stdout.write(handle.port + "\n")
    sys.stdout.flush()
    try:
        while not done.wait(0.2) and handle.alive:
            pass
    finally:
        handle.stop()


@power_app.command("target")
def target_command(
    action: str = typer.Argument(..., help="on, off or cycle (off, pause, on)."),
    board: str = typer.Option(..., help="Board id in the inventory."),
    inventory: Path | None = typer.Option(None, help="Inventory file (default from settings)."),
    off_s: float = typer.Option(1.0, min=0, max=60, help="Pause of 'cycle' with power off."),
) -> None:
    """Switch a board's supply through its power monitor (``supplies_target``).

    Usable as the board's power-cycle hook: ``hooks.power_cycle: farm power target cycle
    --board <id>``.
    """
    import time

    from farm.inventory_loader import load_inventory
    from farm.powermon.target_power import switch_target_power
    from farm.settings import resolve_settings

    if action not in ("on", "off", "cycle"):
        raise OptionError(f"argument ACTION '{action}': unknown; one of on, off, cycle")
    path = inventory or resolve_settings().values.inventory
    try:
        entry = load_inventory(path).board(board)
    except KeyError as exc:
        raise OptionError(f"option --board '{board}': not in {path}") from exc
    if action in ("off", "cycle"):
        switch_target_power(entry, on=False)
        typer.echo(f"board {board}: target power off")
    if action == "cycle":
        time.sleep(off_s)
    if action in ("on", "cycle"):
        switch_target_power(entry, on=True)
        typer.echo(f"board {board}: target power on")


def register(app: typer.Typer) -> None:
    """Add the ``power`` sub-app to the root ``farm`` app."""
    app.add_typer(power_app, name="power")
