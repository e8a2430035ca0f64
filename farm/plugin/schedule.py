"""xdist wiring of :mod:`farm.schedule`: ``-n auto`` follows the boards; a pool-aware scheduler.

* ``pytest_xdist_auto_num_workers``: workers for the boards the selected matrix uses.
* ``pytest_xdist_make_scheduler`` (``--dist load``, the default of ``-n``):
  :class:`PoolScheduling`. Workers collect; the first one writes the plan (node id -> pool,
  estimated seconds) to ``<run_dir>/schedule.json`` before it reports its collection, and the
  controller hands out tests one at a time from a :class:`~farm.schedule.PoolQueue`. A
  collection without board tests (the project's own tests) is scheduled by xdist's
  ``LoadScheduling`` unchanged.

An xdist worker runs a test only once it holds the next one (pytest needs ``nextitem`` for
teardown), so each worker has one running and one queued test; the queued one is chosen from
the running one's pool while that pool has work, so the worker keeps its board.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import pytest

from farm.errors import FarmError
from farm.plugin.item_state import state_of
from farm.schedule import auto_workers, estimate_s
from farm.settings import FarmSettings

log = logging.getLogger(__name__)

PLAN_FILE = "schedule.json"
WORKERINPUT_PLAN = "farm_schedule_plan"


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """One worker per board the selected matrix uses (host-CPU boards up to the cores)."""
    from farm.catalog import Catalog
    from farm.discovery import discover_firmware, discover_models
    from farm.inventory_loader import load_inventory
    from farm.matrix import expand
    from farm.plugin.options import parse_options
    from farm.settings import resolve_settings

    try:
        options = parse_options(config)
        values = resolve_settings(options.settings_overrides).values
        catalog = Catalog.load()
        inventory = load_inventory(values.inventory, catalog)
        if values.fleet_host is not None:  # a fleet shard uses only its PC's boards
            inventory = inventory.on_host(values.fleet_host)
        matrix = expand(
            inventory,
            catalog,
            discover_models(values.models_dir),
            discover_firmware(values.firmware_dir),
            options.selection,
        )
    except (FarmError, OSError, pytest.UsageError) as exc:
        # The same error stops the run at configure time, with its full message.
        log.debug("-n auto: no farm matrix (%s); xdist's default applies", exc)
        return None
    # Pools with a test item; a matrix without models or firmware still has tests that take
    # only a pool (``board_pool`` alone), so then every selected pool counts.
    pools = {item.pool.id: item.pool for item in matrix.collected}
    if not matrix.items:
        pools = {pool.id: pool for pool in matrix.pools}
    if not pools:
        return None
    return auto_workers(pools.values(), _cores(), values.max_workers)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """Tell the workers where the plan goes."""
    node.workerinput[WORKERINPUT_PLAN] = str(_plan_path(node.config))


def _plan_path(config: pytest.Config) -> Path:
    """``<reports_dir>/<run_id>/schedule.json`` (the directory is made only when written)."""
    from farm.plugin.session import get_session

    session = get_session(config)
    return session.resolved.values.reports_dir / session.run_id / PLAN_FILE


def _history(run_dir: Path) -> dict[str, float]:
    """Node id -> seconds the test held its board in the previous run (its lease spans, else
    its rows' durations); empty without a previous run."""
    from farm.results.leaselog import read_spans
    from farm.results.merge import load_frame
    from farm.results.rundir import previous_run

    prev = previous_run(run_dir)
    if prev is None:
        return {}
    held: dict[str, float] = {}
    for span in read_spans(prev):
        held[span.test_id] = held.get(span.test_id, 0.0) + span.end_s - span.start_s
    if held:
        return held
    try:
        frame = load_frame(prev, prefer_merged=True)
    except Exception:  # an unreadable old run only costs the estimate its history
        log.exception("cannot read durations of %s; estimating instead", prev)
        return {}
    timed = frame[frame["outcome"].isin(["passed", "failed", "error"])]
    pairs = zip(timed["test_id"], timed["duration_s"], strict=True)
    return {str(t): float(d) for t, d in pairs if d == d}  # d != d: NaN


def _inferences(settings: FarmSettings) -> int:
    """Inferences a HIL test runs: checked inputs, warm-up and the timed windows."""
    return settings.hil_inputs + 2 + settings.hil_windows * settings.hil_timed_inferences


def _board_pool(item: pytest.Item) -> Any:
    """The pool of a test that leases a board, else None."""
    pool = state_of(item).pool
    return pool if "board" in getattr(item, "fixturenames", ()) else None


def plan_items(
    items: list[pytest.Item], history: dict[str, float], settings: FarmSettings
) -> dict[str, Any]:
    """``{"pools": {id: boards}, "items": {nodeid: [pool or None, seconds]}}``."""
    pools: dict[str, int] = {}
    planned: dict[str, list[Any]] = {}
    inferences = _inferences(settings)
    for item in items:
        pool = _board_pool(item)
        if pool is None:
            planned[item.nodeid] = [None, history.get(item.nodeid, 0.1)]
            continue
        pools[pool.id] = len(pool.boards)
        model = state_of(item).model
        macs = model.metadata.get("macs") if model is not None else None
        cost = history.get(item.nodeid) or estimate_s(macs, pool, inferences)
        planned[item.nodeid] = [pool.id, cost]
    return {"pools": pools, "items": planned}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """On the first xdist worker (or a run without xdist): list the boards the tests may lease
    and, under xdist, write the plan, before xdist reports the collection."""
    from farm.plugin.session import get_session
    from farm.results.leaselog import write_boards

    workerinput = getattr(session.config, "workerinput", None)
    if workerinput is not None and workerinput.get("workerid") != "gw0":
        return
    pools = {p.id: p for p in map(_board_pool, session.items) if p is not None}
    if not pools:
        return  # no test leases a board: xdist's load scheduling runs them
    run_dir = get_session(session.config).run_dir
    write_boards(run_dir, [b.id for pool in pools.values() for b in pool.boards])
    path = (workerinput or {}).get(WORKERINPUT_PLAN)
    if path is None:
        return
    from farm.results.writer import atomic_write_bytes

    settings = get_session(session.config).settings.values
    plan = plan_items(session.items, _history(run_dir), settings)
    atomic_write_bytes(Path(path), json.dumps(plan, indent=1).encode("utf-8"))


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """The pool-aware scheduler for ``--dist load``; xdist's own for any other mode."""
    if config.getvalue("dist") != "load":
        return None
    from farm.plugin.pool_scheduling import PoolScheduling

    return PoolScheduling(config, log, _plan_path(config))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """One line: how busy each board was (controller or single process)."""
    from farm.plugin.session import FARM_KEY
    from farm.results.leaselog import board_busy, read_boards, read_spans

    session = config.stash.get(FARM_KEY, None)
    if session is None or session.is_worker:
        return
    run_dir = session.resolved.values.reports_dir / session.run_id
    found = board_busy(read_spans(run_dir), read_boards(run_dir)) if run_dir.is_dir() else None
    wall_s, busy = found or (0.0, [])
    if busy:
        mean = sum(b.fraction for b in busy) / len(busy)
        per_board = ", ".join(f"{b.board_id} {b.fraction:.2f}" for b in busy)
        terminalreporter.write_line(
            f"farm: boards busy {mean:.2f} on average over {wall_s:.0f} s of tests: {per_board}"
        )
