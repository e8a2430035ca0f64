"""Which lab PC runs which test: collect per PC, then give every test to exactly one PC.

A test collected on one PC runs there. A test several PCs can run (a pool of boards they share,
such as a Jetson reachable over SSH from two PCs) goes to the PC with the fewest tests to run so
far (tests collected as skipped weigh nothing), so shared boards spread over the PCs and the
fleet lease keeps them from colliding.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from farm.errors import InventoryError, OptionError
from farm.fleet import HOST_ENV
from farm.inventory import Inventory


@dataclass(frozen=True)
class PlannedTest:
    """One matrix test and the PC that runs it."""

    test_id: str
    host: str
    info: dict[str, Any]


def fleet_hosts(inventory: Inventory) -> list[str]:
    """Lab PCs named by the enabled boards; every enabled board must name one."""
    missing = [b.id for b in inventory.enabled_boards if not b.hosts]
    if missing:
        raise InventoryError(
            f"inventory '{inventory.path}': board(s) {', '.join(missing)} have no 'host'; a fleet "
            "run needs the lab PC of every enabled board (host: pc-a)"
        )
    return sorted({h for b in inventory.enabled_boards for h in b.hosts})


def collect(
    project: Path, host: str, pytest_args: Sequence[str], env: Mapping[str, str]
) -> list[dict[str, Any]]:
    """The matrix tests ``host`` would run (``pytest --collect-only`` in a subprocess)."""
    with tempfile.TemporaryDirectory(prefix="farm-collect-") as tmp:
        out = Path(tmp) / "items.json"
        cmd = [sys.executable, "-m", "pytest", "tests", "--collect-only", "-q",
               "-p", "no:cacheprovider", "-p", "farm.fleet.collect_plugin",
               f"--fleet-collect-out={out}", *pytest_args]  # fmt: skip
        done = subprocess.run(
            cmd, cwd=project, env={**env, HOST_ENV: host},
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode not in (0, 5) or not out.is_file():
            tail = (done.stdout + done.stderr).strip().splitlines()[-15:]
            raise OptionError(
                f"fleet host '{host}': collecting the tests failed (pytest exit "
                f"{done.returncode}); fix the selection or inventory:\n" + "\n".join(tail)
            )
        return json.loads(out.read_text(encoding="utf-8"))


def collect_all(
    project: Path, hosts: Sequence[str], pytest_args: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """``collect`` for every host, in parallel."""
    env = dict(os.environ)
    with ThreadPoolExecutor(max_workers=max(1, len(hosts))) as pool:
        found = pool.map(lambda h: collect(project, h, pytest_args, env), hosts)
        return dict(zip(hosts, found, strict=True))


def assign(collected: Mapping[str, Sequence[dict[str, Any]]]) -> list[PlannedTest]:
    """Give each test id to one host (balanced for tests several hosts collected)."""
    where: dict[str, list[str]] = {}
    info: dict[str, dict[str, Any]] = {}
    for host in sorted(collected):
        for item in collected[host]:
            where.setdefault(item["test_id"], []).append(host)
            info[item["test_id"]] = item
    load = {h: 0 for h in collected}
    planned = []
    # Single-host tests first, so shared ones fill the gaps.
    for test_id in sorted(where, key=lambda t: (len(where[t]), t)):
        host = min(where[test_id], key=lambda h: (load[h], h))
        load[host] += 0 if info[test_id].get("skip") else 1
        planned.append(PlannedTest(test_id, host, info[test_id]))
    return planned


def by_host(planned: Sequence[PlannedTest]) -> dict[str, list[PlannedTest]]:
    """Planned tests grouped per host."""
    out: dict[str, list[PlannedTest]] = {}
    for test in planned:
        out.setdefault(test.host, []).append(test)
    return out
