"""Per-process farm state kept in ``config.stash`` (never in module globals)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pytest

from farm.catalog import Catalog
from farm.discovery import discover_firmware
from farm.errors import ModelSourceError
from farm.inventory import Inventory
from farm.inventory_loader import load_inventory
from farm.lease import LeaseManager
from farm.matrix import Matrix, expand
from farm.model_store import ModelsFound, find_models
from farm.plugin.options import FarmOptions
from farm.quarantine import QuarantineBook
from farm.settings import ResolvedSettings


@dataclass
class FarmSession:
    """What the ``farm`` fixture gives a test: settings, lab description and run identity.

    Inventory, models and firmware are loaded on first use, so a pytest run that does not use
    the farm (the project's own tests) never reads ``inventory.yaml``.
    """

    options: FarmOptions
    resolved: ResolvedSettings
    run_id: str
    is_worker: bool
    _inventory: Inventory | None = field(default=None, repr=False)
    _matrix: Matrix | None = field(default=None, repr=False)
    _models: ModelsFound | None = field(default=None, repr=False)
    models_error: ModelSourceError | None = field(default=None, repr=False)
    """Why the models setting gave no models (raised by tests that use the model axis)."""

    @cached_property
    def catalog(self) -> Catalog:
        """The target catalog (loaded on first use)."""
        return Catalog.load()

    @property
    def settings(self) -> ResolvedSettings:
        """Effective settings (``.values``) and their sources (``.sources``)."""
        return self.resolved

    @property
    def inventory(self) -> Inventory:
        """The validated inventory (InventoryError on the first access if it is broken)."""
        if self._inventory is None:
            inventory = load_inventory(self.resolved.values.inventory, self.catalog)
            host = self.resolved.values.fleet_host
            self._inventory = inventory if host is None else inventory.on_host(host)
        return self._inventory

    @cached_property
    def run_dir(self) -> Path:
        """``<reports_dir>/<run_id>/``, shared by every xdist worker of the run (created)."""
        path = self.resolved.values.reports_dir / self.run_id
        path.mkdir(parents=True, exist_ok=True)
        return path

    @cached_property
    def leases(self) -> LeaseManager:
        """Board leases in the settings' lock directory."""
        return LeaseManager(self.resolved.values.lock_dir)

    @cached_property
    def quarantine(self) -> QuarantineBook:
        """Infra-error counts of this run."""
        return QuarantineBook(self.run_dir, self.resolved.values.quarantine_after)

    def models(self) -> ModelsFound:
        """The models of the run, fetched once (ModelSourceError when the setting names none)."""
        if self._models is None:
            values = self.resolved.values
            self._models = find_models(values.models_dir, values.cache_dir.resolve())
        return self._models

    def matrix(self) -> Matrix:
        """Models x pools x firmware after ``--farm-*`` selection (computed once). Without
        models (``models_error`` set) the matrix has pools and firmware but no items."""
        if self._matrix is None:
            values = self.resolved.values
            try:
                models = self.models().models
            except ModelSourceError as exc:
                self.models_error, models = exc, []
            self._matrix = expand(
                self.inventory,
                self.catalog,
                models,
                discover_firmware(values.firmware_dir),
                self.options.selection,
            )
        return self._matrix


FARM_KEY = pytest.StashKey[FarmSession]()


def get_session(config: pytest.Config) -> FarmSession:
    """The FarmSession of this pytest process."""
    return config.stash[FARM_KEY]
