"""Fixtures for the model zoo tests: the committed zoo and its generator package."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
if str(MODELS_DIR) not in sys.path:
    # The generator is a script directory, not an installed package (models/zoo/).
    sys.path.insert(0, str(MODELS_DIR))


@pytest.fixture(scope="session")
def models_dir() -> Path:
    """The committed zoo."""
    return MODELS_DIR


@pytest.fixture(scope="session")
def manifest(models_dir: Path) -> dict[str, dict]:
    """Parsed models/models.yaml."""
    return yaml.safe_load((models_dir / "models.yaml").read_text())
