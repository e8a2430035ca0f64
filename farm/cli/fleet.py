"""``farm fleet run | deploy | status``: the fleet commands (need the ``fleet`` extra)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer

from farm.errors import OptionError

fleet_app = typer.Typer(help="Run one matrix over the boards of several lab PCs (Prefect 3).")


def _project() -> tuple[Path, object]:
    from farm.fleet import require_prefect
    from farm.fleet.credentials import load_credentials
    from farm.settings import resolve_settings

    resolved = resolve_settings()
    load_credentials(resolved.root)
    require_prefect()
    return resolved.root, resolved.values


@fleet_app.command(
    "run", context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
)
def run_cmd(
    ctx: typer.Context,
    models: str | None = typer.Option(None, "--models", help="model globs (comma list)"),
    boards: str | None = typer.Option(None, "--boards", help="board or pool globs"),
    targets: str | None = typer.Option(None, "--targets", help="target globs"),
    firmware: str | None = typer.Option(None, "--firmware", help="firmware globs"),
    resume: str | None = typer.Option(
        None, "--resume", metavar="RUN_ID", help="run only the tests of RUN_ID that have no row yet"
    ),
    timeout_s: float = typer.Option(6 * 3600.0, "--timeout", help="seconds to wait for shards"),
    node_lost_after_s: float = typer.Option(
        30.0, "--node-lost-after", help="seconds without a worker heartbeat before a PC is lost"
    ),
) -> None:
    """Plan, dispatch one shard per lab PC, wait, merge; last line: the report path.

    Extra arguments are pytest options for every shard (allow-listed: -k, -m, -x, --maxfail,
    -n, --timeout, --farm-lease-timeout, ...).
    """
    from farm.fleet.dispatch import FleetOptions, host_counts, run_fleet
    from farm.results.exitcodes import run_exit_code
    from farm.results.store import open_store
    from farm.store_config import load_store_config

    project, values = _project()
    opts = FleetOptions(
        project=project, inventory=values.inventory, reports_dir=values.reports_dir,  # type: ignore[attr-defined]
        selection={"models": models, "boards": boards, "targets": targets, "firmware": firmware},
        pytest_options=tuple(a for a in ctx.args if a != "--"),
        timeout_s=timeout_s, node_lost_after_s=node_lost_after_s, resume=resume,
    )  # fmt: skip
    start = time.monotonic()

    def say(text: str) -> None:
        typer.echo(f"[{time.monotonic() - start:6.1f} s] {text}")

    try:
        result = run_fleet(open_store(load_store_config()), opts, say)
    except ValueError as exc:
        raise OptionError(str(exc)) from exc
    for host, counts in sorted(host_counts(result).items()):
        typer.echo(f"fleet: {host}: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    typer.echo(f"fleet: firmware compiled per host: {json.dumps(result.builds, sort_keys=True)}")
    entries = {h: r.get("cache_entries") for h, r in result.shard_results.items() if r}
    typer.echo(f"fleet: build-cache entries per host after the run: {json.dumps(entries)}")
    for reason in sorted(result.lost.values()):
        typer.echo(f"fleet: {reason}; resume with: farm fleet run --resume {result.run_id}")
    assert result.summary is not None
    typer.echo(f"farm: report {result.summary.index_html}")
    typer.echo(str(result.summary.index_html))
    code = run_exit_code(0, result.summary.outcomes)
    raise typer.Exit(int(code))


@fleet_app.command("deploy")
def deploy_cmd() -> None:
    """Create the work pool, a queue per lab PC, shared-board limits and the deployment."""
    from farm.fleet.deploy import deploy
    from farm.inventory_loader import load_inventory

    _project_root, values = _project()
    result = deploy(load_inventory(values.inventory))  # type: ignore[attr-defined]
    typer.echo(f"fleet: work pool {result.pool}, queues {', '.join(result.queues)}")
    typer.echo(f"fleet: board limits {', '.join(result.limits) or '(no shared boards)'}")
    typer.echo(f"fleet: deployment run-shard/shard {result.deployment_id}")


@fleet_app.command("status")
def status_cmd(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Workers, queues, shared-board limits and running shards."""
    from dataclasses import asdict

    from farm.fleet.status import fleet_status

    _project()
    status = fleet_status()
    if as_json:
        typer.echo(json.dumps(asdict(status), indent=1))
        return
    for w in status.workers:
        typer.echo(f"worker {w['name']:<16} {w['status']:<8} last heartbeat {w['last_heartbeat']}")
    for q in status.queues:
        typer.echo(f"queue  {q['name']:<16} {'paused' if q['paused'] else 'ready'}")
    for lim in status.limits:
        typer.echo(f"limit  {lim['name']:<28} {lim['active_slots']}/{lim['limit']} in use")
    for s in status.shards:
        typer.echo(f"shard  {s['name']:<32} {s['queue']:<8} {s['state']}")


def register(app: typer.Typer) -> None:
    """Add ``farm fleet`` to the ``farm`` command."""
    app.add_typer(fleet_app, name="fleet")
