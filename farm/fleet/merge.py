"""Bring a fleet run home: download its rows and artifacts, fill the gaps, write one report.

Rows come from the store (the truth: what each PC finished). A planned test with no row on a PC
that was lost gets an infra-error row "node lost: <pc>" in the local run directory only, never
in the store, so ``farm fleet run --resume`` runs it again; its new row then replaces it (same
test id, same file), so no test ever has two rows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from farm.fleet.keys import FLEET_DIR
from farm.fleet.plan import PlannedTest
from farm.results.schema import Outcome, ResultRow, safe_id
from farm.results.store import RunStore, md5_file
from farm.results.writer import ROWS_DIR, RowWriter, atomic_write_bytes

log = logging.getLogger(__name__)

NODE_LOST_KIND = "node-lost"


def stored_test_keys(store: RunStore, run_id: str) -> set[str]:
    """Row keys (``<safe id>.json``) the store holds for ``run_id``."""
    prefix = f"{run_id}/{ROWS_DIR}/"
    return {k[len(prefix) :] for k in store.checksums(prefix)}


def has_row(test_id: str, keys: set[str]) -> bool:
    return f"{safe_id(test_id)}.json" in keys


def download_run(store: RunStore, run_id: str, run_dir: Path) -> int:
    """Copy every object of ``run_id`` (but the fleet's control files) into ``run_dir``."""
    n = 0
    for key, md5 in store.checksums(f"{run_id}/").items():
        rel = key[len(run_id) + 1 :]
        if rel.startswith(f"{FLEET_DIR}/") or ".." in rel.split("/"):
            continue
        path = run_dir / rel
        if path.is_file() and md5_file(path) == md5:
            continue
        data = store.get_bytes(key)
        if data is not None:
            atomic_write_bytes(path, data)
            n += 1
    return n


def node_lost_row(run_id: str, test: PlannedTest, why: str) -> ResultRow:
    """The infra-error row of a test its PC never finished."""
    info = test.info
    now = datetime.now(UTC)
    return ResultRow(
        run_id=run_id, test_id=test.test_id, model=info.get("model"),
        firmware=info.get("firmware"), firmware_version=info.get("firmware_version"),
        target=info.get("target"), outcome=Outcome.ERROR, reason=why,
        error_kind=NODE_LOST_KIND, host=test.host, started_at=now, finished_at=now,
    )  # fmt: skip


def fill_gaps(
    run_id: str,
    run_dir: Path,
    planned: Iterable[PlannedTest],
    lost: Mapping[str, str],
) -> int:
    """Write "node lost" rows for planned tests without a row; returns how many."""
    writer = RowWriter(run_dir)
    n = 0
    for test in planned:
        if writer.path_for(test.test_id).is_file():
            continue
        why = lost.get(test.host) or f"no result from {test.host}: the shard ended without a row"
        writer.write(node_lost_row(run_id, test, why))
        n += 1
    return n
