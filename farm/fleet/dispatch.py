"""``farm fleet run``: plan, submit one shard per lab PC, wait, merge into one run and report.

Waiting ends for a PC when its flow run is final, or when the PC is *lost*: its worker stopped
heart-beating (named after the PC: ``prefect worker start --name pc-b``) or the overall timeout
passed. A lost PC's flow run is cancelled and its unfinished tests become "node lost" errors;
``--resume RUN_ID`` later runs only the tests that have no row in the store.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from farm.fleet.build_store import builds_by_host
from farm.fleet.control import ShardRun, cancel, live_workers, states, submit
from farm.fleet.keys import items_key, shard_key
from farm.fleet.merge import download_run, fill_gaps, has_row, stored_test_keys
from farm.fleet.plan import PlannedTest, assign, by_host, collect_all, fleet_hosts
from farm.fleet.request import ShardRequest, check_pytest_options
from farm.inventory_loader import load_inventory
from farm.matrix import Selection
from farm.results.finish import RunSummary, finish_run
from farm.results.rundir import new_run_id
from farm.results.store import RunStore

log = logging.getLogger(__name__)

POLL_S = 2.0


@dataclass
class FleetRun:
    """What ``farm fleet run`` did."""

    run_id: str
    run_dir: Path
    planned: int
    submitted: dict[str, int]
    lost: dict[str, str] = field(default_factory=dict)
    node_lost_rows: int = 0
    shard_results: dict[str, Any] = field(default_factory=dict)
    builds: dict[str, int] = field(default_factory=dict)
    summary: RunSummary | None = None


@dataclass(frozen=True)
class FleetOptions:
    """Dispatcher settings."""

    project: Path
    inventory: Path
    reports_dir: Path
    selection: dict[str, str | None]
    pytest_options: tuple[str, ...] = ()
    timeout_s: float = 6 * 3600.0
    node_lost_after_s: float = 30.0
    resume: str | None = None


def _wait(
    runs: list[ShardRun], opts: FleetOptions, say: Callable[[str], None]
) -> tuple[dict[str, str], dict[str, tuple[str, bool, str]]]:
    """Poll until every shard is final or lost; returns (lost host -> reason, last states)."""
    deadline = time.monotonic() + opts.timeout_s
    lost: dict[str, str] = {}
    last: dict[str, tuple[str, bool, str]] = {}
    seen_alive: set[str] = set()
    while True:
        pending = [r for r in runs if r.host not in lost]
        for host, state in states(pending).items():
            if state[1] and not last.get(host, ("", False, ""))[1]:
                say(f"fleet: {host}: shard {state[0].lower()}")
            last[host] = state
        open_runs = [r for r in pending if not last[r.host][1]]
        if not open_runs:
            break
        workers = live_workers(opts.node_lost_after_s)
        for run in open_runs:
            if workers.get(run.host):
                seen_alive.add(run.host)
            elif run.host in workers or run.host in seen_alive:
                lost[run.host] = f"node lost: {run.host}"
                say(f"fleet: {run.host}: worker stopped heart-beating; node lost")
        if time.monotonic() > deadline:
            for run in open_runs:
                lost.setdefault(run.host, f"node lost: {run.host} (timeout {opts.timeout_s:.0f} s)")
            break
        time.sleep(POLL_S)
    for run in runs:
        if run.host in lost:
            try:
                cancel(run, lost[run.host])
            except Exception as exc:  # the server may not know the run any more: report anyway
                log.warning("fleet: cannot cancel the flow run of %s: %s", run.host, exc)
        elif last[run.host][0] != "Completed":
            name, _final, message = last[run.host]
            lost[run.host] = f"shard on {run.host} {name.lower()}: {_last_line(message)}"
    return lost, last


def _last_line(message: str) -> str:
    lines = [line for line in message.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no message"


def plan(opts: FleetOptions) -> list[PlannedTest]:
    """Every matrix test of the fleet and its PC."""
    inventory = load_inventory(opts.inventory)
    hosts = fleet_hosts(inventory)
    args = [f"--farm-{k}={v}" for k, v in opts.selection.items() if v]
    args += [f"--farm-inventory={opts.inventory}", *opts.pytest_options]
    return assign(collect_all(opts.project, hosts, args))


def run_fleet(store: RunStore, opts: FleetOptions, say: Callable[[str], None]) -> FleetRun:
    """Plan, dispatch, wait and merge one fleet run (or resume one)."""
    check_pytest_options(opts.pytest_options)
    Selection.parse(**opts.selection)  # bad globs fail here, before any PC is asked
    run_id = opts.resume or new_run_id()
    started = datetime.now(UTC)
    planned = plan(opts)
    inventory_sha256 = hashlib.sha256(opts.inventory.read_bytes()).hexdigest()
    done = stored_test_keys(store, run_id) if opts.resume else set()
    todo = [t for t in planned if not has_row(t.test_id, done)]
    say(f"fleet: run {run_id}: {len(planned)} tests, {len(todo)} to run")
    runs = []
    for host, tests in sorted(by_host(todo).items()):
        store.put_bytes(items_key(run_id, host), json.dumps([t.test_id for t in tests]).encode())
        request = ShardRequest(run_id=run_id, host=host, pytest_options=opts.pytest_options,
                               inventory_sha256=inventory_sha256, **opts.selection)  # fmt: skip
        params = request.model_dump(mode="json")
        params["pytest_options"] = list(request.pytest_options)
        runs.append(submit(host, params, run_id))
        say(f"fleet: {host}: {len(tests)} tests")
    lost, _last = _wait(runs, opts, say) if runs else ({}, {})
    result = FleetRun(run_id, opts.reports_dir / run_id, len(planned),
                      {h: len(t) for h, t in by_host(todo).items()}, lost)  # fmt: skip
    result.run_dir.mkdir(parents=True, exist_ok=True)
    n = download_run(store, run_id, result.run_dir)
    say(f"fleet: {n} objects downloaded from {store.name}; merging")
    result.node_lost_rows = fill_gaps(run_id, result.run_dir, planned, lost)
    for host in by_host(planned):
        raw = store.get_bytes(shard_key(run_id, host))
        result.shard_results[host] = json.loads(raw) if raw else None
    result.builds = builds_by_host(store, run_id)
    info = {"run_id": run_id, "started_at": started.isoformat(),
            "finished_at": datetime.now(UTC).isoformat(), "host": "fleet",
            "fleet": {"hosts": sorted(by_host(planned)), "lost": lost,
                      "builds_compiled": result.builds},
            "inventory": str(opts.inventory), "options": list(opts.pytest_options)}  # fmt: skip
    result.summary = finish_run(result.run_dir, info)
    return result


def fleet_outcomes(result: FleetRun) -> dict[str, int]:
    """Outcome counts of the merged run."""
    return dict(result.summary.outcomes) if result.summary else {}


def host_counts(result: FleetRun) -> dict[str, dict[str, int]]:
    """host -> outcome -> rows, from the merged frame."""
    if result.summary is None:
        return {}
    frame = result.summary.merged.frame
    out: dict[str, dict[str, int]] = {}
    for (host, outcome), n in frame.groupby(["host", "outcome"], dropna=False).size().items():
        out.setdefault(str(host), {})[str(outcome)] = int(n)
    return out
