"""pytest plugin of a fleet shard (``pytest -p farm.fleet.shard_plugin``).

* runs only the tests the dispatcher gave this PC (``--fleet-items FILE``, a JSON list of ids);
* uploads each row, with its log and trace, the moment the test's row is written (on the
  process that ran the test, so an xdist controller never uploads twice);
* leases boards several PCs share through Prefect (:mod:`farm.fleet.board_leases`);
* backs the firmware build cache with the store, locked fleet-wide per key.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from farm.errors import StoreError

log = logging.getLogger(__name__)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("farm").addoption(
        "--fleet-items", metavar="PATH", help="JSON list of the test ids this shard runs"
    )


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(ShardPlugin(config), "farm-fleet-shard")


def _runs_tests(config: pytest.Config) -> bool:
    """True in the process that runs tests (an xdist worker, or pytest without xdist)."""
    if getattr(config, "workerinput", None) is not None:
        return True
    return getattr(config.option, "dist", "no") == "no"


class ShardPlugin:
    """The shard's hooks, with their state (uploader, leases, remote cache) per process."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self._uploader: Any = None
        self._leases: Any = None
        self._leases_made = False
        self._remote: Any = None

    def _farm(self) -> Any:
        from farm.plugin.session import get_session

        return get_session(self.config)

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        path = self.config.getoption("fleet_items")
        if not path:
            return
        wanted = set(json.loads(Path(path).read_text(encoding="utf-8")))
        dropped = [i for i in items if i.nodeid not in wanted]
        if dropped:
            self.config.hook.pytest_deselected(items=dropped)
        items[:] = [i for i in items if i.nodeid in wanted]

    def uploader(self) -> Any:
        if self._uploader is None:
            from farm.fleet.upload import ShardUploader
            from farm.results.store import open_store
            from farm.store_config import load_store_config

            self._uploader = ShardUploader(open_store(load_store_config()), self._farm().run_dir)
        return self._uploader

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """After the teardown report the row is on disk: send it (and its artifacts) now."""
        if report.when != "teardown" or not _runs_tests(self.config):
            return
        from farm.results.writer import RowWriter

        row = RowWriter(self._farm().run_dir).path_for(report.nodeid)
        if not row.is_file():
            return
        try:
            self.uploader().upload_row(row)
        except StoreError as exc:  # the row is safe on disk; the shard's final sweep retries
            log.warning("fleet: upload of %s failed: %s", report.nodeid, exc)

    def pytest_farm_leases(self, farm: Any) -> Any:
        """Fleet leases when this PC's inventory has boards shared with other PCs."""
        if not self._leases_made:
            self._leases_made = True
            shared = {b.id for b in farm.inventory.boards if len(b.hosts) > 1}
            if shared:
                from farm.fleet.board_leases import FleetLeases

                self._leases = FleetLeases(farm.leases, shared)
        return self._leases

    def pytest_farm_build_remote(self, farm: Any) -> Any:
        """The store as the build cache's second tier, one build per key for the fleet."""
        if self._remote is None:
            from farm.fleet.build_store import StoreBuildCache
            from farm.fleet.locks import build_lock
            from farm.results.store import open_store
            from farm.store_config import load_store_config

            host = farm.resolved.values.fleet_host or "local"
            self._remote = StoreBuildCache(
                open_store(load_store_config()), host, farm.run_id, lock=build_lock
            )
        return self._remote
