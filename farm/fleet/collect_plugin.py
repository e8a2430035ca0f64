"""pytest plugin for ``pytest --collect-only``: write what a lab PC would run, as JSON.

The dispatcher runs one collection per lab PC (``FARM_FLEET_HOST`` set, so the PC's view of the
inventory), and plans from the test ids pytest itself produced: one row per collected test is
exactly what the shard's run will write.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("farm").addoption(
        "--fleet-collect-out", metavar="PATH", help="write the collected matrix tests as JSON"
    )


def describe(item: pytest.Item) -> dict[str, Any] | None:
    """Identity of a matrix test (None for a test that uses no board pool)."""
    params: dict[str, Any] = getattr(getattr(item, "callspec", None), "params", {})
    pool = params.get("board_pool")
    if not hasattr(pool, "board_ids"):  # no pool, or an empty parameter set (pytest's NOTSET)
        return None
    model, firmware = params.get("model"), params.get("firmware")
    return {
        "test_id": item.nodeid,
        "pool": pool.id,
        "boards": list(pool.board_ids),
        "target": pool.target.name,
        "model": getattr(model, "key", None),
        "firmware": getattr(firmware, "name", None),
        "firmware_version": getattr(firmware, "version", None),
        "skip": item.get_closest_marker("skip") is not None,
    }


def pytest_collection_finish(session: pytest.Session) -> None:
    out = session.config.getoption("fleet_collect_out")
    if not out:
        return
    found = [d for d in (describe(item) for item in session.items) if d is not None]
    Path(out).write_text(json.dumps(found, indent=1), encoding="utf-8")
