"""Fixtures of the build tests: a shared build cache for the session, the repository root."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HARNESS = REPO / "firmware" / "harness"
DATA = REPO / "testing" / "data" / "builds"


@pytest.fixture(scope="session")
def build_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for the whole session, so each twin image is compiled once."""
    return tmp_path_factory.mktemp("firmware-cache")
