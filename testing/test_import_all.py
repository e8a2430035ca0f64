"""Every farm module imports (catches syntax errors and import cycles in rarely used code)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import farm

MODULES = sorted(m.name for m in pkgutil.walk_packages(farm.__path__, "farm."))


@pytest.mark.parametrize("name", MODULES)
def test_import(name: str) -> None:
    if name == "farm.fleet.flow":  # the one module that imports Prefect at the top
        pytest.importorskip("prefect", reason="farm fleet needs the 'fleet' extra")
    importlib.import_module(name)
